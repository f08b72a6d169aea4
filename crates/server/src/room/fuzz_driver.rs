//! Drives one room core with a command sequence read from fuzz input, under a made-up clock,
//! and checks the room's invariants after every step.
//!
//! Part of the room module because the invariants read its private state; compiled only for
//! `crate::fuzz_entry` (the `fuzzing` feature). Sans-IO like the core it drives: no tokio,
//! no clock, so a failing input fails the same way every time it is replayed.

use std::collections::{BTreeMap, HashMap, HashSet};

use chorus_proto::{MediaType, SimulcastStreamType, StreamIndex, TrackKind, UserInfo};
use chorus_token::Privilege;

use super::ban::{BanScope, Bans};
use super::core::{Output, Room, RoomSettings};
use super::grant::{Grant, Millis};
use super::membership::JoinArgs;
use super::messages::Payload;
use super::participant::SessionId;
use super::subscriptions::{SubscribeArgs, SubscribeOp};
use crate::sfu::ForwardMode;

/// Where the made-up clock starts: unix milliseconds, late 2023.
const T0: Millis = 1_700_000_000_000;
/// User ids the commands pick from: few, so that commands meet.
const USERS: [&str; 4] = ["ann", "bob", "cy", "dee"];
/// Sessions 1..=SESSIONS: more than users, so duplicate logins and stale sessions happen.
const SESSIONS: u8 = 6;
/// Most steps per input, so that one input stays fast.
const MAX_STEPS: usize = 256;

/// Reads the fuzz input a byte at a time; zeros once it runs out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }
    fn session(&mut self) -> SessionId {
        SessionId::from(self.byte() % SESSIONS + 1)
    }
    fn user(&mut self) -> &'static str {
        USERS[usize::from(self.byte()) % USERS.len()]
    }
    fn index(&mut self) -> StreamIndex {
        if self.flag() {
            StreamIndex::Screen
        } else {
            StreamIndex::Main
        }
    }
    fn media(&mut self) -> MediaType {
        match self.byte() % 3 {
            0 => MediaType::Audio,
            1 => MediaType::Video,
            _ => MediaType::AudioAndVideo,
        }
    }
    fn layer(&mut self) -> SimulcastStreamType {
        match self.byte() % 3 {
            0 => SimulcastStreamType::High,
            1 => SimulcastStreamType::Mid,
            _ => SimulcastStreamType::Low,
        }
    }
    /// Unix seconds `now` plus up to ~4 minutes, or 0 (never).
    fn expiry(&mut self, now: Millis) -> u32 {
        match self.byte() {
            0 => 0,
            b => u32::try_from(now / 1000 + u64::from(b)).unwrap_or(u32::MAX),
        }
    }
    fn grant(&mut self, now: Millis) -> Grant {
        let expire_at = self.expiry(now);
        let held = self.byte();
        let privileges = Privilege::ALL
            .into_iter()
            .enumerate()
            .filter(|(i, _)| held & (1 << i) != 0)
            .map(|(_, p)| (p, self.expiry(now)))
            .collect::<BTreeMap<_, _>>();
        Grant {
            expire_at,
            privileges,
        }
    }
    fn payload(&mut self) -> Payload {
        // Sizes up to ~64 KB, so the missed-events bounds are reached.
        let len = usize::from(self.byte()) * 256;
        Payload {
            message: "m".repeat(len),
            binary: false,
        }
    }
}

/// Runs the commands `data` spells against a fresh room, checking invariants after each.
pub(crate) fn run(data: &[u8]) {
    let settings = RoomSettings {
        max_users: 3,
        grace: 5_000,
        warn_before: 30_000,
    };
    let mut room = Room::new("fuzz".into(), settings, Bans::default());
    room.enable_hooks();
    let mut input = Bytes(data);
    let mut now = T0;
    let mut id = 0u64;
    for _ in 0..MAX_STEPS {
        if input.0.is_empty() {
            break;
        }
        id += 1;
        let before: HashSet<SessionId> = room.sessions.keys().copied().collect();
        step(&mut room, &mut input, &mut now, id);
        let outputs: Vec<Output> = std::iter::from_fn(|| room.poll_output()).collect();
        check(&room, &before, &outputs);
    }
}

