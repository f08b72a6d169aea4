//! The engine's state machine: the connection, room and login state, the requests in flight,
//! and every rule about what a call does in which state.
//!
//! Sans-IO, in the manner of the server's room core: inputs are app calls, server text frames,
//! connection outcomes and timer ticks, each with `now`; outputs ([`Output`]) are queued for
//! the shell in `connection.rs` to carry out (open or drop a WebSocket, send a frame, answer a
//! caller, emit an event). No tokio, no sockets, no clock here, so every rule (timeouts,
//! reconnect backoff, keepalive) is testable with made-up time. It must not depend on
//! `connection` or `engine`. The waiter type `W` is whatever the shell answers callers with.
//!
//! Requests go out in call order on the one connection, so messages from this engine reach
//! the server (and, the server keeping per-sender order, their receivers) in that order.

mod calls;
mod fallback;
mod frames;
mod roster;
mod socket;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chorus_proto::{
    ConnectionState, ErrorCode, ErrorEvent, Event, JoinRoomParams, MAX_FRAME_BYTES, Request,
    RequestFrame, RtcError,
};
use serde_json::Value;

use crate::config::EngineConfig;
use crate::event::EngineEvent;
use crate::login::LoginSession;
use crate::pending::Pending;
use crate::room::{RoomSession, RoomView};

/// First wait before another reconnect attempt; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait between reconnect attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How often an open connection is pinged.
pub(crate) const PING_INTERVAL: Duration = Duration::from_secs(10);
/// How long the server may send nothing (not even a pong) before the connection counts as
/// lost: catches half-open TCP connections that would otherwise never report an error.
pub(crate) const SILENCE_LIMIT: Duration = Duration::from_secs(30);

/// `onError` codes with which the server removes this client from its room.
const REMOVED: &[ErrorCode] = ErrorCode::REMOVED_FROM_ROOM;

/// A call's answer: the response's `result` object, or the error.
pub(crate) type Outcome = Result<Value, RtcError>;

/// What the machine asks its shell to do, in order.
#[derive(Debug)]
pub(crate) enum Output<W> {
    /// Open a WebSocket to the server; report with `handle_connected` or
    /// `handle_connect_failed`.
    Connect,
    /// Send a text frame on the open connection.
    Send(String),
    /// Send a WebSocket ping.
    Ping,
    /// Send what is queued, then close the connection politely (the engine is going away).
    Close,
    /// Drop the connection, or the attempt to open one, now.
    Abandon,
    /// Answer a caller.
    Reply(W, Outcome),
    /// Emit an event to the app.
    Event(EngineEvent),
    /// The room, as media sees it, changed: joined, rejoined, published, left (`None`).
    /// Queued before the answer to the call that changed it.
    Room(Option<RoomView>),
}

/// The WebSocket, as far as the machine knows.
#[derive(Debug, Clone, Copy)]
enum Socket {
    Closed,
    Opening,
    Open {
        last_heard: Instant,
        next_ping: Instant,
    },
}

/// Getting back into the room and the login after the connection dropped.
#[derive(Debug)]
struct Recovery {
    /// Give up at this point.
    deadline: Instant,
    /// When to try again, while no attempt is under way.
    retry_at: Option<Instant>,
    backoff: Duration,
    /// Rejoin and re-login requests sent on the new connection and not yet answered.
    restoring: usize,
    /// Why the reconnect is not seamless (the server had ended the old room session).
    note: Option<String>,
    /// The last refused restore, the reason to disconnect if nothing could be restored.
    failure: Option<String>,
}

impl Recovery {
    fn new(deadline: Instant) -> Self {
        Recovery {
            deadline,
            retry_at: None,
            backoff: FIRST_BACKOFF,
            restoring: 0,
            note: None,
            failure: None,
        }
    }

