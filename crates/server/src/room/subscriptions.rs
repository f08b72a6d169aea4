//! Receiving: what each participant subscribes to, what is paused, which simulcast layer it
//! wants, and the forwarding the SFU must do because of it. Part of the room core (same
//! sans-IO rules).
//!
//! Rather than patching the SFU's state operation by operation, the room recomputes the
//! forwarding it wants after anything that can change it and sends only the difference
//! ([`Room::poll_output`] does this when something marked it dirty). Joins, leaves, drops,
//! resumes, publishes and subscriptions then all share one path that cannot forget a case.

use std::collections::HashMap;
use std::sync::Arc;

use chorus_proto::{
    ErrorCode, Event, MediaType, RtcError, SimulcastStreamType, StreamIndex,
    SubscribePrivilegeExpiryEvent, TrackKind, UserCaptureEvent,
};
use chorus_token::Privilege;

use super::core::{ForwardKey, Output, Reply, Room};
use super::grant::Millis;
use super::participant::{Reception, SessionId};
use crate::sfu::{ForwardMode, PeerId, Source};

/// The subscribe, unsubscribe, pause and resume requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubscribeOp {
    Subscribe,
    Unsubscribe,
}

/// One subscribe or unsubscribe request: what to do to which of a publisher's streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubscribeArgs {
    pub(crate) op: SubscribeOp,
    /// The publisher's user id.
    pub(crate) publisher: String,
    pub(crate) index: StreamIndex,
    pub(crate) media: MediaType,
}

impl Room {
    /// `subscribeStream` / `unsubscribeStream` / `subscribeScreen` / `unsubscribeScreen`.
    pub(crate) fn subscribe(
        &mut self,
        now: Millis,
        session: SessionId,
        id: u64,
        args: SubscribeArgs,
    ) {
        let SubscribeArgs {
            op,
            publisher,
            index,
            media,
        } = args;
        let publisher = publisher.as_str();
        let Some(me) = self.participant_mut(session, id) else {
            return;
        };
        let my_user = me.info.user_id.clone();
        if my_user == publisher {
            let e = RtcError::new(
                ErrorCode::InvalidParams,
                "you cannot subscribe to your own stream; render it locally",
            );
            return self.reply(session, id, Err(e));
        }
        if op == SubscribeOp::Subscribe && !me.grant.allows(Privilege::SubscribeStream, now) {
            let e = RtcError::new(
                ErrorCode::PublishFailed,
                "the token lacks the subscribe privilege or it has expired; get a token with it",
            );
            return self.reply(session, id, Err(e));
        }
        let published = self
            .users
            .get(publisher)
            .filter(|p| p.visible)
            .map(|p| *p.published(index));
        let missing = TrackKind::of(media).find(|kind| {
            !published.is_some_and(|p| match kind {
                TrackKind::Audio => p.audio,
                TrackKind::Video => p.video,
            })
        });
        let me = self
            .users
            .get_mut(&my_user)
            .expect("participant_mut found this user above");
        if let Some(kind) = missing {
            // Unsubscribing from what is already gone is not an error worth failing on when
            // the subscription existed; it is when it never did.
            let was_subscribed =
                me.reception
                    .subscribed
                    .contains(&(publisher.to_owned(), index, kind));
            if op == SubscribeOp::Subscribe || !was_subscribed {
                let e = RtcError::new(
                    ErrorCode::StreamNotExist,
                    format!(
                        "{publisher} does not publish {} on its {} stream",
                        kind.as_str(),
                        index_name(index)
                    ),
                );
                return self.reply(session, id, Err(e));
            }
        }
        for kind in TrackKind::of(media) {
            let key = (publisher.to_owned(), index, kind);
            match op {
                SubscribeOp::Subscribe => me.reception.subscribed.insert(key),
                SubscribeOp::Unsubscribe => me.reception.subscribed.remove(&key),
            };
        }
        self.media_changed();
        self.reply(session, id, Ok(Reply::Done));
    }

