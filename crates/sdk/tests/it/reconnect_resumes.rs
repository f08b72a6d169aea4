//! A dropped connection in a room is repaired: the engine reconnects, rejoins with the same
//! parameters, the server resumes the session and others see nothing; or, past the budget,
//! the engine reports RECONNECT_FAILED and is out of the room.

use std::time::Duration;

use crate::common::*;
use chorus_sdk::{
    ConnectionState, EngineConfig, EngineEvent, ErrorCode, Event, MediaType, RoomConfig, UserInfo,
    create_engine,
};
use chorus_server::RunningServer;

/// Alice joins through a relay (and publishes audio); bob joins directly and has seen her.
async fn alice_via_relay(
    server: &RunningServer,
    room: &str,
    reconnect_timeout: Duration,
) -> (
    Relay,
    chorus_sdk::RtcEngine,
    chorus_sdk::EventStream,
    chorus_sdk::RtcEngine,
    chorus_sdk::EventStream,
) {
    let (bob, mut bob_events) = joined(&server.url(), room, "bob").await;
    let relay = Relay::start(server.local_addr()).await;
    let mut config = EngineConfig::new(relay.url());
    config.reconnect_timeout = reconnect_timeout;
    let alice = create_engine(APP_ID, config);
    let alice_events = alice.events();
    let info = UserInfo {
        user_id: "alice".into(),
        extra_info: Some("via relay".into()),
    };
    alice
        .join_room(
            Some(&token(room, "alice")),
            room,
            info,
            RoomConfig::default(),
        )
        .await
        .expect("alice joins");
    alice
        .publish_stream(MediaType::Audio)
        .await
        .expect("alice publishes");
    wait_for(&mut bob_events, |e| {
        matches!(e, Event::UserPublishStream(p) if p.user_id == "alice").then_some(())
    })
    .await;
    (relay, alice, alice_events, bob, bob_events)
}

#[tokio::test]
async fn a_cut_connection_resumes_and_others_see_nothing() {
    let server = start_server(|_| {}).await;
    let (relay, alice, mut alice_events, bob, mut bob_events) =
        alice_via_relay(&server, "resume", Duration::from_secs(30)).await;
    assert_eq!(
        next_state(&mut alice_events).await.0,
        ConnectionState::Connecting
    );
    assert_eq!(
        next_state(&mut alice_events).await.0,
        ConnectionState::Connected
    );

    // The outage: connections are cut, and new ones refused until the engine has tried one.
    relay.refuse(true);
    relay.cut();
    let (state, reason) = next_state(&mut alice_events).await;
    assert_eq!(state, ConnectionState::Reconnecting);
    assert!(reason.is_some_and(|r| !r.is_empty()));
    assert_eq!(alice.connection_state(), ConnectionState::Reconnecting);
    let e = alice.publish_stream(MediaType::Video).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotConnectedYet);
    assert!(e.message.contains("reconnecting"), "{e}");
    relay.until_refused().await;

    // Back: the engine gets in again on its own.
    relay.refuse(false);
    let (state, reason) = next_state(&mut alice_events).await;
    assert_eq!(
        (state, reason),
        (ConnectionState::Reconnected, None),
        "resumed, so no reason"
    );
    assert_eq!(alice.connection_state(), ConnectionState::Reconnected);

    // Bob saw neither a leave nor an unpublish, nor a new join (his media goes on).
    let seen: Vec<_> = drain_for(&mut bob_events, Duration::from_millis(300))
        .await
        .into_iter()
        .filter(|e| matches!(e, EngineEvent::Room(_)))
        .collect();
    assert!(seen.is_empty(), "bob saw {seen:?}");

    // The session is live both ways.
    alice.publish_stream(MediaType::Video).await.unwrap();
    let media = wait_for(&mut bob_events, |e| match e {
        Event::UserPublishStream(p) if p.user_id == "alice" => Some(p.media_type),
        _ => None,
    })
    .await;
    assert_eq!(
        media,
        MediaType::Video,
        "audio was still published, so only video is new"
    );
    bob.publish_screen(MediaType::Video).await.unwrap();
    wait_for(&mut alice_events, |e| {
        matches!(e, Event::UserPublishScreen(p) if p.user_id == "bob").then_some(())
    })
    .await;
    alice.leave_room().await.unwrap();
    let left = wait_for(&mut bob_events, |e| match e {
        Event::UserLeave(l) => Some(l.clone()),
        _ => None,
    })
    .await;
    assert_eq!(left.user_info.user_id, "alice");
    assert_eq!(left.user_info.extra_info.as_deref(), Some("via relay"));
    assert_eq!(left.reason, chorus_sdk::proto::UserOfflineReason::Quit);
}

