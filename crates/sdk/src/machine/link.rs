//! The connection: opened, refused, lost, silent; and the timers (request deadlines,
//! reconnect attempts and budget, keepalive).

use std::time::Instant;

use chorus_proto::{ConnectionState, Empty, ErrorCode, Request, RtcError};

use super::{
    FIRST_BACKOFF, Machine, Origin, Output, PING_INTERVAL, Recovery, SILENCE_LIMIT, Socket, error,
};
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
        if let Some(recovery) = &mut self.recovery {
            recovery.retry_at = None;
            match self.room.as_ref().map(RoomSession::rejoin_params) {
                Some(params) => self.send(now, Request::JoinRoom(params), Origin::Rejoin),
                None => {
                    self.recovery = None;
                    self.set_state(ConnectionState::Connected, None);
                }
            }
            return;
        }
        self.set_state(ConnectionState::Connected, None);
        for (params, waiter) in std::mem::take(&mut self.queued) {
            self.send(now, Request::JoinRoom(params), Origin::App(waiter));
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
        for (_, waiter) in std::mem::take(&mut self.queued) {
            self.reply(waiter, error(ErrorCode::JoinRoomFailed, message.clone()));
        }
        self.set_state(ConnectionState::Disconnected, Some(message));
    }

    /// The open WebSocket failed or was closed.
    pub(crate) fn handle_connection_lost(&mut self, now: Instant, reason: &str) {
        if !matches!(self.socket, Socket::Open { .. }) {
            return;
        }
        tracing::debug!(reason, "connection lost");
        self.socket = Socket::Closed;
        self.fail_pending(|method| {
            RtcError::new(
                ErrorCode::NotConnectedYet,
                format!("connection lost before {method} was answered: {reason}"),
            )
        });
        if let Some(recovery) = &mut self.recovery {
            recovery.schedule_retry(now);
        } else if self.room.is_some() {
            self.recovery = Some(Recovery {
                deadline: now + self.reconnect_timeout,
                retry_at: None,
                backoff: FIRST_BACKOFF,
            });
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
        for flight in self.pending.expire(now) {
            let method = flight.request.method();
            match flight.origin {
                Origin::App(waiter) => {
                    if matches!(flight.request, Request::JoinRoom(_))
                        && matches!(self.socket, Socket::Open { .. })
                    {
                        // Should the join still succeed, leave at once, so the server does
                        // not keep the user in a room the app was told it is not in.
                        self.send(now, Request::LeaveRoom(Empty {}), Origin::Quiet);
                    }
                    let message = format!(
                        "no answer to {method} within {:?}; the server may be overloaded or unreachable",
                        self.pending.timeout()
                    );
                    self.reply(waiter, error(ErrorCode::TimeOut, message));
                }
                Origin::Rejoin => {
                    // Try a fresh connection rather than wait on this one.
                    self.abandon_socket();
                    if let Some(recovery) = &mut self.recovery {
                        recovery.schedule_retry(now);
                    }
                }
                Origin::Quiet => tracing::debug!(method, "no answer to the engine's own request"),
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
