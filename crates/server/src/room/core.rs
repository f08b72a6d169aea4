//! The room core: who is in one room, with what, and every rule about it.
//!
//! Sans-IO, in the manner of str0m and quinn-proto: calls take `now` (unix milliseconds) and
//! their inputs, and queue [`Output`]s (replies, events, detaches) that the room task drains
//! with [`Room::poll_output`]. Timers (token and privilege expiry, reconnect grace) are
//! driven by [`Room::poll_timeout`] and [`Room::handle_timeout`]. No tokio, no sockets, no
//! clocks here, so every rule is testable with simulated time; it must not depend on
//! `signal` or `api`.
//! With [`Room::enable_hooks`], the room also queues [`Output::Hook`]s for webhooks.
//!
//! This file holds the room's state, its outputs and timers; the rules live beside it, each
//! an `impl Room` of its own: `membership` (join, leave, drop, remove), `streams`,
//! `subscriptions`, `messages`, `admin` and `stream_bans`. They depend on this file, never the reverse.

use std::collections::{BTreeMap, HashMap, VecDeque};

use std::sync::Arc;

use chorus_proto::{
    ErrorCode, ErrorEvent, Event, ForwardStreamStates, JoinRoomResult, PublishPrivilegeExpiryEvent,
    RtcError, ServerFrame, SimulcastStreamType, StreamIndex, StreamRemoveReason,
    TokenWillExpireEvent, TrackKind, UserOfflineReason,
};

use super::Hook;
use super::ban::Bans;
use super::forward::Relay;
use super::grant::Millis;
use super::participant::{Participant, SessionId};
use super::stream_bans::StreamBans;
use crate::frame::Frame;
use crate::sfu::{ForwardMode, PeerId, Source};

/// Per-room rules, from the server configuration.
#[derive(Debug, Clone)]
pub(crate) struct RoomSettings {
    /// Most users at once, visible or not.
    pub(crate) max_users: usize,
    /// How long a user whose connection dropped stays before others see DROPPED.
    pub(crate) grace: Millis,
    /// How long before token expiry onTokenWillExpire goes out.
    pub(crate) warn_before: Millis,
}

/// A forwarding the room has asked the SFU for: (subscriber, publisher, stream, kind).
pub(super) type ForwardKey = (SessionId, SessionId, StreamIndex, TrackKind);

/// A successful answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    Joined(JoinRoomResult),
    Done,
    /// A forwarding call's answer: each room's state.
    Forward(ForwardStreamStates),
}

/// What the room asks its shell to do, in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Output {
    /// Answer request `id` of session `to`.
    Reply {
        to: SessionId,
        id: u64,
        result: Result<Reply, RtcError>,
    },
    /// Push `event` to every session in `to`.
    Event { to: Vec<SessionId>, event: Event },
    /// Push what a resumed session missed, frames already serialised, in order.
    Replay { to: SessionId, frames: Vec<Frame> },
    /// Push a message `event` to one session, then answer the sender's request `reply`
    /// (`None` for messages from the OpenAPI) with whether it could be delivered.
    Deliver {
        to: SessionId,
        event: Event,
        reply: Option<(SessionId, u64)>,
    },
    /// The session is no longer in this room.
    Detach { session: SessionId },
    /// Something webhooks report (only with [`Room::enable_hooks`]).
    Hook(Hook),
    /// Tell the SFU what `subscriber` gets of `source`.
    Forward {
        subscriber: PeerId,
        source: Source,
        user_id: Arc<str>,
        mode: ForwardMode,
    },
    /// Tell room `room` (same app) about a forward, attaching `session`'s link.
    Relay {
        room: String,
        session: SessionId,
        relay: Relay,
    },
    /// A forward ended here: forget `session`'s link unless it is also a member's.
    Unlink { session: SessionId },
    /// Tell the SFU which simulcast layer `subscriber` gets of `publisher`.
    Layer {
        subscriber: PeerId,
        publisher: PeerId,
        layer: SimulcastStreamType,
    },
}

/// How a participant goes, as others and they themselves see it.
pub(super) struct Removal {
    pub(super) offline: UserOfflineReason,
    pub(super) stream: StreamRemoveReason,
    pub(super) notify: Option<ErrorEvent>,
}

impl Removal {
    pub(super) fn by_admin(code: ErrorCode, message: String, forbidden_time: Option<u64>) -> Self {
        Removal {
            offline: UserOfflineReason::KickedByAdmin,
            stream: StreamRemoveReason::Other,
            notify: Some(ErrorEvent {
                error_code: code,
                message,
                forbidden_time,
            }),
        }
    }
}

