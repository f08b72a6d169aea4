//! What the SDK's behaviour tests share: a real server on loopback, tokens, event helpers, a
//! TCP relay that can cut and refuse connections, and fake servers that never answer (or
//! answer only joins and logins, or hang up on messages).
#![allow(dead_code, unreachable_pub)]

pub mod media;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chorus_sdk::{
    ConnectionState, EngineConfig, EngineEvent, Event, EventStream, RoomConfig, RtcEngine,
    UserInfo, create_engine,
};
use chorus_server::{AppCredentials, Config, RunningServer};
use chorus_token::{AccessToken, Privilege};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

pub const APP_ID: &str = "chorussdktestapp00000001";
pub const APP_KEY: &str = "sdk-test-key";

/// How long a test waits for something that should happen.
pub const PATIENCE: Duration = Duration::from_secs(5);

pub async fn server() -> RunningServer {
    server_with(|_| {}).await
}

pub async fn server_with(tweak: impl FnOnce(&mut Config)) -> RunningServer {
    let mut config = Config {
        listen: "127.0.0.1:0".parse().expect("a socket address"),
        rtc_port: 0,
        apps: vec![AppCredentials {
            id: APP_ID.into(),
            key: APP_KEY.into(),
        }],
        ..Config::default()
    };
    tweak(&mut config);
    chorus_server::start(config)
        .await
        .expect("the server starts")
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

pub fn token_builder(room: &str, user: &str) -> AccessToken {
    AccessToken::new(APP_ID, APP_KEY, room, user)
        .add_privilege(Privilege::PublishStream, 0)
        .add_privilege(Privilege::SubscribeStream, 0)
}

/// A never-expiring token to publish and subscribe in `room` as `user`.
pub fn token(room: &str, user: &str) -> String {
    token_builder(room, user).serialize().expect("a token")
}

/// A never-expiring login token (room "") for `user`.
pub fn login_token(user: &str) -> String {
    AccessToken::new(APP_ID, APP_KEY, "", user)
        .serialize()
        .expect("a token")
}

pub fn user(id: &str) -> UserInfo {
    UserInfo {
        user_id: id.into(),
        extra_info: None,
    }
}

pub fn engine(url: &str) -> RtcEngine {
    create_engine(APP_ID, EngineConfig::new(url))
}

/// An engine joined to `room` as `who` through `url`, with its events.
pub async fn joined(url: &str, room: &str, who: &str) -> (RtcEngine, EventStream) {
    let engine = engine(url);
    let events = engine.events();
    engine
        .join_room(
            Some(&token(room, who)),
            room,
            user(who),
            RoomConfig::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{who} joins {room}: {e}"));
    (engine, events)
}

/// An engine logged in as `who` through `url`, with its events.
pub async fn logged_in(url: &str, who: &str) -> (RtcEngine, EventStream) {
    let engine = engine(url);
    let events = engine.events();
    engine
        .login(&login_token(who), who)
        .await
        .unwrap_or_else(|e| panic!("{who} logs in: {e}"));
    (engine, events)
}

/// Runs `futures` together: first polls each once, in list order (that first poll is where
/// an engine call hands its request to the engine, so the requests go out in that order),
/// then awaits the rest. A window of sends is pipelined and still sent in order.
pub async fn join_in_order<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    use std::task::Poll;
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if let Poll::Ready(value) = future.as_mut().poll(cx) {
                *output = Some(value);
            }
        }
        Poll::Ready(())
    })
    .await;
    let mut done = Vec::with_capacity(futures.len());
    for (future, output) in futures.into_iter().zip(outputs) {
        done.push(match output {
            Some(value) => value,
            None => future.await,
        });
    }
    done
}

/// The next event of any kind.
pub async fn next_event(events: &mut EventStream) -> EngineEvent {
    match tokio::time::timeout(PATIENCE, events.next()).await {
        Ok(Some(event)) => event,
        Ok(None) => panic!("the event stream ended"),
        Err(_) => panic!("no event within {PATIENCE:?}"),
    }
}

/// The next connection-state change, skipping room events.
pub async fn next_state(events: &mut EventStream) -> (ConnectionState, Option<String>) {
    loop {
        if let EngineEvent::ConnectionStateChanged { state, reason } = next_event(events).await {
            return (state, reason);
        }
    }
}

/// Waits for the first room event `pick` accepts, skipping the rest.
pub async fn wait_for<T>(events: &mut EventStream, mut pick: impl FnMut(&Event) -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, events.next()).await {
            Ok(Some(EngineEvent::Room(event))) => {
                if let Some(found) = pick(&event) {
                    return found;
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => panic!("the event stream ended"),
            Err(_) => panic!("the awaited event did not come within {PATIENCE:?}"),
        }
    }
}

