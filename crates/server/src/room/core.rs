//! The room core: who is in one room, with what, and every rule about it.
//!
//! Sans-IO, in the manner of str0m and quinn-proto: calls take `now` (unix milliseconds) and
//! their inputs, and queue [`Output`]s (replies, events, detaches) that the room task drains
//! with [`Room::poll_output`]. Timers (token expiry, reconnect grace) are driven by
//! [`Room::poll_timeout`] and [`Room::handle_timeout`]. No tokio, no sockets, no clocks here,
//! so every rule is testable with simulated time; it must not depend on `signal` or `api`.
//! With [`Room::enable_hooks`], the room also queues [`Output::Hook`]s for webhooks.

use std::collections::{BTreeMap, HashMap, VecDeque};

use chorus_proto::{
    ErrorCode, ErrorEvent, Event, JoinRoomResult, PublishPrivilegeExpiryEvent, RtcError,
    StreamIndex, StreamRemoveReason, TokenWillExpireEvent, UserInfo, UserJoinedEvent,
    UserLeaveEvent, UserOfflineReason,
};

use super::Hook;
use super::ban::Bans;
use super::grant::{Grant, Millis};
use super::participant::{Participant, Published, SessionId};
use super::streams::published_event;
use super::subscriptions::{ForwardKey, Reception};
use crate::sfu::{ForwardMode, PeerId, Source};
use chorus_proto::SimulcastStreamType;
use std::sync::Arc;

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

/// A join, as the signalling layer hands it over after checking the token.
#[derive(Debug, Clone)]
pub(crate) struct JoinArgs {
    pub(crate) session: SessionId,
    pub(crate) id: u64,
    pub(crate) info: UserInfo,
    pub(crate) visible: bool,
    pub(crate) grant: Grant,
    /// Subscribe to others' audio as they publish it.
    pub(crate) auto_audio: bool,
    /// Subscribe to others' video as they publish it.
    pub(crate) auto_video: bool,
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    Joined(JoinRoomResult),
    Done,
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
    settings: RoomSettings,
    pub(super) users: BTreeMap<String, Participant>,
    pub(super) sessions: HashMap<SessionId, String>,
    pub(super) bans: Bans,
    pub(super) out: VecDeque<Output>,
    /// The cached answer of [`Room::poll_timeout`]; `None` when it must be computed again.
    next_timeout: Option<Option<Millis>>,
    /// Whether to queue [`Output::Hook`]s.
    hooks: bool,
    /// Whether `RoomCreate` went out and `RoomDestroy` has not yet.
    live: bool,
    /// The forwarding the SFU was last asked for.
    pub(super) forwarding: HashMap<ForwardKey, (ForwardMode, Arc<str>)>,
    /// Whether forwarding may have changed since it was last synced.
    media_dirty: bool,
}

