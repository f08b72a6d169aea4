//! What the SDK's behaviour tests share beyond the test kit (whose helpers it re-exports): a
//! TCP relay that can cut and refuse connections, and fake servers that never answer (or
//! answer only joins and logins, or hang up on messages).

pub(crate) mod coturn;
pub(crate) mod media;
pub(crate) mod netns;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chorus_sdk::{ConnectionState, EngineEvent, EventStream};
pub(crate) use chorus_testkit::{
    APP_ID, APP_KEY, PATIENCE, ThrottleRelay, engine, eventually, eventually_within, joined,
    logged_in, login_token, next_event, now_secs, start_server, take_turn, token, token_builder,
    user_info, wait_event, wait_for,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// Runs `futures` together: first polls each once, in list order (that first poll is where
/// an engine call hands its request to the engine, so the requests go out in that order),
/// then awaits the rest. A window of sends is pipelined and still sent in order.
pub(crate) async fn join_in_order<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
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

/// The next connection-state change, skipping room events.
pub(crate) async fn next_state(events: &mut EventStream) -> (ConnectionState, Option<String>) {
    loop {
        if let EngineEvent::ConnectionStateChanged { state, reason } = next_event(events).await {
            return (state, reason);
        }
    }
}

/// Every event that arrives within `quiet`.
pub(crate) async fn drain_for(events: &mut EventStream, quiet: Duration) -> Vec<EngineEvent> {
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
pub(crate) struct Relay {
    addr: SocketAddr,
    refusing: Arc<AtomicBool>,
    refused: Arc<AtomicUsize>,
    links: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
}

impl Relay {
    pub(crate) async fn start(target: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a relay port");
        let addr = listener.local_addr().expect("a bound address");
        let refusing = Arc::new(AtomicBool::new(false));
        let refused = Arc::new(AtomicUsize::new(0));
        let links: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let accept = {
            let (refusing, refused, links) = (refusing.clone(), refused.clone(), links.clone());
            tokio::spawn(async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    if refusing.load(Ordering::SeqCst) {
                        refused.fetch_add(1, Ordering::SeqCst);
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
            refused,
            links,
            accept,
        }
    }

    /// `http://ADDR` of the relay.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Drops every relayed connection, both ends.
    pub(crate) fn cut(&self) {
        for link in self.links.lock().expect("relay lock").drain(..) {
            link.abort();
        }
    }

    /// Refuses (or again accepts) new connections.
    pub(crate) fn refuse(&self, refusing: bool) {
        self.refusing.store(refusing, Ordering::SeqCst);
    }

    /// Waits until the relay has refused a connection: an engine tried to get back during
    /// the outage.
    pub(crate) async fn until_refused(&self) {
        eventually("a connection refused by the relay", async || {
            (self.refused.load(Ordering::SeqCst) > 0).then_some(())
        })
        .await;
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
pub(crate) enum Fake {
    /// Reads nothing, answers nothing, keeps the connection open.
    Silent,
    /// Reads every frame (noting its method) and answers none, keeping the connection open.
    Unanswering,
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
                    ice_servers: Vec::new(),
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
pub(crate) async fn fake_server(behaviour: Fake) -> String {
    fake_server_noting(behaviour).await.0
}

/// The methods of the requests a fake server has read, in order.
pub(crate) type MethodsRead = Arc<Mutex<Vec<String>>>;

/// A fake signalling server on loopback; returns its `http://ADDR` and the methods a
/// [`Fake::Unanswering`] server has read so far.
pub(crate) async fn fake_server_noting(behaviour: Fake) -> (String, MethodsRead) {
    use chorus_sdk::proto::RequestFrame;
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let read = MethodsRead::default();
    let methods = read.clone();
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
                Fake::Unanswering => {
                    let read = read.clone();
                    tokio::spawn(async move {
                        while let Some(Ok(message)) = ws.next().await {
                            if let Message::Text(text) = message
                                && let Ok(frame) = RequestFrame::parse(text.as_str())
                            {
                                let method = frame.request.method().to_owned();
                                read.lock().expect("fake server lock").push(method);
                            }
                        }
                    });
                }
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
    (format!("http://{addr}"), methods)
}
