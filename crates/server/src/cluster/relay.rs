//! The signalling relay: a client that reached this node for a room another node runs gets
//! its WebSocket piped, frame for frame, to that node's signalling endpoint. This node keeps
//! the client's connection alive (pings, idle timeout) and the room's node sees an ordinary
//! client. Neither side's frames are parsed here: the relay never changes what is said.
//!
//! When this node drains, each relay under way closes its client's connection as the node's
//! own sessions do (1012 and [`DRAINING`]), and its upstream with a plain close, which the
//! room's node takes as a lost connection: the client reconnects elsewhere and resumes its
//! session there within the reconnect grace.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, close_code};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::Message as UpMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use super::{ClusterError, Node};

/// A WebSocket to the room's node.
pub(crate) type Upstream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The reason a draining node gives its clients, relayed or not, when it closes their
/// connections with code 1012 (service restart): the SDKs reconnect at once, and the
/// reconnect lands on another node.
pub(crate) const DRAINING: &str = "this node is draining; reconnect to continue on another node";

/// How long opening the WebSocket to the room's node may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The signalling URL of `node`, for a client that connected with `app_id`.
fn signal_url(node: &Node, app_id: Option<&str>) -> String {
    let base = node.url.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_owned()
    };
    let mut url = format!("{base}{}", chorus_proto::SIGNAL_PATH);
    if let Some(app_id) = app_id {
        url.push_str("?appId=");
        url.extend(form_urlencoded::byte_serialize(app_id.as_bytes()));
    }
    url
}

impl super::Cluster {
    /// Opens the WebSocket to `node`'s signalling endpoint (over TLS with the trust the
    /// server's other outbound calls use, `--ca` included).
    pub(crate) async fn connect_upstream(
        &self,
        node: &Node,
        app_id: Option<&str>,
    ) -> Result<Upstream, ClusterError> {
        self.connect_upstream_for(node, app_id, None).await
    }

    /// [`Self::connect_upstream`], vouching that the client connected from `client` when
    /// that is known.
    pub(crate) async fn connect_upstream_for(
        &self,
        node: &Node,
        app_id: Option<&str>,
        client: Option<SocketAddr>,
    ) -> Result<Upstream, ClusterError> {
        let unreachable = |reason: String| ClusterError::Unreachable {
            node: node.id.clone(),
            reason,
        };
        let mut url = signal_url(node, app_id)
            .into_client_request()
            .map_err(|e| unreachable(e.to_string()))?;
        if let Some(client) = client {
            let vouching = self
                .settings
                .relay_key
                .vouch(client, crate::clock::now_secs());
            if let Ok(value) = HeaderValue::from_str(&vouching) {
                url.headers_mut().insert(super::RELAYED_FOR, value);
            }
        }
        let config = WebSocketConfig::default()
            .max_message_size(Some(chorus_proto::MAX_FRAME_BYTES))
            .max_frame_size(Some(chorus_proto::MAX_FRAME_BYTES));
        let tls = Connector::Rustls(self.settings.tls.config());
        let connect =
            tokio_tungstenite::connect_async_tls_with_config(url, Some(config), true, Some(tls));
        match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
            Ok(Ok((upstream, _))) => Ok(upstream),
            Ok(Err(tungstenite::Error::Http(answer))) => Err(ClusterError::Refused {
                node: node.id.clone(),
                status: answer.status().as_u16(),
                reason: refusal_text(answer.body().as_deref()),
            }),
            Ok(Err(e)) => Err(unreachable(e.to_string())),
            Err(_) => Err(unreachable(format!(
                "no answer within {} s",
                CONNECT_TIMEOUT.as_secs()
            ))),
        }
    }
}

/// The first line of a refusal's body, short enough for an error message.
fn refusal_text(body: Option<&[u8]>) -> String {
    let text = body.map(String::from_utf8_lossy).unwrap_or_default();
    let line = text.lines().next().unwrap_or_default().trim();
    line.chars().take(120).collect()
}

/// Whether a write under a timeout went out.
fn sent<E, T>(write: Result<Result<(), E>, T>) -> bool {
    matches!(write, Ok(Ok(())))
}

/// How the relay keeps a client's connection: the session's own settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Liveness {
    /// How often the client is pinged.
    pub(crate) ping_interval: Duration,
    /// How long the client may be silent.
    pub(crate) idle_timeout: Duration,
    /// How long one write to either side may take.
    pub(crate) write_timeout: Duration,
}

/// Pipes `client` and `upstream` both ways, `first` (the client's first frame, already read
/// here) ahead of the rest, until either side closes, the client falls silent past the idle
/// timeout, a write to either side stalls past the write timeout (a client that stops
/// reading is dropped here, as a session would drop it), or `drained` completes, when the
/// client is told to reconnect elsewhere.
pub(crate) async fn pipe(
    client: WebSocket,
    mut upstream: Upstream,
    first: String,
    live: Liveness,
    drained: impl std::future::Future<Output = ()>,
) {
    let Liveness {
        ping_interval,
        idle_timeout,
        write_timeout,
    } = live;
    if upstream.send(UpMessage::text(first)).await.is_err() {
        return;
    }
    let (mut client_tx, mut client_rx) = client.split();
    let (mut up_tx, mut up_rx) = upstream.split();
    let mut ping = tokio::time::interval(ping_interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    tokio::pin!(drained);
    loop {
        tokio::select! {
            () = &mut drained => {
                let frame = CloseFrame {
                    code: close_code::RESTART,
                    reason: Utf8Bytes::from_static(DRAINING),
                };
                // Best effort: a client that does not read gets no reason.
                let _ = tokio::time::timeout(write_timeout, client_tx.send(Message::Close(Some(frame)))).await;
                break;
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > idle_timeout
                    || !sent(tokio::time::timeout(write_timeout, client_tx.send(Message::Ping(Default::default()))).await)
                {
                    break;
                }
            }
            from_client = client_rx.next() => {
                last_heard = Instant::now();
                let out = match from_client {
                    Some(Ok(Message::Text(text))) => UpMessage::text(text.as_str()),
                    Some(Ok(Message::Binary(bytes))) => UpMessage::binary(bytes),
                    // Each hop keeps its own connection alive.
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                if !sent(tokio::time::timeout(write_timeout, up_tx.send(out)).await) {
                    break;
                }
            }
            from_up = up_rx.next() => {
                let out = match from_up {
                    Some(Ok(UpMessage::Text(text))) => Message::Text(text.as_str().into()),
                    Some(Ok(UpMessage::Binary(bytes))) => Message::Binary(bytes),
                    Some(Ok(UpMessage::Close(frame))) => {
                        // The room's node closed (kicked, timed out): the client hears why.
                        let frame = frame.map(|f| axum::extract::ws::CloseFrame {
                            code: f.code.into(),
                            reason: f.reason.as_str().into(),
                        });
                        let _ = client_tx.send(Message::Close(frame)).await;
                        break;
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => break,
                };
                if !sent(tokio::time::timeout(write_timeout, client_tx.send(out)).await) {
                    break;
                }
            }
        }
    }
    let _ = up_tx.close().await;
    let _ = client_tx.close().await;
}
