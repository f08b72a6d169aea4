//! Publishing: what each participant publishes on its main and screen streams, and the
//! events and webhooks that announce changes. Part of the room core (same sans-IO rules).

use chorus_proto::{
    ErrorCode, Event, MediaType, PublishPrivilegeExpiryEvent, RtcError, StreamIndex,
    StreamPublishedEvent, StreamRemoveReason, StreamUnpublishedEvent,
};
use chorus_token::Privilege;

use super::Hook;
use super::core::{Output, Reply, Room};
use super::grant::Millis;
use super::participant::SessionId;

impl Room {
    /// A session publishes `media` on `index`.
    pub(crate) fn publish(
        &mut self,
        now: Millis,
        session: SessionId,
        id: u64,
        index: StreamIndex,
        media: MediaType,
    ) {
        let Some(p) = self.participant_mut(session, id) else {
            return;
        };
        if !p.visible {
            let e = RtcError::new(
                ErrorCode::NoPublishPermission,
                "invisible users cannot publish; call setUserVisibility(true) first",
            );
            return self.reply(session, id, Err(e));
        }
        let missing = [
            (media.has_audio(), Privilege::PublishAudio),
            (media.has_video(), Privilege::PublishVideo),
        ]
        .into_iter()
        .find(|&(wanted, privilege)| {
            wanted
                && !p.grant.allows(privilege, now)
                && !p.grant.allows(Privilege::PublishStream, now)
        });
        if let Some((_, privilege)) = missing {
            let e = RtcError::new(
                ErrorCode::PublishFailed,
                format!(
                    "the token lacks the {} privilege or it has expired; get a token with it",
                    privilege.name()
                ),
            );
            return self.reply(session, id, Err(e));
        }
        let user = p.info.user_id.clone();
        if let Some(banned) = self.stream_bans.banned(&user, now).and_then(|b| {
            MediaType::from_parts(
                media.has_audio() && b.has_audio(),
                media.has_video() && b.has_video(),
            )
        }) {
            let what = if banned.has_video() { "video" } else { "audio" };
            let e = RtcError::new(
                ErrorCode::PublishFailed,
                format!(
                    "the server banned this user's {what} in room {} (BanUserStream); \
                     publish it after UnbanUserStream",
                    self.id
                ),
            );
            return self.reply(session, id, Err(e));
        }
        let Some(p) = self.users.get_mut(&user) else {
            return;
        };
        let added = p.published_mut(index).add(media);
        self.reply(session, id, Ok(Reply::Done));
        if let Some(media) = added {
            self.broadcast(&user, published_event(index, &user, media));
            self.auto_subscribe_to(now, &user, index, media);
            self.forward_media(&user);
            self.hook(Hook::Publish { user, index, media });
        }
    }

    /// A session stops publishing `media` on `index`.
    pub(crate) fn unpublish(
        &mut self,
        session: SessionId,
        id: u64,
        index: StreamIndex,
        media: MediaType,
    ) {
        let Some(p) = self.participant_mut(session, id) else {
            return;
        };
        let user = p.info.user_id.clone();
        self.reply(session, id, Ok(Reply::Done));
        self.withdraw(&user, index, media, StreamRemoveReason::Unpublish);
    }

    /// Stops `user` publishing `media` on `index`: subscribers lose it and, for a visible
    /// user, everyone hears why.
    pub(super) fn withdraw(
        &mut self,
        user: &str,
        index: StreamIndex,
        media: MediaType,
        reason: StreamRemoveReason,
    ) {
        let Some(p) = self.users.get_mut(user) else {
            return;
        };
        let visible = p.visible;
        let Some(media) = p.published_mut(index).remove(media) else {
            return;
        };
        self.drop_subscriptions_to(user, index, media);
        self.forward_media(user);
        if visible {
            self.broadcast(user, unpublished_event(index, user, media, reason));
            self.hook(Hook::Unpublish {
                user: user.to_owned(),
                index,
                media,
                reason,
            });
        }
    }

    /// `user`'s publish privilege for some kind ended at `end`: what it no longer covers is
    /// unpublished (TOKEN_PRIVILEGE_EXPIRED), and they are told.
    pub(super) fn publish_privilege_ended(&mut self, user: &str, end: Millis, now: Millis) {
        let Some(p) = self.users.get(user) else {
            return;
        };
        let allowed =
            |own| p.grant.allows(own, now) || p.grant.allows(Privilege::PublishStream, now);
        let lost = MediaType::from_parts(
            !allowed(Privilege::PublishAudio),
            !allowed(Privilege::PublishVideo),
        );
        let (session, connected) = (p.session, p.reachable());
        if let Some(lost) = lost {
            for index in [StreamIndex::Main, StreamIndex::Screen] {
                self.withdraw(user, index, lost, StreamRemoveReason::TokenPrivilegeExpired);
            }
        }
        if connected {
            self.out.push_back(Output::Event {
                to: vec![session],
                event: Event::TokenPublishPrivilegeDidExpired(PublishPrivilegeExpiryEvent {
                    expire_at: end / 1000 - 1,
                }),
            });
        }
    }

    pub(super) fn unpublish_all(&mut self, user: &str, reason: StreamRemoveReason) {
        let Some(p) = self.users.get_mut(user) else {
            return;
        };
        let gone = [
            (StreamIndex::Main, std::mem::take(&mut p.main).media()),
            (StreamIndex::Screen, std::mem::take(&mut p.screen).media()),
        ];
        for (index, media) in gone {
            if let Some(media) = media {
                self.drop_subscriptions_to(user, index, media);
                self.broadcast(user, unpublished_event(index, user, media, reason));
                self.hook(Hook::Unpublish {
                    user: user.to_owned(),
                    index,
                    media,
                    reason,
                });
            }
        }
        self.forward_media(user);
    }
}

pub(super) fn published_event(index: StreamIndex, user: &str, media: MediaType) -> Event {
    let data = StreamPublishedEvent {
        user_id: user.to_owned(),
        media_type: media,
    };
    match index {
        StreamIndex::Main => Event::UserPublishStream(data),
        StreamIndex::Screen => Event::UserPublishScreen(data),
    }
}

fn unpublished_event(
    index: StreamIndex,
    user: &str,
    media: MediaType,
    reason: StreamRemoveReason,
) -> Event {
    let data = StreamUnpublishedEvent {
        user_id: user.to_owned(),
        media_type: media,
        reason,
    };
    match index {
        StreamIndex::Main => Event::UserUnpublishStream(data),
        StreamIndex::Screen => Event::UserUnpublishScreen(data),
    }
}