#[tokio::test]
async fn what_was_published_is_published_again_after_the_server_forgot_it() {
    // A grace period shorter than the outage: the server ends the old session, and the
    // engine comes back as a new one and publishes again.
    let server = start_server(|c| c.reconnect_grace_ms = 100).await;
    let (relay, alice, mut alice_events, _bob, mut bob_events) =
        alice_via_relay(&server, "forgot", Duration::from_secs(30)).await;
    relay.refuse(true);
    relay.cut();
    let reason = wait_for(&mut bob_events, |e| match e {
        Event::UserLeave(l) if l.user_info.user_id == "alice" => Some(l.reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, chorus_sdk::proto::UserOfflineReason::Dropped);
    relay.refuse(false);

    let (state, reason) = loop {
        if let (s @ ConnectionState::Reconnected, r) = next_state(&mut alice_events).await {
            break (s, r);
        }
    };
    assert_eq!(state, ConnectionState::Reconnected);
    assert!(reason.is_some_and(|r| r.contains("new one")));
    let joined = wait_for(&mut bob_events, |e| match e {
        Event::UserJoined(j) => Some(j.user_info.clone()),
        _ => None,
    })
    .await;
    assert_eq!(
        (joined.user_id.as_str(), joined.extra_info.as_deref()),
        ("alice", Some("via relay"))
    );
    let media = wait_for(&mut bob_events, |e| match e {
        Event::UserPublishStream(p) if p.user_id == "alice" => Some(p.media_type),
        _ => None,
    })
    .await;
    assert_eq!(media, MediaType::Audio);
    drop(alice);
}

#[tokio::test]
async fn past_the_budget_the_engine_gives_up_and_can_join_again_later() {
    let server = start_server(|c| c.reconnect_grace_ms = 200).await;
    let (relay, alice, mut alice_events, _bob, mut bob_events) =
        alice_via_relay(&server, "gone", Duration::from_millis(600)).await;
    relay.refuse(true);
    relay.cut();
    assert_eq!(
        next_state(&mut alice_events).await.0,
        ConnectionState::Connecting
    );
    assert_eq!(
        next_state(&mut alice_events).await.0,
        ConnectionState::Connected
    );
    assert_eq!(
        next_state(&mut alice_events).await.0,
        ConnectionState::Reconnecting
    );

    // The media transports report their own states as they go (the publisher's may only
    // now come up on a loaded machine); the signalling's next word is the error.
    let error = loop {
        match next_event(&mut alice_events).await {
            EngineEvent::Room(Event::Error(e)) => break e,
            EngineEvent::TransportStateChanged { .. } => {}
            other => panic!("expected onError, got {other:?}"),
        }
    };
    assert_eq!(error.error_code, ErrorCode::ReconnectFailed);
    assert_eq!(
        error.message,
        "could not get back to the server within 600ms"
    );
    let (state, reason) = next_state(&mut alice_events).await;
    assert_eq!(state, ConnectionState::Disconnected);
    assert_eq!(reason.as_deref(), Some(error.message.as_str()));

    // Out of the room: publishing needs a join; bob saw her dropped.
    let e = alice.publish_stream(MediaType::Audio).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotConnectedYet);
    let reason = wait_for(&mut bob_events, |e| match e {
        Event::UserLeave(l) if l.user_info.user_id == "alice" => Some(l.reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, chorus_sdk::proto::UserOfflineReason::Dropped);

    // Joining again connects again.
    relay.refuse(false);
    alice
        .join_room(
            Some(&token("gone", "alice")),
            "gone",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        next_state(&mut alice_events).await.0,
        ConnectionState::Connecting
    );
    assert_eq!(
        next_state(&mut alice_events).await.0,
        ConnectionState::Connected
    );
    wait_for(&mut bob_events, |e| {
        matches!(e, Event::UserJoined(j) if j.user_info.user_id == "alice").then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_lost_connection_outside_a_room_just_disconnects() {
    let server = start_server(|_| {}).await;
    let relay = Relay::start(server.local_addr()).await;
    let (alice, mut events) = joined(&relay.url(), "out", "alice").await;
    alice.leave_room().await.unwrap();
    relay.cut();
    assert_eq!(next_state(&mut events).await.0, ConnectionState::Connecting);
    assert_eq!(next_state(&mut events).await.0, ConnectionState::Connected);
    assert_eq!(
        next_state(&mut events).await.0,
        ConnectionState::Disconnected
    );
    assert!(
        drain_for(&mut events, Duration::from_millis(300))
            .await
            .is_empty(),
        "no reconnect attempt"
    );
    // The next join reconnects.
    alice
        .join_room(
            Some(&token("out", "alice")),
            "out",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    assert_eq!(next_state(&mut events).await.0, ConnectionState::Connecting);
    assert_eq!(next_state(&mut events).await.0, ConnectionState::Connected);
}
