//! The engine's state machine: the connection and room state, the requests in flight, and
//! every rule about what a call does in which state.
//!
//! Sans-IO, in the manner of the server's room core: inputs are app calls, server text frames,
//! connection outcomes and timer ticks, each with `now`; outputs ([`Output`]) are queued for
//! the shell in `connection.rs` to carry out (open or drop a WebSocket, send a frame, answer a
//! caller, emit an event). No tokio, no sockets, no clock here, so every rule (timeouts,
//! reconnect backoff, keepalive) is testable with made-up time. It must not depend on
//! `connection` or `engine`. The waiter type `W` is whatever the shell answers callers with.

mod calls;
mod frames;
mod link;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chorus_proto::{
    ConnectionState, ErrorCode, ErrorEvent, Event, JoinRoomParams, Request, RequestFrame, RtcError,
};
use serde_json::Value;

use crate::event::EngineEvent;
use crate::pending::Pending;
use crate::room::RoomSession;

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
const REMOVED: [ErrorCode; 6] = [
    ErrorCode::KickedOut,
    ErrorCode::RoomDismiss,
    ErrorCode::DuplicateLogin,
    ErrorCode::TokenExpired,
    ErrorCode::RoomForbidden,
    ErrorCode::UserForbidden,
];

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

/// Getting back into the room after the connection dropped.
#[derive(Debug)]
struct Recovery {
    /// Give up at this point.
    deadline: Instant,
    /// When to try again, while no attempt is under way.
    retry_at: Option<Instant>,
    backoff: Duration,
}

impl Recovery {
    fn schedule_retry(&mut self, now: Instant) {
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
    reconnect_timeout: Duration,
    socket: Socket,
    recovery: Option<Recovery>,
    room: Option<RoomSession>,
    /// The visibility setting: applied to every join, changed by `setUserVisibility`.
    visible: bool,
    /// The last join, if it failed with INVALID_TOKEN: `updateToken` retries it.
    failed_join: Option<JoinRoomParams>,
    /// Joins waiting for the connection to open.
    queued: Vec<(JoinRoomParams, W)>,
    pending: Pending<InFlight<W>>,
    state: ConnectionState,
    destroyed: bool,
    out: VecDeque<Output<W>>,
}

fn empty() -> Value {
    Value::Object(serde_json::Map::new())
}

fn error(code: ErrorCode, message: impl Into<String>) -> Outcome {
    Err(RtcError::new(code, message))
}

const RECONNECTING: &str = "the connection was lost and the engine is reconnecting; try again after onConnectionStateChanged RECONNECTED";

impl<W> Machine<W> {
    /// A machine for the server at `server_url` (used in messages only).
    pub(crate) fn new(
        server_url: String,
        request_timeout: Duration,
        reconnect_timeout: Duration,
    ) -> Self {
        Machine {
            server_url,
            reconnect_timeout,
            socket: Socket::Closed,
            recovery: None,
            room: None,
            visible: true,
            failed_join: None,
            queued: Vec::new(),
            pending: Pending::new(request_timeout),
            state: ConnectionState::Start,
            destroyed: false,
            out: VecDeque::new(),
        }
    }

    /// The next thing for the shell to do.
    pub(crate) fn poll_output(&mut self) -> Option<Output<W>> {
        self.out.pop_front()
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
        [self.pending.next_deadline(), recovery, keepalive]
            .into_iter()
            .flatten()
            .min()
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

    /// Gives up on the room: RECONNECT_FAILED, then Disconnected.
    fn fail_recovery(&mut self, message: String) {
        self.recovery = None;
        self.room = None;
        self.abandon_socket();
        self.fail_pending(|method| {
            RtcError::new(
                ErrorCode::NotConnectedYet,
                format!("the connection was lost before {method} was answered"),
            )
        });
        self.out
            .push_back(Output::Event(EngineEvent::Room(Event::Error(ErrorEvent {
                error_code: ErrorCode::ReconnectFailed,
                message: message.clone(),
                forbidden_time: None,
            }))));
        self.set_state(ConnectionState::Disconnected, Some(message));
    }

    /// Answers every request in flight: a leave counts as done (the room is left either
    /// way), anything else fails with `error(method)`.
    fn fail_pending(&mut self, error: impl Fn(&'static str) -> RtcError) {
        for InFlight { request, origin } in self.pending.drain() {
            let Origin::App(waiter) = origin else {
                continue;
            };
            if let Request::LeaveRoom(_) = request {
                self.room = None;
                self.reply(waiter, Ok(empty()));
            } else {
                self.reply(waiter, Err(error(request.method())));
            }
        }
    }

    fn send(&mut self, now: Instant, request: Request, origin: Origin<W>) {
        let id = self.pending.next_id();
        let frame = RequestFrame { id, request };
        self.out.push_back(Output::Send(frame.to_json()));
        self.pending.insert(
            id,
            now,
            InFlight {
                request: frame.request,
                origin,
            },
        );
    }

    fn reply(&mut self, waiter: W, outcome: Outcome) {
        self.out.push_back(Output::Reply(waiter, outcome));
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
