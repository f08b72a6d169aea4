//! One client's signalling session: reads its frames, checks what can be checked at the edge
//! (frame shape, ids, sizes, tokens), routes the rest to its room, the login registry or the
//! SFU, and writes their output back in the order it was produced.
//!
//! This file holds the socket loop and the session's state; [`dispatch`] turns a frame into a
//! call after [`rate_limit`] has counted it, [`room`], [`login`] and [`media`] are the
//! session's three parts, and [`writer`] is its write side, which never blocks the loop.
//! Nothing else depends on a session: rooms and the login registry reach it only through its
//! link, which writes their frames straight into its socket's queue.

mod dispatch;
mod fallback;
mod forward;
mod live_transcoding;
mod login;
mod media;
mod move_off;
mod public_stream;
mod rate_limit;
mod room;
mod subtitle;
mod writer;

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, close_code};
use chorus_proto::{ErrorCode, RtcError, ServerFrame};
use futures_util::{FutureExt as _, StreamExt};
use tokio::sync::mpsc;
use tokio::time::Instant;

use self::login::Login;
use self::media::Media;
use self::rate_limit::SenderLimits;
use self::room::Joined;
use self::writer::{Writer, text_message};
use crate::ctx::{Ctx, MoveOff};
use crate::frame::Frame;
use crate::room::{Outbound, Outbox, Payload, SessionLink, open_outbox};

