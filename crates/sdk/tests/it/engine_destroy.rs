//! A destroyed engine leaves its room, closes its connection, ends its event stream, and
//! answers every call with INVALID_ENGINE.

use crate::common::*;
use chorus_sdk::{
    ConnectionState, EngineEvent, ErrorCode, Event, MediaType, RoomConfig, destroy_engine,
};

#[tokio::test]
async fn every_call_on_a_destroyed_engine_fails_with_invalid_engine() {
    let server = start_server(|_| {}).await;
    let engine = engine(&server.url());
    let clone = engine.clone();
    destroy_engine(&engine).unwrap();
    let e = destroy_engine(&clone).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidEngine);

    let results = [
        clone
            .join_room(
                Some(&token("r", "a")),
                "r",
                user_info("a"),
                RoomConfig::default(),
            )
            .await
            .map(drop),
        clone.leave_room().await,
        clone.update_token("t").await,
        clone.set_user_visibility(false).await,
        clone.publish_stream(MediaType::Audio).await,
        clone.unpublish_stream(MediaType::Audio).await,
        clone.publish_screen(MediaType::Video).await,
        clone.unpublish_screen(MediaType::Video).await,
    ];
    for result in results {
        let e = result.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidEngine, "{e}");
    }
    // The stream of an engine that never ran ends at once.
    let mut events = engine.events();
    assert!(
        tokio::time::timeout(PATIENCE, events.next())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn destroying_in_a_room_leaves_it_and_ends_the_stream() {
    let server = start_server(|_| {}).await;
    let (_bob, mut bob_events) = joined(&server.url(), "d", "bob").await;
    let (alice, mut alice_events) = joined(&server.url(), "d", "alice").await;
    alice
        .publish_stream(MediaType::AudioAndVideo)
        .await
        .unwrap();
    wait_for(&mut bob_events, |e| {
        matches!(e, Event::UserPublishStream(_)).then_some(())
    })
    .await;

    destroy_engine(&alice).unwrap();
    // Others see a proper leave, not a drop after the grace period.
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match next_event(&mut bob_events).await {
            EngineEvent::Room(Event::UserUnpublishStream(u)) => {
                seen.push(format!("unpublish {:?}", u.reason))
            }
            EngineEvent::Room(Event::UserLeave(l)) => seen.push(format!("leave {:?}", l.reason)),
            // Bob's media (first frames, transport states) goes on meanwhile.
            EngineEvent::Room(other) => panic!("unexpected {other:?}"),
            _ => {}
        }
    }
    assert_eq!(seen, ["unpublish Unpublish", "leave Quit"]);

    // Alice's stream reports the disconnect, then ends.
    let mut states = Vec::new();
    while let Some(event) = tokio::time::timeout(PATIENCE, alice_events.next())
        .await
        .unwrap()
    {
        if let EngineEvent::ConnectionStateChanged { state, reason } = event {
            states.push((state, reason));
        }
    }
    assert_eq!(
        states,
        [
            (ConnectionState::Connecting, None),
            (ConnectionState::Connected, None),
            (
                ConnectionState::Disconnected,
                Some("the engine was destroyed".into())
            ),
        ]
    );
    assert_eq!(alice.connection_state(), ConnectionState::Disconnected);
    let e = alice.publish_stream(MediaType::Audio).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidEngine);
}

#[tokio::test]
async fn a_call_waiting_when_the_engine_is_destroyed_fails_with_invalid_engine() {
    let (url, methods_read) = fake_server_noting(Fake::Unanswering).await;
    let engine = engine(&url);
    let waiting = {
        let engine = engine.clone();
        tokio::spawn(async move {
            engine
                .join_room(
                    Some(&token("r", "a")),
                    "r",
                    user_info("a"),
                    RoomConfig::default(),
                )
                .await
        })
    };
    // The join is on the wire, waiting for an answer that never comes.
    eventually("the fake server reads the join", async || {
        let read = methods_read.lock().expect("fake server lock");
        read.iter().any(|m| m == "joinRoom").then_some(())
    })
    .await;
    destroy_engine(&engine).unwrap();
    let e = tokio::time::timeout(PATIENCE, waiting)
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidEngine);
    assert!(e.message.contains("joinRoom"), "{e}");
}

#[tokio::test]
async fn dropping_every_handle_leaves_the_room_too() {
    let server = start_server(|_| {}).await;
    let (_bob, mut bob_events) = joined(&server.url(), "drop", "bob").await;
    let (alice, _alice_events) = joined(&server.url(), "drop", "alice").await;
    wait_for(&mut bob_events, |e| {
        matches!(e, Event::UserJoined(_)).then_some(())
    })
    .await;
    drop(alice);
    let reason = wait_for(&mut bob_events, |e| match e {
        Event::UserLeave(l) => Some(l.reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, chorus_sdk::proto::UserOfflineReason::Quit);
}