/// One room.
pub(crate) struct Room {
    pub(super) id: String,
    pub(super) settings: RoomSettings,
    pub(super) users: BTreeMap<String, Participant>,
    pub(super) sessions: HashMap<SessionId, String>,
    pub(super) bans: Bans,
    /// Stream bans (BanUserStream), for as long as the room lives.
    pub(super) stream_bans: StreamBans,
    pub(super) out: VecDeque<Output>,
    /// The cached answer of [`Room::poll_timeout`]; `None` when it must be computed again.
    pub(super) next_timeout: Option<Option<Millis>>,
    /// Whether to queue [`Output::Hook`]s.
    pub(super) hooks: bool,
    /// Whether `RoomCreate` went out and `RoomDestroy` has not yet.
    pub(super) live: bool,
    /// The forwarding the SFU was last asked for.
    pub(super) forwarding: HashMap<ForwardKey, (ForwardMode, Arc<str>)>,
    /// Whether forwarding may have changed since it was last synced.
    media_dirty: bool,
    /// Bytes of missed frames kept for everyone in grace (see `Missed`).
    pub(super) missed_bytes: usize,
}

impl Room {
    pub(crate) fn new(id: String, settings: RoomSettings, bans: Bans) -> Self {
        Room {
            id,
            settings,
            users: BTreeMap::new(),
            sessions: HashMap::new(),
            bans,
            stream_bans: StreamBans::default(),
            out: VecDeque::new(),
            next_timeout: None,
            hooks: false,
            live: false,
            forwarding: HashMap::new(),
            media_dirty: false,
            missed_bytes: 0,
        }
    }

    /// Queue [`Output::Hook`]s from now on.
    pub(crate) fn enable_hooks(&mut self) {
        self.hooks = true;
    }

    /// Whether `session` is in this room.
    pub(crate) fn has_session(&self, session: SessionId) -> bool {
        self.sessions.contains_key(&session)
    }

    /// Everyone, connected or in grace.
    pub(crate) fn participant_count(&self) -> usize {
        self.users.len()
    }

    /// Per-member entries kept (subscriptions and layer choices), for the state-size gauge.
    pub(crate) fn kept_entries(&self) -> usize {
        self.users.values().map(|p| p.reception.entries()).sum()
    }

    /// Bytes of missed frames kept for users in grace, for the state-size gauge.
    pub(crate) fn missed_bytes(&self) -> usize {
        self.missed_bytes
    }

    /// True when nobody, not even a dropped user in grace, is in the room.
    pub(crate) fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// The next queued output. Once a step's outputs are drained and the room has emptied,
    /// `RoomDestroy` comes last (so a user replaced by their own duplicate login in one step
    /// does not end the room).
    pub(crate) fn poll_output(&mut self) -> Option<Output> {
        if let Some(output) = self.out.pop_front() {
            return Some(output);
        }
        if self.media_dirty {
            self.media_dirty = false;
            self.sync_forwarding();
            if let Some(output) = self.out.pop_front() {
                return Some(output);
            }
        }
        if self.live && self.users.is_empty() {
            self.live = false;
            return Some(Output::Hook(Hook::RoomDestroy));
        }
        None
    }

    /// When [`Room::handle_timeout`] next has work. Computed again only after something that
    /// moves a timer (joins, leaves, drops, tokens), not after every message.
    pub(crate) fn poll_timeout(&mut self) -> Option<Millis> {
        if let Some(next) = self.next_timeout {
            return next;
        }
        let next = self
            .users
            .values()
            .flat_map(|p| {
                let grace = p.dropped_at.map(|t| t + self.settings.grace);
                let expiry = p.grant.expires_ms();
                let warn = expiry
                    .filter(|_| !p.warned)
                    .map(|t| t.saturating_sub(self.settings.warn_before));
                let publish_end = p.grant.next_publish_end(p.publish_enforced);
                let publish_warn = publish_end
                    .filter(|&end| p.publish_warned < end)
                    .map(|t| t.saturating_sub(self.settings.warn_before));
                let subscribe_end = p.grant.subscribe_ends_ms().filter(|_| p.reception.allowed);
                let subscribe_warn = subscribe_end
                    .filter(|_| !p.subscribe_warned)
                    .map(|t| t.saturating_sub(self.settings.warn_before));
                [
                    grace,
                    warn,
                    expiry,
                    publish_warn,
                    publish_end,
                    subscribe_warn,
                    subscribe_end,
                ]
            })
            .flatten()
            .chain(self.stream_bans.next_end())
            .min();
        self.next_timeout = Some(next);
        next
    }

