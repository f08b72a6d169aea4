//! App calls: what each method does in each state of the connection, the room and the login.
//! Checks that need no server (no connection, reconnecting, a pending join to set visibility
//! for) are answered here; once connected, everything else is sent for the server to judge.

use std::time::Instant;

use chorus_proto::{
    ConnectionState, Empty, ErrorCode, JoinRoomParams, LoginParams, LoginTokenParams, Request,
    RequestFrame, RtcError, SetUserVisibilityParams, UpdateTokenParams,
};

use super::{Machine, Origin, Output, RECONNECTING, Socket, empty, error, is_message, needs_login};

impl<W> Machine<W> {
    /// An app call. Its answer comes back as [`Output::Reply`] with `waiter`.
    pub(crate) fn handle_call(&mut self, now: Instant, request: Request, waiter: W) {
        if self.destroyed {
            let outcome = error(ErrorCode::InvalidEngine, "the engine was destroyed");
            return self.answer(&request, waiter, outcome);
        }
        match request {
            Request::JoinRoom(params) => self.join(now, params, waiter),
            Request::LeaveRoom(_) => self.leave(now, waiter),
            Request::UpdateToken(params) => self.update_token(now, params.token, waiter),
            Request::SetUserVisibility(params) => self.set_visibility(now, params.visible, waiter),
            Request::Login(params) => self.login(now, params, waiter),
            Request::Logout(_) => self.logout(now, waiter),
            Request::UpdateLoginToken(params) => self.update_login_token(now, params.token, waiter),
            request @ (Request::GetPeerOnlineStatus(_) | Request::SetServerParams(_)) => {
                self.login_request(now, request, waiter)
            }
            // Settings the server keeps for the connection, set before joining too.
            request @ (Request::SetSubscribeFallbackOption(_)
            | Request::SetRemoteUserPriority(_)) => {
                self.fallback.record(&request);
                self.send_or_queue(now, request, waiter)
            }
            request if is_message(&request) => self.message(now, request, waiter),
            other => self.room_request(now, other, waiter),
        }
    }

