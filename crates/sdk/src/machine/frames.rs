//! What the server says: answers to requests (and what each success or failure changes in
//! the remembered room and login) and pushed events (some of which end the stay in the room
//! or the login).

use std::time::Instant;

use chorus_proto::{
    ConnectionState, Empty, ErrorCode, ErrorEvent, Event, Request, ServerFrame, StreamIndex,
};
use serde_json::Value;

use super::{InFlight, Machine, Origin, Outcome, Output, REMOVED};
use crate::event::EngineEvent;
use crate::login::LoginSession;
use crate::room::RoomSession;

impl<W> Machine<W> {
    /// A text frame from the server.
    pub(crate) fn handle_text(&mut self, now: Instant, text: &str) {
        self.handle_activity(now);
        match ServerFrame::parse(text) {
            Ok(ServerFrame::Event(event)) => self.on_event(now, event),
            Ok(ServerFrame::Response {
                id: Some(id),
                outcome,
            }) => match self.pending.take(id) {
                Some(flight) => self.on_response(now, flight, outcome),
                None => tracing::debug!(id, "answer to a request no longer waited for"),
            },
            Ok(ServerFrame::Response { id: None, outcome }) => {
                tracing::warn!(?outcome, "the server could not read a request");
            }
            Err(e) => tracing::warn!(error = %e, "ignoring a frame the engine does not understand"),
        }
    }

    fn on_event(&mut self, now: Instant, event: Event) {
        if let Event::Error(e) = &event {
            if REMOVED.contains(&e.error_code) {
                self.room = None;
            }
            // Logged in elsewhere, or the login token expired: the server ended the login.
            if matches!(
                e.error_code,
                ErrorCode::RtmDuplicateLogin | ErrorCode::RtmTokenError
            ) {
                self.login = None;
            }
        }
        // A stream back after a rejoin that could not resume: subscribed again if the app
        // had subscribed to it.
        let again = match (&event, self.room.as_mut()) {
            (Event::UserPublishStream(e), Some(room)) => {
                room.reception()
                    .published(&e.user_id, StreamIndex::Main, e.media_type)
            }
            (Event::UserPublishScreen(e), Some(room)) => {
                room.reception()
                    .published(&e.user_id, StreamIndex::Screen, e.media_type)
            }
            _ => None,
        };
        if let Some(request) = again {
            self.send(now, request, Origin::Quiet);
        }
        if self.room.is_some() && !self.roster.admit(&event) {
            // Someone the app knows, back after a rejoin that could not resume.
            return;
        }
        self.out.push_back(Output::Event(EngineEvent::Room(event)));
    }

