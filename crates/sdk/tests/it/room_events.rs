//! Room events reach the app in order with the wire's content, buffered until it reads;
//! connection changes come as onConnectionStateChanged.

use std::time::Duration;

use crate::common::*;
use chorus_sdk::proto::{StreamRemoveReason, UserOfflineReason};
use chorus_sdk::{ConnectionState, EngineEvent, Event, MediaType, RoomConfig, UserInfo};
use futures_util::StreamExt;
use serde_json::json;

#[tokio::test]
async fn others_comings_and_goings_arrive_in_order_with_their_content() {
    let server = start_server(|_| {}).await;
    let (bob, mut bob_events) = joined(&server.url(), "ev", "bob").await;
    let alice = engine(&server.url());
    let info = UserInfo {
        user_id: "alice".into(),
        extra_info: Some("{\"role\":\"host\"}".into()),
    };
    let result = alice
        .join_room(
            Some(&token("ev", "alice")),
            "ev",
            info.clone(),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            result.room_id.as_str(),
            result.user_id.as_str(),
            result.resumed
        ),
        ("ev", "alice", false)
    );
    alice.publish_stream(MediaType::Audio).await.unwrap();
    alice
        .publish_screen(MediaType::AudioAndVideo)
        .await
        .unwrap();
    alice.unpublish_stream(MediaType::Audio).await.unwrap();
    alice.leave_room().await.unwrap();

    let mut room_events = Vec::new();
    while room_events.len() < 6 {
        if let EngineEvent::Room(event) = next_event(&mut bob_events).await {
            room_events.push(event);
        }
    }
    let expected = [
        json!({"event": "onUserJoined", "data": {"userInfo": {"userId": "alice", "extraInfo": "{\"role\":\"host\"}"}}}),
        json!({"event": "onUserPublishStream", "data": {"userId": "alice", "mediaType": 1}}),
        json!({"event": "onUserPublishScreen", "data": {"userId": "alice", "mediaType": 3}}),
        json!({"event": "onUserUnpublishStream", "data": {"userId": "alice", "mediaType": 1, "reason": 0}}),
        json!({"event": "onUserUnpublishScreen", "data": {"userId": "alice", "mediaType": 3, "reason": 0}}),
        json!({"event": "onUserLeave", "data": {"userInfo": {"userId": "alice", "extraInfo": "{\"role\":\"host\"}"}, "reason": 0}}),
    ];
    let got: Vec<_> = room_events
        .iter()
        .map(|e| EngineEvent::Room(e.clone()).to_json())
        .collect();
    assert_eq!(got, expected);
    match &room_events[5] {
        Event::UserLeave(l) => {
            assert_eq!(l.user_info, info);
            assert_eq!(l.reason, UserOfflineReason::Quit);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(&room_events[3], Event::UserUnpublishStream(u) if u.reason == StreamRemoveReason::Unpublish)
    );
    drop(bob);
}

#[tokio::test]
async fn events_wait_for_an_app_that_reads_late() {
    let server = start_server(|_| {}).await;
    let (_bob, mut bob_events) = joined(&server.url(), "late", "bob").await;
    let alice = engine(&server.url());
    alice
        .join_room(
            Some(&token("late", "alice")),
            "late",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    // Others come and go before alice asks for her events.
    for i in 0..20 {
        let (other, _) = joined(&server.url(), "late", &format!("u{i}")).await;
        other.leave_room().await.unwrap();
    }
    // Bob has seen the last of them leave, so all of it has happened before alice reads.
    wait_for(&mut bob_events, |e| {
        matches!(e, Event::UserLeave(l) if l.user_info.user_id == "u19").then_some(())
    })
    .await;
    let mut events = alice.events();
    let seen: Vec<EngineEvent> = drain_for(&mut events, Duration::from_millis(300)).await;
    let names: Vec<String> = seen
        .iter()
        .map(|e| match e {
            EngineEvent::ConnectionStateChanged { state, .. } => format!("state {state:?}"),
            EngineEvent::Room(Event::UserJoined(j)) => format!("join {}", j.user_info.user_id),
            EngineEvent::Room(Event::UserLeave(l)) => format!("leave {}", l.user_info.user_id),
            other => format!("{other:?}"),
        })
        .collect();
    let mut expected = vec![
        "state Connecting".to_owned(),
        "state Connected".into(),
        "join bob".into(),
    ];
    for i in 0..20 {
        expected.push(format!("join u{i}"));
        expected.push(format!("leave u{i}"));
    }
    assert_eq!(names, expected);
}

#[tokio::test]
async fn only_the_first_events_call_gets_the_stream() {
    let server = start_server(|_| {}).await;
    let alice = engine(&server.url());
    let mut first = alice.events();
    let mut second = alice.events();
    assert!(
        second.next().await.is_none(),
        "a second stream ends at once"
    );
    alice
        .join_room(
            Some(&token("once", "alice")),
            "once",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    // The first one works as a futures Stream too.
    let event = tokio::time::timeout(PATIENCE, StreamExt::next(&mut first))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        event,
        EngineEvent::ConnectionStateChanged {
            state: ConnectionState::Connecting,
            reason: None
        }
    );
    assert_eq!(event.name(), "onConnectionStateChanged");
    assert_eq!(
        event.to_json(),
        json!({"event": "onConnectionStateChanged", "data": {"state": 2}})
    );
}

#[tokio::test]
async fn joining_invisible_and_coming_into_view() {
    let server = start_server(|_| {}).await;
    let (_bob, mut bob_events) = joined(&server.url(), "vis", "bob").await;
    let ghost = engine(&server.url());
    let mut ghost_events = ghost.events();
    ghost.set_user_visibility(false).await.unwrap();
    ghost
        .join_room(
            Some(&token("vis", "ghost")),
            "vis",
            user_info("ghost"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    wait_for(&mut ghost_events, |e| {
        matches!(e, Event::UserJoined(j) if j.user_info.user_id == "bob").then_some(())
    })
    .await;
    let seen: Vec<_> = drain_for(&mut bob_events, Duration::from_millis(200))
        .await
        .into_iter()
        .filter(|e| matches!(e, EngineEvent::Room(_)))
        .collect();
    assert!(
        seen.is_empty(),
        "bob must not see an invisible join: {seen:?}"
    );

    ghost.set_user_visibility(true).await.unwrap();
    let who = wait_for(&mut bob_events, |e| match e {
        Event::UserJoined(j) => Some(j.user_info.user_id.clone()),
        _ => None,
    })
    .await;
    assert_eq!(who, "ghost");
    ghost.set_user_visibility(false).await.unwrap();
    let reason = wait_for(&mut bob_events, |e| match e {
        Event::UserLeave(l) => Some(l.reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, UserOfflineReason::SwitchToInvisible);
}
