//! Cross-room forwarding, the target room's side: a user of another room publishes here as a
//! forwarded member. Part of the room core (same sans-IO rules).
//!
//! Others see a forwarded member as any publisher (`onUserJoined`, `onUserPublishStream`)
//! and subscribe to them as usual; the forwarded member receives nothing of this room, and is
//! kept to this room's rules: bans, the room's size, its token's expiry, kicks and dismissal.
//! When one of those ends the forward, the forwarder's session is told
//! (`onForwardStreamStateChanged`, `onForwardStreamEvent`) and so is the source room.

use chorus_proto::Event;
use chorus_proto::{
    ErrorCode, ErrorEvent, ForwardStreamError, ForwardStreamEventType, MediaType, StreamIndex,
    StreamRemoveReason, UserJoinedEvent, UserOfflineReason,
};

use super::Hook;
use super::core::{Output, Removal, Room};
use super::forward::{Joining, Relay, forward_event, state_event};
use super::grant::Millis;
use super::participant::{Forwarded, Participant, Published, Reception, SessionId};
use super::streams::published_event;

impl Room {
    /// A relay from another room about a forward; `session` is the forwarder's session.
    pub(crate) fn relayed(&mut self, now: Millis, session: SessionId, relay: Relay) {
        match relay {
            Relay::Join(joining) => self.forward_join(now, session, joining),
            Relay::Media { user, main, screen } => {
                if self.forwarded_by(&user, session) {
                    self.forwarded_media(now, &user, main, screen);
                }
            }
            Relay::Paused { user, paused } => {
                if self.forwarded_by(&user, session)
                    && let Some(f) = self.users.get_mut(&user).and_then(|p| p.forwarded.as_mut())
                {
                    f.paused = paused;
                    self.media_changed();
                }
            }
            Relay::Token { user, grant } => {
                if self.forwarded_by(&user, session)
                    && let Some(p) = self.users.get_mut(&user)
                {
                    p.set_grant(grant);
                    self.next_timeout = None;
                }
            }
            Relay::Leave { user } => {
                if self.forwarded_by(&user, session) {
                    self.remove(
                        &user,
                        Removal {
                            offline: UserOfflineReason::Quit,
                            stream: StreamRemoveReason::Unpublish,
                            notify: None,
                        },
                    );
                }
            }
            Relay::Rebind { user, old } => {
                if self.forwarded_by(&user, old)
                    && let Some(p) = self.users.get_mut(&user)
                {
                    p.session = session;
                    self.out.push_back(Output::Unlink { session: old });
                    self.media_changed();
                    let rooms = [self.id.clone()];
                    self.event(
                        vec![session],
                        forward_event(&rooms, ForwardStreamEventType::Recover),
                    );
                }
            }
            Relay::Ended { user, room } => self.forward_ended(&user, &room),
        }
    }

    /// Whether `user` is here as a forward from `session`: relays from a session whose
    /// forward was taken over by another (the same user forwarding from elsewhere) are moot.
    fn forwarded_by(&self, user: &str, session: SessionId) -> bool {
        self.users
            .get(user)
            .is_some_and(|p| p.forwarded.is_some() && p.session == session)
    }

