//! Cross-room forwarding's errors and states: a bad token fails its room alone, calls out of
//! turn are refused, and a target room's kick, dismissal, token expiry or ban end the forward
//! there alone (the source room sees nothing), while leaving the source room ends them all.

use std::time::Duration;

use chorus_proto::{
    ErrorCode, Event, ForwardStreamError, ForwardStreamEventType, ForwardStreamInfo,
    ForwardStreamState, ForwardStreamStateInfo, MediaType, UserOfflineReason,
};
use chorus_sdk::{EventStream, RtcEngine};
use chorus_token::{AccessToken, Privilege};
use serde_json::json;

use crate::common::*;

fn target(room: &str, user: &str) -> ForwardStreamInfo {
    ForwardStreamInfo {
        room_id: room.into(),
        token: token(room, user),
    }
}

fn ok(room: &str) -> ForwardStreamStateInfo {
    ForwardStreamStateInfo {
        room_id: room.into(),
        state: ForwardStreamState::Success,
        error: ForwardStreamError::Ok,
    }
}

fn failed(room: &str, error: ForwardStreamError) -> ForwardStreamStateInfo {
    ForwardStreamStateInfo {
        room_id: room.into(),
        state: ForwardStreamState::Failure,
        error,
    }
}

/// Waits until `user` has joined and published `media` as seen from `events`.
async fn sees_publisher(events: &mut EventStream, user: &str, media: MediaType) {
    wait_for(events, |e| match e {
        Event::UserJoined(j) if j.user_info.user_id == user => Some(()),
        _ => None,
    })
    .await;
    wait_for(events, |e| match e {
        Event::UserPublishStream(p) if p.user_id == user && p.media_type == media => Some(()),
        _ => None,
    })
    .await;
}

/// Waits for `user` to leave as seen from `events`; answers why.
async fn sees_leave(events: &mut EventStream, user: &str) -> UserOfflineReason {
    wait_for(events, |e| match e {
        Event::UserLeave(l) if l.user_info.user_id == user => Some(l.reason),
        _ => None,
    })
    .await
}

/// The next forward state change and forward event the forwarder hears.
async fn forward_ended(events: &mut EventStream) -> (Vec<ForwardStreamStateInfo>, Vec<String>) {
    let states = wait_for(events, |e| match e {
        Event::ForwardStreamStateChanged(s) => Some(s.infos.clone()),
        _ => None,
    })
    .await;
    (states, disconnected(events).await)
}

/// The rooms of the next `onForwardStreamEvent` that reports disconnections.
async fn disconnected(events: &mut EventStream) -> Vec<String> {
    wait_for(events, |e| match e {
        Event::ForwardStreamEvent(ev) => Some(
            ev.infos
                .iter()
                .filter(|i| i.event == ForwardStreamEventType::Disconnected)
                .map(|i| i.room_id.clone())
                .collect::<Vec<_>>(),
        )
        .filter(|rooms| !rooms.is_empty()),
        _ => None,
    })
    .await
}

/// Alice in `home`, publishing audio, with Bob in each of `rooms` watching.
async fn setup(
    server: &TestServer,
    home: &str,
    rooms: &[&str],
) -> (RtcEngine, EventStream, Vec<(RtcEngine, EventStream)>) {
    let (alice, alice_events) = server.joined(home, "alice").await;
    alice.publish_stream(MediaType::Audio).await.unwrap();
    let mut watchers = Vec::new();
    for room in rooms {
        watchers.push(server.joined(room, "bob").await);
    }
    (alice, alice_events, watchers)
}

#[tokio::test]
async fn a_bad_token_fails_its_room_alone() {
    let server = TestServer::start().await;
    let (alice, _events, mut watchers) = setup(&server, "fe-home", &["fe-b", "fe-c", "fe-d"]).await;
    // C's token is for another user; D's lacks the publish privilege.
    let no_publish = AccessToken::new(APP_ID, APP_KEY, "fe-d", "alice")
        .add_privilege(Privilege::SubscribeStream, 0)
        .serialize()
        .unwrap();
    let states = alice
        .start_forward_stream_to_rooms(&[
            target("fe-b", "alice"),
            target("fe-c", "mallory"),
            ForwardStreamInfo {
                room_id: "fe-d".into(),
                token: no_publish,
            },
        ])
        .await
        .unwrap();
    assert_eq!(
        states,
        vec![
            ok("fe-b"),
            failed("fe-c", ForwardStreamError::InvalidToken),
            failed("fe-d", ForwardStreamError::InvalidToken),
        ]
    );
    sees_publisher(&mut watchers[0].1, "alice", MediaType::Audio).await;
    assert_quiet(&mut watchers[1].1, Duration::from_millis(500)).await;
    assert_quiet(&mut watchers[2].1, Duration::from_millis(500)).await;
    // An update can bring C in with a good token, keeping B.
    let states = alice
        .update_forward_stream_to_rooms(&[target("fe-b", "alice"), target("fe-c", "alice")])
        .await
        .unwrap();
    assert_eq!(states, vec![ok("fe-b"), ok("fe-c")]);
    sees_publisher(&mut watchers[1].1, "alice", MediaType::Audio).await;
}

