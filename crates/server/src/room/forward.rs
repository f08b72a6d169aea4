//! Cross-room forwarding, the source room's side: a member forwards their streams into other
//! rooms of the app. Part of the room core (same sans-IO rules).
//!
//! A forward is a membership of the forwarder in the target room without a connection of its
//! own (`forwarded.rs` is that side). Rooms never share state: the source room tells each
//! target room what changes through [`Relay`]s, which its task delivers in order, and a target
//! room tells the source room when a forward ended there. The SFU needs nothing new: in the
//! target room the forwarder is a publisher whose peer is their session's, so its subscribers
//! are fed from the publisher's one upload, layers and keyframe requests included.
//!
//! The target rooms' tokens are checked by the signalling layer, as a join's is, before
//! anything reaches the room: a room whose token failed arrives here with no grant.

use chorus_proto::{
    ErrorCode, Event, ForwardStreamError, ForwardStreamEventInfo, ForwardStreamEventType,
    ForwardStreamEvents, ForwardStreamState, ForwardStreamStateInfo, ForwardStreamStates, RtcError,
    UserInfo,
};

use super::core::{Output, Reply, Room};
use super::grant::Grant;
use super::participant::{Forwarding, Published, SessionId};

/// One target room of a start or an update, as the signalling layer checked it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ForwardTarget {
    pub(crate) room_id: String,
    /// The grant of the room's token; `None` when the token failed the checks.
    pub(crate) grant: Option<Grant>,
}

/// A forwarding call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ForwardOp {
    Start(Vec<ForwardTarget>),
    Update(Vec<ForwardTarget>),
    Stop,
    Pause,
    Resume,
}

/// What one room tells another about a forward. The task attaches the forwarder's session
/// link, so the target room can tell that session how the forward stands.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Relay {
    /// Source to target: join a user here as a forward.
    Join(Joining),
    /// Source to target: what the forwarder publishes now.
    Media {
        user: String,
        main: Published,
        screen: Published,
    },
    /// Source to target: pause or resume sending media.
    Paused { user: String, paused: bool },
    /// Source to target: a new token for the target room.
    Token { user: String, grant: Grant },
    /// Source to target: the forward ends.
    Leave { user: String },
    /// Source to target: the forwarder resumed on a new session (the attached link's) in
    /// place of `old`.
    Rebind { user: String, old: SessionId },
    /// Target to source: the forward into `room` ended there (kick, dismiss, expiry, refusal).
    Ended { user: String, room: String },
}

/// A forwarded user as the source room introduces them to a target room.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Joining {
    pub(crate) source_room: String,
    pub(crate) info: UserInfo,
    /// The grant of the target room's token.
    pub(crate) grant: Grant,
    pub(crate) main: Published,
    pub(crate) screen: Published,
    pub(crate) paused: bool,
}

fn state(room_id: &str, error: ForwardStreamError) -> ForwardStreamStateInfo {
    let state = if error == ForwardStreamError::Ok {
        ForwardStreamState::Success
    } else {
        ForwardStreamState::Failure
    };
    ForwardStreamStateInfo {
        room_id: room_id.to_owned(),
        state,
        error,
    }
}

/// `onForwardStreamEvent` for `rooms`.
pub(super) fn forward_event<'a>(
    rooms: impl IntoIterator<Item = &'a String>,
    event: ForwardStreamEventType,
) -> Event {
    let infos = rooms
        .into_iter()
        .map(|room_id| ForwardStreamEventInfo {
            room_id: room_id.clone(),
            event,
        })
        .collect();
    Event::ForwardStreamEvent(ForwardStreamEvents { infos })
}

/// `onForwardStreamStateChanged` for one room.
pub(super) fn state_event(room_id: &str, error: ForwardStreamError) -> Event {
    Event::ForwardStreamStateChanged(ForwardStreamStates {
        infos: vec![state(room_id, error)],
    })
}

impl Room {
    /// A forwarding call from `session`.
    pub(crate) fn forward(&mut self, session: SessionId, id: u64, op: ForwardOp) {
        let Some(p) = self.participant_mut(session, id) else {
            return;
        };
        let user = p.info.user_id.clone();
        let started = p.forwarding.is_some();
        // A start is out of turn once started; everything else, before.
        if started == matches!(op, ForwardOp::Start(_)) {
            let message = if started {
                "forwarding already started; call updateForwardStreamToRooms to change the rooms"
            } else {
                "no forwarding started; call startForwardStreamToRooms first"
            };
            let e = RtcError::new(ErrorCode::UnexpectedInvokeForwardStream, message);
            return self.reply(session, id, Err(e));
        }
        let infos = match op {
            ForwardOp::Start(targets) | ForwardOp::Update(targets) => {
                self.set_targets(&user, targets)
            }
            ForwardOp::Stop => self.stop_forwarding(&user),
            ForwardOp::Pause => self.pause_forwarding(&user, true),
            ForwardOp::Resume => self.pause_forwarding(&user, false),
        };
        self.reply(
            session,
            id,
            Ok(Reply::Forward(ForwardStreamStates { infos })),
        );
    }