    /// The source room joins a user here as a forward: refused (a ban, a full room, an expired
    /// token, the user here in person) or taken in as a publisher, and the forwarder told.
    fn forward_join(&mut self, now: Millis, session: SessionId, joining: Joining) {
        let Joining {
            source_room,
            info,
            grant,
            main,
            screen,
            paused,
        } = joining;
        let user = info.user_id.clone();
        if let Some(p) = self.users.get_mut(&user).filter(|p| p.forwarded.is_some()) {
            // Forwarded here already (a restart overtook the end of the last forward, or the
            // same user forwards from another room): the member is taken over as it stands,
            // and a forward from elsewhere ends.
            let old = std::mem::replace(&mut p.session, session);
            p.set_grant(grant);
            let before = p.forwarded.replace(Forwarded {
                source_room,
                paused,
            });
            if old != session {
                let rooms = [self.id.clone()];
                self.event(
                    vec![old],
                    forward_event(&rooms, ForwardStreamEventType::Disconnected),
                );
                if let Some(before) = before {
                    let ended = Relay::Ended {
                        user: user.clone(),
                        room: self.id.clone(),
                    };
                    self.relay(&before.source_room, old, ended);
                }
                self.out.push_back(Output::Unlink { session: old });
            }
            self.next_timeout = None;
            self.forwarded_media(now, &user, main, screen);
            return;
        }
        let refusal = if self.users.contains_key(&user) {
            Some(ForwardStreamError::Response)
        } else if self.bans.refusal(&user, now).is_some() {
            Some(ForwardStreamError::RemoteKicked)
        } else if grant.expires_ms().is_some_and(|t| t <= now) {
            Some(ForwardStreamError::InvalidToken)
        } else if self.users_counted() >= self.settings.max_users {
            Some(ForwardStreamError::Response)
        } else {
            None
        };
        if let Some(error) = refusal {
            self.event(vec![session], state_event(&self.id, error));
            let rooms = [self.id.clone()];
            self.event(
                vec![session],
                forward_event(&rooms, ForwardStreamEventType::Disconnected),
            );
            self.relay(
                &source_room,
                session,
                Relay::Ended {
                    user,
                    room: self.id.clone(),
                },
            );
            self.out.push_back(Output::Unlink { session });
            return;
        }
        self.next_timeout = None;
        if self.hooks && !self.live {
            self.live = true;
            self.hook(Hook::RoomCreate);
        }
        self.hook(Hook::UserJoin {
            user: user.clone(),
            visible: true,
        });
        self.users.insert(
            user.clone(),
            Participant {
                session,
                info: info.clone(),
                visible: true,
                main: Published::default(),
                screen: Published::default(),
                grant,
                warned: false,
                publish_warned: 0,
                publish_enforced: 0,
                subscribe_warned: false,
                dropped_at: None,
                missed: Default::default(),
                // Never allowed to receive: nothing of this room is forwarded to them.
                reception: Reception::new(false, false),
                forwarded: Some(Forwarded {
                    source_room,
                    paused,
                }),
                forwarding: None,
            },
        );
        self.broadcast(
            &user,
            Event::UserJoined(UserJoinedEvent { user_info: info }),
        );
        self.forwarded_media(now, &user, main, screen);
        let rooms = [self.id.clone()];
        self.event(
            vec![session],
            forward_event(&rooms, ForwardStreamEventType::Connected),
        );
    }

    /// Brings what forwarded `user` publishes here in line with what they publish at home.
    fn forwarded_media(&mut self, now: Millis, user: &str, main: Published, screen: Published) {
        // This room's stream bans hold for a forwarded member as for any other.
        let banned = self.stream_bans.banned(user, now);
        let allowed = |p: Published| Published {
            audio: p.audio && !banned.is_some_and(|b| b.has_audio()),
            video: p.video && !banned.is_some_and(|b| b.has_video()),
        };
        for (index, wanted) in [(StreamIndex::Main, main), (StreamIndex::Screen, screen)] {
            let wanted = allowed(wanted);
            let Some(p) = self.users.get_mut(user) else {
                return;
            };
            let have = *p.published(index);
            let gone =
                MediaType::from_parts(have.audio && !wanted.audio, have.video && !wanted.video);
            if let Some(gone) = gone {
                self.withdraw(user, index, gone, StreamRemoveReason::Unpublish);
            }
            let Some(p) = self.users.get_mut(user) else {
                return;
            };
            let Some(added) = wanted.media().and_then(|m| p.published_mut(index).add(m)) else {
                continue;
            };
            self.broadcast(user, published_event(index, user, added));
            self.auto_subscribe_to(now, user, index, added);
            self.hook(Hook::Publish {
                user: user.to_owned(),
                index,
                media: added,
            });
        }
    }

    /// Forwarded member `p` was removed from this room: unless the source room ended the
    /// forward itself, the forwarder's session and the source room hear that it ended.
    pub(super) fn forwarded_removed(
        &mut self,
        p: &Participant,
        forwarded: Forwarded,
        notify: Option<ErrorEvent>,
    ) {
        let session = p.session;
        let Some(notify) = notify else {
            self.out.push_back(Output::Unlink { session });
            return;
        };
        let error = match notify.error_code {
            ErrorCode::TokenExpired => ForwardStreamError::InvalidToken,
            ErrorCode::DuplicateLogin => ForwardStreamError::Response,
            _ => ForwardStreamError::RemoteKicked,
        };
        let rooms = [self.id.clone()];
        self.event(vec![session], state_event(&self.id, error));
        self.event(
            vec![session],
            forward_event(&rooms, ForwardStreamEventType::Disconnected),
        );
        self.relay(
            &forwarded.source_room,
            session,
            Relay::Ended {
                user: p.info.user_id.clone(),
                room: self.id.clone(),
            },
        );
        // Last: the link carried the events above.
        self.out.push_back(Output::Unlink { session });
    }
}