#[tokio::test]
async fn calls_out_of_turn_are_unexpected() {
    let server = TestServer::start().await;
    let (alice, _events, _watchers) = setup(&server, "fu-home", &["fu-b"]).await;
    let unexpected = |r: Result<Vec<ForwardStreamStateInfo>, chorus_sdk::RtcError>| {
        assert_eq!(
            r.expect_err("out of turn").code,
            ErrorCode::UnexpectedInvokeForwardStream
        );
    };
    unexpected(
        alice
            .update_forward_stream_to_rooms(&[target("fu-b", "alice")])
            .await,
    );
    unexpected(alice.stop_forward_stream_to_rooms().await);
    unexpected(alice.pause_forward_stream_to_all_rooms().await);
    unexpected(alice.resume_forward_stream_to_all_rooms().await);
    alice
        .start_forward_stream_to_rooms(&[target("fu-b", "alice")])
        .await
        .unwrap();
    unexpected(
        alice
            .start_forward_stream_to_rooms(&[target("fu-b", "alice")])
            .await,
    );
    assert_eq!(
        alice.pause_forward_stream_to_all_rooms().await.unwrap(),
        vec![ok("fu-b")]
    );
    assert_eq!(
        alice.stop_forward_stream_to_rooms().await.unwrap(),
        vec![ok("fu-b")]
    );
    unexpected(alice.stop_forward_stream_to_rooms().await);
    // Outside a room there is nothing to forward from.
    alice.leave_room().await.unwrap();
    unexpected(
        alice
            .start_forward_stream_to_rooms(&[target("fu-b", "alice")])
            .await,
    );
}

#[tokio::test]
async fn a_kick_in_the_target_room_ends_that_forward_only() {
    let server = TestServer::start().await;
    let (alice, mut alice_events, mut watchers) =
        setup(&server, "fk-home", &["fk-b", "fk-c"]).await;
    let (_carol, mut carol_events) = server.joined("fk-home", "carol").await;
    sees_publisher(&mut carol_events, "alice", MediaType::Audio).await;
    alice
        .start_forward_stream_to_rooms(&[target("fk-b", "alice"), target("fk-c", "alice")])
        .await
        .unwrap();
    for (_, events) in &mut watchers {
        sees_publisher(events, "alice", MediaType::Audio).await;
    }

    let (status, _) = server
        .api(
            "KickUser",
            json!({"AppId": APP_ID, "RoomId": "fk-b", "UserId": "alice"}),
        )
        .await;
    assert_eq!(status, 200);
    let (states, disconnected) = forward_ended(&mut alice_events).await;
    assert_eq!(
        states,
        vec![failed("fk-b", ForwardStreamError::RemoteKicked)]
    );
    assert_eq!(disconnected, vec!["fk-b".to_owned()]);
    assert_eq!(
        sees_leave(&mut watchers[0].1, "alice").await,
        UserOfflineReason::KickedByAdmin
    );
    // The source room and the other target room saw nothing.
    assert_quiet(&mut carol_events, Duration::from_millis(500)).await;
    assert_quiet(&mut watchers[1].1, Duration::from_millis(500)).await;
    // B is no longer a target: stopping ends C alone.
    assert_eq!(
        alice.stop_forward_stream_to_rooms().await.unwrap(),
        vec![ok("fk-c")]
    );
    assert_eq!(
        sees_leave(&mut watchers[1].1, "alice").await,
        UserOfflineReason::Quit
    );
}

#[tokio::test]
async fn a_dismissed_target_room_ends_that_forward() {
    let server = TestServer::start().await;
    let (alice, mut alice_events, mut watchers) = setup(&server, "fd-home", &["fd-b"]).await;
    alice
        .start_forward_stream_to_rooms(&[target("fd-b", "alice")])
        .await
        .unwrap();
    sees_publisher(&mut watchers[0].1, "alice", MediaType::Audio).await;
    let (status, _) = server
        .api("DismissRoom", json!({"AppId": APP_ID, "RoomId": "fd-b"}))
        .await;
    assert_eq!(status, 200);
    let (states, disconnected) = forward_ended(&mut alice_events).await;
    assert_eq!(
        states,
        vec![failed("fd-b", ForwardStreamError::RemoteKicked)]
    );
    assert_eq!(disconnected, vec!["fd-b".to_owned()]);
    // Alice is still in her own room: she can publish, and forwarding has no rooms left.
    alice.publish_stream(MediaType::Audio).await.unwrap();
    assert_eq!(alice.stop_forward_stream_to_rooms().await.unwrap(), vec![]);
}

