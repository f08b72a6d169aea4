//! The room core under simulated time: rules checked without sockets or clocks.

use std::collections::BTreeMap;

use chorus_proto::{
    ErrorCode, Event, MediaType, StreamIndex, StreamRemoveReason, UserInfo, UserOfflineReason,
};
use chorus_token::Privilege;

use super::ban::{BanScope, Bans};
use super::core::{Output, Reply, Room, RoomSettings};
use super::grant::Grant;
use super::membership::JoinArgs;

pub(super) const T0: u64 = 1_700_000_000_000;

pub(super) fn room() -> Room {
    let settings = RoomSettings {
        max_users: 10,
        grace: 5_000,
        warn_before: 30_000,
    };
    Room::new("r".into(), settings, Bans::default())
}

fn grant(expire_at: u32) -> Grant {
    Grant {
        expire_at,
        privileges: BTreeMap::from([(Privilege::PublishStream, 0), (Privilege::PublishAudio, 0)]),
    }
}

pub(super) fn join(room: &mut Room, now: u64, session: u64, user: &str, expire_at: u32) {
    join_with(room, now, session, user, grant(expire_at));
}

fn join_with(room: &mut Room, now: u64, session: u64, user: &str, grant: Grant) {
    room.join(now, join_args(session, user, grant));
}

/// A visible join of `user` on `session` with `grant`, subscribing to everything as it is
/// published: each test changes what it needs.
pub(super) fn join_args(session: u64, user: &str, grant: Grant) -> JoinArgs {
    JoinArgs {
        session,
        id: 1,
        info: UserInfo {
            user_id: user.into(),
            extra_info: None,
        },
        visible: true,
        grant,
        auto_audio: true,
        auto_video: true,
        ice_servers: Vec::new(),
    }
}

pub(super) fn drain(room: &mut Room) -> Vec<Output> {
    std::iter::from_fn(|| room.poll_output()).collect()
}

/// The events `session` is sent, replayed frames read back as events.
pub(super) fn events_for(outputs: &[Output], session: u64) -> Vec<Event> {
    let mut events = Vec::new();
    for output in outputs {
        match output {
            Output::Event { to, event } if to.contains(&session) => events.push(event.clone()),
            Output::Replay { to, frames } if *to == session => {
                for frame in frames {
                    let text = std::str::from_utf8(frame.as_ref()).expect("frames are UTF-8");
                    match chorus_proto::ServerFrame::parse(text) {
                        Ok(chorus_proto::ServerFrame::Event(event)) => events.push(event),
                        other => panic!("a replayed frame is an event: {other:?}"),
                    }
                }
            }
            _ => {}
        }
    }
    events
}

#[test]
fn token_timers_warn_then_expire_exactly_on_time() {
    let mut room = room();
    let expire_at = (T0 / 1000) as u32 + 100;
    join(&mut room, T0, 1, "alice", expire_at);
    join(&mut room, T0, 2, "bob", 0);
    drain(&mut room);

    // Warned 30 s before the end of the expiry second; nothing earlier.
    let end = (u64::from(expire_at) + 1) * 1000;
    assert_eq!(room.poll_timeout(), Some(end - 30_000));
    room.handle_timeout(end - 30_001);
    assert!(drain(&mut room).is_empty());
    room.handle_timeout(end - 30_000);
    let out = drain(&mut room);
    assert!(
        matches!(events_for(&out, 1).as_slice(), [Event::TokenWillExpire(_)]),
        "{out:?}"
    );
    assert_eq!(room.poll_timeout(), Some(end));

    room.handle_timeout(end);
    let out = drain(&mut room);
    assert!(
        matches!(events_for(&out, 1).as_slice(), [Event::Error(e)] if e.error_code == ErrorCode::TokenExpired)
    );
    assert!(out.contains(&Output::Detach { session: 1 }));
    assert!(
        matches!(events_for(&out, 2).as_slice(), [Event::UserLeave(l)] if l.reason == UserOfflineReason::Quit)
    );
    assert_eq!(room.poll_timeout(), None, "bob never expires");
}