    /// `pauseAllSubscribedStream` / `resumeAllSubscribedStream`.
    pub(crate) fn pause_all(
        &mut self,
        session: SessionId,
        id: u64,
        media: MediaType,
        paused: bool,
    ) {
        let Some(me) = self.participant_mut(session, id) else {
            return;
        };
        if media.has_audio() {
            me.reception.paused_audio = paused;
        }
        if media.has_video() {
            me.reception.paused_video = paused;
        }
        self.media_changed();
        self.reply(session, id, Ok(Reply::Done));
    }

    /// `setRemoteSimulcastStreamType`.
    pub(crate) fn set_layer(
        &mut self,
        session: SessionId,
        id: u64,
        publisher: &str,
        layer: SimulcastStreamType,
    ) {
        let Some(me) = self.participant_mut(session, id) else {
            return;
        };
        let me = me.info.user_id.clone();
        // A choice about someone in the room is always kept; one about someone who is not is
        // kept for a few such users only, past which the call succeeds but is not remembered
        // (that publisher starts at the default layer if they join).
        let keep = self.users.contains_key(publisher) || {
            let layers = &self.users[&me].reception.layers;
            layers.contains_key(publisher)
                || layers
                    .keys()
                    .filter(|u| !self.users.contains_key(*u))
                    .count()
                    < Reception::MAX_ABSENT_LAYERS
        };
        let me = self
            .users
            .get_mut(&me)
            .expect("participant_mut found this user above");
        if keep {
            me.reception.layers.insert(publisher.to_owned(), layer);
        }
        let subscriber = me.session;
        self.reply(session, id, Ok(Reply::Done));
        if let Some(p) = self.users.get(publisher).filter(|p| p.connected()) {
            self.out.push_back(Output::Layer {
                subscriber: PeerId(subscriber),
                publisher: PeerId(p.session),
                layer,
            });
        }
    }

    /// For each publisher whose video someone here receives, the highest simulcast layer its
    /// receivers chose (HIGH unless they chose lower): what a room spanning nodes asks of the
    /// publisher's node for the publisher's mirror here. Paused receivers count for nothing.
    pub(crate) fn wanted_layers(&self) -> HashMap<String, SimulcastStreamType> {
        let rank = |layer: SimulcastStreamType| match layer {
            SimulcastStreamType::Low => 0,
            SimulcastStreamType::Mid => 1,
            SimulcastStreamType::High => 2,
        };
        let mut wanted: HashMap<String, SimulcastStreamType> = HashMap::new();
        for ((subscriber, _, _, kind), (mode, publisher)) in &self.forwarding {
            if *kind != TrackKind::Video || *mode != ForwardMode::On {
                continue;
            }
            let layer = self
                .sessions
                .get(subscriber)
                .and_then(|user| self.users.get(user))
                .and_then(|sub| sub.reception.layers.get(&**publisher).copied())
                .unwrap_or(SimulcastStreamType::High);
            wanted
                .entry(publisher.to_string())
                .and_modify(|w| {
                    if rank(layer) > rank(*w) {
                        *w = layer;
                    }
                })
                .or_insert(layer);
        }
        wanted
    }

    /// `setCaptureState`: tell the others.
    pub(crate) fn capture_state(&mut self, session: SessionId, id: u64, kind: TrackKind, on: bool) {
        let Some(me) = self.participant_mut(session, id) else {
            return;
        };
        let (user, visible) = (me.info.user_id.clone(), me.visible);
        self.reply(session, id, Ok(Reply::Done));
        if visible {
            let data = UserCaptureEvent {
                user_id: user.clone(),
            };
            let event = match (kind, on) {
                (TrackKind::Video, true) => Event::UserStartVideoCapture(data),
                (TrackKind::Video, false) => Event::UserStopVideoCapture(data),
                (TrackKind::Audio, true) => Event::UserStartAudioCapture(data),
                (TrackKind::Audio, false) => Event::UserStopAudioCapture(data),
            };
            self.broadcast(&user, event);
        }
    }