/// One command.
fn step(room: &mut Room, input: &mut Bytes<'_>, now: &mut Millis, id: u64) {
    match input.byte() % 18 {
        0 | 1 => {
            let session = input.session();
            let user = input.user();
            let args = JoinArgs {
                session,
                id,
                info: UserInfo {
                    user_id: user.into(),
                    extra_info: None,
                },
                visible: !input.byte().is_multiple_of(4),
                grant: input.grant(*now),
                auto_audio: input.flag(),
                auto_video: input.flag(),
                ice_servers: Vec::new(),
            };
            room.join(*now, args);
        }
        2 => room.leave(input.session(), id),
        3 => {
            let session = input.session();
            room.dropped(*now, session, input.flag());
        }
        4 => {
            let (session, index, media) = (input.session(), input.index(), input.media());
            room.publish(*now, session, id, index, media);
        }
        5 => {
            let (session, index, media) = (input.session(), input.index(), input.media());
            room.unpublish(session, id, index, media);
        }
        6 | 7 => {
            let session = input.session();
            let op = if input.flag() {
                SubscribeOp::Unsubscribe
            } else {
                SubscribeOp::Subscribe
            };
            let args = SubscribeArgs {
                op,
                publisher: input.user().into(),
                index: input.index(),
                media: input.media(),
            };
            room.subscribe(*now, session, id, args);
        }
        8 => {
            let (session, media, paused) = (input.session(), input.media(), input.flag());
            room.pause_all(session, id, media, paused);
        }
        9 => {
            let (session, publisher, layer) = (input.session(), input.user(), input.layer());
            room.set_layer(session, id, publisher, layer);
        }
        10 => {
            let (session, to, payload) = (input.session(), input.user(), input.payload());
            room.user_message(session, id, to, &payload);
        }
        11 => {
            let (session, payload) = (input.session(), input.payload());
            room.room_message(session, id, &payload);
        }
        12 => {
            let from = input.user();
            let to: Vec<String> = (0..input.byte() % 3).map(|_| input.user().into()).collect();
            let to = (!to.is_empty()).then_some(to.as_slice());
            let payload = input.payload();
            room.server_message(from, to, &payload);
        }
        13 => {
            // Either to the next timer, or some seconds on.
            let next = room.poll_timeout().filter(|_| input.flag());
            *now = next
                .unwrap_or_else(|| *now + u64::from(input.byte()) * 100)
                .max(*now);
            room.handle_timeout(*now);
        }
        14 => {
            room.kick(input.user());
        }
        15 => match input.byte() % 6 {
            0 => room.dismiss(),
            4 => {
                let (user, video, audio) = (input.user(), input.flag(), input.flag());
                let until = match input.byte() {
                    0 => Millis::MAX,
                    secs => *now + u64::from(secs) * 1000,
                };
                room.ban_stream(user, video, audio, until);
            }
            5 => {
                let (user, video, audio) = (input.user(), input.flag(), input.flag());
                room.unban_stream(*now, user, video, audio);
            }
            1 => {
                let scope = BanScope::RoomUser(input.user().into());
                let until = *now + u64::from(input.byte()) * 1000;
                room.ban(*now, scope, until);
            }
            2 => room.lift(&BanScope::RoomUser(input.user().into())),
            _ => {
                let _ = room.online_users();
            }
        },
        16 => {
            let session = input.session();
            let grant = input.grant(*now);
            room.update_token(*now, session, id, grant);
        }
        _ => {
            let session = input.session();
            if input.flag() {
                room.set_visible(session, id, input.flag());
            } else {
                let kind = if input.flag() {
                    TrackKind::Video
                } else {
                    TrackKind::Audio
                };
                room.capture_state(session, id, kind, input.flag());
            }
        }
    }
}

/// The room's invariants after a step whose outputs were `outputs`, `before` being the
/// sessions in the room when it began.
fn check(room: &Room, before: &HashSet<SessionId>, outputs: &[Output]) {
    // Every session names a present, connected participant that has that session, and
    // every connected participant is reachable through its own session, once.
    let mut seen = HashSet::new();
    for (session, user) in &room.sessions {
        let p = room
            .users
            .get(user)
            .expect("a session names a present user");
        assert_eq!(p.session, *session, "{user}'s session");
        assert!(p.connected(), "{user} has a session but is dropped");
        assert!(seen.insert(user), "{user} has two sessions");
    }
    for (user, p) in &room.users {
        assert_eq!(&p.info.user_id, user);
        if p.connected() {
            assert_eq!(
                room.sessions.get(&p.session),
                Some(user),
                "{user}'s session"
            );
        }
    }
    assert!(
        room.users_counted() <= room.settings.max_users,
        "over max_users"
    );

    // The room's running total of missed bytes is what its participants keep.
    let kept: usize = room.users.values().map(|p| p.missed.kept_bytes()).sum();
    assert_eq!(room.missed_bytes, kept, "missed-events byte count");
    assert!(kept <= super::participant::Missed::MAX_ROOM_BYTES);

    // Every live forwarding joins two present sessions, from a visible publisher's stream.
    let by_session: HashMap<SessionId, &str> = room
        .sessions
        .iter()
        .map(|(s, u)| (*s, u.as_str()))
        .collect();
    for ((sub, publisher, index, kind), (mode, user)) in &room.forwarding {
        assert_ne!(*mode, ForwardMode::Off, "Off is never kept");
        assert!(by_session.contains_key(sub), "forward to absent {sub}");
        let from = by_session
            .get(publisher)
            .expect("forward from a present session");
        assert_eq!(*from, &**user, "forward names its publisher");
        let p = &room.users[*from];
        assert!(p.visible, "forward from invisible {from}");
        let published = p.published(*index);
        let has = match kind {
            TrackKind::Audio => published.audio,
            TrackKind::Video => published.video,
        };
        assert!(has, "forward of {from}'s unpublished {index:?} {kind:?}");
    }

    // Outputs address sessions that were or are in the room (replies excepted: they answer
    // whoever asked).
    let present = |s: &SessionId| before.contains(s) || room.sessions.contains_key(s);
    for output in outputs {
        match output {
            Output::Event { to, .. } => {
                assert!(to.iter().all(present), "event to an absent session: {to:?}");
            }
            Output::Deliver { to, .. } | Output::Replay { to, .. } => {
                assert!(present(to), "delivery to absent session {to}");
            }
            Output::Forward {
                subscriber, mode, ..
            } if *mode != ForwardMode::Off => {
                assert!(
                    room.sessions.contains_key(&subscriber.0),
                    "forward to absent"
                );
            }
            _ => {}
        }
    }
}
