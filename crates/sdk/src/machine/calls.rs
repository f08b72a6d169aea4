//! App calls: what each method does in each state of the connection and the room. Checks
//! that need no server (no connection, reconnecting, a pending join to set visibility for)
//! are answered here; once connected, everything else is sent for the server to judge.

use std::time::Instant;

use chorus_proto::{
    ConnectionState, Empty, ErrorCode, JoinRoomParams, Request, RequestFrame, RtcError,
    SetUserVisibilityParams, UpdateTokenParams,
};

use super::{Machine, Origin, Output, RECONNECTING, Socket, empty, error};

impl<W> Machine<W> {
    /// An app call. Its answer comes back as [`Output::Reply`] with `waiter`.
    pub(crate) fn handle_call(&mut self, now: Instant, request: Request, waiter: W) {
        if self.destroyed {
            return self.reply(
                waiter,
                error(ErrorCode::InvalidEngine, "the engine was destroyed"),
            );
        }
        match request {
            Request::JoinRoom(params) => self.join(now, params, waiter),
            Request::LeaveRoom(_) => self.leave(now, waiter),
            Request::UpdateToken(params) => self.update_token(now, params.token, waiter),
            Request::SetUserVisibility(params) => self.set_visibility(now, params.visible, waiter),
            other => self.room_request(now, other, waiter),
        }
    }

    fn join(&mut self, now: Instant, mut params: JoinRoomParams, waiter: W) {
        if let Some(room) = self.room.as_ref().filter(|_| self.recovery.is_some()) {
            let message = format!(
                "already in room {}, to which the engine is reconnecting; call leaveRoom first",
                room.room_id()
            );
            return self.reply(waiter, error(ErrorCode::RepeatJoin, message));
        }
        params.visible = Some(self.visible);
        match self.socket {
            Socket::Open { .. } => self.send(now, Request::JoinRoom(params), Origin::App(waiter)),
            Socket::Opening => self.queued.push((params, waiter)),
            Socket::Closed => {
                self.queued.push((params, waiter));
                self.open();
            }
        }
    }

    fn leave(&mut self, now: Instant, waiter: W) {
        self.failed_join = None;
        if self.recovery.take().is_some() {
            self.room = None;
            self.abandon_socket();
            self.fail_pending(|method| {
                RtcError::new(
                    ErrorCode::NotConnectedYet,
                    format!("{method} was cut short by leaveRoom"),
                )
            });
            self.set_state(
                ConnectionState::Disconnected,
                Some("left the room while reconnecting".into()),
            );
            return self.reply(waiter, Ok(empty()));
        }
        for (_, queued) in std::mem::take(&mut self.queued) {
            self.reply(
                queued,
                error(
                    ErrorCode::OperationCancel,
                    "joinRoom was cancelled by leaveRoom",
                ),
            );
        }
        match self.socket {
            Socket::Open { .. } => {
                self.send(now, Request::LeaveRoom(Empty {}), Origin::App(waiter))
            }
            Socket::Opening | Socket::Closed => {
                self.room = None;
                self.reply(waiter, Ok(empty()));
            }
        }
    }

    fn update_token(&mut self, now: Instant, token: String, waiter: W) {
        if self.room.is_none()
            && let Some(failed) = self.failed_join.clone()
        {
            // A join refused for its token comes back with the new one.
            return self.join(
                now,
                JoinRoomParams {
                    token: Some(token),
                    ..failed
                },
                waiter,
            );
        }
        if self.recovery.is_some() {
            if let Some(room) = &mut self.room {
                room.set_token(token);
            }
            return self.reply(waiter, Ok(empty()));
        }
        match self.socket {
            Socket::Open { .. } => self.send(
                now,
                Request::UpdateToken(UpdateTokenParams { token }),
                Origin::App(waiter),
            ),
            Socket::Opening | Socket::Closed => self.reply(
                waiter,
                error(
                    ErrorCode::UpdateTokenBeforeJoin,
                    "not in a room; call joinRoom first",
                ),
            ),
        }
    }

    fn set_visibility(&mut self, now: Instant, visible: bool, waiter: W) {
        if self.recovery.is_some() {
            return self.reply(waiter, error(ErrorCode::NotConnectedYet, RECONNECTING));
        }
        let joining = self
            .pending
            .any(|f| matches!(f.request, Request::JoinRoom(_)));
        if matches!(self.socket, Socket::Open { .. }) && (self.room.is_some() || joining) {
            return self.send(
                now,
                Request::SetUserVisibility(SetUserVisibilityParams { visible }),
                Origin::App(waiter),
            );
        }
        // Outside a room this is a setting for the next join.
        self.visible = visible;
        for (params, _) in &mut self.queued {
            params.visible = Some(visible);
        }
        self.reply(waiter, Ok(empty()));
    }

    /// Publish and unpublish: the server's to decide once connected.
    fn room_request(&mut self, now: Instant, request: Request, waiter: W) {
        if self.recovery.is_some() {
            return self.reply(waiter, error(ErrorCode::NotConnectedYet, RECONNECTING));
        }
        match self.socket {
            Socket::Open { .. } => self.send(now, request, Origin::App(waiter)),
            Socket::Opening | Socket::Closed => self.reply(
                waiter,
                error(
                    ErrorCode::NotConnectedYet,
                    "not connected to the server; call joinRoom first",
                ),
            ),
        }
    }

    /// The engine is being destroyed: leave (best effort), fail what waits, close.
    pub(crate) fn destroy(&mut self) {
        if self.destroyed {
            return;
        }
        self.destroyed = true;
        if matches!(self.socket, Socket::Open { .. })
            && self.room.is_some()
            && self.recovery.is_none()
        {
            // Nobody waits for this answer: the connection closes right after.
            let id = self.pending.next_id();
            let frame = RequestFrame {
                id,
                request: Request::LeaveRoom(Empty {}),
            };
            self.out.push_back(Output::Send(frame.to_json()));
        }
        let destroyed = |method: &str| {
            RtcError::new(
                ErrorCode::InvalidEngine,
                format!("the engine was destroyed before {method} was answered"),
            )
        };
        self.fail_pending(destroyed);
        for (_, waiter) in std::mem::take(&mut self.queued) {
            self.reply(waiter, Err(destroyed("joinRoom")));
        }
        self.recovery = None;
        self.room = None;
        self.failed_join = None;
        if !matches!(self.socket, Socket::Closed) {
            self.socket = Socket::Closed;
            self.out.push_back(Output::Close);
        }
        if !matches!(
            self.state,
            ConnectionState::Start | ConnectionState::Disconnected
        ) {
            self.set_state(
                ConnectionState::Disconnected,
                Some("the engine was destroyed".into()),
            );
        }
    }
}
