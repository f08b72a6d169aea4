//! What a link's clients share: a signalling connection to a node (chorus-proto frames over
//! the WebSocket the signalling relay opens), the tokens they join with (made with the app's
//! key, which every node of a cluster holds), and a str0m peer in RTP mode on a UDP socket.

use std::net::{SocketAddr, UdpSocket as StdUdpSocket};
use std::time::{Duration, Instant};

use chorus_media::RtcSetup;
use chorus_proto::{
    Event, JoinRoomParams, Request, RequestFrame, RoomConfig, RtcError, ServerFrame, UserInfo,
};
use chorus_token::Privilege;
use futures_util::{SinkExt as _, StreamExt as _};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event as RtcEvent, Input, Output, Rtc};
use tokio::net::UdpSocket;
use tokio_tungstenite::tungstenite::Message;

use super::super::{ClusterError, Node, Upstream};
use crate::ctx::Ctx;
use crate::room::RoomKey;

/// How long a request of a link's client may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a link's token lives; a link outliving it rejoins with a new one.
const TOKEN_SECS: u32 = 24 * 3600;

/// Why a link's client failed.
#[derive(Debug, thiserror::Error)]
pub(super) enum SpanError {
    /// The node could not be reached.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// The signalling connection failed or closed.
    #[error("signalling: {0}")]
    Signal(String),
    /// The node refused a request.
    #[error("{method}: {error}")]
    Refused {
        /// The method.
        method: &'static str,
        /// Why.
        error: RtcError,
    },
    /// The media transport failed.
    #[error("media: {0}")]
    Media(String),
    /// The room removed the client.
    #[error("removed from the room: {0}")]
    Removed(String),
    /// The app has no key here.
    #[error("the app {0} has no key on this node")]
    NoKey(String),
}

impl SpanError {
    pub(super) fn media(e: impl std::fmt::Display) -> Self {
        SpanError::Media(e.to_string())
    }
}

/// A token of `user` (the link's observer, or a mirror of an app user) for `key`'s room with
/// every privilege, signed as the server signs its own clients' (`own_users`).
pub(super) fn link_token(ctx: &Ctx, key: &RoomKey, user: &str) -> Result<String, SpanError> {
    let app_key = ctx
        .config
        .apps
        .key(&key.app_id)
        .ok_or_else(|| SpanError::NoKey(key.app_id.to_string()))?;
    let expire = u32::try_from(crate::clock::now_secs())
        .unwrap_or(u32::MAX)
        .saturating_add(TOKEN_SECS);
    let mut token = crate::own_users::server_token(&key.app_id, app_key, &key.room_id, user)
        .with_expire_at(expire);
    for privilege in Privilege::ALL {
        token = token.add_privilege(privilege, expire);
    }
    token
        .serialize()
        .map_err(|e| SpanError::Signal(e.to_string()))
}

/// A signalling connection with requests answered in order.
pub(super) struct Signal {
    ws: Upstream,
    next_id: u64,
}

impl Signal {
    /// Connects to `node` and joins `key`'s room as `user` (hidden unless `visible`),
    /// subscribing to nothing by itself; returns the events read while joining.
    pub(super) async fn join(
        ctx: &Ctx,
        node: &Node,
        key: &RoomKey,
        user: &str,
        visible: bool,
    ) -> Result<(Signal, Vec<Event>), SpanError> {
        let cluster = ctx
            .cluster
            .as_ref()
            .ok_or_else(|| SpanError::Signal("not in cluster mode".into()))?;
        let token = link_token(ctx, key, user)?;
        let ws = cluster.connect_upstream(node, Some(&key.app_id)).await?;
        let mut signal = Signal { ws, next_id: 1 };
        let join = JoinRoomParams {
            token: Some(token),
            room_id: key.room_id.to_string(),
            user_info: UserInfo {
                user_id: user.to_owned(),
                extra_info: None,
            },
            room_config: Some(RoomConfig {
                is_auto_subscribe_audio: Some(false),
                is_auto_subscribe_video: Some(false),
                ..RoomConfig::default()
            }),
            visible: Some(visible),
        };
        let mut events = Vec::new();
        signal.call(Request::JoinRoom(join), &mut events).await?;
        Ok((signal, events))
    }

    /// Sends `request` without waiting for its answer.
    pub(super) async fn send(&mut self, request: Request) -> Result<u64, SpanError> {
        let id = self.next_id;
        self.next_id += 1;
        let text = RequestFrame { id, request }.to_json();
        self.ws
            .send(Message::text(text))
            .await
            .map_err(|e| SpanError::Signal(e.to_string()))?;
        Ok(id)
    }

