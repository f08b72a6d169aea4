//! What the server says: answers to requests (and what each success or failure changes in
//! the remembered room) and pushed events (some of which end the stay in the room).

use std::time::Instant;

use chorus_proto::{ConnectionState, ErrorCode, Event, Request, ServerFrame, StreamIndex};
use serde_json::Value;

use super::{InFlight, Machine, Origin, Outcome, Output, REMOVED};
use crate::event::EngineEvent;
use crate::room::RoomSession;

impl<W> Machine<W> {
    /// A text frame from the server.
    pub(crate) fn handle_text(&mut self, now: Instant, text: &str) {
        self.handle_activity(now);
        match ServerFrame::parse(text) {
            Ok(ServerFrame::Event(event)) => self.on_event(event),
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

    fn on_event(&mut self, event: Event) {
        if let Event::Error(e) = &event
            && REMOVED.contains(&e.error_code)
        {
            self.room = None;
        }
        self.out.push_back(Output::Event(EngineEvent::Room(event)));
    }

    fn on_response(&mut self, now: Instant, flight: InFlight<W>, outcome: Outcome) {
        let InFlight { request, origin } = flight;
        if let Origin::Rejoin = origin {
            return self.on_rejoin_answer(now, request, outcome);
        }
        let method = request.method();
        let quiet = matches!(origin, Origin::Quiet);
        let room = self.room.as_mut();
        match (request, &outcome) {
            (Request::JoinRoom(params), Ok(_)) => {
                self.room = Some(RoomSession::joined(params));
                self.failed_join = None;
            }
            (Request::JoinRoom(params), Err(e)) => {
                self.failed_join = (e.code == ErrorCode::InvalidToken).then_some(params);
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
            (Request::UpdateToken(p), Ok(_)) => room.map_or((), |r| r.set_token(p.token)),
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
            // A republish after a reconnect was refused: it is not published any more.
            (Request::PublishStream(p), Err(_)) if quiet => {
                room.map_or((), |r| r.unpublish(StreamIndex::Main, p.media_type))
            }
            (Request::PublishScreen(p), Err(_)) if quiet => {
                room.map_or((), |r| r.unpublish(StreamIndex::Screen, p.media_type))
            }
            _ => {}
        }
        match origin {
            Origin::App(waiter) => self.reply(waiter, outcome),
            Origin::Quiet | Origin::Rejoin => {
                if let Err(e) = outcome {
                    tracing::warn!(method, error = %e, "the server refused the engine's own request");
                }
            }
        }
    }

    fn on_rejoin_answer(&mut self, now: Instant, request: Request, outcome: Outcome) {
        if self.recovery.take().is_none() {
            return;
        }
        match outcome {
            Ok(result) => {
                let resumed = result
                    .get("resumed")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let reason = (!resumed).then(|| {
                    "the server had ended the old session; rejoined as a new one".to_owned()
                });
                self.set_state(ConnectionState::Reconnected, reason);
                let again = self
                    .room
                    .as_ref()
                    .map(RoomSession::republish_requests)
                    .unwrap_or_default();
                for request in again {
                    self.send(now, request, Origin::Quiet);
                }
            }
            Err(e) => {
                let room = self
                    .room
                    .as_ref()
                    .map_or_else(String::new, |r| r.room_id().to_owned());
                self.fail_recovery(format!(
                    "reconnected, but rejoining room {room} was refused: {e}"
                ));
                if let Request::JoinRoom(params) = request
                    && e.code == ErrorCode::InvalidToken
                {
                    self.failed_join = Some(params);
                }
            }
        }
    }
}
