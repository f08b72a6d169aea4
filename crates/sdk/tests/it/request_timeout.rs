//! Requests the server never answers fail with TIME_OUT after the configured time; requests
//! in flight when the connection drops fail with NOT_CONNECTED_YET.

use std::time::{Duration, Instant};

use crate::common::*;
use chorus_sdk::{ConnectionState, EngineConfig, ErrorCode, RoomConfig, create_engine};

#[tokio::test]
async fn an_unanswered_request_times_out() {
    let url = fake_server(Fake::Silent).await;
    let mut config = EngineConfig::new(url);
    config.request_timeout = Duration::from_millis(200);
    let engine = create_engine(APP_ID, config);
    let mut events = engine.events();

    let started = Instant::now();
    let e = engine
        .join_room(
            Some(&token("room", "alice")),
            "room",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.code, ErrorCode::TimeOut);
    assert_eq!(
        e.message,
        "no answer to joinRoom within 200ms; the server may be overloaded or unreachable"
    );
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_secs(3),
        "{took:?}"
    );

    // The connection itself is fine: connected, and still so.
    assert_eq!(next_state(&mut events).await.0, ConnectionState::Connecting);
    assert_eq!(next_state(&mut events).await.0, ConnectionState::Connected);
    assert_eq!(engine.connection_state(), ConnectionState::Connected);

    // Any other request times out the same way.
    let e = engine.update_token("t").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::TimeOut);
    assert!(
        e.message
            .starts_with("no answer to updateToken within 200ms"),
        "{e}"
    );
}

#[tokio::test]
async fn requests_in_flight_fail_when_the_connection_drops() {
    let url = fake_server(Fake::HangUpAfterFirstFrame).await;
    let engine = engine(&url);
    let mut events = engine.events();
    let e = engine
        .join_room(
            Some(&token("room", "alice")),
            "room",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotConnectedYet);
    assert!(
        e.message
            .starts_with("connection lost before joinRoom was answered"),
        "{e}"
    );

    // Not in a room: no reconnecting, just disconnected.
    assert_eq!(next_state(&mut events).await.0, ConnectionState::Connecting);
    assert_eq!(next_state(&mut events).await.0, ConnectionState::Connected);
    let (state, reason) = next_state(&mut events).await;
    assert_eq!(state, ConnectionState::Disconnected);
    assert!(reason.is_some());
    assert!(
        drain_for(&mut events, Duration::from_millis(300))
            .await
            .is_empty()
    );
}