    fn schedule_retry(&mut self, now: Instant) {
        self.restoring = 0;
        self.retry_at = Some(now + self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }
}

/// Who is waiting for a request's answer.
#[derive(Debug)]
enum Origin<W> {
    /// An app call.
    App(W),
    /// The join that restores the room after a reconnect.
    Rejoin,
    /// The login that restores the messaging login after a reconnect.
    Relogin,
    /// The engine's own housekeeping (republishing, cancelling a timed-out join).
    Quiet,
}

#[derive(Debug)]
struct InFlight<W> {
    request: Request,
    origin: Origin<W>,
}

/// The engine's state.
#[derive(Debug)]
pub(crate) struct Machine<W> {
    server_url: String,
    request_timeout: Duration,
    message_timeout: Duration,
    reconnect_timeout: Duration,
    socket: Socket,
    recovery: Option<Recovery>,
    room: Option<RoomSession>,
    login: Option<LoginSession>,
    /// The visibility setting: applied to every join, changed by `setUserVisibility`.
    visible: bool,
    /// The subscribe fallback settings, sent again on every new connection after a drop.
    fallback: fallback::FallbackSettings,
    /// The last join, if it failed with INVALID_TOKEN: `updateToken` retries it.
    failed_join: Option<JoinRoomParams>,
    /// Joins and logins waiting for the connection to open, in call order.
    queued: Vec<(Request, W)>,
    pending: Pending<InFlight<W>>,
    state: ConnectionState,
    destroyed: bool,
    /// The last room view reported through [`Output::Room`].
    reported_view: Option<RoomView>,
    /// The epoch of the latest server session (see [`RoomView::epoch`]).
    epoch: u64,
    /// The room's other users as the app was told of them.
    roster: roster::Roster,
    out: VecDeque<Output<W>>,
}

fn empty() -> Value {
    Value::Object(serde_json::Map::new())
}

fn error(code: ErrorCode, message: impl Into<String>) -> Outcome {
    Err(RtcError::new(code, message))
}

/// Whether `request` sends a message: these have their own timeout and failure codes.
fn is_message(request: &Request) -> bool {
    matches!(
        request,
        Request::SendUserMessage(_)
            | Request::SendUserBinaryMessage(_)
            | Request::SendRoomMessage(_)
            | Request::SendRoomBinaryMessage(_)
            | Request::SendUserMessageOutsideRoom(_)
            | Request::SendUserBinaryMessageOutsideRoom(_)
            | Request::SendServerMessage(_)
            | Request::SendServerBinaryMessage(_)
    )
}

/// Whether `request` is a message that needs a login rather than a room.
fn needs_login(request: &Request) -> bool {
    matches!(
        request,
        Request::SendUserMessageOutsideRoom(_)
            | Request::SendUserBinaryMessageOutsideRoom(_)
            | Request::SendServerMessage(_)
            | Request::SendServerBinaryMessage(_)
    )
}

/// The error for `request`, in flight when the connection was lost: messages fail with
/// USER_MESSAGE_BROKEN, anything else with NOT_CONNECTED_YET.
fn cut_off(request: &Request, message: String) -> RtcError {
    let code = if is_message(request) {
        ErrorCode::UserMessageBroken
    } else {
        ErrorCode::NotConnectedYet
    };
    RtcError::new(code, message)
}

/// `onServerParamsSetResult`'s status for a `setServerParams` outcome.
fn server_params_status(outcome: &Outcome) -> u16 {
    match outcome {
        Ok(_) => 200,
        Err(e) => match e.code {
            ErrorCode::InvalidParams => 400,
            ErrorCode::NotLogin | ErrorCode::UserMessageNotLogin => 401,
            ErrorCode::TimeOut => 408,
            ErrorCode::NotConnectedYet => 503,
            _ => 500,
        },
    }
}

const RECONNECTING: &str = "the connection was lost and the engine is reconnecting; try again after onConnectionStateChanged RECONNECTED";

impl<W> Machine<W> {
    /// A machine for the server and timeouts of `config` (the URL is used in messages only).
    pub(crate) fn new(config: &EngineConfig) -> Self {
        Machine {
            server_url: config.server_url.clone(),
            request_timeout: config.request_timeout,
            message_timeout: config.message_timeout,
            reconnect_timeout: config.reconnect_timeout,
            socket: Socket::Closed,
            recovery: None,
            room: None,
            login: None,
            visible: true,
            fallback: fallback::FallbackSettings::default(),
            failed_join: None,
            queued: Vec::new(),
            pending: Pending::new(),
            state: ConnectionState::Start,
            destroyed: false,
            reported_view: None,
            epoch: 0,
            roster: roster::Roster::default(),
            out: VecDeque::new(),
        }
    }

