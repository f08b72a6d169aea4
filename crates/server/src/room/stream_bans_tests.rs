//! Stream bans (BanUserStream / UnbanUserStream) in the room core, under simulated time.

use chorus_proto::{ErrorCode, Event, MediaType, StreamBannedEvent, StreamIndex};

use super::core::{Output, Reply};
use super::core_tests::{T0, drain, events_for, join, room};

/// The ban events in `events`, as (video?, uid, banned).
fn bans(events: &[Event]) -> Vec<(bool, String, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::VideoStreamBanned(StreamBannedEvent { uid, banned }) => {
                Some((true, uid.clone(), *banned))
            }
            Event::AudioStreamBanned(StreamBannedEvent { uid, banned }) => {
                Some((false, uid.clone(), *banned))
            }
            _ => None,
        })
        .collect()
}

/// The answer to request `id` of `session`.
fn reply(outputs: &[Output], session: u64, id: u64) -> Result<Reply, ErrorCode> {
    outputs
        .iter()
        .find_map(|o| match o {
            Output::Reply { to, id: i, result } if *to == session && *i == id => {
                Some(result.clone().map_err(|e| e.code))
            }
            _ => None,
        })
        .expect("the request is answered")
}

#[test]
fn a_ban_unpublishes_refuses_publishing_and_tells_everyone_until_lifted() {
    let mut room = room();
    join(&mut room, T0, 1, "alice", 0);
    join(&mut room, T0, 2, "bob", 0);
    room.publish(T0, 1, 7, StreamIndex::Main, MediaType::AudioAndVideo);
    drain(&mut room);

    assert!(room.ban_stream("alice", true, false, u64::MAX));
    let out = drain(&mut room);
    let to_bob = events_for(&out, 2);
    assert!(
        to_bob
            .iter()
            .any(|e| matches!(e, Event::UserUnpublishStream(u)
            if u.user_id == "alice" && u.media_type == MediaType::Video)),
        "{to_bob:?}"
    );
    assert_eq!(bans(&to_bob), [(true, "alice".to_owned(), true)]);
    assert_eq!(
        bans(&events_for(&out, 1)),
        [(true, "alice".to_owned(), true)]
    );

    // Video is refused, audio is not.
    room.publish(T0, 1, 8, StreamIndex::Main, MediaType::Video);
    room.publish(T0, 1, 9, StreamIndex::Screen, MediaType::Audio);
    let out = drain(&mut room);
    assert_eq!(reply(&out, 1, 8), Err(ErrorCode::PublishFailed));
    assert_eq!(reply(&out, 1, 9), Ok(Reply::Done));

    assert!(room.unban_stream(T0, "alice", true, true));
    let out = drain(&mut room);
    // Only what was banned is said to be lifted.
    assert_eq!(
        bans(&events_for(&out, 2)),
        [(true, "alice".to_owned(), false)]
    );
    room.publish(T0, 1, 10, StreamIndex::Main, MediaType::Video);
    assert_eq!(reply(&drain(&mut room), 1, 10), Ok(Reply::Done));
}

#[test]
fn a_timed_ban_is_told_to_joiners_and_again_when_the_banned_user_rejoins_then_ends_on_time() {
    let mut room = room();
    join(&mut room, T0, 1, "alice", 0);
    join(&mut room, T0, 2, "bob", 0);
    drain(&mut room);
    let end = T0 + 10_000;
    room.ban_stream("alice", false, true, end);
    drain(&mut room);
    assert_eq!(room.poll_timeout(), Some(end));

    join(&mut room, T0 + 1_000, 3, "carol", 0);
    let out = drain(&mut room);
    assert_eq!(
        bans(&events_for(&out, 3)),
        [(false, "alice".to_owned(), true)]
    );
    assert!(bans(&events_for(&out, 2)).is_empty());

    // Alice leaves and comes back: still banned, and everyone hears it again.
    room.leave(1, 11);
    join(&mut room, T0 + 2_000, 4, "alice", 0);
    let out = drain(&mut room);
    for session in [2, 3, 4] {
        assert_eq!(
            bans(&events_for(&out, session)),
            [(false, "alice".to_owned(), true)],
            "session {session}"
        );
    }

    room.handle_timeout(end - 1);
    assert!(bans(&events_for(&drain(&mut room), 2)).is_empty());
    room.handle_timeout(end);
    let out = drain(&mut room);
    for session in [2, 3, 4] {
        assert_eq!(
            bans(&events_for(&out, session)),
            [(false, "alice".to_owned(), false)]
        );
    }
    room.publish(end, 4, 12, StreamIndex::Main, MediaType::Audio);
    assert_eq!(reply(&drain(&mut room), 4, 12), Ok(Reply::Done));
}
