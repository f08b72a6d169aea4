//! The thin tokio shell around the [`Machine`]: one task per engine that owns the WebSocket,
//! feeds the machine app calls, frames, connection outcomes and timer ticks, and carries out
//! what it asks. All decisions are the machine's; this file only does I/O.
//!
//! Hot path (a frame from the server): one poll of the socket, one parse, one channel send to
//! the app. No lock, no allocation beyond the parsed event, no log above debug level. Frames
//! already received, and calls already made, are handled in batches, so a burst costs one
//! wake-up and calls made together leave in one write. Writes go through a queue drained in
//! the same poll as reads, so a slow socket never blocks the task's timers or its inbox.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use chorus_proto::{ConnectionState, ErrorCode, Event, RtcError};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use chorus_tls::ClientTls;

use crate::caller::{Command, Waiter};
use crate::cloud_proxy::{ProxyRoute, ProxySetting};
use crate::event::EngineEvent;
use crate::machine::{Machine, Output};
use crate::media::MediaInput;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
type Opening = Pin<Box<dyn Future<Output = Result<Ws, String>> + Send>>;

/// How long a destroyed engine waits for its last frames (leave, close) to go out.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Everything the task needs, gathered by the handle before the task starts.
pub(crate) struct Driver {
    pub(crate) machine: Machine<Waiter>,
    pub(crate) commands: UnboundedReceiver<Command>,
    pub(crate) events: UnboundedSender<EngineEvent>,
    /// The media conductor: room views and the SFU's subscriber offers go there.
    pub(crate) media: UnboundedSender<MediaInput>,
    pub(crate) state: Arc<AtomicU8>,
    /// The signalling URL, or why the configured server URL cannot be used.
    pub(crate) url: Result<String, String>,
    pub(crate) connect_timeout: Duration,
    /// What a `wss://` server is checked against; None: the system's roots.
    pub(crate) tls: Option<ClientTls>,
    /// The cloud proxy: while on, signalling opens to its address instead of `url`.
    pub(crate) proxy: ProxySetting,
}

/// What the socket produced.
enum SocketEvent {
    Frame(Message),
    Lost(String),
}

fn now() -> std::time::Instant {
    Instant::now().into_std()
}

/// Most app calls, or frames from the server, handled in one go before the task looks at
/// its other inputs again. Calls made together leave in one write, and a burst of frames
/// costs one wake-up rather than one each.
const BATCH: usize = 256;

/// The I/O the machine's outputs act on.
struct Io {
    socket: Option<Ws>,
    outbox: VecDeque<Message>,
    opening: Option<Opening>,
    events: UnboundedSender<EngineEvent>,
    media: UnboundedSender<MediaInput>,
    state: Arc<AtomicU8>,
    url: Result<String, String>,
    connect_timeout: Duration,
    tls: Option<ClientTls>,
    proxy: ProxySetting,
}

impl Io {
    /// Carries out everything the machine asked for.
    async fn apply(&mut self, machine: &mut Machine<Waiter>) {
        while let Some(output) = machine.poll_output() {
            match output {
                Output::Connect => {
                    self.socket = None;
                    self.outbox.clear();
                    let url = match self.proxy.get() {
                        Some(route) => Ok(route.signal_url),
                        None => self.url.clone(),
                    };
                    self.opening =
                        Some(Box::pin(open(url, self.tls.clone(), self.connect_timeout)));
                }
                Output::Send(text) => self.outbox.push_back(Message::text(text)),
                Output::Ping => self.outbox.push_back(Message::Ping(Default::default())),
                Output::Abandon => {
                    self.socket = None;
                    self.opening = None;
                    self.outbox.clear();
                }
                Output::Close => {
                    self.opening = None;
                    if let Some(ws) = self.socket.take() {
                        close(ws, std::mem::take(&mut self.outbox)).await;
                    }
                }
                Output::Reply(waiter, outcome) => {
                    // The caller may have stopped waiting; that is its business.
                    let _ = waiter.send(outcome);
                }
                Output::Event(EngineEvent::Room(Event::SubscriberOffer(offer))) => {
                    // The SDK answers offers itself; the app never sees SDP. A conductor that is
                    // gone belongs to a destroyed engine.
                    let _ = self.media.send(MediaInput::SubscriberOffer(offer));
                }
                Output::Event(event) => {
                    if let EngineEvent::ConnectionStateChanged { state: s, .. } = &event {
                        self.state.store(s.value(), Ordering::Relaxed);
                    }
                    // Nobody listening is fine: events are for those who ask.
                    let _ = self.events.send(event);
                }
                Output::Room(view) => {
                    let _ = self.media.send(MediaInput::Room(view));
                }
            }
        }
    }