    fn on_response(&mut self, now: Instant, flight: InFlight<W>, outcome: Outcome) {
        let InFlight { request, origin } = flight;
        if let Origin::Rejoin | Origin::Relogin = origin {
            return self.on_restore_answer(now, request, outcome);
        }
        let method = request.method();
        let quiet = matches!(origin, Origin::Quiet);
        let room = self.room.as_mut();
        let login = self.login.as_mut();
        match (&request, &outcome) {
            (Request::JoinRoom(params), Ok(result)) => {
                let epoch = self.next_epoch();
                let ice = ice_servers_of(result);
                self.room = Some(RoomSession::joined(params.clone(), epoch, ice));
                self.roster.clear();
                self.failed_join = None;
            }
            (Request::JoinRoom(params), Err(e)) => {
                self.failed_join = (e.code == ErrorCode::InvalidToken).then(|| params.clone());
            }
            (Request::LeaveRoom(_), Ok(_)) => {
                self.room = None;
                self.failed_join = None;
            }
            (Request::SetUserVisibility(p), Ok(_)) => {
                self.visible = p.visible;
                if let Some(room) = room {
                    room.set_visible(p.visible);
                }
            }
            (Request::UpdateToken(p), Ok(_)) => room.map_or((), |r| r.set_token(p.token.clone())),
            (Request::PublishStream(p), Ok(_)) => {
                room.map_or((), |r| r.publish(StreamIndex::Main, p.media_type))
            }
            (Request::PublishScreen(p), Ok(_)) => {
                room.map_or((), |r| r.publish(StreamIndex::Screen, p.media_type))
            }
            (Request::UnpublishStream(p), Ok(_)) => {
                room.map_or((), |r| r.unpublish(StreamIndex::Main, p.media_type))
            }
            (Request::UnpublishScreen(p), Ok(_)) => {
                room.map_or((), |r| r.unpublish(StreamIndex::Screen, p.media_type))
            }
            (Request::SubscribeStream(p), Ok(_)) => room.map_or((), |r| {
                r.reception()
                    .subscription(&p.user_id, StreamIndex::Main, p.media_type, true)
            }),
            (Request::SubscribeScreen(p), Ok(_)) => room.map_or((), |r| {
                r.reception()
                    .subscription(&p.user_id, StreamIndex::Screen, p.media_type, true)
            }),
            (Request::UnsubscribeStream(p), Ok(_)) => room.map_or((), |r| {
                r.reception()
                    .subscription(&p.user_id, StreamIndex::Main, p.media_type, false)
            }),
            (Request::UnsubscribeScreen(p), Ok(_)) => room.map_or((), |r| {
                r.reception()
                    .subscription(&p.user_id, StreamIndex::Screen, p.media_type, false)
            }),
            (Request::SetRemoteSimulcastStreamType(p), Ok(_)) => {
                room.map_or((), |r| r.reception().layer(&p.user_id, p.stream_type))
            }
            (Request::PauseAllSubscribedStream(p), Ok(_)) => {
                room.map_or((), |r| r.reception().pause(p.media_type, true))
            }
            (Request::ResumeAllSubscribedStream(p), Ok(_)) => {
                room.map_or((), |r| r.reception().pause(p.media_type, false))
            }
            // A republish after a reconnect was refused: it is not published any more.
            (Request::PublishStream(p), Err(_)) if quiet => {
                room.map_or((), |r| r.unpublish(StreamIndex::Main, p.media_type))
            }
            (Request::PublishScreen(p), Err(_)) if quiet => {
                room.map_or((), |r| r.unpublish(StreamIndex::Screen, p.media_type))
            }
            (Request::Login(params), Ok(_)) => {
                self.login = Some(LoginSession::logged_in(params.clone()));
            }
            (Request::Logout(_), Ok(_)) => self.login = None,
            (Request::UpdateLoginToken(p), Ok(_)) => {
                login.map_or((), |l| l.set_token(p.token.clone()))
            }
            (Request::SetServerParams(p), Ok(_)) => {
                login.map_or((), |l| l.set_server(Some(p.clone())))
            }
            // Setting the business server again after a reconnect was refused: not set now.
            (Request::SetServerParams(_), Err(_)) if quiet => {
                login.map_or((), |l| l.set_server(None))
            }
            _ => {}
        }
        // Media hears of the change before the caller does, so a publish that returns has
        // its transport under way.
        self.sync_room_view();
        match origin {
            Origin::App(waiter) => self.answer(&request, waiter, outcome),
            Origin::Quiet | Origin::Rejoin | Origin::Relogin => {
                if let Err(e) = outcome {
                    tracing::warn!(method, error = %e, "the server refused the engine's own request");
                }
            }
        }
    }

