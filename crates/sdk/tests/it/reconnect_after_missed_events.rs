//! A native client that missed more while disconnected than the server keeps for it is not
//! resumed silently: it rejoins as a new session, reports its reconnect with the reason, and
//! receives the room afresh (without being told again of those it knew); the messages it
//! missed are not half-replayed.

use std::time::Duration;

use crate::common::*;
use chorus_sdk::{ConnectionState, EngineConfig, Event, RoomConfig, UserInfo, create_engine};

#[tokio::test]
async fn a_client_that_missed_too_much_is_told_on_reconnect() {
    let server = start_server(|_| {}).await;
    let (bob, mut bob_events) = joined(&server.url(), "missed", "bob").await;
    let relay = Relay::start(server.local_addr()).await;
    let mut config = EngineConfig::new(relay.url());
    config.reconnect_timeout = Duration::from_secs(30);
    let alice = create_engine(APP_ID, config);
    let mut alice_events = alice.events();
    let info = UserInfo {
        user_id: "alice".into(),
        extra_info: None,
    };
    alice
        .join_room(
            Some(&token("missed", "alice")),
            "missed",
            info,
            RoomConfig::default(),
        )
        .await
        .expect("alice joins");
    wait_for(&mut bob_events, |e| {
        matches!(e, Event::UserJoined(j) if j.user_info.user_id == "alice").then_some(())
    })
    .await;
    assert_eq!(
        next_state(&mut alice_events).await.0,
        ConnectionState::Connecting
    );
    assert_eq!(
        next_state(&mut alice_events).await.0,
        ConnectionState::Connected
    );

    relay.refuse(true);
    relay.cut();
    assert_eq!(
        next_state(&mut alice_events).await.0,
        ConnectionState::Reconnecting
    );
    // 4 MB of acknowledged messages: more than the server keeps for a member in grace.
    let big = "m".repeat(60 * 1024);
    for _ in 0..34 {
        bob.send_room_message(&big).await.unwrap();
        bob.send_user_message("alice", &big).await.unwrap();
    }

    relay.refuse(false);
    let (state, reason) = next_state(&mut alice_events).await;
    assert_eq!(state, ConnectionState::Reconnected);
    let reason = reason.expect("a rejoin as a new session says so");
    assert!(reason.contains("new one"), "{reason}");
    // The room afresh, but bob never left it: the app is not told he joined again. A
    // message he sends now is the first thing about him that reaches alice.
    bob.send_room_message("after").await.unwrap();
    let first = wait_for(&mut alice_events, |e| match e {
        Event::UserJoined(j) if j.user_info.user_id == "bob" => Some(None),
        Event::RoomMessageReceived(m) if m.message == "after" => Some(Some(m.user_id.clone())),
        _ => None,
    })
    .await;
    assert_eq!(first.as_deref(), Some("bob"), "bob was announced again");
    // Bob saw alice leave and come back.
    wait_for(&mut bob_events, |e| {
        matches!(e, Event::UserLeave(l) if l.user_info.user_id == "alice").then_some(())
    })
    .await;
    wait_for(&mut bob_events, |e| {
        matches!(e, Event::UserJoined(j) if j.user_info.user_id == "alice").then_some(())
    })
    .await;
}
