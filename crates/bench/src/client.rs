//! A bare signalling client: one WebSocket, requests out as [`RequestFrame`]s, answers and
//! events in as [`ServerFrame`]s. Just enough protocol to join, leave, log in and listen (or
//! hand the socket to a benchmark that drives the protocol itself); it depends
//! on `chorus-proto` and `chorus-token` only, never on the server's or the SDK's internals.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use chorus_proto::{
    Empty, Event, JoinRoomParams, LoginParams, Request, RequestFrame, SIGNAL_PATH, ServerFrame,
    UserInfo,
};
use chorus_token::{AccessToken, Privilege};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A client's WebSocket.
pub(crate) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long any single request may take before the benchmark gives up on it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A token to publish and subscribe in `room` as `user`, valid forever.
pub(crate) fn token(room: &str, user: &str) -> anyhow::Result<String> {
    AccessToken::new(crate::APP_ID, crate::APP_KEY, room, user)
        .add_privilege(Privilege::PublishStream, 0)
        .add_privilege(Privilege::SubscribeStream, 0)
        .serialize()
        .context("cannot make a token")
}

/// What every listening connection adds to: `onUserJoined` events seen, and when the last
/// event of any kind arrived.
#[derive(Default)]
pub(crate) struct EventTally {
    /// `onUserJoined` events received.
    pub(crate) user_joined: AtomicU64,
    /// Milliseconds since `epoch` of the latest event.
    last_event_ms: AtomicU64,
    epoch: std::sync::OnceLock<Instant>,
}

impl EventTally {
    fn epoch(&self) -> Instant {
        *self.epoch.get_or_init(Instant::now)
    }

    /// Counts `event`.
    pub(crate) fn record(&self, event: &Event) {
        if matches!(event, Event::UserJoined(_)) {
            self.user_joined.fetch_add(1, Ordering::Relaxed);
        }
        let ms = u64::try_from(self.epoch().elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_event_ms.fetch_max(ms, Ordering::Relaxed);
    }

    /// How long since the latest event (or since the tally was first used).
    pub(crate) fn quiet_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_event_ms.load(Ordering::Relaxed));
        self.epoch().elapsed().saturating_sub(last)
    }

    /// Waits until no event has arrived for `quiet`, or `limit` has passed. Returns whether
    /// it went quiet.
    pub(crate) async fn settle(&self, quiet: Duration, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let silent = self.quiet_for();
            if silent >= quiet {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(quiet - silent).await;
        }
    }
}

/// A join's answer.
pub(crate) struct Joined {
    /// When joinRoom was sent.
    pub(crate) sent: Instant,
    /// From sending joinRoom to reading its result.
    pub(crate) took: Duration,
    /// `onUserJoined` events read before the result.
    pub(crate) user_joined: usize,
}

/// Waits, while listening, for the room snapshot that follows a join: reports the time from
/// `since` to the `remaining`-th `onUserJoined` event.
pub(crate) struct SnapshotWatch {
    /// `onUserJoined` events still to come.
    pub(crate) remaining: usize,
    /// When joinRoom was sent.
    pub(crate) since: Instant,
    /// Where the time goes.
    pub(crate) report: mpsc::UnboundedSender<Duration>,
}

/// One signalling connection.
pub(crate) struct Client {
    ws: Ws,
    next_id: u64,
    tally: Arc<EventTally>,
}

impl Client {
    /// Opens `ws://addr/signal/v1`. Nagle is off, as a latency-minded client would have it;
    /// buffers are small because the benchmark may hold thousands of these.
    pub(crate) async fn connect(
        addr: SocketAddr,
        tally: Arc<EventTally>,
    ) -> anyhow::Result<Client> {
        Self::connect_with(addr, None, tally).await
    }

    /// [`Client::connect`], or `wss://` checked with `tls` when given.
    pub(crate) async fn connect_with(
        addr: SocketAddr,
        tls: Option<Arc<chorus_server::ClientConfig>>,
        tally: Arc<EventTally>,
    ) -> anyhow::Result<Client> {
        let scheme = if tls.is_some() { "wss" } else { "ws" };
        let url = format!("{scheme}://{addr}{SIGNAL_PATH}");
        let connector = tls.map(tokio_tungstenite::Connector::Rustls);
        let config = WebSocketConfig::default()
            .read_buffer_size(4 * 1024)
            .write_buffer_size(0);
        let (ws, _) = tokio::time::timeout(
            REQUEST_TIMEOUT,
            tokio_tungstenite::connect_async_tls_with_config(
                url.as_str(),
                Some(config),
                true,
                connector,
            ),
        )
        .await
        .map_err(|_| anyhow!("connecting to {url} timed out"))?
        .with_context(|| format!("cannot connect to {url}"))?;
        tally.epoch();
        Ok(Client {
            ws,
            next_id: 1,
            tally,
        })
    }