/// Every event that arrives within `quiet`.
pub async fn drain_for(events: &mut EventStream, quiet: Duration) -> Vec<EngineEvent> {
    let deadline = tokio::time::Instant::now() + quiet;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, events.next()).await {
            Ok(Some(event)) => seen.push(event),
            Ok(None) | Err(_) => return seen,
        }
    }
}

/// A TCP relay between engines and a server: forwards bytes both ways until cut, and can
/// refuse new connections (accept and drop them at once) to simulate an outage.
pub struct Relay {
    addr: SocketAddr,
    refusing: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
}

impl Relay {
    pub async fn start(target: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a relay port");
        let addr = listener.local_addr().expect("a bound address");
        let refusing = Arc::new(AtomicBool::new(false));
        let links: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let accept = {
            let (refusing, links) = (refusing.clone(), links.clone());
            tokio::spawn(async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    if refusing.load(Ordering::SeqCst) {
                        drop(client);
                        continue;
                    }
                    let Ok(mut upstream) = TcpStream::connect(target).await else {
                        continue;
                    };
                    let link = tokio::spawn(async move {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    });
                    links.lock().expect("relay lock").push(link.abort_handle());
                }
            })
            .abort_handle()
        };
        Relay {
            addr,
            refusing,
            links,
            accept,
        }
    }

    /// `http://ADDR` of the relay.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Drops every relayed connection, both ends.
    pub fn cut(&self) {
        for link in self.links.lock().expect("relay lock").drain(..) {
            link.abort();
        }
    }

    /// Refuses (or again accepts) new connections.
    pub fn refuse(&self, refusing: bool) {
        self.refusing.store(refusing, Ordering::SeqCst);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

/// What a fake signalling server does with each connection after the WebSocket upgrade.
#[derive(Clone, Copy)]
pub enum Fake {
    /// Reads nothing, answers nothing, keeps the connection open.
    Silent,
    /// Reads one frame, then drops the connection.
    HangUpAfterFirstFrame,
    /// Answers joinRoom and login with success, and nothing else.
    AnswerOnlyJoinAndLogin,
    /// Answers joinRoom and login with success; drops the connection when a message comes.
    HangUpOnMessage,
}

/// The methods that send a message.
const MESSAGE_METHODS: [&str; 8] = [
    "sendUserMessage",
    "sendUserBinaryMessage",
    "sendRoomMessage",
    "sendRoomBinaryMessage",
    "sendUserMessageOutsideRoom",
    "sendUserBinaryMessageOutsideRoom",
    "sendServerMessage",
    "sendServerBinaryMessage",
];

/// Answers joins and logins on one connection, ignores the rest or, with
/// `hang_up_on_message`, drops the connection when a message comes.
async fn answer_joins_and_logins(
    mut ws: tokio_tungstenite::WebSocketStream<TcpStream>,
    hang_up_on_message: bool,
) {
    use chorus_sdk::proto::{JoinRoomResult, Request, RequestFrame, ServerFrame};
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let Ok(frame) = RequestFrame::parse(text.as_str()) else {
            continue;
        };
        let answer = match &frame.request {
            Request::JoinRoom(p) => ServerFrame::ok_json(
                frame.id,
                &JoinRoomResult {
                    room_id: p.room_id.clone(),
                    user_id: p.user_info.user_id.clone(),
                    resumed: false,
                },
            ),
            Request::Login(_) => ServerFrame::ok_json(frame.id, &serde_json::json!({})),
            request if hang_up_on_message && MESSAGE_METHODS.contains(&request.method()) => {
                return;
            }
            _ => continue,
        };
        if ws.send(Message::text(answer)).await.is_err() {
            return;
        }
    }
}

/// A fake signalling server on loopback; returns its `http://ADDR`.
pub async fn fake_server(behaviour: Fake) -> String {
    use futures_util::StreamExt;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a fake server port");
    let addr = listener.local_addr().expect("a bound address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                continue;
            };
            match behaviour {
                Fake::Silent => held.push(ws),
                Fake::HangUpAfterFirstFrame => {
                    tokio::spawn(async move {
                        let _ = ws.next().await;
                        drop(ws);
                    });
                }
                Fake::AnswerOnlyJoinAndLogin => {
                    tokio::spawn(answer_joins_and_logins(ws, false));
                }
                Fake::HangUpOnMessage => {
                    tokio::spawn(answer_joins_and_logins(ws, true));
                }
            }
        }
    });
    format!("http://{addr}")
}
