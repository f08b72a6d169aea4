//! Who is in a room: joiners learn who is there and what they publish; others see joins,
//! publishes and leaves with their reasons.

use std::time::Duration;

use crate::common::*;
use chorus_proto::{Event, MediaType, RoomConfig, StreamRemoveReason, UserInfo, UserOfflineReason};

#[tokio::test]
async fn joiner_learns_who_is_there_and_what_they_publish() {
    let server = TestServer::start().await;
    let (alice, mut alice_events) = server.joined("presence", "alice").await;
    alice
        .publish_stream(MediaType::AudioAndVideo)
        .await
        .unwrap();
    alice.publish_screen(MediaType::Video).await.unwrap();

    let bob = server.engine();
    let mut bob_events = bob.events();
    let info = UserInfo {
        user_id: "bob".into(),
        extra_info: Some("{\"seat\":3}".into()),
    };
    let joined = bob
        .join_room(
            Some(&token("presence", "bob")),
            "presence",
            info,
            RoomConfig::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            joined.room_id.as_str(),
            joined.user_id.as_str(),
            joined.resumed
        ),
        ("presence", "bob", false)
    );

    match next_room_event(&mut bob_events).await {
        Event::UserJoined(e) => assert_eq!(e.user_info.user_id, "alice"),
        other => panic!("expected alice's onUserJoined, got {other:?}"),
    }
    match next_room_event(&mut bob_events).await {
        Event::UserPublishStream(e) => {
            assert_eq!(
                (e.user_id.as_str(), e.media_type),
                ("alice", MediaType::AudioAndVideo)
            )
        }
        other => panic!("expected alice's stream, got {other:?}"),
    }
    match next_room_event(&mut bob_events).await {
        Event::UserPublishScreen(e) => assert_eq!(
            (e.user_id.as_str(), e.media_type),
            ("alice", MediaType::Video)
        ),
        other => panic!("expected alice's screen, got {other:?}"),
    }
    match next_room_event(&mut alice_events).await {
        Event::UserJoined(e) => {
            assert_eq!(e.user_info.user_id, "bob");
            assert_eq!(e.user_info.extra_info.as_deref(), Some("{\"seat\":3}"));
        }
        other => panic!("expected bob's onUserJoined, got {other:?}"),
    }
}

#[tokio::test]
async fn publish_and_unpublish_are_announced_as_deltas() {
    let server = TestServer::start().await;
    let (alice, _alice_events) = server.joined("deltas", "alice").await;
    let (_bob, mut bob_events) = server.joined("deltas", "bob").await;
    wait_for(&mut bob_events, |e| {
        matches!(e, Event::UserJoined(_)).then_some(())
    })
    .await;

    alice.publish_stream(MediaType::Audio).await.unwrap();
    alice
        .publish_stream(MediaType::AudioAndVideo)
        .await
        .unwrap();
    alice.publish_stream(MediaType::Audio).await.unwrap(); // already published: nothing new
    alice
        .unpublish_stream(MediaType::AudioAndVideo)
        .await
        .unwrap();

    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(next_room_event(&mut bob_events).await);
    }
    assert!(
        matches!(&seen[0], Event::UserPublishStream(e) if e.media_type == MediaType::Audio),
        "{seen:?}"
    );
    assert!(
        matches!(&seen[1], Event::UserPublishStream(e) if e.media_type == MediaType::Video),
        "{seen:?}"
    );
    assert!(
        matches!(&seen[2], Event::UserUnpublishStream(e)
            if e.media_type == MediaType::AudioAndVideo && e.reason == StreamRemoveReason::Unpublish),
        "{seen:?}"
    );
    assert_quiet(&mut bob_events, Duration::from_millis(200)).await;
}

#[tokio::test]
async fn leaving_ends_streams_then_says_quit() {
    let server = TestServer::start().await;
    let (alice, _a) = server.joined("leave", "alice").await;
    alice.publish_stream(MediaType::Audio).await.unwrap();
    let (_bob, mut bob_events) = server.joined("leave", "bob").await;
    wait_for(&mut bob_events, |e| {
        matches!(e, Event::UserPublishStream(_)).then_some(())
    })
    .await;

    alice.leave_room().await.unwrap();
    match next_room_event(&mut bob_events).await {
        Event::UserUnpublishStream(e) => assert_eq!(
            (e.user_id.as_str(), e.media_type),
            ("alice", MediaType::Audio)
        ),
        other => panic!("expected alice's stream to end, got {other:?}"),
    }
    match next_room_event(&mut bob_events).await {
        Event::UserLeave(e) => {
            assert_eq!(e.user_info.user_id, "alice");
            assert_eq!(e.reason, UserOfflineReason::Quit);
        }
        other => panic!("expected alice's onUserLeave, got {other:?}"),
    }
    // Leaving twice is harmless, and the engine can join again.
    alice.leave_room().await.unwrap();
    alice
        .join_room(
            Some(&token("leave", "alice")),
            "leave",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    wait_for(&mut bob_events, |e| {
        matches!(e, Event::UserJoined(j) if j.user_info.user_id == "alice").then_some(())
    })
    .await;
}

#[tokio::test]
async fn rooms_and_apps_are_separate() {
    let server = TestServer::start().await;
    let (_alice, mut alice_events) = server.joined("one", "alice").await;
    let (_bob, _b) = server.joined("two", "bob").await;
    let carol = server.engine_for(OTHER_APP_ID);
    let carol_token = chorus_token::AccessToken::new(OTHER_APP_ID, OTHER_APP_KEY, "one", "carol")
        .add_privilege(chorus_token::Privilege::PublishStream, 0)
        .serialize()
        .unwrap();
    carol
        .join_room(
            Some(&carol_token),
            "one",
            user_info("carol"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    assert_quiet(&mut alice_events, Duration::from_millis(300)).await;
}