    /// Hands what the socket produced to the machine.
    fn on_socket(&mut self, machine: &mut Machine<Waiter>, event: SocketEvent) {
        match event {
            SocketEvent::Frame(Message::Text(text)) => machine.handle_text(now(), text.as_str()),
            SocketEvent::Frame(Message::Close(frame)) => {
                self.socket = None;
                self.outbox.clear();
                let reason = match frame {
                    Some(f) if !f.reason.is_empty() => {
                        format!("the server closed the connection: {}", f.reason)
                    }
                    _ => "the server closed the connection".to_owned(),
                };
                machine.handle_connection_lost(now(), &reason);
            }
            SocketEvent::Frame(_) => machine.handle_activity(now()),
            SocketEvent::Lost(reason) => {
                self.socket = None;
                self.outbox.clear();
                machine.handle_connection_lost(now(), &reason);
            }
        }
    }

    /// The socket's next event if one is ready now (writing what is queued on the way).
    async fn ready_socket_event(&mut self) -> Option<SocketEvent> {
        std::future::poll_fn(|cx| {
            Poll::Ready(
                match poll_socket(self.socket.as_mut(), &mut self.outbox, cx) {
                    Poll::Ready(event) => Some(event),
                    Poll::Pending => None,
                },
            )
        })
        .await
    }
}

impl Driver {
    /// Runs until the engine is destroyed or every handle to it is gone.
    pub(crate) async fn run(self) {
        let Driver {
            mut machine,
            mut commands,
            events,
            media,
            state,
            url,
            connect_timeout,
            tls,
            proxy,
        } = self;
        let mut io = Io {
            socket: None,
            outbox: VecDeque::new(),
            opening: None,
            events,
            media,
            state,
            url,
            connect_timeout,
            tls,
            proxy,
        };
        let far = || Instant::now() + Duration::from_secs(86_400);
        let mut timer = Box::pin(tokio::time::sleep_until(far()));
        let mut armed: Option<std::time::Instant> = None;
        loop {
            io.apply(&mut machine).await;
            if machine.is_destroyed() {
                break;
            }
            let wake = machine.poll_timeout();
            if wake != armed {
                armed = wake;
                timer
                    .as_mut()
                    .reset(wake.map_or_else(far, Instant::from_std));
            }
            tokio::select! {
                command = commands.recv() => {
                    let mut command = command;
                    for _ in 0..BATCH {
                        match command {
                            Some(Command::Call(request, waiter)) => machine.handle_call(now(), request, waiter),
                            Some(Command::CloudProxy(route, reply)) => {
                                let _ = reply.send(set_proxy(&machine, &io.proxy, route));
                            }
                            Some(Command::Destroy) | None => {
                                machine.destroy();
                                break;
                            }
                        }
                        // More calls already waiting join this batch; a closed channel is
                        // seen by the next recv.
                        match commands.try_recv() {
                            Ok(next) => command = Some(next),
                            Err(_) => break,
                        }
                    }
                },
                opened = async {
                    match io.opening.as_mut() {
                        Some(attempt) => attempt.as_mut().await,
                        None => std::future::pending().await,
                    }
                }, if io.opening.is_some() => {
                    io.opening = None;
                    match opened {
                        Ok(ws) => {
                            io.socket = Some(ws);
                            machine.handle_connected(now());
                        }
                        Err(reason) => machine.handle_connect_failed(now(), &reason),
                    }
                },
                event = std::future::poll_fn(|cx| poll_socket(io.socket.as_mut(), &mut io.outbox, cx)), if io.socket.is_some() => {
                    io.on_socket(&mut machine, event);
                    for _ in 1..BATCH {
                        // What a frame asked for (a dropped socket above all) applies before
                        // the next frame is read.
                        io.apply(&mut machine).await;
                        if machine.is_destroyed() {
                            break;
                        }
                        match io.ready_socket_event().await {
                            Some(event) => io.on_socket(&mut machine, event),
                            None => break,
                        }
                    }
                },
                () = timer.as_mut() => {
                    armed = None;
                    timer.as_mut().reset(far());
                    machine.handle_timeout(now());
                },
            }
        }
    }
}