    /// Makes `user`'s target rooms `targets`: joins the new ones, gives the kept ones their
    /// new token, and ends the forwards into rooms no longer listed (or whose new token
    /// failed). Answers each listed room's state.
    fn set_targets(
        &mut self,
        user: &str,
        targets: Vec<ForwardTarget>,
    ) -> Vec<ForwardStreamStateInfo> {
        let Some(p) = self.users.get_mut(user) else {
            return Vec::new();
        };
        let session = p.session;
        let forwarding = p.forwarding.get_or_insert_with(Forwarding::default);
        let (paused, info, main, screen) = (forwarding.paused, p.info.clone(), p.main, p.screen);
        let before = forwarding.targets.clone();
        let mut infos = Vec::new();
        let mut relays = Vec::new();
        let mut kept = std::collections::BTreeSet::new();
        for ForwardTarget { room_id, grant } in targets {
            if !kept.insert(room_id.clone()) {
                continue;
            }
            let error = match grant {
                _ if room_id == self.id => ForwardStreamError::Response,
                None => ForwardStreamError::InvalidToken,
                Some(grant) => {
                    let relay = if before.contains(&room_id) {
                        Relay::Token {
                            user: user.to_owned(),
                            grant,
                        }
                    } else {
                        Relay::Join(Joining {
                            source_room: self.id.clone(),
                            info: info.clone(),
                            grant,
                            main,
                            screen,
                            paused,
                        })
                    };
                    relays.push((room_id.clone(), relay));
                    ForwardStreamError::Ok
                }
            };
            infos.push(state(&room_id, error));
        }
        let ended: Vec<String> = before
            .iter()
            .filter(|room| !relays.iter().any(|(r, _)| r == *room))
            .cloned()
            .collect();
        let forwarding = self.users.get_mut(user).and_then(|p| p.forwarding.as_mut());
        if let Some(forwarding) = forwarding {
            forwarding.targets = relays.iter().map(|(r, _)| r.clone()).collect();
        }
        for room in &ended {
            self.relay(
                room,
                session,
                Relay::Leave {
                    user: user.to_owned(),
                },
            );
        }
        for (room, relay) in relays {
            self.relay(&room, session, relay);
        }
        if !ended.is_empty() {
            self.event(
                vec![session],
                forward_event(&ended, ForwardStreamEventType::Disconnected),
            );
        }
        infos
    }

    /// Ends every forward of `user`; answers each room's state.
    fn stop_forwarding(&mut self, user: &str) -> Vec<ForwardStreamStateInfo> {
        let Some(p) = self.users.get_mut(user) else {
            return Vec::new();
        };
        let session = p.session;
        let targets = p.forwarding.take().map(|f| f.targets).unwrap_or_default();
        for room in &targets {
            self.relay(
                room,
                session,
                Relay::Leave {
                    user: user.to_owned(),
                },
            );
        }
        if !targets.is_empty() {
            self.event(
                vec![session],
                forward_event(&targets, ForwardStreamEventType::Disconnected),
            );
        }
        targets
            .iter()
            .map(|room| state(room, ForwardStreamError::Ok))
            .collect()
    }

    fn pause_forwarding(&mut self, user: &str, paused: bool) -> Vec<ForwardStreamStateInfo> {
        let Some(p) = self.users.get_mut(user) else {
            return Vec::new();
        };
        let session = p.session;
        let Some(forwarding) = p.forwarding.as_mut() else {
            return Vec::new();
        };
        forwarding.paused = paused;
        let targets = forwarding.targets.clone();
        for room in &targets {
            let relay = Relay::Paused {
                user: user.to_owned(),
                paused,
            };
            self.relay(room, session, relay);
        }
        targets
            .iter()
            .map(|room| state(room, ForwardStreamError::Ok))
            .collect()
    }

    /// What `user` publishes changed: their target rooms learn it.
    pub(super) fn forward_media(&mut self, user: &str) {
        let Some(p) = self.users.get(user) else {
            return;
        };
        let Some(forwarding) = &p.forwarding else {
            return;
        };
        let (session, main, screen) = (p.session, p.main, p.screen);
        for room in forwarding.targets.clone() {
            let relay = Relay::Media {
                user: user.to_owned(),
                main,
                screen,
            };
            self.relay(&room, session, relay);
        }
    }

    /// `user` (of `session`) left the room with `forwarding` under way: it ends everywhere,
    /// and their session hears so if it is still `connected`.
    pub(super) fn forwarder_left(
        &mut self,
        user: &str,
        session: SessionId,
        connected: bool,
        forwarding: Forwarding,
    ) {
        for room in &forwarding.targets {
            let relay = Relay::Leave {
                user: user.to_owned(),
            };
            self.relay(room, session, relay);
        }
        if connected && !forwarding.targets.is_empty() {
            self.event(
                vec![session],
                forward_event(&forwarding.targets, ForwardStreamEventType::Disconnected),
            );
        }
    }

    /// `user` resumed on a new session: their target rooms follow it.
    pub(super) fn forwarder_resumed(&mut self, user: &str, old: SessionId) {
        let Some(p) = self.users.get(user) else {
            return;
        };
        let Some(forwarding) = &p.forwarding else {
            return;
        };
        let session = p.session;
        for room in forwarding.targets.clone() {
            self.relay(
                &room,
                session,
                Relay::Rebind {
                    user: user.to_owned(),
                    old,
                },
            );
        }
    }

    /// A target room says the forward of `user` into `room` ended there.
    pub(super) fn forward_ended(&mut self, user: &str, room: &str) {
        if let Some(f) = self.users.get_mut(user).and_then(|p| p.forwarding.as_mut()) {
            f.targets.remove(room);
        }
    }

    pub(super) fn relay(&mut self, room: &str, session: SessionId, relay: Relay) {
        self.out.push_back(Output::Relay {
            room: room.to_owned(),
            session,
            relay,
        });
    }
}