#[test]
fn publish_privileges_warn_then_unpublish_what_they_no_longer_cover() {
    let mut room = room();
    let secs = (T0 / 1000) as u32;
    // Audio may be published for good; video only until +100 s.
    let grant = Grant {
        expire_at: 0,
        privileges: BTreeMap::from([
            (Privilege::PublishAudio, 0),
            (Privilege::PublishVideo, secs + 100),
        ]),
    };
    join_with(&mut room, T0, 1, "alice", grant.clone());
    join(&mut room, T0, 2, "bob", 0);
    room.publish(T0, 1, 2, StreamIndex::Main, MediaType::AudioAndVideo);
    drain(&mut room);

    let end = (u64::from(secs + 100) + 1) * 1000;
    assert_eq!(room.poll_timeout(), Some(end - 30_000));
    room.handle_timeout(end - 30_000);
    let out = drain(&mut room);
    assert!(
        matches!(events_for(&out, 1).as_slice(), [Event::TokenPublishPrivilegeWillExpire(e)] if e.expire_at == u64::from(secs + 100)),
        "{out:?}"
    );
    assert!(events_for(&out, 2).is_empty(), "only alice is warned");
    assert_eq!(room.poll_timeout(), Some(end));

    room.handle_timeout(end);
    let out = drain(&mut room);
    assert!(
        matches!(
            events_for(&out, 1).as_slice(),
            [Event::TokenPublishPrivilegeDidExpired(_)]
        ),
        "{out:?}"
    );
    assert!(
        matches!(events_for(&out, 2).as_slice(), [Event::UserUnpublishStream(e)]
            if e.user_id == "alice" && e.media_type == MediaType::Video
                && e.reason == StreamRemoveReason::TokenPrivilegeExpired),
        "bob sees alice's video go, her audio stays: {out:?}"
    );
    assert_eq!(room.poll_timeout(), None, "nothing else ends");

    // Publishing video again is refused until a token extends the privilege.
    room.publish(end, 1, 3, StreamIndex::Main, MediaType::Video);
    let out = drain(&mut room);
    assert!(out.iter().any(|o| matches!(o, Output::Reply { id: 3, result: Err(e), .. } if e.code == ErrorCode::PublishFailed)));
    let renewed = Grant {
        expire_at: 0,
        privileges: BTreeMap::from([
            (Privilege::PublishAudio, 0),
            (Privilege::PublishVideo, secs + 1000),
        ]),
    };
    room.update_token(end, 1, 4, renewed);
    room.publish(end, 1, 5, StreamIndex::Main, MediaType::Video);
    let out = drain(&mut room);
    assert!(
        matches!(
            events_for(&out, 2).as_slice(),
            [Event::UserPublishStream(_)]
        ),
        "{out:?}"
    );
    let new_end = (u64::from(secs + 1000) + 1) * 1000;
    assert_eq!(
        room.poll_timeout(),
        Some(new_end - 30_000),
        "the new grant's timers"
    );
}

#[test]
fn a_drop_is_announced_only_after_the_grace_period() {
    let mut room = room();
    join(&mut room, T0, 1, "alice", 0);
    join(&mut room, T0, 2, "bob", 0);
    drain(&mut room);
    room.dropped(T0 + 10, 2, false);
    assert_eq!(room.poll_timeout(), Some(T0 + 10 + 5_000));
    room.handle_timeout(T0 + 5_009);
    assert!(drain(&mut room).is_empty());
    room.handle_timeout(T0 + 5_010);
    let out = drain(&mut room);
    assert!(
        matches!(events_for(&out, 1).as_slice(), [Event::UserLeave(l)] if l.reason == UserOfflineReason::Dropped)
    );
    assert_eq!(room.participant_count(), 1);
}

#[test]
fn resuming_within_grace_is_silent_to_others() {
    let mut room = room();
    join(&mut room, T0, 1, "alice", 0);
    join(&mut room, T0, 2, "bob", 0);
    room.publish(T0, 2, 2, StreamIndex::Main, MediaType::Audio);
    drain(&mut room);
    room.dropped(T0 + 1, 2, false);
    join(&mut room, T0 + 2_000, 3, "bob", 0);
    let out = drain(&mut room);
    assert!(
        events_for(&out, 1).is_empty(),
        "alice sees nothing: {out:?}"
    );
    let joined = out.iter().find_map(|o| match o {
        Output::Reply {
            to: 3,
            result: Ok(Reply::Joined(j)),
            ..
        } => Some(j.resumed),
        _ => None,
    });
    assert_eq!(joined, Some(true));
    assert_eq!(room.poll_timeout(), None, "the grace timer is gone");
}

#[test]
fn bans_refuse_until_they_end() {
    let mut room = room();
    room.ban(T0, BanScope::RoomUser("bob".into()), T0 + 10_000);
    join(&mut room, T0 + 9_000, 1, "bob", 0);
    let out = drain(&mut room);
    assert!(
        matches!(&out[0], Output::Reply { result: Err(e), .. }
        if e.code == ErrorCode::UserForbidden && e.message.contains("1 more seconds")),
        "{out:?}"
    );
    join(&mut room, T0 + 10_000, 2, "bob", 0);
    let out = drain(&mut room);
    assert!(
        matches!(
            &out[0],
            Output::Reply {
                result: Ok(Reply::Joined(_)),
                ..
            }
        ),
        "{out:?}"
    );
}

