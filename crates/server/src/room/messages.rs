//! Messages inside a room: to one user or to everyone, from members or from the OpenAPI.
//!
//! Part of the room core (same sans-IO rules): a message to a connected member becomes an
//! [`Output::Deliver`], whose shell answers the sender once the message is in the receiver's
//! outbox; a member in the reconnect grace period gets it on resume. Per-sender order holds
//! because a room handles its commands one at a time and each outbox is FIFO.

use base64::Engine as _;
use chorus_proto::{ErrorCode, Event, MAX_MESSAGE_BYTES, MessageEvent, RtcError};

use super::core::{Output, Reply, Room, event_frame};
use super::participant::SessionId;

/// A message as it travels: the text, or base64 of the bytes when `binary`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Payload {
    pub(crate) message: String,
    pub(crate) binary: bool,
}

impl Payload {
    /// A payload within the contract's limit: 64 KB of text, or of the bytes a binary
    /// message's base64 decodes to. The error says what is wrong, for either edge to wrap.
    pub(crate) fn checked(message: String, binary: bool) -> Result<Self, String> {
        let size = if binary {
            base64::engine::general_purpose::STANDARD
                .decode(&message)
                .map_err(|e| format!("a binary message must be standard base64: {e}"))?
                .len()
        } else {
            message.len()
        };
        if size > MAX_MESSAGE_BYTES {
            return Err(format!(
                "the message is {size} bytes; the limit is {MAX_MESSAGE_BYTES}"
            ));
        }
        Ok(Payload { message, binary })
    }

    /// The event a single receiver in the room gets.
    pub(crate) fn to_user(&self, from: &str) -> Event {
        let data = self.event(from);
        if self.binary {
            Event::UserBinaryMessageReceived(data)
        } else {
            Event::UserMessageReceived(data)
        }
    }

    /// The event everyone in the room gets.
    pub(crate) fn to_room(&self, from: &str) -> Event {
        let data = self.event(from);
        if self.binary {
            Event::RoomBinaryMessageReceived(data)
        } else {
            Event::RoomMessageReceived(data)
        }
    }

    /// The event a receiver outside rooms gets.
    pub(crate) fn outside_room(&self, from: &str) -> Event {
        let data = self.event(from);
        if self.binary {
            Event::UserBinaryMessageReceivedOutsideRoom(data)
        } else {
            Event::UserMessageReceivedOutsideRoom(data)
        }
    }

    fn event(&self, from: &str) -> MessageEvent {
        MessageEvent {
            user_id: from.to_owned(),
            message: self.message.clone(),
        }
    }
}

fn not_joined(room: &str) -> RtcError {
    RtcError::new(
        ErrorCode::UserMessageNotJoin,
        format!("not in room {room}; join it before sending messages"),
    )
}

impl Room {
    /// A member sends `payload` to `to`.
    pub(crate) fn user_message(
        &mut self,
        session: SessionId,
        id: u64,
        to: &str,
        payload: &Payload,
    ) {
        let Some(from) = self.sessions.get(&session).cloned() else {
            let e = not_joined(&self.id);
            return self.reply(session, id, Err(e));
        };
        // A forwarded member is not in this room to read messages.
        let receiver = self
            .users
            .get_mut(to)
            .filter(|r| to != from && r.forwarded.is_none());
        let Some(receiver) = receiver else {
            let e = RtcError::new(
                ErrorCode::UserMessageNoReceiver,
                format!("user {to} is not in room {}", self.id),
            );
            return self.reply(session, id, Err(e));
        };
        let event = payload.to_user(&from);
        if receiver.connected() {
            let to = receiver.session;
            self.out.push_back(Output::Deliver {
                to,
                event,
                reply: Some((session, id)),
            });
        } else {
            // Acknowledged now: kept for the resume, or, past the bounds, reported to the
            // receiver as lost (its resume answers `resumed: false`).
            receiver
                .missed
                .record(&event_frame(&event), &mut self.missed_bytes);
            self.reply(session, id, Ok(Reply::Done));
        }
    }

    /// A member sends `payload` to everyone else in the room.
    pub(crate) fn room_message(&mut self, session: SessionId, id: u64, payload: &Payload) {
        let Some(from) = self.sessions.get(&session).cloned() else {
            let e = not_joined(&self.id);
            return self.reply(session, id, Err(e));
        };
        self.broadcast(&from, payload.to_room(&from));
        self.reply(session, id, Ok(Reply::Done));
    }

    /// The OpenAPI sends `payload` as `from`: to the users in `to`, or to everyone when `to`
    /// is `None`. Returns the receivers that were in the room.
    pub(crate) fn server_message(
        &mut self,
        from: &str,
        to: Option<&[String]>,
        payload: &Payload,
    ) -> Vec<String> {
        match to {
            None => {
                let present: Vec<String> =
                    self.users.keys().filter(|u| *u != from).cloned().collect();
                self.broadcast(from, payload.to_room(from));
                present
            }
            Some(receivers) => {
                let mut present = Vec::new();
                for user in receivers {
                    let Some(receiver) = self.users.get_mut(user).filter(|r| r.forwarded.is_none())
                    else {
                        continue;
                    };
                    let event = payload.to_user(from);
                    if receiver.connected() {
                        let to = receiver.session;
                        self.out.push_back(Output::Deliver {
                            to,
                            event,
                            reply: None,
                        });
                    } else {
                        receiver
                            .missed
                            .record(&event_frame(&event), &mut self.missed_bytes);
                    }
                    present.push(user.clone());
                }
                present
            }
        }
    }
}