    /// Forwarding may have changed: sync it before the step's outputs run out.
    pub(super) fn media_changed(&mut self) {
        self.media_dirty = true;
    }

    /// Runs the timers that are due at `now`.
    pub(crate) fn handle_timeout(&mut self, now: Millis) {
        self.next_timeout = None;
        let mut dropped = Vec::new();
        let mut expired = Vec::new();
        let mut lapsed = Vec::new();
        for (user, p) in &mut self.users {
            if p.dropped_at.is_some_and(|t| t + self.settings.grace <= now) {
                dropped.push(user.clone());
                continue;
            }
            if let Some(end) = p.grant.next_publish_end(p.publish_enforced) {
                if end <= now {
                    p.publish_enforced = end;
                    lapsed.push((user.clone(), end));
                } else if p.publish_warned < end
                    && end.saturating_sub(self.settings.warn_before) <= now
                {
                    p.publish_warned = end;
                    if p.reachable() {
                        self.out.push_back(Output::Event {
                            to: vec![p.session],
                            event: Event::TokenPublishPrivilegeWillExpire(
                                PublishPrivilegeExpiryEvent {
                                    expire_at: end / 1000 - 1,
                                },
                            ),
                        });
                    }
                }
            }
            let Some(expiry) = p.grant.expires_ms() else {
                continue;
            };
            if expiry <= now {
                expired.push(user.clone());
            } else if !p.warned && expiry.saturating_sub(self.settings.warn_before) <= now {
                p.warned = true;
                if p.reachable() {
                    self.out.push_back(Output::Event {
                        to: vec![p.session],
                        event: Event::TokenWillExpire(TokenWillExpireEvent {
                            expire_at: u64::from(p.grant.expire_at),
                        }),
                    });
                }
            }
        }
        for (user, end) in lapsed {
            self.publish_privilege_ended(&user, end, now);
        }
        for user in dropped {
            self.remove(
                &user,
                Removal {
                    offline: UserOfflineReason::Dropped,
                    stream: StreamRemoveReason::ClientDisconnected,
                    notify: None,
                },
            );
        }
        for user in expired {
            self.remove(
                &user,
                Removal {
                    offline: UserOfflineReason::Quit,
                    stream: StreamRemoveReason::TokenPrivilegeExpired,
                    notify: Some(ErrorEvent {
                        error_code: ErrorCode::TokenExpired,
                        message: "the room token expired; get a new token and join again".into(),
                        forbidden_time: None,
                    }),
                },
            );
        }
        // After removals, so a token that ends whole says only TOKEN_EXPIRED.
        self.subscribe_privilege_timers(now);
        self.stream_bans_due(now);
    }

    /// The participant behind `session`, or a NOT_CONNECTED_YET answer.
    pub(super) fn participant_mut(
        &mut self,
        session: SessionId,
        id: u64,
    ) -> Option<&mut Participant> {
        match self.sessions.get(&session) {
            Some(user) => self.users.get_mut(user),
            None => {
                let e = RtcError::new(
                    ErrorCode::NotConnectedYet,
                    format!("not in room {}; call joinRoom first", self.id),
                );
                self.reply(session, id, Err(e));
                None
            }
        }
    }

    /// Sends `event` to everyone but `user`. Those whose connection dropped keep it, to be
    /// replayed if they resume within the grace period.
    /// The frame is serialised once for all of them, and only when someone is in grace.
    pub(super) fn broadcast(&mut self, user: &str, event: Event) {
        let mut to = Vec::new();
        let mut frame = None;
        for p in self.users.values_mut().filter(|p| p.info.user_id != user) {
            if p.forwarded.is_some() {
                // Forwarded here from another room: this room's events are not theirs.
                continue;
            }
            if p.connected() {
                to.push(p.session);
            } else {
                let frame = frame.get_or_insert_with(|| event_frame(&event));
                p.missed.record(frame, &mut self.missed_bytes);
            }
        }
        self.event(to, event);
    }

    pub(super) fn hook(&mut self, hook: Hook) {
        if self.hooks {
            self.out.push_back(Output::Hook(hook));
        }
    }

    pub(super) fn event(&mut self, to: Vec<SessionId>, event: Event) {
        if !to.is_empty() {
            self.out.push_back(Output::Event { to, event });
        }
    }

    pub(super) fn reply(&mut self, to: SessionId, id: u64, result: Result<Reply, RtcError>) {
        self.out.push_back(Output::Reply { to, id, result });
    }
}

/// `event` as the frame a session is sent.
pub(super) fn event_frame(event: &Event) -> Frame {
    Frame::from(ServerFrame::event_json(event))
}