    /// Subscribes everyone who auto-subscribes (and may) to what `publisher` just added.
    pub(super) fn auto_subscribe_to(
        &mut self,
        now: Millis,
        publisher: &str,
        index: StreamIndex,
        media: MediaType,
    ) {
        for p in self
            .users
            .values_mut()
            .filter(|p| p.info.user_id != publisher && p.forwarded.is_none())
        {
            if !p.grant.allows(Privilege::SubscribeStream, now) {
                continue;
            }
            let r = &mut p.reception;
            for kind in TrackKind::of(media) {
                if r.auto(kind) {
                    r.subscribed.insert((publisher.to_owned(), index, kind));
                }
            }
        }
        self.media_changed();
    }

    /// Subscribes a joiner who auto-subscribes to everything already published.
    pub(super) fn auto_subscribe_joiner(&mut self, now: Millis, joiner: &str) {
        let published: Vec<(String, StreamIndex, MediaType)> = self
            .users
            .values()
            .filter(|p| p.visible && p.info.user_id != joiner)
            .flat_map(|p| {
                [StreamIndex::Main, StreamIndex::Screen]
                    .into_iter()
                    .filter_map(|i| {
                        p.published(i)
                            .media()
                            .map(|m| (p.info.user_id.clone(), i, m))
                    })
            })
            .collect();
        let Some(me) = self.users.get_mut(joiner) else {
            return;
        };
        if !me.grant.allows(Privilege::SubscribeStream, now) {
            return;
        }
        for (publisher, index, media) in published {
            let r = &mut me.reception;
            for kind in TrackKind::of(media) {
                if r.auto(kind) {
                    r.subscribed.insert((publisher.clone(), index, kind));
                }
            }
        }
        self.media_changed();
    }

    /// Runs the subscribe privilege's timers due at `now`: onTokenSubscribePrivilegeWillExpire
    /// `warn_before` ahead of its end, and at the end, forwarding stops.
    pub(super) fn subscribe_privilege_timers(&mut self, now: Millis) {
        let warn_before = self.settings.warn_before;
        let mut lapsed = Vec::new();
        let mut warnings = Vec::new();
        for (user, p) in &mut self.users {
            let Some(end) = p.grant.subscribe_ends_ms().filter(|_| p.reception.allowed) else {
                continue;
            };
            if end <= now {
                lapsed.push(user.clone());
            } else if !p.subscribe_warned && end.saturating_sub(warn_before) <= now {
                p.subscribe_warned = true;
                if p.reachable() {
                    let expire_at = end / 1000 - 1;
                    warnings.push((p.session, expire_at));
                }
            }
        }
        for (session, expire_at) in warnings {
            let event = SubscribePrivilegeExpiryEvent { expire_at };
            self.event(
                vec![session],
                Event::TokenSubscribePrivilegeWillExpire(event),
            );
        }
        for user in lapsed {
            self.check_subscribe_privilege(now, &user);
        }
    }

    /// Brings what `user` receives in line with whether their grant allows subscribing at
    /// `now`. Losing the privilege (its end passed, or a new token lacks it) stops everything
    /// forwarded to them and tells them (onTokenSubscribePrivilegeDidExpired); they stay in
    /// the room and keep their subscriptions. Getting it back restores those, and subscribes
    /// those who auto-subscribe to whatever was published meanwhile.
    pub(super) fn check_subscribe_privilege(&mut self, now: Millis, user: &str) {
        let Some(p) = self.users.get_mut(user) else {
            return;
        };
        let allowed = p.grant.allows(Privilege::SubscribeStream, now);
        if allowed == p.reception.allowed {
            return;
        }
        p.reception.allowed = allowed;
        // The token's own end when that is what passed; now when a new token took it away.
        let expire_at = p
            .grant
            .subscribe_ends_ms()
            .filter(|&end| end <= now)
            .map_or(now / 1000, |end| end / 1000 - 1);
        let event =
            Event::TokenSubscribePrivilegeDidExpired(SubscribePrivilegeExpiryEvent { expire_at });
        let session = p.connected().then_some(p.session);
        if !allowed && session.is_none() {
            // Away in the grace period: told when they resume.
            p.missed
                .record(&super::core::event_frame(&event), &mut self.missed_bytes);
        }
        self.next_timeout = None;
        self.media_changed();
        if allowed {
            return self.auto_subscribe_joiner(now, user);
        }
        if let Some(session) = session {
            self.event(vec![session], event);
        }
    }