    /// The next thing for the shell to do.
    pub(crate) fn poll_output(&mut self) -> Option<Output<W>> {
        self.sync_room_view();
        self.out.pop_front()
    }

    /// The number of a new server session.
    fn next_epoch(&mut self) -> u64 {
        self.epoch += 1;
        self.epoch
    }

    /// Queues [`Output::Room`] if the room, as media sees it, changed since last reported.
    /// Called where a change must be reported before an answer, and on every poll.
    fn sync_room_view(&mut self) {
        let view = self.room.as_ref().map(RoomSession::view);
        if view != self.reported_view {
            self.reported_view = view.clone();
            self.out.push_back(Output::Room(view));
        }
    }

    /// Whether the engine is in a room, or a join is on its way (queued or sent).
    pub(crate) fn in_room(&self) -> bool {
        self.room.is_some()
            || self
                .queued
                .iter()
                .any(|(r, _)| matches!(r, Request::JoinRoom(_)))
            || self
                .pending
                .any(|f| matches!(f.request, Request::JoinRoom(_)))
    }

    /// Whether the engine was destroyed; once its outputs are carried out the shell stops.
    pub(crate) fn is_destroyed(&self) -> bool {
        self.destroyed
    }

    /// When [`Machine::handle_timeout`] next has work.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        let recovery = self.recovery.as_ref().map(|r| {
            let retry = r.retry_at.filter(|_| matches!(self.socket, Socket::Closed));
            retry.map_or(r.deadline, |at| at.min(r.deadline))
        });
        let keepalive = match self.socket {
            Socket::Open {
                last_heard,
                next_ping,
            } => Some(next_ping.min(last_heard + SILENCE_LIMIT)),
            _ => None,
        };
        let roster = self.roster.poll_timeout();
        [self.pending.next_deadline(), recovery, keepalive, roster]
            .into_iter()
            .flatten()
            .min()
    }

    /// Whether there is a room or a login to get back after the connection drops.
    fn has_session(&self) -> bool {
        self.room.is_some() || self.login.is_some()
    }

    fn open(&mut self) {
        self.socket = Socket::Opening;
        self.out.push_back(Output::Connect);
        if self.recovery.is_none() {
            self.set_state(ConnectionState::Connecting, None);
        }
    }

    fn abandon_socket(&mut self) {
        if !matches!(self.socket, Socket::Closed) {
            self.socket = Socket::Closed;
            self.out.push_back(Output::Abandon);
        }
    }

    /// Gives up reconnecting: out of the room and logged out, RECONNECT_FAILED, then
    /// Disconnected.
    fn fail_recovery(&mut self, message: String) {
        self.recovery = None;
        self.room = None;
        self.login = None;
        self.abandon_socket();
        self.fail_pending(|request| {
            let method = request.method();
            cut_off(
                request,
                format!("the connection was lost before {method} was answered"),
            )
        });
        self.fail_queued(&message);
        self.out
            .push_back(Output::Event(EngineEvent::Room(Event::Error(ErrorEvent {
                error_code: ErrorCode::ReconnectFailed,
                message: message.clone(),
                forbidden_time: None,
            }))));
        self.set_state(ConnectionState::Disconnected, Some(message));
    }

    /// Stops reconnecting because the app left the room or logged out and nothing else
    /// needs the connection (`why` says which).
    fn stop_recovery(&mut self, why: &str) {
        self.recovery = None;
        match self.socket {
            // Back already: restores still in flight are answered and ignored.
            Socket::Open { .. } => self.set_state(ConnectionState::Reconnected, None),
            // A join or login waits for the connection: it opens as a first connection.
            Socket::Closed if !self.queued.is_empty() => self.open(),
            Socket::Opening if !self.queued.is_empty() => {}
            Socket::Closed | Socket::Opening => {
                self.abandon_socket();
                self.set_state(ConnectionState::Disconnected, Some(why.to_owned()));
            }
        }
    }

    /// Fails every join and login waiting for the connection: it could not be opened.
    fn fail_queued(&mut self, message: &str) {
        for (request, waiter) in std::mem::take(&mut self.queued) {
            let code = match request {
                Request::Login(_) => ErrorCode::LoginFailed,
                _ => ErrorCode::JoinRoomFailed,
            };
            self.reply(waiter, error(code, message));
        }
    }

    /// Answers every request in flight: a leave or logout counts as done (the room is left,
    /// the login ended, either way), anything else fails with `error(request)`.
    fn fail_pending(&mut self, error: impl Fn(&Request) -> RtcError) {
        for InFlight { request, origin } in self.pending.drain() {
            let Origin::App(waiter) = origin else {
                continue;
            };
            match request {
                Request::LeaveRoom(_) => {
                    self.room = None;
                    self.reply(waiter, Ok(empty()));
                }
                Request::Logout(_) => {
                    self.login = None;
                    self.reply(waiter, Ok(empty()));
                }
                _ => {
                    let outcome = Err(error(&request));
                    self.answer(&request, waiter, outcome);
                }
            }
        }
    }

    /// Sends `request`. An app request whose frame the server would refuse for its size
    /// fails at once with INVALID_PARAMS instead: the server closes connections that send
    /// frames over [`MAX_FRAME_BYTES`] (a message within the 64 KB limit can exceed it once
    /// its text is escaped for JSON).
    fn send(&mut self, now: Instant, request: Request, origin: Origin<W>) {
        let id = self.pending.next_id();
        let frame = RequestFrame { id, request };
        let text = frame.to_json();
        if text.len() > MAX_FRAME_BYTES
            && let Origin::App(waiter) = origin
        {
            let message = format!(
                "{} would travel in a {}-byte frame, over the protocol's {MAX_FRAME_BYTES}-byte limit (JSON escaping of quotes, backslashes and control characters counts); send less",
                frame.request.method(),
                text.len()
            );
            return self.answer(
                &frame.request,
                waiter,
                error(ErrorCode::InvalidParams, message),
            );
        }
        let timeout = if is_message(&frame.request) {
            self.message_timeout
        } else {
            self.request_timeout
        };
        self.out.push_back(Output::Send(text));
        self.pending.insert(
            id,
            now,
            timeout,
            InFlight {
                request: frame.request,
                origin,
            },
        );
    }

    fn reply(&mut self, waiter: W, outcome: Outcome) {
        self.out.push_back(Output::Reply(waiter, outcome));
    }

    /// Answers the app's `request`; `setServerParams` also reports through
    /// `onServerParamsSetResult`, emitted before the answer.
    fn answer(&mut self, request: &Request, waiter: W, outcome: Outcome) {
        if let Request::SetServerParams(_) = request {
            let error = server_params_status(&outcome);
            self.out
                .push_back(Output::Event(EngineEvent::ServerParamsSetResult { error }));
        }
        self.reply(waiter, outcome);
    }

    fn set_state(&mut self, state: ConnectionState, reason: Option<String>) {
        if self.state != state {
            self.state = state;
            self.out
                .push_back(Output::Event(EngineEvent::ConnectionStateChanged {
                    state,
                    reason,
                }));
        }
    }
}

#[cfg(test)]
mod tests;