    /// Sends `request` and waits for its answer; events read meanwhile go to `events`.
    pub(super) async fn call(
        &mut self,
        request: Request,
        events: &mut Vec<Event>,
    ) -> Result<serde_json::Value, SpanError> {
        let method = request.method();
        let id = self.send(request).await?;
        let answer = tokio::time::timeout(REQUEST_TIMEOUT, async {
            loop {
                match self.next_frame().await? {
                    ServerFrame::Event(event) => events.push(event),
                    ServerFrame::Response {
                        id: Some(got),
                        outcome,
                    } if got == id => {
                        return outcome.map_err(|error| SpanError::Refused { method, error });
                    }
                    _ => {}
                }
            }
        })
        .await;
        answer.map_err(|_| SpanError::Signal(format!("no answer to {method}")))?
    }

    /// The next frame from the node.
    pub(super) async fn next_frame(&mut self) -> Result<ServerFrame, SpanError> {
        loop {
            let message = self
                .ws
                .next()
                .await
                .ok_or_else(|| SpanError::Signal("the node closed the connection".into()))?
                .map_err(|e| SpanError::Signal(e.to_string()))?;
            if let Message::Text(text) = message {
                return ServerFrame::parse(&text)
                    .map_err(|e| SpanError::Signal(format!("unreadable frame: {e:?}")));
            }
        }
    }

    /// Closes without leaving: the room keeps the user for its reconnect grace.
    pub(super) async fn drop_connection(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.ws.close(None)).await;
    }

    /// Leaves the room and closes, briefly waiting for the answer.
    pub(super) async fn leave(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            let mut events = Vec::new();
            let _ = self
                .call(Request::LeaveRoom(Default::default()), &mut events)
                .await;
        })
        .await;
        let _ = self.ws.close(None).await;
    }
}

/// A str0m peer in RTP mode and its UDP socket.
pub(super) struct Peer {
    pub(super) rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
}

impl Peer {
    /// A peer on a socket of the address that routes to `node`'s host.
    pub(super) async fn bind(node: &Node) -> Result<Peer, SpanError> {
        let host = node
            .url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .ok_or_else(|| SpanError::media(format!("no host in {}", node.url)))?;
        let server = tokio::net::lookup_host(host)
            .await
            .map_err(SpanError::media)?
            .next()
            .ok_or_else(|| SpanError::media(format!("{host} resolves to nothing")))?;
        let probe = StdUdpSocket::bind(SocketAddr::new(server.ip(), 0))
            .or_else(|_| StdUdpSocket::bind("0.0.0.0:0"))
            .map_err(SpanError::media)?;
        probe.connect(server).map_err(SpanError::media)?;
        let ip = probe.local_addr().map_err(SpanError::media)?.ip();
        drop(probe);
        let socket = StdUdpSocket::bind(SocketAddr::new(ip, 0)).map_err(SpanError::media)?;
        let _ = socket2::SockRef::from(&socket).set_recv_buffer_size(4 << 20);
        socket.set_nonblocking(true).map_err(SpanError::media)?;
        let socket = UdpSocket::from_std(socket).map_err(SpanError::media)?;
        let local = socket.local_addr().map_err(SpanError::media)?;
        let setup = RtcSetup {
            vp8: true,
            ..RtcSetup::load_client()
        };
        let mut rtc = setup.config().build(Instant::now());
        rtc.add_local_candidate(Candidate::host(local, "udp").map_err(SpanError::media)?);
        Ok(Peer { rtc, socket, local })
    }

    /// Waits until the socket has something to read.
    pub(super) async fn readable(&self) -> Result<(), SpanError> {
        self.socket.readable().await.map_err(SpanError::media)
    }

    /// Reads what the socket has (at most a batch), handing str0m's events to `on_event`.
    pub(super) fn read(
        &mut self,
        buf: &mut [u8],
        on_event: &mut impl FnMut(&mut Rtc, RtcEvent),
    ) -> Result<(), SpanError> {
        for _ in 0..64 {
            let Ok((n, source)) = self.socket.try_recv_from(buf) else {
                return Ok(());
            };
            let Ok(receive) = Receive::new(Protocol::Udp, source, self.local, &buf[..n]) else {
                continue;
            };
            self.rtc
                .handle_input(Input::Receive(Instant::now(), receive))
                .map_err(SpanError::media)?;
            self.drain(on_event)?;
        }
        Ok(())
    }

    /// Advances str0m's clock and sends what it has; returns when it next wants a timeout.
    pub(super) fn tick(
        &mut self,
        on_event: &mut impl FnMut(&mut Rtc, RtcEvent),
    ) -> Result<Instant, SpanError> {
        self.rtc
            .handle_input(Input::Timeout(Instant::now()))
            .map_err(SpanError::media)?;
        self.drain(on_event)
    }

    /// Drains str0m's output; returns when it next wants a timeout.
    pub(super) fn drain(
        &mut self,
        on_event: &mut impl FnMut(&mut Rtc, RtcEvent),
    ) -> Result<Instant, SpanError> {
        loop {
            match self.rtc.poll_output().map_err(SpanError::media)? {
                Output::Timeout(at) => return Ok(at),
                Output::Transmit(t) => {
                    let _ = self.socket.try_send_to(&t.contents, t.destination);
                }
                Output::Event(event) => on_event(&mut self.rtc, event),
            }
        }
    }
}
