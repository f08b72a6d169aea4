//! Membership: joining (with a resume inside the grace period), leaving, dropping, tokens
//! and visibility, and removing a participant however they go. Part of the room core, with
//! the same sans-IO rules: no tokio, no sockets, no clocks (`now` comes in), so every rule
//! is testable with simulated time.

use std::ops::Bound;

use chorus_proto::{
    ErrorCode, ErrorEvent, Event, ForwardStreamEventType, IceServer, JoinRoomResult,
    PUBLIC_STREAM_PREFIX, RtcError, StreamIndex, StreamRemoveReason, UserInfo, UserJoinedEvent,
    UserLeaveEvent, UserOfflineReason,
};

use chorus_subtitles::CAPTIONER_USER_ID;
use chorus_token::Privilege;

use super::Hook;
use super::core::{Output, Removal, Reply, Room, event_frame};
use super::forward::forward_event;
use super::grant::{Grant, Millis};
use super::participant::{Participant, Published, Reception, SessionId};
use super::streams::published_event;

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
    /// The TURN servers for the join answer (the session makes their credentials).
    pub(crate) ice_servers: Vec<IceServer>,
}

/// The user ids of a spanning room's link clients (see `cluster::span`): the hidden
/// observers that carry a room's users to its other node. They are no users of the room:
/// never counted in its limit or its online users. Reserved: a token for such an id must be
/// Chorus's own (`own_users`).
const LINK_PREFIX: &str = "chorus-span-";

/// Whether `user` is a spanning room's link client.
pub(crate) fn is_link_client(user: &str) -> bool {
    user.starts_with(LINK_PREFIX)
}

/// Whether `user` is one of Chorus's own clients: a link client, a public stream's compositor
/// (`@public.` and the stream id) or the subtitles' captioner. Like link clients they are no
/// users of the room: the room's limit never keeps them out (a public stream or the
/// subtitles of a full room would miss it), and neither its count nor its online users show
/// them, as the vendor's own services show in no room. Reserved: a token for such an id must
/// be Chorus's own (`own_users`).
pub(crate) fn is_own_client(user: &str) -> bool {
    is_link_client(user) || user.starts_with(PUBLIC_STREAM_PREFIX) || user == CAPTIONER_USER_ID
}

/// What a link client is told of a user here invisible, whom no one else is told of: the
/// leave a user turning invisible makes, so that its mirror is (or turns) invisible too.
fn invisible_here(user_info: UserInfo) -> Event {
    Event::UserLeave(UserLeaveEvent {
        user_info,
        reason: UserOfflineReason::SwitchToInvisible,
    })
}

impl Room {
    /// The users the room's limit and its online users count: all but Chorus's own clients.
    /// A spanning room's mirrors count, each the one place of its user in this room.
    pub(super) fn users_counted(&self) -> usize {
        self.users.len() - self.own_clients().count()
    }

    /// Chorus's own clients here (see [`is_own_client`]): a few at most, found without a
    /// pass over every user (the users are ordered by id, and each kind's ids share a prefix).
    fn own_clients(&self) -> impl Iterator<Item = &Participant> {
        let compositors = (Bound::Included(PUBLIC_STREAM_PREFIX), Bound::Unbounded);
        self.link_clients()
            .chain(
                self.users
                    .range::<str, _>(compositors)
                    .take_while(|(user, _)| user.starts_with(PUBLIC_STREAM_PREFIX))
                    .map(|(_, p)| p),
            )
            .chain(self.users.get(CAPTIONER_USER_ID))
    }

    /// The room's link clients: a few at most, found without a pass over every user (the
    /// users are ordered by id, and theirs share a prefix).
    fn link_clients(&self) -> impl Iterator<Item = &Participant> {
        let from = (Bound::Included(LINK_PREFIX), Bound::Unbounded);
        self.users
            .range::<str, _>(from)
            .take_while(|(user, _)| is_link_client(user))
            .map(|(_, p)| p)
    }

    /// Tells a spanning room's link clients what the room tells no one else (an invisible
    /// user's join or leave), so that the user's mirror on the other node follows.
    fn tell_links(&mut self, event: Event) {
        let to = self
            .link_clients()
            .filter(|p| p.connected())
            .map(|p| p.session)
            .collect();
        self.event(to, event);
    }