    /// Ends everyone's subscriptions to what `publisher` no longer publishes.
    pub(super) fn drop_subscriptions_to(
        &mut self,
        publisher: &str,
        index: StreamIndex,
        media: MediaType,
    ) {
        for p in self.users.values_mut() {
            for kind in TrackKind::of(media) {
                p.reception
                    .subscribed
                    .remove(&(publisher.to_owned(), index, kind));
            }
        }
        self.media_changed();
    }

    /// Queues the forwarding changes since the last call.
    pub(super) fn sync_forwarding(&mut self) {
        let mut wanted: HashMap<ForwardKey, (ForwardMode, Arc<str>)> = HashMap::new();
        for publisher in self.users.values().filter(|p| p.visible && p.connected()) {
            // A paused forward keeps its subscriptions, sending nothing, so resuming needs
            // no new negotiation.
            let paused = publisher.forwarded.as_ref().is_some_and(|f| f.paused);
            let user: Arc<str> = publisher.info.user_id.as_str().into();
            for index in [StreamIndex::Main, StreamIndex::Screen] {
                let Some(media) = publisher.published(index).media() else {
                    continue;
                };
                for kind in TrackKind::of(media) {
                    let key = (publisher.info.user_id.clone(), index, kind);
                    for sub in self.users.values().filter(|s| {
                        s.reachable() && s.reception.allowed && s.session != publisher.session
                    }) {
                        if sub.reception.subscribed.contains(&key) {
                            let mode = if paused || sub.reception.paused(kind) {
                                ForwardMode::Paused
                            } else {
                                ForwardMode::On
                            };
                            wanted.insert(
                                (sub.session, publisher.session, index, kind),
                                (mode, user.clone()),
                            );
                        }
                    }
                }
            }
        }
        let gone: Vec<ForwardKey> = self
            .forwarding
            .keys()
            .filter(|k| !wanted.contains_key(k))
            .copied()
            .collect();
        for key in gone {
            let user = self
                .forwarding
                .remove(&key)
                .map(|(_, u)| u)
                .unwrap_or_default();
            self.out.push_back(forward(key, user, ForwardMode::Off));
        }
        // Sorted so the SFU sees (and tests assert) a stable order.
        let mut wanted: Vec<_> = wanted.into_iter().collect();
        wanted.sort_by_key(|(k, _)| (k.0, k.1, k.2, k.3 == TrackKind::Video));
        for (key, (mode, user)) in wanted {
            if self.forwarding.get(&key).map(|(m, _)| *m) == Some(mode) {
                continue;
            }
            let new = !self.forwarding.contains_key(&key);
            self.forwarding.insert(key, (mode, user.clone()));
            self.out.push_back(forward(key, user.clone(), mode));
            // A resumed or new subscriber keeps the layer it chose.
            if new
                && key.3 == TrackKind::Video
                && let Some(sub) = self.sessions.get(&key.0).and_then(|u| self.users.get(u))
                && let Some(layer) = sub.reception.layers.get(&*user)
            {
                self.out.push_back(Output::Layer {
                    subscriber: PeerId(key.0),
                    publisher: PeerId(key.1),
                    layer: *layer,
                });
            }
        }
    }
}

fn forward(key: ForwardKey, user_id: Arc<str>, mode: ForwardMode) -> Output {
    let (subscriber, publisher, index, kind) = key;
    Output::Forward {
        subscriber: PeerId(subscriber),
        source: Source {
            publisher: PeerId(publisher),
            index,
            kind,
        },
        user_id,
        mode,
    }
}

fn index_name(index: StreamIndex) -> &'static str {
    match index {
        StreamIndex::Main => "main",
        StreamIndex::Screen => "screen",
    }
}