/// Turns the cloud proxy on or off: not in a room (START_CLOUD_PROXY_AFTER_JOIN,
/// STOP_CLOUD_PROXY_BEFORE_LEAVE). It applies from the next connection on: an open one (a
/// login outside rooms) carries on where it is.
fn set_proxy(
    machine: &Machine<Waiter>,
    proxy: &ProxySetting,
    route: Option<ProxyRoute>,
) -> Result<(), RtcError> {
    if machine.in_room() {
        return Err(match route {
            Some(_) => RtcError::new(
                ErrorCode::StartCloudProxyAfterJoin,
                "start_cloud_proxy: already in a room; call it before join_room (leave the room first)",
            ),
            None => RtcError::new(
                ErrorCode::StopCloudProxyBeforeLeave,
                "stop_cloud_proxy: still in a room; call leave_room first",
            ),
        });
    }
    proxy.set(route);
    Ok(())
}

/// Opens the signalling WebSocket, within `timeout`; `wss://` checked against `tls`, or the
/// system's roots.
async fn open(
    url: Result<String, String>,
    tls: Option<ClientTls>,
    timeout: Duration,
) -> Result<Ws, String> {
    let url = url?;
    // The system's roots are read (once per process) only when a server needs them.
    let connector = match tls {
        _ if !url.starts_with("wss://") => None,
        Some(tls) => Some(tokio_tungstenite::Connector::Rustls(tls.config())),
        None => {
            let tls = ClientTls::system().map_err(|e| e.to_string())?;
            Some(tokio_tungstenite::Connector::Rustls(tls.config()))
        }
    };
    let attempt =
        tokio_tungstenite::connect_async_tls_with_config(url.as_str(), None, true, connector);
    match tokio::time::timeout(timeout, attempt).await {
        Ok(Ok((ws, _response))) => Ok(ws),
        Ok(Err(e)) => Err(describe(&e)),
        Err(_) => Err(format!("no connection within {timeout:?}")),
    }
}

/// Why the connection could not be opened; a refused certificate in words.
fn describe(e: &tokio_tungstenite::tungstenite::Error) -> String {
    chorus_tls::describe_tls_failure(e).unwrap_or_else(|| e.to_string())
}

/// Sends what is queued and a close frame, within [`CLOSE_GRACE`], then drops the socket.
async fn close(mut ws: Ws, outbox: VecDeque<Message>) {
    let flush = async {
        for message in outbox {
            ws.feed(message).await?;
        }
        ws.close(None).await
    };
    if let Ok(Err(e)) = tokio::time::timeout(CLOSE_GRACE, flush).await {
        tracing::debug!(error = %e, "closing the connection");
    }
}

/// Writes as much of `outbox` as the socket takes, then reads one frame. Pending only when
/// there is nothing to read; the socket wakes the task for either direction.
fn poll_socket(
    socket: Option<&mut Ws>,
    outbox: &mut VecDeque<Message>,
    cx: &mut Context<'_>,
) -> Poll<SocketEvent> {
    let Some(ws) = socket else {
        return Poll::Pending;
    };
    while !outbox.is_empty() {
        match ws.poll_ready_unpin(cx) {
            Poll::Ready(Ok(())) => {
                if let Some(message) = outbox.pop_front()
                    && let Err(e) = ws.start_send_unpin(message)
                {
                    return Poll::Ready(SocketEvent::Lost(e.to_string()));
                }
            }
            Poll::Ready(Err(e)) => return Poll::Ready(SocketEvent::Lost(e.to_string())),
            Poll::Pending => break,
        }
    }
    if outbox.is_empty()
        && let Poll::Ready(Err(e)) = ws.poll_flush_unpin(cx)
    {
        return Poll::Ready(SocketEvent::Lost(e.to_string()));
    }
    match ws.poll_next_unpin(cx) {
        Poll::Ready(Some(Ok(message))) => Poll::Ready(SocketEvent::Frame(message)),
        Poll::Ready(Some(Err(e))) => Poll::Ready(SocketEvent::Lost(e.to_string())),
        Poll::Ready(None) => Poll::Ready(SocketEvent::Lost("the connection closed".into())),
        Poll::Pending => Poll::Pending,
    }
}

/// The state the task last reported, for [`crate::RtcEngine::connection_state`].
pub(crate) fn load_state(state: &AtomicU8) -> ConnectionState {
    ConnectionState::from_value(state.load(Ordering::Relaxed)).unwrap_or(ConnectionState::Start)
}
