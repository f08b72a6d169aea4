//! The subscribe privilege ending while media flows, under simulated time: warned ahead,
//! forwarding stopped at the end (or when a new token lacks it), restored by a token that
//! grants it again.

use std::collections::BTreeMap;

use chorus_proto::{ErrorCode, Event, MediaType, StreamIndex, TrackKind};
use chorus_token::Privilege;

use super::ban::Bans;
use super::core::{Output, Reply, Room, RoomSettings};
use super::core_tests::{events_for, join_args};
use super::grant::Grant;
use super::membership::JoinArgs;
use super::{SubscribeArgs, SubscribeOp};
use crate::sfu::ForwardMode;

use StreamIndex::{Main, Screen};
use TrackKind::{Audio, Video};

const T0: u64 = 1_700_000_000_000;
const SECS: u32 = (T0 / 1000) as u32;

fn room() -> Room {
    let settings = RoomSettings {
        max_users: 10,
        grace: 5_000,
        warn_before: 30_000,
    };
    Room::new("r".into(), settings, Bans::default())
}

/// Publishing for good; subscribing until `subscribe_until` (0 for good, `None` not at all).
fn grant(subscribe_until: Option<u32>) -> Grant {
    let mut privileges = BTreeMap::from([(Privilege::PublishStream, 0)]);
    if let Some(until) = subscribe_until {
        privileges.insert(Privilege::SubscribeStream, until);
    }
    Grant {
        expire_at: 0,
        privileges,
    }
}

fn join(room: &mut Room, session: u64, user: &str, grant: Grant, auto: bool) {
    room.join(
        T0,
        JoinArgs {
            auto_audio: auto,
            auto_video: auto,
            ..join_args(session, user, grant)
        },
    );
}

fn drain(room: &mut Room) -> Vec<Output> {
    std::iter::from_fn(|| room.poll_output()).collect()
}

/// (subscriber, publisher, stream, kind, mode) of every forward in `outputs`, sorted: the
/// room sends stopped forwards in no particular order.
fn forwards(outputs: &[Output]) -> Vec<(u64, u64, StreamIndex, TrackKind, ForwardMode)> {
    let mut forwards: Vec<_> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::Forward {
                subscriber,
                source,
                mode,
                ..
            } => Some((
                subscriber.0,
                source.publisher.0,
                source.index,
                source.kind,
                *mode,
            )),
            _ => None,
        })
        .collect();
    forwards.sort_by_key(|f| (f.0, f.1, f.2 == Screen, f.3 == Video));
    forwards
}

fn reply(outputs: &[Output], to: u64, id: u64) -> Result<Reply, ErrorCode> {
    outputs
        .iter()
        .find_map(|o| match o {
            Output::Reply {
                to: t,
                id: i,
                result,
            } if *t == to && *i == id => Some(result.clone().map_err(|e| e.code)),
            _ => None,
        })
        .expect("a reply")
}

#[test]
fn an_ending_subscribe_privilege_warns_stops_forwarding_and_a_new_token_restores_it() {
    let mut room = room();
    join(&mut room, 1, "alice", grant(Some(0)), true);
    join(&mut room, 2, "bob", grant(Some(SECS + 100)), true);
    room.publish(T0, 1, 2, Main, MediaType::AudioAndVideo);
    let out = drain(&mut room);
    assert_eq!(
        forwards(&out),
        [
            (2, 1, Main, Audio, ForwardMode::On),
            (2, 1, Main, Video, ForwardMode::On)
        ]
    );

    let end = (u64::from(SECS + 100) + 1) * 1000;
    assert_eq!(room.poll_timeout(), Some(end - 30_000));
    room.handle_timeout(end - 30_001);
    assert!(drain(&mut room).is_empty());
    room.handle_timeout(end - 30_000);
    let out = drain(&mut room);
    assert!(
        matches!(events_for(&out, 2).as_slice(), [Event::TokenSubscribePrivilegeWillExpire(e)] if e.expire_at == u64::from(SECS + 100)),
        "{out:?}"
    );
    assert!(events_for(&out, 1).is_empty(), "only bob is warned");
    assert!(forwards(&out).is_empty(), "media flows until the end");
    assert_eq!(room.poll_timeout(), Some(end));

    room.handle_timeout(end);
    let out = drain(&mut room);
    assert!(
        matches!(events_for(&out, 2).as_slice(), [Event::TokenSubscribePrivilegeDidExpired(e)] if e.expire_at == u64::from(SECS + 100)),
        "{out:?}"
    );
    assert!(
        events_for(&out, 1).is_empty(),
        "bob stays: nobody sees him go"
    );
    assert!(!out.contains(&Output::Detach { session: 2 }));
    assert_eq!(
        forwards(&out),
        [
            (2, 1, Main, Audio, ForwardMode::Off),
            (2, 1, Main, Video, ForwardMode::Off)
        ]
    );
    assert_eq!(room.poll_timeout(), None, "nothing else ends");

    // Meanwhile nothing new reaches bob, and asking for it is refused.
    room.publish(end, 1, 3, Screen, MediaType::Video);
    let out = drain(&mut room);
    assert!(forwards(&out).is_empty(), "{out:?}");
    let sub = SubscribeArgs {
        op: SubscribeOp::Subscribe,
        publisher: "alice".into(),
        index: Main,
        media: MediaType::Audio,
    };
    room.subscribe(end, 2, 4, sub);
    let out = drain(&mut room);
    assert_eq!(reply(&out, 2, 4), Err(ErrorCode::PublishFailed));

    // A token that grants it again restores what bob had, and auto-subscribes him to the
    // screen published meanwhile.
    room.update_token(end + 1_000, 2, 5, grant(Some(0)));
    let out = drain(&mut room);
    assert_eq!(reply(&out, 2, 5), Ok(Reply::Done));
    assert!(events_for(&out, 2).is_empty(), "{out:?}");
    assert_eq!(
        forwards(&out),
        [
            (2, 1, Main, Audio, ForwardMode::On),
            (2, 1, Main, Video, ForwardMode::On),
            (2, 1, Screen, Video, ForwardMode::On)
        ]
    );
    assert_eq!(room.poll_timeout(), None);
}