    /// Tells a link client joining who is here invisible (see [`invisible_here`]).
    fn tell_link_who_is_invisible(&mut self, session: SessionId) {
        let hidden: Vec<Event> = self
            .users
            .values()
            .filter(|p| !p.visible && !is_link_client(&p.info.user_id))
            .map(|p| invisible_here(p.info.clone()))
            .collect();
        for event in hidden {
            self.event(vec![session], event);
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
            ice_servers,
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
        let own = is_own_client(&info.user_id);
        // A place the joiner holds already is theirs to take again (one of Chorus's own
        // clients holds none).
        let occupied = self.users_counted() - usize::from(existing.is_some() && !own);
        // Chorus's own clients are no users: they join a full room, or it could not span,
        // or be composited or captioned.
        if occupied >= self.settings.max_users && !own {
            let msg = format!(
                "room {} is full ({} users); try another room or later",
                self.id, self.settings.max_users
            );
            return self.refuse(session, id, RtcError::new(ErrorCode::JoinRoomFailed, msg));
        }

        // A user whose connection dropped comes back within the grace period: take the
        // session over silently, so others see neither a leave nor a join, and replay what
        // happened meanwhile. If they lost any of it (too much happened, or frames queued for
        // their old connection were never written), they leave and join like anyone else, and
        // `resumed: false` tells them to rebuild their view from the fresh snapshot.
        if let Some(p) =
            existing.filter(|p| !p.connected() && p.visible == visible && !p.missed.lost())
        {
            let user = p.info.user_id.clone();
            let p = self.users.get_mut(&user).expect("checked just above");
            let old = std::mem::replace(&mut p.session, session);
            p.dropped_at = None;
            p.info = info;
            p.set_grant(grant);
            // A session that asks more auto-subscription than the one it takes over (the
            // held stand-in of a spanning room's user, which subscribed to nothing: see
            // `cluster::span`) gets what is published now, as a new joiner would.
            let widened =
                (auto_audio && !p.reception.auto_audio) || (auto_video && !p.reception.auto_video);
            p.reception.auto_audio = auto_audio;
            p.reception.auto_video = auto_video;
            let frames = p.missed.take(&mut self.missed_bytes);
            self.media_changed();
            self.sessions.insert(session, user.clone());
            self.reply_joined(session, id, &user, true, ice_servers);
            self.forwarder_resumed(&user, old);
            if !frames.is_empty() {
                self.out.push_back(Output::Replay {
                    to: session,
                    frames,
                });
            }
            if widened {
                self.auto_subscribe_joiner(now, &user);
            }
            self.check_subscribe_privilege(now, &user);
            return;
        }
        // The same client back too late to resume (not another device): its forwards end
        // with the old session, and the new one is told.
        let lapsed_forwards = existing
            .filter(|p| !p.connected())
            .and_then(|p| p.forwarding.as_ref())
            .map(|f| f.targets.clone())
            .filter(|targets| !targets.is_empty());
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
        let mut reception = Reception::new(auto_audio, auto_video);
        reception.allowed = grant.allows(Privilege::SubscribeStream, now);
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
                subscribe_warned: false,
                dropped_at: None,
                missed: Default::default(),
                reception,
                forwarded: None,
                forwarding: None,
            },
        );
        self.reply_joined(session, id, &user, false, ice_servers);
        if let Some(targets) = lapsed_forwards {
            let event = forward_event(&targets, ForwardStreamEventType::Disconnected);
            self.event(vec![session], event);
        }
        self.send_snapshot(session, &user);
        self.auto_subscribe_joiner(now, &user);
        if visible {
            self.broadcast(
                &user,
                Event::UserJoined(UserJoinedEvent { user_info: info }),
            );
        } else if !is_link_client(&user) {
            self.tell_links(invisible_here(info));
        }
        if is_link_client(&user) {
            self.tell_link_who_is_invisible(session);
        }
        self.stream_bans_on_join(now, session, &user);
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