    /// Joins `room` as `user`. Events that arrive before the answer are tallied.
    pub(crate) async fn join(
        &mut self,
        room: &str,
        user: &str,
        token: String,
    ) -> anyhow::Result<Joined> {
        let request = Request::JoinRoom(JoinRoomParams {
            token: Some(token),
            room_id: room.to_owned(),
            user_info: UserInfo {
                user_id: user.to_owned(),
                extra_info: None,
            },
            room_config: None,
            visible: None,
        });
        let sent = Instant::now();
        let (result, user_joined) = self.request(request).await?;
        let took = sent.elapsed();
        let joined_as = result.get("userId").and_then(|v| v.as_str());
        if joined_as != Some(user) {
            bail!("joinRoom answered {result} for user {user:?}");
        }
        Ok(Joined {
            sent,
            took,
            user_joined,
        })
    }

    /// Logs in to messaging outside rooms as `user`; `token` is made for room "".
    pub(crate) async fn login(&mut self, user: &str, token: String) -> anyhow::Result<()> {
        let request = Request::Login(LoginParams {
            token,
            user_id: user.to_owned(),
        });
        self.request(request).await.map(drop)
    }

    /// The socket, for a benchmark that drives the protocol itself, and the id its next
    /// request should carry.
    pub(crate) fn into_parts(self) -> (Ws, u64) {
        (self.ws, self.next_id)
    }

    /// Leaves the room and waits for the answer.
    pub(crate) async fn leave(&mut self) -> anyhow::Result<()> {
        self.request(Request::LeaveRoom(Empty {})).await.map(drop)
    }

    /// Sends `request` and reads frames until its answer; returns the result and how many
    /// `onUserJoined` events came before it.
    async fn request(&mut self, request: Request) -> anyhow::Result<(serde_json::Value, usize)> {
        let id = self.next_id;
        self.next_id += 1;
        let method = request.method();
        let text = RequestFrame { id, request }.to_json();
        tokio::time::timeout(REQUEST_TIMEOUT, async {
            self.ws
                .send(Message::Text(text.into()))
                .await
                .with_context(|| format!("cannot send {method}"))?;
            let mut user_joined = 0;
            loop {
                match self.read(method).await? {
                    ServerFrame::Event(Event::UserJoined(_)) => user_joined += 1,
                    ServerFrame::Event(_) => {}
                    ServerFrame::Response {
                        id: Some(got),
                        outcome,
                    } if got == id => {
                        let result = outcome.map_err(|e| anyhow!("{method} failed: {e}"))?;
                        return Ok((result, user_joined));
                    }
                    other => bail!("unexpected {other:?} while waiting for {method} #{id}"),
                }
            }
        })
        .await
        .map_err(|_| anyhow!("no answer to {method} within {REQUEST_TIMEOUT:?}"))?
    }

    /// Reads the next protocol frame, tallying it if it is an event; `waiting_for` names what
    /// the caller waits for, for errors.
    async fn read(&mut self, waiting_for: &str) -> anyhow::Result<ServerFrame> {
        loop {
            let message = self
                .ws
                .next()
                .await
                .ok_or_else(|| {
                    anyhow!("the server closed the connection while we waited for {waiting_for}")
                })?
                .with_context(|| format!("connection failed while waiting for {waiting_for}"))?;
            let text = match message {
                Message::Text(text) => text,
                Message::Close(frame) => {
                    bail!(
                        "the server closed the connection ({frame:?}) while we waited for {waiting_for}"
                    )
                }
                _ => continue,
            };
            let frame =
                ServerFrame::parse(&text).with_context(|| format!("unreadable frame {text}"))?;
            if let ServerFrame::Event(event) = &frame {
                self.tally.record(event);
            }
            return Ok(frame);
        }
    }

    /// Hands the connection to a task that reads (and tallies) whatever the server sends,
    /// as an idle client's SDK would, until the connection ends or the task is aborted.
    /// With a `watch`, it also reports when the room snapshot is complete.
    pub(crate) fn listen(self, mut watch: Option<SnapshotWatch>) -> JoinHandle<()> {
        let Client { mut ws, tally, .. } = self;
        tokio::spawn(async move {
            while let Some(Ok(message)) = ws.next().await {
                if let Message::Text(text) = message
                    && let Ok(ServerFrame::Event(event)) = ServerFrame::parse(&text)
                {
                    tally.record(&event);
                    if let (Some(w), Event::UserJoined(_)) = (&mut watch, &event) {
                        w.remaining = w.remaining.saturating_sub(1);
                        if w.remaining == 0 {
                            let _ = w.report.send(w.since.elapsed());
                            watch = None;
                        }
                    }
                }
            }
        })
    }

    /// Closes the connection politely.
    pub(crate) async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.ws.close(None)).await;
    }
}

/// Joins `count` users into rooms of their own, then has them leave and hang up.
pub(crate) async fn warm_up(
    addr: SocketAddr,
    count: usize,
    room_size: usize,
) -> anyhow::Result<()> {
    let tally = Arc::new(EventTally::default());
    let mut clients = Vec::with_capacity(count);
    for i in 0..count {
        let room = format!("warmup-{}", i / room_size);
        let user = format!("warmup-{i}");
        let mut client = Client::connect(addr, tally.clone()).await?;
        client.join(&room, &user, token(&room, &user)?).await?;
        clients.push(client);
    }
    for mut client in clients {
        client.leave().await?;
        client.close().await;
    }
    Ok(())
}
