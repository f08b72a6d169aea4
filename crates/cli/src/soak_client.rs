//! One `chorus soak` client: a raw signalling WebSocket (`chorus-proto` frames over
//! tokio-tungstenite, no SDK and no media) that loops at random through what real clients do
//! to a server over hours: connect, join a room or log in outside rooms, publish and
//! unpublish, send room and user messages, stall (stop reading), leave, or drop the
//! connection and come back within or past the reconnect grace period.
//!
//! Depends only on the protocol crate and the token helper, not on the server's internals,
//! so what it finds is what any client would; and it keeps no state that grows with time,
//! so the soak's own figures stay flat.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chorus_proto::{
    Empty, JoinRoomParams, LoginParams, MediaParams, MediaType, MessageParams, PeerParams, Request,
    RequestFrame, RoomConfig, ServerFrame, UserInfo, UserMessageParams,
};
use futures_util::{SinkExt as _, StreamExt as _};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::loadtest_url::ServerUrl;

/// How long one request may wait for its answer: every request loop is bounded by it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The server's default reconnect grace period; "past the grace period" waits longer.
const GRACE: Duration = Duration::from_secs(20);
/// Most requests in one session before it ends: sessions stay short, so churn stays high.
const MAX_STEPS: u32 = 30;

/// What every client shares.
pub(crate) struct Plan {
    pub(crate) server: ServerUrl,
    pub(crate) app: (String, String),
    /// Clients in all; rooms hold about ten of them.
    pub(crate) clients: usize,
    pub(crate) seed: u64,
}

impl Plan {
    fn rooms(&self) -> usize {
        self.clients.div_ceil(10).max(1)
    }
}

/// What the clients report; read by the soak's reporter.
#[derive(Default)]
pub(crate) struct Tally {
    /// Clients with an open signalling connection.
    pub(crate) connected: AtomicUsize,
    /// Requests answered (with a result or an error code).
    pub(crate) ops: AtomicU64,
    /// Joins that took over a session in its grace period (`resumed: true`).
    pub(crate) resumed: AtomicU64,
    /// Failures by kind: transport failures by name, error answers by their code.
    pub(crate) errors: Mutex<BTreeMap<String, u64>>,
}

impl Tally {
    fn error(&self, kind: String) {
        if let Ok(mut errors) = self.errors.lock() {
            *errors.entry(kind).or_default() += 1;
        }
    }
}

/// Why a session ended early.
#[derive(Debug)]
enum SessionError {
    /// The WebSocket could not be opened in time.
    Connect,
    /// The server closed the connection (after a stall, often by design).
    Closed,
    /// A request went unanswered for [`REQUEST_TIMEOUT`].
    Timeout,
    /// No token could be made (a bad app id or key).
    Token,
    /// The soak is over.
    Stopped,
}

impl SessionError {
    /// The kind's name in the error counts.
    fn kind(&self) -> &'static str {
        match self {
            SessionError::Connect => "connect",
            SessionError::Closed => "closed",
            SessionError::Timeout => "timeout",
            SessionError::Token => "token",
            SessionError::Stopped => "stopped",
        }
    }
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One signalling connection.
struct Session<'a> {
    ws: Ws,
    next_id: u64,
    tally: &'a Tally,
}

impl Session<'_> {
    /// Sends `request` and reads until its answer (None for an error answer); events read
    /// meanwhile are dropped. An error answer is counted by code and is not a failure of the
    /// session.
    async fn call(&mut self, request: Request) -> Result<Option<serde_json::Value>, SessionError> {
        let method = request.method();
        let id = self.next_id;
        self.next_id += 1;
        let text = RequestFrame { id, request }.to_json();
        self.ws
            .send(Message::Text(text.into()))
            .await
            .map_err(|_| SessionError::Closed)?;
        let answer = tokio::time::timeout(REQUEST_TIMEOUT, async {
            loop {
                match self.next_frame().await? {
                    ServerFrame::Response {
                        id: Some(got),
                        outcome,
                    } if got == id => return Ok(outcome),
                    _ => {}
                }
            }
        })
        .await
        .map_err(|_| SessionError::Timeout)??;
        self.tally.ops.fetch_add(1, Ordering::Relaxed);
        match answer {
            Ok(result) => Ok(Some(result)),
            Err(e) => {
                self.tally.error(format!("{method}:{:?}", e.code));
                Ok(None)
            }
        }
    }

    async fn next_frame(&mut self) -> Result<ServerFrame, SessionError> {
        loop {
            match self.ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    if let Ok(frame) = ServerFrame::parse(&text) {
                        return Ok(frame);
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Err(SessionError::Closed),
            }
        }
    }

    /// Keeps reading (so pings are answered) for `pause`.
    async fn idle(&mut self, pause: Duration) -> Result<(), SessionError> {
        let until = tokio::time::Instant::now() + pause;
        loop {
            match tokio::time::timeout_at(until, self.next_frame()).await {
                Err(_) => return Ok(()),
                Ok(frame) => {
                    frame?;
                }
            }
        }
    }
}

/// Runs client `index` until `stop` turns true.
pub(crate) async fn run(
    index: usize,
    plan: Arc<Plan>,
    tally: Arc<Tally>,
    mut stop: watch::Receiver<bool>,
) {
    let mut rng = StdRng::seed_from_u64(plan.seed ^ (index as u64).wrapping_mul(0x9e37_79b9));
    let user = format!("soak-{index}");
    // Spread the first connections over a few seconds.
    let start = Duration::from_millis(rng.random_range(0..3000));
    if sleep_or_stop(&mut stop, start).await {
        return;
    }
    loop {
        let outcome = tokio::select! {
            outcome = session(index, &user, &plan, &tally, &mut rng) => outcome,
            _ = stop.changed() => Err(SessionError::Stopped),
        };
        let away = match outcome {
            Ok(away) => away,
            Err(SessionError::Stopped) => return,
            Err(e) => {
                tally.error(e.kind().to_owned());
                Duration::from_millis(rng.random_range(500..3000))
            }
        };
        if sleep_or_stop(&mut stop, away).await {
            return;
        }
    }
}