#[test]
fn a_token_without_the_subscribe_privilege_stops_forwarding_at_once() {
    let mut room = room();
    join(&mut room, 1, "alice", grant(Some(0)), true);
    // Bob subscribes by hand, to alice's audio only.
    join(&mut room, 2, "bob", grant(Some(0)), false);
    room.publish(T0, 1, 2, Main, MediaType::AudioAndVideo);
    let sub = SubscribeArgs {
        op: SubscribeOp::Subscribe,
        publisher: "alice".into(),
        index: Main,
        media: MediaType::Audio,
    };
    room.subscribe(T0, 2, 3, sub);
    let out = drain(&mut room);
    assert_eq!(forwards(&out), [(2, 1, Main, Audio, ForwardMode::On)]);

    room.update_token(T0 + 1_000, 2, 4, grant(None));
    let out = drain(&mut room);
    assert_eq!(reply(&out, 2, 4), Ok(Reply::Done));
    assert!(
        matches!(events_for(&out, 2).as_slice(), [Event::TokenSubscribePrivilegeDidExpired(e)] if e.expire_at == (T0 + 1_000) / 1000),
        "{out:?}"
    );
    assert_eq!(forwards(&out), [(2, 1, Main, Audio, ForwardMode::Off)]);

    // Granted again: the one subscription comes back, and nothing he did not ask for.
    room.update_token(T0 + 2_000, 2, 5, grant(Some(0)));
    let out = drain(&mut room);
    assert!(events_for(&out, 2).is_empty(), "{out:?}");
    assert_eq!(forwards(&out), [(2, 1, Main, Audio, ForwardMode::On)]);
}

#[test]
fn a_token_that_ends_whole_says_only_token_expired() {
    let mut room = room();
    join(&mut room, 1, "alice", grant(Some(0)), true);
    let mut ending = grant(Some(SECS + 100));
    ending.expire_at = SECS + 100;
    join(&mut room, 2, "bob", ending, true);
    drain(&mut room);

    let end = (u64::from(SECS + 100) + 1) * 1000;
    room.handle_timeout(end);
    let out = drain(&mut room);
    assert!(
        matches!(events_for(&out, 2).as_slice(), [Event::Error(e)] if e.error_code == ErrorCode::TokenExpired),
        "{out:?}"
    );
}

#[test]
fn a_lapse_during_the_grace_period_is_told_on_resuming() {
    let mut room = room();
    join(&mut room, 1, "alice", grant(Some(0)), true);
    join(&mut room, 2, "bob", grant(Some(SECS + 100)), true);
    room.publish(T0, 1, 2, Main, MediaType::Audio);
    drain(&mut room);

    let end = (u64::from(SECS + 100) + 1) * 1000;
    room.dropped(end - 1_000, 2, false);
    drain(&mut room);
    room.handle_timeout(end);
    let out = drain(&mut room);
    assert!(events_for(&out, 2).is_empty(), "bob is away: {out:?}");

    // Back within the grace period, with the same token: told now, and nothing flows.
    room.join(end + 1_000, join_args(3, "bob", grant(Some(SECS + 100))));
    let out = drain(&mut room);
    assert!(
        events_for(&out, 3)
            .iter()
            .any(|e| matches!(e, Event::TokenSubscribePrivilegeDidExpired(_))),
        "{out:?}"
    );
    assert!(forwards(&out).is_empty(), "{out:?}");
}