#[tokio::test]
async fn a_ban_in_the_target_room_refuses_the_forward() {
    let server = TestServer::start().await;
    let (alice, mut alice_events, _watchers) = setup(&server, "fb-home", &["fb-b"]).await;
    let (status, _) = server
        .api(
            "BanRoomUser",
            json!({"AppId": APP_ID, "RoomId": "fb-b", "UserId": "alice", "ForbiddenInterval": 60}),
        )
        .await;
    assert_eq!(status, 200);
    // The token is good, so the call answers success; the room itself then refuses.
    let states = alice
        .start_forward_stream_to_rooms(&[target("fb-b", "alice")])
        .await
        .unwrap();
    assert_eq!(states, vec![ok("fb-b")]);
    let (states, disconnected) = forward_ended(&mut alice_events).await;
    assert_eq!(
        states,
        vec![failed("fb-b", ForwardStreamError::RemoteKicked)]
    );
    assert_eq!(disconnected, vec!["fb-b".to_owned()]);
}

#[tokio::test]
async fn the_target_token_expiring_ends_that_forward() {
    let server = TestServer::start().await;
    let (alice, mut alice_events, mut watchers) = setup(&server, "fx-home", &["fx-b"]).await;
    let short = token_builder("fx-b", "alice")
        .with_expire_at((now_secs() + 2) as u32)
        .serialize()
        .unwrap();
    alice
        .start_forward_stream_to_rooms(&[ForwardStreamInfo {
            room_id: "fx-b".into(),
            token: short,
        }])
        .await
        .unwrap();
    sees_publisher(&mut watchers[0].1, "alice", MediaType::Audio).await;
    let (states, _) = forward_ended(&mut alice_events).await;
    assert_eq!(
        states,
        vec![failed("fx-b", ForwardStreamError::InvalidToken)]
    );
    sees_leave(&mut watchers[0].1, "alice").await;
    // Her own room's token never expires: she is still there.
    alice.publish_stream(MediaType::Audio).await.unwrap();
}

#[tokio::test]
async fn leaving_the_source_room_ends_every_forward() {
    let server = TestServer::start().await;
    let (alice, mut alice_events, mut watchers) =
        setup(&server, "fl-home", &["fl-b", "fl-c"]).await;
    alice
        .start_forward_stream_to_rooms(&[target("fl-b", "alice"), target("fl-c", "alice")])
        .await
        .unwrap();
    for (_, events) in &mut watchers {
        sees_publisher(events, "alice", MediaType::Audio).await;
    }
    alice.leave_room().await.unwrap();
    let mut rooms = disconnected(&mut alice_events).await;
    rooms.sort();
    assert_eq!(rooms, vec!["fl-b".to_owned(), "fl-c".to_owned()]);
    for (_, events) in &mut watchers {
        assert_eq!(sees_leave(events, "alice").await, UserOfflineReason::Quit);
    }
}