    /// Sends `request` now if connected, or queues it for the connection, opening one unless
    /// a reconnect will.
    fn send_or_queue(&mut self, now: Instant, request: Request, waiter: W) {
        match self.socket {
            Socket::Open { .. } => self.send(now, request, Origin::App(waiter)),
            Socket::Opening => self.queued.push((request, waiter)),
            Socket::Closed => {
                self.queued.push((request, waiter));
                if self.recovery.is_none() {
                    self.open();
                }
            }
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
        self.send_or_queue(now, Request::JoinRoom(params), waiter);
    }

    fn leave(&mut self, now: Instant, waiter: W) {
        self.failed_join = None;
        self.cancel_queued(
            |r| matches!(r, Request::JoinRoom(_)),
            "joinRoom was cancelled by leaveRoom",
        );
        if self.recovery.is_some() {
            if self.room.take().is_some() && matches!(self.socket, Socket::Open { .. }) {
                // The rejoin went out on this connection; undo it, in order.
                self.send(now, Request::LeaveRoom(Empty {}), Origin::Quiet);
            }
            if !self.has_session() {
                self.stop_recovery("left the room while reconnecting");
            }
            return self.reply(waiter, Ok(empty()));
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

    /// Answers the queued calls `which` picks with OPERATION_CANCEL.
    fn cancel_queued(&mut self, which: impl Fn(&Request) -> bool, message: &str) {
        let (cancelled, kept) = std::mem::take(&mut self.queued)
            .into_iter()
            .partition(|(request, _)| which(request));
        self.queued = kept;
        for (_, waiter) in cancelled {
            self.reply(waiter, error(ErrorCode::OperationCancel, message));
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
        if self.recovery.is_some()
            && let Some(room) = &mut self.room
        {
            room.set_token(token);
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
        if self.recovery.is_some() && self.room.is_some() {
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
        for (request, _) in &mut self.queued {
            if let Request::JoinRoom(params) = request {
                params.visible = Some(visible);
            }
        }
        self.reply(waiter, Ok(empty()));
    }

    /// Publish and unpublish: the server's to decide once connected.
    fn room_request(&mut self, now: Instant, request: Request, waiter: W) {
        if self.recovery.is_some() && self.room.is_some() {
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

    /// Logs in, connecting first if needed, like a join.
    fn login(&mut self, now: Instant, params: LoginParams, waiter: W) {
        if let Some(login) = self.login.as_ref().filter(|_| self.recovery.is_some()) {
            let message = format!(
                "already logged in as {}, which the engine is restoring after a lost connection; call logout first",
                login.user_id()
            );
            return self.reply(waiter, error(ErrorCode::AlreadyLogin, message));
        }
        self.send_or_queue(now, Request::Login(params), waiter);
    }

    fn logout(&mut self, now: Instant, waiter: W) {
        self.cancel_queued(
            |r| matches!(r, Request::Login(_)),
            "login was cancelled by logout",
        );
        if self.recovery.is_some() {
            if self.login.take().is_some() && matches!(self.socket, Socket::Open { .. }) {
                // The re-login went out on this connection; undo it, in order.
                self.send(now, Request::Logout(Empty {}), Origin::Quiet);
            }
            if !self.has_session() {
                self.stop_recovery("logged out while reconnecting");
            }
            return self.reply(waiter, Ok(empty()));
        }
        match self.socket {
            Socket::Open { .. } => self.send(now, Request::Logout(Empty {}), Origin::App(waiter)),
            Socket::Opening | Socket::Closed => {
                self.login = None;
                self.reply(waiter, Ok(empty()));
            }
        }
    }

    fn update_login_token(&mut self, now: Instant, token: String, waiter: W) {
        if self.recovery.is_some()
            && let Some(login) = &mut self.login
        {
            // Kept for the re-login under way.
            login.set_token(token);
            return self.reply(waiter, Ok(empty()));
        }
        let request = Request::UpdateLoginToken(LoginTokenParams { token });
        self.login_request(now, request, waiter);
    }

    /// Calls that need a login (peer status, server params, login token): the server's to
    /// decide once connected; NOT_LOGIN without a connection.
    fn login_request(&mut self, now: Instant, request: Request, waiter: W) {
        if self.recovery.is_some() && self.login.is_some() {
            let outcome = error(ErrorCode::NotConnectedYet, RECONNECTING);
            return self.answer(&request, waiter, outcome);
        }
        match self.socket {
            Socket::Open { .. } => self.send(now, request, Origin::App(waiter)),
            Socket::Opening | Socket::Closed => {
                let outcome = error(ErrorCode::NotLogin, "not logged in; call login first");
                self.answer(&request, waiter, outcome);
            }
        }
    }

    /// Messages: in-room ones need a room, outside-room and server ones a login. Once
    /// connected the server decides; while the engine reconnects to the room or login the
    /// message needs, it fails at once with USER_MESSAGE_BROKEN.
    fn message(&mut self, now: Instant, request: Request, waiter: W) {
        let outside = needs_login(&request);
        let has_target = if outside {
            self.login.is_some()
        } else {
            self.room.is_some()
        };
        if self.recovery.is_some() && has_target {
            let message = format!("{} was not sent: {RECONNECTING}", request.method());
            return self.reply(waiter, error(ErrorCode::UserMessageBroken, message));
        }
        match self.socket {
            Socket::Open { .. } => self.send(now, request, Origin::App(waiter)),
            Socket::Opening | Socket::Closed if outside => self.reply(
                waiter,
                error(
                    ErrorCode::UserMessageNotLogin,
                    "not logged in; call login before sending messages outside rooms",
                ),
            ),
            Socket::Opening | Socket::Closed => self.reply(
                waiter,
                error(
                    ErrorCode::UserMessageNotJoin,
                    "not in a room; call joinRoom before sending messages in a room",
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
            // Nobody waits for this answer: the connection closes right after (which also
            // ends a login).
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
        self.fail_pending(|request| destroyed(request.method()));
        for (request, waiter) in std::mem::take(&mut self.queued) {
            self.reply(waiter, Err(destroyed(request.method())));
        }
        self.recovery = None;
        self.room = None;
        self.login = None;
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