/// Serves one signalling connection from `client`; `first` is its first frame when the
/// cluster edge has read it already.
pub(super) async fn run(
    socket: WebSocket,
    ctx: Arc<Ctx>,
    engine_app: Option<String>,
    first: Option<String>,
    client: Option<std::net::SocketAddr>,
) {
    let (sink, mut stream) = socket.split();
    let (mut writer, direct) = Writer::new(sink, ctx.metrics.writes_left_to_session.clone());
    let (link, mut inbox) = open_outbox(ctx.next_session_id());
    let link = link.with_direct(Arc::new(direct));
    let kill = inbox.kill_signal();
    let mut moving_off = ctx.lifecycle.moving_off();
    let (media_events, mut media_inbox) = mpsc::channel(16);
    let mut session = Session {
        ctx: ctx.clone(),
        link,
        engine_app,
        room: None,
        login: None,
        logins: 0,
        authenticated: false,
        media: Media::new(media_events),
        fallback: fallback::FallbackSettings::default(),
        limits: SenderLimits::new(
            ctx.config.message_limit,
            ctx.config.state_change_limit,
            std::time::Instant::now(),
        ),
        server_messages: Arc::new(tokio::sync::Semaphore::new(
            login::SERVER_MESSAGES_IN_FLIGHT,
        )),
        relay_to: None,
        last_count: dispatch::LastCount::default(),
    };
    ctx.metrics.connections.inc();
    let write_timeout = ctx.config.write_timeout;
    // Pings keep a quiet client's connection provably alive (browsers answer them without any
    // script); a client silent past the idle timeout is gone, even if TCP has not noticed.
    let mut ping = tokio::time::interval(ctx.config.ping_interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    // A connection is worth its memory only once it has shown a valid token; a client whose
    // WebSocket library answers pings could otherwise hold one for ever.
    let join_deadline = tokio::time::sleep(ctx.config.join_timeout);
    let write_stalled = tokio::time::sleep(write_timeout);
    // Registered once: a fresh `notified()` per turn of the loop would take the Notify's lock
    // twice a turn, once per message a busy session handles.
    let killed = kill.notified();
    // Rooms write to the socket themselves; this fires when they left frames it would not
    // take, for the loop to write with a waker of its own.
    let blocked = writer.blocked_signal();
    let left_over = blocked.notified();
    tokio::pin!(join_deadline, write_stalled, killed, left_over);
    let mut write_failed = false;
    // In cluster mode: the join to hand to the room's node, and that node.
    let mut relay = None;
    if let Some(text) = first {
        if let Some(reply) = session.handle(&text).await {
            writer.push(Message::Text(Utf8Bytes::from(reply)));
        }
        relay = session.relay_to.take().map(|node| (node, text));
    }
    // Counted until the client's connection closes or is handed to a relay.
    let mut connected = Some(ctx.lifecycle.connected());
    'session: while relay.is_none() {
        let writing = writer.is_busy();
        if writing && write_stalled.deadline() != writer.stalled_at(write_timeout) {
            write_stalled
                .as_mut()
                .reset(writer.stalled_at(write_timeout));
        }
        // While the writer is busy, notices wait in the outbox, room frames in the writer
        // (where their bytes count toward the slow-reader cutoff) and requests in the
        // socket: a client that does not read cannot make the session hold more than a burst
        // for it.
        let take_output = !writing;
        let take_requests = writer.queued() < BURST;
        tokio::select! {
            biased;
            () = &mut killed => break,
            () = &mut left_over => {
                // The next turn finds the writer busy and writes.
                left_over.set(blocked.notified());
            }
            () = move_off::reached(&mut moving_off, MoveOff::CloseConnections) => {
                // The node is draining: the client gets back in on another node.
                move_off::close(&mut writer).await;
                connected = None;
                move_off::leave(&mut session, &mut inbox, &mut moving_off).await;
                break;
            }
            () = &mut join_deadline, if !session.authenticated => {
                tracing::debug!(session = session.link.session, "no joinRoom or login before the deadline");
                writer.push(Message::Close(Some(CloseFrame {
                    code: close_code::POLICY,
                    reason: Utf8Bytes::from_static("no joinRoom or login with a valid token in time; connect again and send one at once"),
                })));
                // Best effort: the client is told why, unless it does not read.
                let _ = tokio::time::timeout(CLOSE_WRITE, writer.drain()).await;
                break;
            }
            () = &mut write_stalled, if writing => {
                tracing::debug!(session = session.link.session, "client stopped reading: writes stalled past the write timeout");
                break;
            }
            written = writer.drain(), if writing => {
                if written.is_err() {
                    write_failed = true;
                    break;
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > ctx.config.idle_timeout {
                    tracing::debug!(session = session.link.session, "client silent past the idle timeout");
                    break;
                }
                // Queued even behind a busy writer: a client that only receives (a flood of
                // room messages) answers pings, and that is all that keeps it from the idle
                // timeout. A writer that stays busy is dropped by the write timeout first.
                writer.push(Message::Ping(Default::default()));
            }
            out = inbox.recv(), if take_output => match out {
                Some(Outbound::Frame(frame)) => take_burst(&mut writer, &mut inbox, &mut session, frame).await,
                Some(notice) => take_notice(&mut writer, &mut session, notice).await,
                // The session holds a sender itself, so the inbox never closes.
                None => break,
            },
            // The session holds a sender itself, so this never yields None.
            Some(event) = media_inbox.recv(), if take_requests => {
                if let Some(frame) = session.media_event(event) {
                    writer.push(Message::Text(Utf8Bytes::from(frame)));
                }
            }
            message = stream.next(), if take_requests => {
                last_heard = Instant::now();
                if !handle_message(&mut session, &mut writer, message, &mut relay).await {
                    break;
                }
                // Requests a pipelining client already sent go to their room together, so
                // their answers come back together and leave in one write.
                let mut more = 1;
                while more < PIPELINED && writer.queued() < BURST && relay.is_none() {
                    let Some(message) = stream.next().now_or_never() else {
                        break;
                    };
                    more += 1;
                    if !handle_message(&mut session, &mut writer, message, &mut relay).await {
                        break 'session;
                    }
                }
            }
        }
    }
    drop(connected);
    // Frames the writer still held, or was writing when the socket failed, may not have
    // reached the client: they count as missed, so a resume cannot claim nothing was lost.
    // A relayed connection keeps its socket for the relay (it is in no room, so nothing
    // else writes to it); any other lets go of it, and rooms are refused from now on.
    if relay.is_none() && (writer.shut() || write_failed) {
        inbox.unwritten();
    }
    session.connection_lost().await;
    ctx.metrics.connections.dec();
    if let Some((node, join)) = relay {
        // What was queued for the client goes first; then the socket is the relay's.
        if tokio::time::timeout(CLOSE_WRITE, writer.drain())
            .await
            .is_ok()
            && let Some(sink) = writer.into_sink()
            && let Ok(socket) = sink.reunite(stream)
        {
            let app = session.engine_app.take();
            super::route::relay(socket, &ctx, app, node, join, client).await;
        }
    }
}

/// Handles one message read from the client; false when the connection is over.
async fn handle_message(
    session: &mut Session,
    writer: &mut Writer,
    message: Option<Result<Message, axum::Error>>,
    relay: &mut Option<(crate::cluster::Node, String)>,
) -> bool {
    let reply = match message {
        Some(Ok(Message::Text(text))) => {
            let reply = session.handle(&text).await;
            if let Some(node) = session.relay_to.take() {
                *relay = Some((node, text.to_string()));
            }
            reply
        }
        Some(Ok(Message::Binary(_))) => Some(ServerFrame::error_json(
            None,
            &RtcError::new(
                ErrorCode::InvalidParams,
                "binary frames are not part of the protocol; send JSON text",
            ),
        )),
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
        Some(Ok(Message::Close(_)) | Err(_)) | None => return false,
    };
    if let Some(reply) = reply {
        writer.push(Message::Text(Utf8Bytes::from(reply)));
    }
    true
}

/// Most requests handled in one turn of the loop when a client has pipelined them.
const PIPELINED: usize = 16;

/// How long a close frame may take to leave before the connection is dropped anyway.
const CLOSE_WRITE: std::time::Duration = std::time::Duration::from_secs(1);

/// Most frames the writer holds before the session stops reading requests, and most taken
/// from the outbox before one write.
const BURST: usize = 64;

/// Queues `first` and whatever else is already in the outbox (up to [`BURST`] frames), so
/// the writer writes them together. Only the login registry's frames come this way (rooms
/// write straight into the socket).
///
/// Before it stops taking, it lets the tasks that are already runnable go first, once: the
/// registry's turns for this client mostly are, so their frames join this write rather than
/// each costing one of their own. An idle server runs the yielded session again at once.
async fn take_burst(writer: &mut Writer, inbox: &mut Outbox, session: &mut Session, first: Frame) {
    writer.push(text_message(first));
    take_queued(writer, inbox, session).await;
    if writer.queued() < BURST {
        tokio::task::yield_now().await;
        take_queued(writer, inbox, session).await;
    }
}

/// Queues what the outbox holds now, until the writer holds [`BURST`] frames.
async fn take_queued(writer: &mut Writer, inbox: &mut Outbox, session: &mut Session) {
    while writer.queued() < BURST {
        match inbox.try_recv() {
            Some(Outbound::Frame(frame)) => writer.push(text_message(frame)),
            Some(notice) => take_notice(writer, session, notice).await,
            None => break,
        }
    }
}

/// Acts on a notice; the frames it held back (a leave's answer) may then go: after the
/// leave's media is closed, for one.
async fn take_notice(writer: &mut Writer, session: &mut Session, notice: Outbound) {
    match notice {
        Outbound::Detached(key) => session.detached(&key).await,
        Outbound::LoggedOut(generation) => session.logged_out(generation),
        Outbound::Frame(frame) => {
            writer.push(text_message(frame));
            return;
        }
    }
    writer.release();
}

struct Session {
    ctx: Arc<Ctx>,
    link: SessionLink,
    engine_app: Option<String>,
    room: Option<Joined>,
    login: Option<Login>,
    /// Logins made so far, numbering each.
    logins: u64,
    /// A joinRoom or login has shown a valid token on this connection.
    authenticated: bool,
    media: Media,
    fallback: fallback::FallbackSettings,
    /// This client's rate limits, checked before a request reaches its room.
    limits: SenderLimits,
    /// Slots for this client's server messages in flight: one client cannot hold all of its
    /// app's (see `login::SERVER_MESSAGES_IN_FLIGHT`).
    server_messages: Arc<tokio::sync::Semaphore>,
    /// In cluster mode: the node to move this connection to, set by a join for a room that
    /// node runs while the session holds nothing here.
    relay_to: Option<crate::cluster::Node>,
    /// The request counter used last.
    last_count: dispatch::LastCount,
}

/// How a request is answered.
enum Answer {
    /// The room (or the login registry) answers through the outbox.
    Routed,
    /// Answered here, now, with `{}`.
    Now,
    /// Answered here, now, with this result.
    With(serde_json::Value),
}

fn invalid(message: impl Into<String>) -> RtcError {
    RtcError::new(ErrorCode::InvalidParams, message)
}

/// Checks a message against the contract's limit; binary messages must be base64.
fn payload(message: String, binary: bool) -> Result<Payload, RtcError> {
    Payload::checked(message, binary).map_err(invalid)
}

impl Session {
    /// Lets go of everything the session held: its media, its login and its room.
    async fn connection_lost(&mut self) {
        self.close_media().await;
        self.drop_login().await;
        self.drop_room().await;
    }
}