#[tokio::test]
async fn the_forwarder_hears_nothing_of_the_target_room() {
    let server = TestServer::start().await;
    let (alice, mut alice_events, mut watchers) = setup(&server, "fn-home", &["fn-b"]).await;
    alice
        .start_forward_stream_to_rooms(&[target("fn-b", "alice")])
        .await
        .unwrap();
    wait_for(&mut alice_events, |e| match e {
        Event::ForwardStreamEvent(ev) if ev.infos[0].event == ForwardStreamEventType::Connected => {
            Some(())
        }
        _ => None,
    })
    .await;
    sees_publisher(&mut watchers[0].1, "alice", MediaType::Audio).await;
    let bob = &watchers[0].0;
    bob.send_room_message("hello room").await.unwrap();
    bob.publish_stream(MediaType::Audio).await.unwrap();
    let (_dave, _) = server.joined("fn-b", "dave").await;
    // Alice is in B only as a publisher: messages to her there have no receiver.
    let e = bob.send_user_message("alice", "hi").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UserMessageNoReceiver);
    assert_quiet(&mut alice_events, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn the_same_user_forwarding_from_another_room_takes_the_forward_over() {
    let server = TestServer::start().await;
    let (first, mut first_events, mut watchers) = setup(&server, "fo-a1", &["fo-b"]).await;
    let (second, _second_events) = server.joined("fo-a2", "alice").await;
    second.publish_stream(MediaType::Audio).await.unwrap();
    first
        .start_forward_stream_to_rooms(&[target("fo-b", "alice")])
        .await
        .unwrap();
    sees_publisher(&mut watchers[0].1, "alice", MediaType::Audio).await;
    second
        .start_forward_stream_to_rooms(&[target("fo-b", "alice")])
        .await
        .unwrap();
    assert_eq!(disconnected(&mut first_events).await, ["fo-b"]);
    // The first forwarder's stop no longer touches B: the second's forward stays.
    first.stop_forward_stream_to_rooms().await.unwrap();
    assert_quiet(&mut watchers[0].1, Duration::from_millis(700)).await;
    assert_eq!(
        second.stop_forward_stream_to_rooms().await.unwrap(),
        vec![ok("fo-b")]
    );
    assert_eq!(
        sees_leave(&mut watchers[0].1, "alice").await,
        UserOfflineReason::Quit
    );
}

#[tokio::test]
async fn a_token_for_another_room_or_app_or_expired_fails_its_room() {
    let server = TestServer::start().await;
    let (alice, _events, _watchers) = setup(&server, "fa-home", &[]).await;
    let other_app = AccessToken::new(OTHER_APP_ID, OTHER_APP_KEY, "fa-o", "alice")
        .add_privilege(Privilege::PublishStream, 0)
        .serialize()
        .unwrap();
    let expired = token_builder("fa-x", "alice")
        .with_expire_at((now_secs() - 5) as u32)
        .serialize()
        .unwrap();
    let rooms = [
        // The token of fa-b, offered for fa-r.
        ForwardStreamInfo {
            room_id: "fa-r".into(),
            token: token("fa-b", "alice"),
        },
        ForwardStreamInfo {
            room_id: "fa-o".into(),
            token: other_app,
        },
        ForwardStreamInfo {
            room_id: "fa-x".into(),
            token: expired,
        },
        ForwardStreamInfo {
            room_id: "fa-g".into(),
            token: "not a token".into(),
        },
        // Her own room is no target.
        target("fa-home", "alice"),
    ];
    let states = alice.start_forward_stream_to_rooms(&rooms).await.unwrap();
    assert_eq!(
        states,
        vec![
            failed("fa-r", ForwardStreamError::InvalidToken),
            failed("fa-o", ForwardStreamError::InvalidToken),
            failed("fa-x", ForwardStreamError::InvalidToken),
            failed("fa-g", ForwardStreamError::InvalidToken),
            failed("fa-home", ForwardStreamError::Response),
        ]
    );
    // A malformed room id fails the whole call.
    let e = alice
        .update_forward_stream_to_rooms(&[target("bad room", "alice")])
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidParams);
}

#[tokio::test]
async fn a_stream_ban_in_the_target_room_acts_there_alone() {
    let server = TestServer::start().await;
    let (alice, _alice_events, mut watchers) = setup(&server, "fs-home", &["fs-b", "fs-c"]).await;
    let (_carol, mut carol_events) = server.joined("fs-home", "carol").await;
    sees_publisher(&mut carol_events, "alice", MediaType::Audio).await;
    alice
        .start_forward_stream_to_rooms(&[target("fs-b", "alice"), target("fs-c", "alice")])
        .await
        .unwrap();
    for (_, events) in &mut watchers {
        sees_publisher(events, "alice", MediaType::Audio).await;
    }

    let body = json!({"AppId": APP_ID, "RoomId": "fs-b", "UserId": "alice", "Audio": true});
    let (status, envelope) = server.api("BanUserStream", body).await;
    assert_eq!(status, 200, "{envelope}");
    // In B the forwarded audio goes, then B hears of the ban; alice stays there.
    let b = &mut watchers[0].1;
    wait_for(b, |e| match e {
        Event::UserUnpublishStream(u) if u.user_id == "alice" => Some(()),
        _ => None,
    })
    .await;
    let banned = wait_for(b, |e| match e {
        Event::AudioStreamBanned(ban) => Some((ban.uid.clone(), ban.banned)),
        _ => None,
    })
    .await;
    assert_eq!(banned, ("alice".to_owned(), true));
    // The source room and the other target room saw nothing.
    assert_quiet(&mut carol_events, Duration::from_millis(500)).await;
    assert_quiet(&mut watchers[1].1, Duration::from_millis(500)).await;

    // Publishing again at home reaches the source room and C, but the ban holds in B.
    alice.unpublish_stream(MediaType::Audio).await.unwrap();
    alice.publish_stream(MediaType::Audio).await.unwrap();
    wait_for(&mut carol_events, |e| match e {
        Event::UserPublishStream(p) if p.user_id == "alice" => Some(()),
        _ => None,
    })
    .await;
    wait_for(&mut watchers[1].1, |e| match e {
        Event::UserPublishStream(p) if p.user_id == "alice" => Some(()),
        _ => None,
    })
    .await;
    assert_quiet(&mut watchers[0].1, Duration::from_millis(500)).await;
}
