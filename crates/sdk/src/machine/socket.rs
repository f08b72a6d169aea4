//! The connection: opened, refused, lost, silent; and the timers (request deadlines,
//! reconnect attempts and budget, keepalive).

use std::time::Instant;

use chorus_proto::{ConnectionState, ErrorCode, Request};

use super::{
    Machine, Origin, Output, PING_INTERVAL, Recovery, SILENCE_LIMIT, Socket, cut_off, error,
    is_message,
};
use crate::event::EngineEvent;
use crate::login::LoginSession;
use crate::room::RoomSession;

impl<W> Machine<W> {
    /// The WebSocket asked for with [`Output::Connect`] is open.
    pub(crate) fn handle_connected(&mut self, now: Instant) {
        if !matches!(self.socket, Socket::Opening) {
            return;
        }
        self.socket = Socket::Open {
            last_heard: now,
            next_ping: now + PING_INTERVAL,
        };
        if self.recovery.is_some() {
            // Restore first, then what waited for the connection, all in order: the fallback
            // settings (the new connection's server session has none), the room, the login.
            for request in self.fallback.requests() {
                self.send(now, request, Origin::Quiet);
            }
            let rejoin = self.room.as_ref().map(RoomSession::rejoin_params);
            let relogin = self.login.as_ref().map(LoginSession::relogin_params);
            let mut restoring = 0;
            if let Some(params) = rejoin {
                self.send(now, Request::JoinRoom(params), Origin::Rejoin);
                restoring += 1;
            }
            if let Some(params) = relogin {
                self.send(now, Request::Login(params), Origin::Relogin);
                restoring += 1;
            }
            if let Some(recovery) = &mut self.recovery {
                recovery.retry_at = None;
                recovery.restoring = restoring;
            }
            self.send_queued(now);
            if restoring == 0 {
                self.recovery = None;
                self.set_state(ConnectionState::Connected, None);
            }
            return;
        }
        self.set_state(ConnectionState::Connected, None);
        self.send_queued(now);
    }

    fn send_queued(&mut self, now: Instant) {
        for (request, waiter) in std::mem::take(&mut self.queued) {
            self.send(now, request, Origin::App(waiter));
        }
    }

    /// The WebSocket asked for with [`Output::Connect`] could not be opened.
    pub(crate) fn handle_connect_failed(&mut self, now: Instant, reason: &str) {
        if !matches!(self.socket, Socket::Opening) {
            return;
        }
        self.socket = Socket::Closed;
        if let Some(recovery) = &mut self.recovery {
            tracing::debug!(reason, "reconnect attempt failed");
            recovery.schedule_retry(now);
            return;
        }
        let message = format!("cannot reach server {}: {reason}", self.server_url);
        self.fail_queued(&message);
        self.set_state(ConnectionState::Disconnected, Some(message));
    }

    /// The open WebSocket failed or was closed.
    pub(crate) fn handle_connection_lost(&mut self, now: Instant, reason: &str) {
        if !matches!(self.socket, Socket::Open { .. }) {
            return;
        }
        tracing::debug!(reason, "connection lost");
        self.socket = Socket::Closed;
        self.fail_pending(|request| {
            let method = request.method();
            cut_off(
                request,
                format!("connection lost before {method} was answered: {reason}"),
            )
        });
        if let Some(recovery) = &mut self.recovery {
            recovery.schedule_retry(now);
        } else if self.has_session() {
            self.recovery = Some(Recovery::new(now + self.reconnect_timeout));
            self.set_state(ConnectionState::Reconnecting, Some(reason.to_owned()));
            self.open();
        } else {
            self.set_state(ConnectionState::Disconnected, Some(reason.to_owned()));
        }
    }

    /// Any frame other than text (pong, ping) arrived: the server is alive.
    pub(crate) fn handle_activity(&mut self, now: Instant) {
        if let Socket::Open { last_heard, .. } = &mut self.socket {
            *last_heard = now;
        }
    }

    /// Timers due at `now`: request deadlines, reconnect attempts and budget, keepalive.
    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        let mut restore_timed_out = false;
        for flight in self.pending.expire(now) {
            let method = flight.request.method();
            match flight.origin {
                Origin::App(waiter) => {
                    if matches!(self.socket, Socket::Open { .. }) {
                        // Should a join or login still succeed, undo it, so the server does
                        // not keep what the app was told failed.
                        self.undo_timed_out(now, &flight.request);
                    }
                    let outcome = if is_message(&flight.request) {
                        error(
                            ErrorCode::UserMessageTimeout,
                            format!(
                                "no answer to {method} within {:?}; the message may or may not have been delivered",
                                self.message_timeout
                            ),
                        )
                    } else {
                        error(
                            ErrorCode::TimeOut,
                            format!(
                                "no answer to {method} within {:?}; the server may be overloaded or unreachable",
                                self.request_timeout
                            ),
                        )
                    };
                    self.answer(&flight.request, waiter, outcome);
                }
                Origin::Rejoin | Origin::Relogin => restore_timed_out = true,
                Origin::Quiet => tracing::debug!(method, "no answer to the engine's own request"),
            }
        }
        if restore_timed_out && self.recovery.is_some() {
            // Try a fresh connection rather than wait on this one.
            self.abandon_socket();
            self.fail_pending(|request| {
                let method = request.method();
                cut_off(
                    request,
                    format!("the reconnected connection was dropped (it did not answer) before {method} was answered"),
                )
            });
            if let Some(recovery) = &mut self.recovery {
                recovery.schedule_retry(now);
            }
        }
        if let Some(recovery) = &mut self.recovery {
            if now >= recovery.deadline {
                let message = format!(
                    "could not get back to the server within {:?}",
                    self.reconnect_timeout
                );
                self.fail_recovery(message);
            } else if recovery.retry_at.is_some_and(|at| at <= now)
                && matches!(self.socket, Socket::Closed)
            {
                recovery.retry_at = None;
                self.open();
            }
        }
        let closing = self.roster.handle_timeout(now);
        if self.room.is_some() {
            // Who did not come back after a rejoin that could not resume.
            for event in closing {
                self.out.push_back(Output::Event(EngineEvent::Room(event)));
            }
        }
        if let Socket::Open {
            last_heard,
            next_ping,
        } = &mut self.socket
        {
            if now >= *last_heard + SILENCE_LIMIT {
                self.out.push_back(Output::Abandon);
                let reason = format!("the server sent nothing for {SILENCE_LIMIT:?}");
                self.handle_connection_lost(now, &reason);
            } else if now >= *next_ping {
                *next_ping = now + PING_INTERVAL;
                self.out.push_back(Output::Ping);
            }
        }
    }
}