    /// A session's connection is gone; its user stays for the grace period. `lost`: frames
    /// sent to it were never written to its socket, so its user cannot resume silently.
    pub(crate) fn dropped(&mut self, now: Millis, session: SessionId, lost: bool) {
        self.next_timeout = None;
        if let Some(user) = self.sessions.remove(&session)
            && let Some(p) = self.users.get_mut(&user)
        {
            p.dropped_at = Some(now);
            p.missed.forget(&mut self.missed_bytes);
            if lost {
                p.missed.mark_lost(&mut self.missed_bytes);
            }
            // Forwards go on without media until the user resumes (their target rooms then
            // say RECOVER) or the grace period ends them; a resume first replays this.
            if let Some(f) = p.forwarding.as_ref().filter(|f| !f.targets.is_empty()) {
                let event = forward_event(&f.targets, ForwardStreamEventType::Interrupt);
                p.missed
                    .record(&event_frame(&event), &mut self.missed_bytes);
            }
        }
        self.media_changed();
    }

    /// A session replaces its token. Privileges it no longer grants end now; one it grants
    /// again (subscribing) is restored.
    pub(crate) fn update_token(&mut self, now: Millis, session: SessionId, id: u64, grant: Grant) {
        self.next_timeout = None;
        let Some(p) = self.participant_mut(session, id) else {
            return;
        };
        p.set_grant(grant);
        let user = p.info.user_id.clone();
        self.reply(session, id, Ok(Reply::Done));
        self.check_subscribe_privilege(now, &user);
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

    pub(super) fn remove(&mut self, user: &str, removal: Removal) {
        self.next_timeout = None;
        self.media_changed();
        if self.users.get(user).is_some_and(|p| p.visible) {
            self.unpublish_all(user, removal.stream);
        }
        let Some(mut p) = self.users.remove(user) else {
            return;
        };
        p.missed.forget(&mut self.missed_bytes);
        self.forget_layers_about(user);
        self.hook(Hook::UserLeave {
            user: user.to_owned(),
            visible: p.visible,
            reason: removal.offline,
        });
        let event = UserLeaveEvent {
            user_info: p.info.clone(),
            reason: removal.offline,
        };
        if p.visible {
            self.broadcast(user, Event::UserLeave(event));
        } else if !is_link_client(user) {
            self.tell_links(Event::UserLeave(event));
        }
        if let Some(forwarding) = p.forwarding.take() {
            self.forwarder_left(user, p.session, p.reachable(), forwarding);
        }
        if let Some(forwarded) = p.forwarded.take() {
            return self.forwarded_removed(&p, forwarded, removal.notify);
        }
        if p.connected() {
            self.sessions.remove(&p.session);
            if let Some(error) = removal.notify {
                self.event(vec![p.session], Event::Error(error));
            }
            self.out.push_back(Output::Detach { session: p.session });
        }
    }

    /// `user` left: others' layer choices about them now count as choices about someone absent,
    /// and are dropped where that would pass the bound (see [`Reception::MAX_ABSENT_LAYERS`]).
    fn forget_layers_about(&mut self, user: &str) {
        let users = &self.users;
        let over: Vec<String> = users
            .values()
            .filter(|p| p.reception.layers.contains_key(user))
            .filter(|p| {
                let absent = p
                    .reception
                    .layers
                    .keys()
                    .filter(|u| !users.contains_key(*u));
                absent.count() > Reception::MAX_ABSENT_LAYERS
            })
            .map(|p| p.info.user_id.clone())
            .collect();
        for member in over {
            if let Some(p) = self.users.get_mut(&member) {
                p.reception.layers.remove(user);
            }
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

    fn reply_joined(
        &mut self,
        session: SessionId,
        id: u64,
        user: &str,
        resumed: bool,
        ice_servers: Vec<IceServer>,
    ) {
        let joined = JoinRoomResult {
            room_id: self.id.clone(),
            user_id: user.to_owned(),
            resumed,
            ice_servers,
        };
        self.reply(session, id, Ok(Reply::Joined(joined)));
    }

    fn refuse(&mut self, session: SessionId, id: u64, error: RtcError) {
        self.reply(session, id, Err(error));
        self.out.push_back(Output::Detach { session });
    }
}
