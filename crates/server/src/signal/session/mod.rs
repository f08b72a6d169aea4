//! One client's signalling session: reads its frames, checks what can be checked at the edge
//! (frame shape, ids, sizes, tokens), routes the rest to its room, the login registry or the
//! SFU, and writes their output back in the order it was produced.
//!
//! This file holds the socket loop and the session's state; [`dispatch`] turns a frame into a
//! call, and [`room`], [`login`] and [`media`] are the session's three parts. Nothing else
//! depends on a session: rooms and the login registry reach it only through its outbox.

mod dispatch;
mod login;
mod media;
mod room;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use chorus_proto::{ErrorCode, RtcError, ServerFrame};
use futures_util::SinkExt;
use tokio::sync::mpsc;

use self::login::Login;
use self::media::Media;
use self::room::Joined;
use crate::ctx::Ctx;
use crate::frame::Frame;
use crate::room::{Outbound, Outbox, Payload, SessionLink, open_outbox};

pub(super) async fn run(mut socket: WebSocket, ctx: Arc<Ctx>, engine_app: Option<String>) {
    let (link, mut inbox) = open_outbox(ctx.next_session_id());
    let kill = inbox.kill_signal();
    let (media_events, mut media_inbox) = mpsc::channel(16);
    let mut session = Session {
        ctx: ctx.clone(),
        link,
        engine_app,
        room: None,
        login: None,
        logins: 0,
        media: Media::new(media_events),
    };
    ctx.metrics.connections.inc();
    // Pings keep a quiet client's connection provably alive (browsers answer them without any
    // script); a client silent past the idle timeout is gone, even if TCP has not noticed.
    let mut ping = tokio::time::interval(ctx.config.ping_interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            biased;
            () = kill.notified() => break,
            _ = ping.tick() => {
                if last_heard.elapsed() > ctx.config.idle_timeout {
                    tracing::debug!(session = session.link.session, "client silent past the idle timeout");
                    break;
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
            out = inbox.recv() => match out {
                Some(Outbound::Frame(frame)) => {
                    if write_burst(&mut socket, &mut inbox, &mut session, frame).await.is_err() {
                        // What was being written counts as missed for a resume.
                        inbox.unwritten();
                        break;
                    }
                }
                Some(Outbound::Detached(key)) => session.detached(&key).await,
                Some(Outbound::LoggedOut(generation)) => session.logged_out(generation),
                // The session holds a sender itself, so the inbox never closes.
                None => break,
            },
            // The session holds a sender itself, so this never yields None.
            Some(event) = media_inbox.recv() => {
                if let Some(frame) = session.media_event(event)
                    && socket.send(Message::Text(Utf8Bytes::from(frame))).await.is_err()
                {
                    break;
                }
            }
            message = socket.recv() => {
                last_heard = tokio::time::Instant::now();
                let reply = match message {
                    Some(Ok(Message::Text(text))) => session.handle(&text).await,
                    Some(Ok(Message::Binary(_))) => Some(ServerFrame::error_json(
                        None,
                        &RtcError::new(ErrorCode::InvalidParams, "binary frames are not part of the protocol; send JSON text"),
                    )),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                if let Some(reply) = reply
                    && socket.send(Message::Text(Utf8Bytes::from(reply))).await.is_err()
                {
                    break;
                }
            }
        }
    }
    session.connection_lost().await;
    ctx.metrics.connections.dec();
}

/// Most frames written before one flush.
const BURST: usize = 64;

/// Writes `first` and whatever else is already queued (up to [`BURST`] frames), then flushes
/// once: with TCP_NODELAY, a flush per frame would send a packet per frame.
async fn write_burst(
    socket: &mut WebSocket,
    inbox: &mut Outbox,
    session: &mut Session,
    first: Frame,
) -> Result<(), axum::Error> {
    socket.feed(text_message(first)).await?;
    for _ in 1..BURST {
        match inbox.try_recv() {
            Some(Outbound::Frame(frame)) => socket.feed(text_message(frame)).await?,
            Some(Outbound::Detached(key)) => session.detached(&key).await,
            Some(Outbound::LoggedOut(generation)) => session.logged_out(generation),
            None => break,
        }
    }
    socket.flush().await
}

/// The WebSocket message for `frame`. It shares the frame's text rather than copying it, so
/// an event fanned out to a whole room is still serialised and stored once.
fn text_message(frame: Frame) -> Message {
    let text = Utf8Bytes::try_from(Bytes::from_owner(frame))
        .expect("a Frame is made from a String, so its bytes are UTF-8");
    Message::Text(text)
}

struct Session {
    ctx: Arc<Ctx>,
    link: SessionLink,
    engine_app: Option<String>,
    room: Option<Joined>,
    login: Option<Login>,
    /// Logins made so far, numbering each.
    logins: u64,
    media: Media,
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