/// True when stopped during the sleep.
async fn sleep_or_stop(stop: &mut watch::Receiver<bool>, pause: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(pause) => *stop.borrow(),
        _ = stop.changed() => true,
    }
}

/// One connection from connect to its end; returns how long to stay away before the next.
async fn session(
    index: usize,
    user: &str,
    plan: &Plan,
    tally: &Tally,
    rng: &mut StdRng,
) -> Result<Duration, SessionError> {
    let ws = tokio::time::timeout(REQUEST_TIMEOUT, plan.server.connect())
        .await
        .map_err(|_| SessionError::Connect)?
        .map_err(|_| SessionError::Connect)?;
    tally.connected.fetch_add(1, Ordering::Relaxed);
    let mut session = Session {
        ws,
        next_id: 1,
        tally,
    };
    let result = steps(index, user, plan, &mut session, rng).await;
    tally.connected.fetch_sub(1, Ordering::Relaxed);
    let graceful = result?;
    if graceful {
        let _ = session.ws.close(None).await;
    }
    // Otherwise the connection is dropped without a close frame, as a lost network would.
    drop(session);
    // Back within the grace period (a resume), past it (a fresh join), or soon.
    Ok(match rng.random_range(0..10) {
        0..=5 => Duration::from_millis(rng.random_range(200..GRACE.as_millis() as u64 / 2)),
        6 => GRACE + Duration::from_millis(rng.random_range(1000..10_000)),
        _ => Duration::from_millis(rng.random_range(50..500)),
    })
}

/// What a session does; true when it ends with a leave and a close frame.
async fn steps(
    index: usize,
    user: &str,
    plan: &Plan,
    session: &mut Session<'_>,
    rng: &mut StdRng,
) -> Result<bool, SessionError> {
    let rooms = plan.rooms();
    let in_room = rng.random_bool(0.8);
    let room = format!("soak-room-{}", index % rooms);
    let token = crate::loadtest::token(&plan.app, if in_room { &room } else { "" }, user)
        .map_err(|_| SessionError::Token)?;
    let entered = if in_room {
        session
            .call(Request::JoinRoom(JoinRoomParams {
                token: Some(token),
                room_id: room.clone(),
                user_info: UserInfo {
                    user_id: user.to_owned(),
                    extra_info: None,
                },
                // Signalling only: nobody is sent subscriber offers it would not answer.
                room_config: Some(RoomConfig {
                    is_auto_subscribe_audio: Some(false),
                    is_auto_subscribe_video: Some(false),
                    ..RoomConfig::default()
                }),
                visible: None,
            }))
            .await?
    } else {
        session
            .call(Request::Login(LoginParams {
                token,
                user_id: user.to_owned(),
            }))
            .await?
    };
    let Some(entered) = entered else {
        return Ok(true);
    };
    if entered.get("resumed") == Some(&serde_json::Value::Bool(true)) {
        session.tally.resumed.fetch_add(1, Ordering::Relaxed);
    }
    // A room mate (same room, another client) or, outside rooms, anyone.
    let peer = |rng: &mut StdRng| {
        let other = if in_room {
            (index % rooms) + rooms * rng.random_range(0..plan.clients.div_ceil(rooms))
        } else {
            rng.random_range(0..plan.clients)
        };
        format!("soak-{other}")
    };
    let mut published = false;
    for step in 0..rng.random_range(3..MAX_STEPS) {
        let message = format!("soak {index}/{step}");
        let request = match (in_room, rng.random_range(0..10)) {
            (true, 0..=1) => {
                published = !published;
                let params = MediaParams {
                    media_type: MediaType::Audio,
                };
                if published {
                    Request::PublishStream(params)
                } else {
                    Request::UnpublishStream(params)
                }
            }
            (true, 2..=4) => Request::SendRoomMessage(MessageParams { message }),
            (true, 5..=7) => Request::SendUserMessage(UserMessageParams {
                user_id: peer(rng),
                message,
            }),
            (false, 0..=5) => Request::SendUserMessageOutsideRoom(UserMessageParams {
                user_id: peer(rng),
                message,
            }),
            (false, 6..=7) => Request::GetPeerOnlineStatus(PeerParams { user_id: peer(rng) }),
            (_, 8) => {
                // A stall: stop reading, long enough at times for the server's write timeout
                // or silence cut-off to end the connection.
                let secs = rng.random_range(2..45);
                tokio::time::sleep(Duration::from_secs(secs)).await;
                continue;
            }
            _ => {
                session
                    .idle(Duration::from_millis(rng.random_range(100..2000)))
                    .await?;
                continue;
            }
        };
        session.call(request).await?;
        session
            .idle(Duration::from_millis(rng.random_range(50..1000)))
            .await?;
    }
    // A leave (or logout) and a close, or an abrupt drop.
    if rng.random_bool(0.5) {
        let request = if in_room {
            Request::LeaveRoom(Empty {})
        } else {
            Request::Logout(Empty {})
        };
        session.call(request).await?;
        Ok(true)
    } else {
        Ok(false)
    }
}
