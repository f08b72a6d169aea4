//! A spanning room's link clients (`cluster::span`) under the room's rules: no users, so
//! never counted in its limit or its online users and never refused by it; and told of the
//! invisible users' comings and goings that the room tells no one else. Chorus's other own
//! clients (compositors, the captioner) are no users either.

use chorus_proto::{Event, UserOfflineReason};

use super::core_tests::{T0, drain, events_for, join, join_args, room};
use super::grant::Grant;
use super::membership::JoinArgs;

/// The leaves `session` is sent, as (user, reason).
fn leaves(outputs: &[super::core::Output], session: u64) -> Vec<(String, UserOfflineReason)> {
    events_for(outputs, session)
        .into_iter()
        .filter_map(|e| match e {
            Event::UserLeave(l) => Some((l.user_info.user_id, l.reason)),
            _ => None,
        })
        .collect()
}

/// `user` joins invisible, as Chorus's compositors and captioner do.
fn join_invisible(room: &mut super::core::Room, session: u64, user: &str) {
    let grant = Grant {
        expire_at: 0,
        privileges: Default::default(),
    };
    let args = join_args(session, user, grant);
    room.join(
        T0,
        JoinArgs {
            visible: false,
            ..args
        },
    );
}

#[test]
fn compositors_and_the_captioner_are_no_users() {
    let mut room = room();
    room.settings.max_users = 2;
    join(&mut room, T0, 1, "a", 0);
    join(&mut room, T0, 2, "b", 0);
    // The room is full; Chorus's own clients still join, and app users are still refused.
    join_invisible(&mut room, 3, "@public.show");
    join_invisible(&mut room, 4, "@public.@live.7.0");
    join_invisible(&mut room, 5, "chorus-subtitles");
    join(&mut room, T0, 6, "c", 0);
    for own in ["@public.show", "@public.@live.7.0", "chorus-subtitles"] {
        assert!(room.users.contains_key(own), "{own} is refused");
    }
    assert!(!room.users.contains_key("c"), "c is let in");
    let online = room.online_users();
    assert_eq!(online.total_user, 2);
    assert_eq!(online.visible_user_list, ["a", "b"]);
    assert_eq!(online.total_invisible_user, 0, "{online:?}");
    assert!(online.invisible_user_list.is_empty(), "{online:?}");
    // An app user's invisible place still counts.
    room.leave(2, 2);
    join_invisible(&mut room, 7, "d");
    join(&mut room, T0, 8, "e", 0);
    assert!(!room.users.contains_key("e"), "e is let in");
    assert_eq!(room.online_users().invisible_user_list, ["d"]);
    // With only Chorus's own clients left, the app has no room there.
    room.leave(1, 2);
    room.leave(7, 2);
    let online = room.online_users();
    assert_eq!(
        (online.room_exists, online.total_user),
        (false, 0),
        "{online:?}"
    );
}

#[test]
fn link_observers_are_no_users_and_hear_of_invisible_ones() {
    let mut room = room();
    room.settings.max_users = 2;
    join(&mut room, T0, 1, "a", 0);
    join(&mut room, T0, 2, "chorus-span-n-in", 0);
    join(&mut room, T0, 3, "b", 0);
    join(&mut room, T0, 4, "c", 0);
    // The room is full with two users; another observer still joins.
    join(&mut room, T0, 5, "chorus-span-m-out", 0);
    assert!(!room.users.contains_key("c"), "c is refused");
    assert!(room.users.contains_key("chorus-span-m-out"));
    let online = room.online_users();
    assert_eq!(online.total_user, 2);
    assert_eq!(online.visible_user_list, ["a", "b"]);
    assert!(online.invisible_user_list.is_empty(), "{online:?}");
    drain(&mut room);

    // b leaves a place: d joins it invisible. The observers alone are told, as the leave of
    // a user turning invisible, so that d's mirror joins invisible.
    room.leave(3, 2);
    join_invisible(&mut room, 6, "d");
    let out = drain(&mut room);
    let hidden = ("d".to_owned(), UserOfflineReason::SwitchToInvisible);
    assert!(leaves(&out, 2).contains(&hidden), "{out:?}");
    assert!(leaves(&out, 5).contains(&hidden), "{out:?}");
    assert!(!leaves(&out, 1).contains(&hidden), "{out:?}");
    // A new observer learns of d as it joins.
    room.leave(5, 2);
    drain(&mut room);
    join(&mut room, T0, 7, "chorus-span-m-out", 0);
    assert!(leaves(&drain(&mut room), 7).contains(&hidden));

    // d leaves while invisible: the observers alone are told.
    room.leave(6, 2);
    let out = drain(&mut room);
    let gone = ("d".to_owned(), UserOfflineReason::Quit);
    assert_eq!(leaves(&out, 2), std::slice::from_ref(&gone));
    assert_eq!(leaves(&out, 7), [gone]);
    assert!(leaves(&out, 1).is_empty(), "{out:?}");
}