impl Room {
    pub(crate) fn new(id: String, settings: RoomSettings, bans: Bans) -> Self {
        Room {
            id,
            settings,
            users: BTreeMap::new(),
            sessions: HashMap::new(),
            bans,
            out: VecDeque::new(),
            next_timeout: None,
            hooks: false,
            live: false,
            forwarding: HashMap::new(),
            media_dirty: false,
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
                [grace, warn, expiry, publish_warn, publish_end]
            })
            .flatten()
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
                    if p.connected() {
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
                if p.connected() {
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
    }

    /// A session asks to join.
    pub(crate) fn join(&mut self, now: Millis, args: JoinArgs) {
        self.next_timeout = None;
        let JoinArgs {
            session,
            id,
            info,
            visible,
            grant,
            auto_audio,
            auto_video,
        } = args;
        if self.sessions.contains_key(&session) {
            let msg = format!("already in room {}; call leaveRoom first", self.id);
            return self.reply(session, id, Err(RtcError::new(ErrorCode::RepeatJoin, msg)));
        }
        if let Some(refusal) = self.bans.refusal(&info.user_id, now) {
            return self.refuse(session, id, refusal);
        }
        if grant.expires_ms().is_some_and(|t| t <= now) {
            let e = RtcError::new(
                ErrorCode::InvalidToken,
                "the token has expired; get a new one",
            );
            return self.refuse(session, id, e);
        }
        let existing = self.users.get(&info.user_id);
        let occupied = self.users.len() - usize::from(existing.is_some());
        if occupied >= self.settings.max_users {
            let msg = format!(
                "room {} is full ({} users); try another room or later",
                self.id, self.settings.max_users
            );
            return self.refuse(session, id, RtcError::new(ErrorCode::JoinRoomFailed, msg));
        }

        // A user whose connection dropped comes back within the grace period: take the
        // session over silently, so others see neither a leave nor a join, and replay what
        // happened meanwhile. If too much happened, they leave and join like anyone else.
        if let Some(p) =
            existing.filter(|p| !p.connected() && p.visible == visible && !p.missed.overflowed())
        {
            let user = p.info.user_id.clone();
            let p = self.users.get_mut(&user).expect("checked just above");
            p.session = session;
            p.dropped_at = None;
            p.info = info;
            p.set_grant(grant);
            p.reception.auto_audio = auto_audio;
            p.reception.auto_video = auto_video;
            let missed = p.missed.take();
            self.media_changed();
            self.sessions.insert(session, user.clone());
            self.reply_joined(session, id, &user, true);
            for event in missed {
                self.event(vec![session], event);
            }
            return;
        }
        if existing.is_some() {
            let user = info.user_id.clone();
            self.remove(
                &user,
                Removal {
                    offline: UserOfflineReason::Quit,
                    stream: StreamRemoveReason::Other,
                    notify: Some(ErrorEvent {
                        error_code: ErrorCode::DuplicateLogin,
                        message: format!("user {user} joined room {} from elsewhere", self.id),
                        forbidden_time: None,
                    }),
                },
            );
        }

        let user = info.user_id.clone();
        if self.hooks && !self.live {
            self.live = true;
            self.hook(Hook::RoomCreate);
        }
        self.hook(Hook::UserJoin {
            user: user.clone(),
            visible,
        });
        self.sessions.insert(session, user.clone());
        self.users.insert(
            user.clone(),
            Participant {
                session,
                info: info.clone(),
                visible,
                main: Published::default(),
                screen: Published::default(),
                grant,
                warned: false,
                publish_warned: 0,
                publish_enforced: 0,
                dropped_at: None,
                missed: Default::default(),
                reception: Reception::new(auto_audio, auto_video),
            },
        );
        self.reply_joined(session, id, &user, false);
        self.send_snapshot(session, &user);
        self.auto_subscribe_joiner(now, &user);
        if visible {
            self.broadcast(
                &user,
                Event::UserJoined(UserJoinedEvent { user_info: info }),
            );
        }
    }

    /// A session leaves.
    pub(crate) fn leave(&mut self, session: SessionId, id: u64) {
        if let Some(user) = self.sessions.get(&session).cloned() {
            self.reply(session, id, Ok(Reply::Done));
            self.remove(
                &user,
                Removal {
                    offline: UserOfflineReason::Quit,
                    stream: StreamRemoveReason::Unpublish,
                    notify: None,
                },
            );
        } else {
            // Already gone (kicked, say): leaving is still a success.
            self.reply(session, id, Ok(Reply::Done));
            self.out.push_back(Output::Detach { session });
        }
    }

    /// A session's connection is gone; its user stays for the grace period.
    pub(crate) fn dropped(&mut self, now: Millis, session: SessionId) {
        self.next_timeout = None;
        if let Some(user) = self.sessions.remove(&session)
            && let Some(p) = self.users.get_mut(&user)
        {
            p.dropped_at = Some(now);
            p.missed = Default::default();
        }
        self.media_changed();
    }

    /// A session replaces its token.
    pub(crate) fn update_token(&mut self, session: SessionId, id: u64, grant: Grant) {
        self.next_timeout = None;
        let Some(p) = self.participant_mut(session, id) else {
            return;
        };
        p.set_grant(grant);
        self.reply(session, id, Ok(Reply::Done));
    }

    /// A session becomes visible or invisible.
    pub(crate) fn set_visible(&mut self, session: SessionId, id: u64, visible: bool) {
        let Some(p) = self.participant_mut(session, id) else {
            return;
        };
        if p.visible == visible {
            return self.reply(session, id, Ok(Reply::Done));
        }
        p.visible = visible;
        let user = p.info.user_id.clone();
        let info = p.info.clone();
        let hook = Hook::Visibility {
            user: user.clone(),
            visible,
        };
        if visible {
            self.hook(hook);
            self.broadcast(
                &user,
                Event::UserJoined(UserJoinedEvent { user_info: info }),
            );
        } else {
            // Invisible users cannot publish: their streams end first, then they leave.
            self.unpublish_all(&user, StreamRemoveReason::Other);
            self.hook(hook);
            self.broadcast(
                &user,
                Event::UserLeave(UserLeaveEvent {
                    user_info: info,
                    reason: UserOfflineReason::SwitchToInvisible,
                }),
            );
        }
        self.reply(session, id, Ok(Reply::Done));
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

    pub(super) fn remove(&mut self, user: &str, removal: Removal) {
        self.next_timeout = None;
        self.media_changed();
        if self.users.get(user).is_some_and(|p| p.visible) {
            self.unpublish_all(user, removal.stream);
        }
        let Some(p) = self.users.remove(user) else {
            return;
        };
        self.hook(Hook::UserLeave {
            user: user.to_owned(),
            visible: p.visible,
            reason: removal.offline,
        });
        if p.visible {
            let event = UserLeaveEvent {
                user_info: p.info.clone(),
                reason: removal.offline,
            };
            self.broadcast(user, Event::UserLeave(event));
        }
        if p.connected() {
            self.sessions.remove(&p.session);
            if let Some(error) = removal.notify {
                self.event(vec![p.session], Event::Error(error));
            }
            self.out.push_back(Output::Detach { session: p.session });
        }
    }

    /// Tells a joiner who is already here and what they publish.
    fn send_snapshot(&mut self, session: SessionId, joiner: &str) {
        let mut events = Vec::new();
        for p in self
            .users
            .values()
            .filter(|p| p.visible && p.info.user_id != joiner)
        {
            events.push(Event::UserJoined(UserJoinedEvent {
                user_info: p.info.clone(),
            }));
            for index in [StreamIndex::Main, StreamIndex::Screen] {
                if let Some(media) = p.published(index).media() {
                    events.push(published_event(index, &p.info.user_id, media));
                }
            }
        }
        for event in events {
            self.event(vec![session], event);
        }
    }

    /// Sends `event` to everyone but `user`. Those whose connection dropped keep it, to be
    /// replayed if they resume within the grace period.
    pub(super) fn broadcast(&mut self, user: &str, event: Event) {
        let mut to = Vec::new();
        for p in self.users.values_mut().filter(|p| p.info.user_id != user) {
            if p.connected() {
                to.push(p.session);
            } else {
                p.missed.record(&event);
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

    fn reply_joined(&mut self, session: SessionId, id: u64, user: &str, resumed: bool) {
        let joined = JoinRoomResult {
            room_id: self.id.clone(),
            user_id: user.to_owned(),
            resumed,
        };
        self.reply(session, id, Ok(Reply::Joined(joined)));
    }

    fn refuse(&mut self, session: SessionId, id: u64, error: RtcError) {
        self.reply(session, id, Err(error));
        self.out.push_back(Output::Detach { session });
    }
}
