//! The room core's bounds on per-member state, under simulated time: what a member in grace
//! keeps of what they miss (by count, by bytes per member and per room), what happens past
//! it, and the layer choices kept about users who are not in the room.

use chorus_proto::SimulcastStreamType;

use super::Payload;
use super::core::{Output, Reply, Room};
use super::core_tests::{T0, drain, join, room};
use super::participant::{Missed, Reception};

/// Whether `session`'s join was answered with `resumed: true`.
fn resumed(out: &[Output], session: u64) -> Option<bool> {
    out.iter().find_map(|o| match o {
        Output::Reply {
            to,
            result: Ok(Reply::Joined(j)),
            ..
        } if *to == session => Some(j.resumed),
        _ => None,
    })
}

fn text(bytes: usize) -> Payload {
    Payload {
        message: "m".repeat(bytes),
        binary: false,
    }
}

/// alice (session 1) and bob (2) in a room, alice's connection dropped.
fn alice_in_grace() -> Room {
    let mut room = room();
    join(&mut room, T0, 1, "alice", 0);
    join(&mut room, T0, 2, "bob", 0);
    drain(&mut room);
    room.dropped(T0 + 1, 1, false);
    room
}

#[test]
fn a_member_in_grace_keeps_up_to_a_byte_bound_then_rejoins_afresh() {
    let mut room = alice_in_grace();
    let big = text(60 * 1024);
    let per_member = Missed::MAX_BYTES / (60 * 1024);
    for id in 0..per_member as u64 {
        room.user_message(2, id, "alice", &big);
    }
    drain(&mut room);
    assert!(room.missed_bytes() > Missed::MAX_BYTES - 64 * 1024);
    room.user_message(2, 99, "alice", &big);
    let out = drain(&mut room);
    // Acknowledged all the same: the loss is reported to the receiver, not the sender.
    assert!(out.contains(&Output::Reply {
        to: 2,
        id: 99,
        result: Ok(Reply::Done)
    }));
    assert_eq!(room.missed_bytes(), 0, "what was kept is freed at once");
    join(&mut room, T0 + 2, 3, "alice", 0);
    assert_eq!(resumed(&drain(&mut room), 3), Some(false));
}

#[test]
fn everyone_in_grace_together_stays_within_the_room_bound() {
    let mut room = room();
    for (session, user) in (1..=10).zip('a'..) {
        join(&mut room, T0, session, &user.to_string(), 0);
    }
    drain(&mut room);
    for session in 2..=10 {
        room.dropped(T0 + 1, session, false);
    }
    let big = text(60 * 1024);
    for id in 0..100 {
        room.room_message(1, id, &big);
        assert!(room.missed_bytes() <= Missed::MAX_ROOM_BYTES);
    }
    drain(&mut room);
    // Past the bounds, members start afresh.
    join(&mut room, T0 + 2, 20, "j", 0);
    assert_eq!(resumed(&drain(&mut room), 20), Some(false));
}

#[test]
fn frames_never_written_before_a_drop_mean_no_silent_resume() {
    let mut room = room();
    join(&mut room, T0, 1, "alice", 0);
    drain(&mut room);
    room.dropped(T0 + 1, 1, true);
    join(&mut room, T0 + 2, 2, "alice", 0);
    assert_eq!(resumed(&drain(&mut room), 2), Some(false));

    // Without a loss, the same drop resumes.
    room.dropped(T0 + 3, 2, false);
    join(&mut room, T0 + 4, 3, "alice", 0);
    assert_eq!(resumed(&drain(&mut room), 3), Some(true));
}

#[test]
fn layer_choices_about_absent_users_are_bounded() {
    let mut room = room();
    join(&mut room, T0, 1, "alice", 0);
    join(&mut room, T0, 2, "bob", 0);
    drain(&mut room);
    for i in 0..1_000u64 {
        room.set_layer(1, i, &format!("ghost-{i}"), SimulcastStreamType::Low);
    }
    room.set_layer(1, 1_000, "bob", SimulcastStreamType::Low);
    let out = drain(&mut room);
    let done = out
        .iter()
        .filter(|o| {
            matches!(
                o,
                Output::Reply {
                    to: 1,
                    result: Ok(Reply::Done),
                    ..
                }
            )
        })
        .count();
    assert_eq!(done, 1_001, "every call succeeds");
    assert_eq!(room.kept_entries(), Reception::MAX_ABSENT_LAYERS + 1);

    // Members who come and go cannot grow it either.
    for i in 0..50u64 {
        let user = format!("churn-{i}");
        join(&mut room, T0, 100 + i, &user, 0);
        room.set_layer(1, 2_000 + i, &user, SimulcastStreamType::Low);
        room.leave(100 + i, 1);
    }
    drain(&mut room);
    assert!(room.kept_entries() <= Reception::MAX_ABSENT_LAYERS + 1);
}