    /// The answer to a rejoin or re-login sent after a reconnect. Once every one is answered,
    /// the engine is reconnected, or, with nothing restored, disconnected.
    fn on_restore_answer(&mut self, now: Instant, request: Request, outcome: Outcome) {
        let Some(recovery) = self.recovery.as_mut() else {
            // The app left or logged out meanwhile, and undid the restore in order.
            return;
        };
        recovery.restoring = recovery.restoring.saturating_sub(1);
        match (request, outcome) {
            (Request::JoinRoom(_), Ok(result)) => {
                let resumed = result
                    .get("resumed")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let mut layers = Vec::new();
                if !resumed {
                    recovery.note =
                        Some("the server had ended the old session; rejoined as a new one".into());
                    // The others are announced anew: the app hears only of what changed.
                    self.roster.rejoined(now);
                    // Nothing is received yet: the app's subscriptions wait for their streams.
                    if let Some(room) = &mut self.room {
                        layers = room.reception().rejoined();
                    }
                }
                // A new connection is a new session on the server, resumed or not: its media
                // transports are new too.
                let epoch = self.next_epoch();
                if let Some(room) = &mut self.room {
                    room.renew(epoch, ice_servers_of(&result));
                }
                let again = self
                    .room
                    .as_ref()
                    .map(RoomSession::republish_requests)
                    .unwrap_or_default();
                for request in again.into_iter().chain(layers) {
                    self.send(now, request, Origin::Quiet);
                }
            }
            (Request::JoinRoom(params), Err(e)) => {
                // Unless the app left meanwhile, the room is lost.
                if let Some(room) = self.room.take() {
                    let message = format!(
                        "reconnected, but rejoining room {} was refused: {e}",
                        room.room_id()
                    );
                    recovery.failure = Some(message.clone());
                    if e.code == ErrorCode::InvalidToken {
                        self.failed_join = Some(params);
                    }
                    self.emit_error(ErrorCode::ReconnectFailed, message);
                }
            }
            (Request::Login(_), Ok(_)) => {
                let again = self
                    .login
                    .as_ref()
                    .map(LoginSession::restore_requests)
                    .unwrap_or_default();
                for request in again {
                    self.send(now, request, Origin::Quiet);
                }
            }
            (Request::Login(params), Err(e)) => {
                // Unless the app logged out meanwhile, the login is lost.
                if self.login.take().is_some() {
                    let message = format!(
                        "reconnected, but logging in again as {} was refused: {e}; log in with a new token",
                        params.user_id
                    );
                    recovery.failure = Some(message.clone());
                    self.emit_error(ErrorCode::RtmTokenError, message);
                }
            }
            (other, _) => tracing::warn!(method = other.method(), "unexpected restore request"),
        }
        if self.recovery.as_ref().is_some_and(|r| r.restoring == 0) {
            self.finish_recovery();
        }
    }

    /// Every restore is answered: reconnected if anything is back (or the app is waiting on
    /// this connection for a call made meanwhile), else disconnected.
    fn finish_recovery(&mut self) {
        let Some(recovery) = self.recovery.take() else {
            return;
        };
        if self.has_session() {
            return self.set_state(ConnectionState::Reconnected, recovery.note);
        }
        if self.pending.any(|f| matches!(f.origin, Origin::App(_))) {
            return self.set_state(ConnectionState::Reconnected, recovery.failure);
        }
        self.abandon_socket();
        let reason = recovery
            .failure
            .unwrap_or_else(|| "nothing to restore after reconnecting".into());
        self.set_state(ConnectionState::Disconnected, Some(reason));
    }

    fn emit_error(&mut self, error_code: ErrorCode, message: String) {
        self.out
            .push_back(Output::Event(EngineEvent::Room(Event::Error(ErrorEvent {
                error_code,
                message,
                forbidden_time: None,
            }))));
    }

    /// Undoes, quietly and in order, a join or login the app was told failed (it timed
    /// out) but that the server may still carry out.
    pub(super) fn undo_timed_out(&mut self, now: Instant, request: &Request) {
        let undo = match request {
            Request::JoinRoom(_) => Request::LeaveRoom(Empty {}),
            Request::Login(_) => Request::Logout(Empty {}),
            _ => return,
        };
        self.send(now, undo, Origin::Quiet);
    }
}

/// The TURN servers a join answer names (none when it names none or says it oddly: media
/// then goes without a relay, which is what a server without TURN means).
fn ice_servers_of(result: &Value) -> Vec<chorus_proto::IceServer> {
    result
        .get("iceServers")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}