#[test]
fn a_resumed_session_gets_what_it_missed_not_a_fresh_snapshot() {
    let mut room = room();
    join(&mut room, T0, 1, "alice", 0);
    join(&mut room, T0, 2, "bob", 0);
    join(&mut room, T0, 3, "carol", 0);
    drain(&mut room);
    room.dropped(T0 + 1, 1, false);
    room.leave(3, 9);
    room.publish(T0 + 2, 2, 10, StreamIndex::Main, MediaType::Audio);
    drain(&mut room);

    join(&mut room, T0 + 3, 4, "alice", 0);
    let out = drain(&mut room);
    let events = events_for(&out, 4);
    assert!(
        matches!(events.as_slice(), [Event::UserLeave(l), Event::UserPublishStream(p)]
            if l.user_info.user_id == "carol" && p.user_id == "bob"),
        "{events:?}"
    );
}

#[test]
fn a_session_that_missed_too_much_rejoins_in_full() {
    let mut room = room();
    join(&mut room, T0, 1, "alice", 0);
    join(&mut room, T0, 2, "bob", 0);
    drain(&mut room);
    room.dropped(T0 + 1, 1, false);
    for i in 0..300u64 {
        let media = if i % 2 == 0 {
            MediaType::Audio
        } else {
            MediaType::Video
        };
        room.publish(T0 + 2, 2, i, StreamIndex::Main, media);
        room.unpublish(2, i, StreamIndex::Main, media);
    }
    drain(&mut room);
    join(&mut room, T0 + 3, 4, "alice", 0);
    let out = drain(&mut room);
    let resumed = out.iter().find_map(|o| match o {
        Output::Reply {
            to: 4,
            result: Ok(Reply::Joined(j)),
            ..
        } => Some(j.resumed),
        _ => None,
    });
    assert_eq!(resumed, Some(false));
    // Bob sees alice leave and join again; alice gets the current room.
    assert!(matches!(
        events_for(&out, 2).as_slice(),
        [Event::UserLeave(_), Event::UserJoined(_)]
    ));
    assert!(
        matches!(events_for(&out, 4).as_slice(), [Event::UserJoined(j)] if j.user_info.user_id == "bob")
    );
}

fn text(message: &str) -> super::Payload {
    super::Payload {
        message: message.into(),
        binary: false,
    }
}

#[test]
fn user_messages_go_to_one_member_and_wait_for_delivery() {
    let mut room = room();
    join(&mut room, T0, 1, "alice", 0);
    join(&mut room, T0, 2, "bob", 0);
    drain(&mut room);

    room.user_message(1, 7, "bob", &text("hi"));
    let out = drain(&mut room);
    assert!(
        matches!(&out[..], [Output::Deliver { to: 2, event: Event::UserMessageReceived(m), reply: Some((1, 7)) }]
            if m.user_id == "alice" && m.message == "hi"),
        "{out:?}"
    );

    for (to, code) in [
        ("carol", ErrorCode::UserMessageNoReceiver),
        ("alice", ErrorCode::UserMessageNoReceiver),
    ] {
        room.user_message(1, 8, to, &text("hi"));
        let out = drain(&mut room);
        assert!(
            matches!(&out[..], [Output::Reply { to: 1, id: 8, result: Err(e) }] if e.code == code),
            "{to}: {out:?}"
        );
    }
    room.user_message(9, 9, "bob", &text("hi"));
    let out = drain(&mut room);
    assert!(
        matches!(&out[..], [Output::Reply { result: Err(e), .. }] if e.code == ErrorCode::UserMessageNotJoin)
    );
}

#[test]
fn room_messages_reach_everyone_else_and_wait_for_those_in_grace() {
    let mut room = room();
    join(&mut room, T0, 1, "alice", 0);
    join(&mut room, T0, 2, "bob", 0);
    join(&mut room, T0, 3, "carol", 0);
    drain(&mut room);
    room.dropped(T0 + 1, 3, false);
    room.room_message(
        1,
        5,
        &super::Payload {
            message: "AAEC".into(),
            binary: true,
        },
    );
    let out = drain(&mut room);
    assert!(
        matches!(events_for(&out, 2).as_slice(), [Event::RoomBinaryMessageReceived(m)] if m.message == "AAEC")
    );
    assert!(events_for(&out, 1).is_empty(), "no echo to the sender");
    assert!(out.contains(&Output::Reply {
        to: 1,
        id: 5,
        result: Ok(Reply::Done)
    }));
    join(&mut room, T0 + 2, 4, "carol", 0);
    let out = drain(&mut room);
    assert!(
        matches!(events_for(&out, 4).as_slice(), [Event::RoomBinaryMessageReceived(m)] if m.user_id == "alice")
    );
}
