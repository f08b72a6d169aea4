//! Once connected, the server judges calls and the engine relays its answers; being removed
//! by the server takes the engine out of the room; the connection outlives a leave.

use std::time::Duration;

use crate::common::*;
use chorus_sdk::{ConnectionState, EngineEvent, ErrorCode, Event, MediaType, RoomConfig};

#[tokio::test]
async fn connected_calls_get_the_servers_answers() {
    let server = start_server(|_| {}).await;
    let (alice, mut events) = joined(&server.url(), "s", "alice").await;
    let e = alice
        .join_room(
            Some(&token("s", "alice")),
            "s",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::RepeatJoin);
    assert!(e.message.contains("leaveRoom"), "{e}");

    alice.leave_room().await.unwrap();
    // Connected but out of a room: the server answers.
    let e = alice.publish_stream(MediaType::Audio).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotConnectedYet);
    assert!(e.message.contains("not in a room"), "{e}");
    let e = alice.update_token(&token("s", "alice")).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UpdateTokenBeforeJoin);

    // Invisible users cannot publish: the server's rule, relayed.
    alice
        .join_room(
            Some(&token("s", "alice")),
            "s",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    alice.set_user_visibility(false).await.unwrap();
    let e = alice.publish_screen(MediaType::Video).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NoPublishPermission);

    // One connection throughout: a single Connecting/Connected pair.
    let states: Vec<_> = drain_for(&mut events, Duration::from_millis(200))
        .await
        .into_iter()
        .filter_map(|e| match e {
            EngineEvent::ConnectionStateChanged { state, .. } => Some(state),
            _ => None,
        })
        .collect();
    assert_eq!(
        states,
        [ConnectionState::Connecting, ConnectionState::Connected]
    );
}

#[tokio::test]
async fn a_token_without_publish_rights_is_refused_by_the_server() {
    let server = start_server(|_| {}).await;
    let viewer = engine(&server.url());
    let subscribe_only = chorus_token::AccessToken::new(APP_ID, APP_KEY, "p", "viewer")
        .add_privilege(chorus_token::Privilege::SubscribeStream, 0)
        .serialize()
        .unwrap();
    viewer
        .join_room(
            Some(&subscribe_only),
            "p",
            user_info("viewer"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    let e = viewer.publish_stream(MediaType::Audio).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::PublishFailed);
}

#[tokio::test]
async fn removal_by_the_server_takes_the_engine_out_of_the_room() {
    let server = start_server(|_| {}).await;
    let relay = Relay::start(server.local_addr()).await;
    let (first, mut first_events) = joined(&relay.url(), "dup", "alice").await;
    let (_second, _second_events) = joined(&server.url(), "dup", "alice").await;
    let error = wait_for(&mut first_events, |e| match e {
        Event::Error(err) => Some(err.clone()),
        _ => None,
    })
    .await;
    assert_eq!(error.error_code, ErrorCode::DuplicateLogin);
    assert!(!error.message.is_empty());

    // Out of the room, so a lost connection is not repaired: no rejoin to displace the other.
    relay.cut();
    let states: Vec<_> = drain_for(&mut first_events, Duration::from_millis(500))
        .await
        .into_iter()
        .filter_map(|e| match e {
            EngineEvent::ConnectionStateChanged { state, .. } => Some(state),
            _ => None,
        })
        .collect();
    assert_eq!(states, [ConnectionState::Disconnected]);
    assert_eq!(first.connection_state(), ConnectionState::Disconnected);
}
