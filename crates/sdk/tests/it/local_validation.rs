//! What the engine decides without the server: malformed join parameters, calls that need a
//! connection, and a server that cannot be reached.

use std::time::Duration;

use crate::common::*;
use chorus_sdk::{ConnectionState, ErrorCode, MediaType, RoomConfig, UserInfo};

/// A port nothing listens on: connecting there is refused.
async fn dead_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a port");
    let addr = listener.local_addr().expect("a bound address");
    drop(listener);
    format!("http://{addr}")
}

#[tokio::test]
async fn malformed_join_parameters_fail_at_once_without_connecting() {
    let url = dead_url().await;
    let engine = engine(&url);
    let mut events = engine.events();
    let long_id = "a".repeat(129);
    let cases = [
        ("bad room", user_info("alice"), "roomId"),
        ("", user_info("alice"), "roomId"),
        (long_id.as_str(), user_info("alice"), "roomId"),
        ("room", user_info("al ice"), "userId"),
        ("room", user_info(&long_id), "userId"),
        (
            "room",
            UserInfo {
                user_id: "alice".into(),
                extra_info: Some("x".repeat(201)),
            },
            "extraInfo",
        ),
    ];
    for (room, who, field) in cases {
        let e = engine
            .join_room(Some("token"), room, who, RoomConfig::default())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidParams, "{room:?}: {e}");
        assert!(e.message.contains(field), "{e}");
    }
    // Nothing was attempted: no connection events, still at the start.
    assert_eq!(engine.connection_state(), ConnectionState::Start);
    assert!(
        drain_for(&mut events, Duration::from_millis(100))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn calls_that_need_a_connection_say_so() {
    let engine = engine(&dead_url().await);
    for result in [
        engine.publish_stream(MediaType::Audio).await,
        engine.unpublish_stream(MediaType::Video).await,
        engine.publish_screen(MediaType::AudioAndVideo).await,
        engine.unpublish_screen(MediaType::Audio).await,
    ] {
        let e = result.unwrap_err();
        assert_eq!(e.code, ErrorCode::NotConnectedYet);
        assert!(e.message.contains("joinRoom"), "{e}");
    }
    let e = engine.update_token("anything").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UpdateTokenBeforeJoin);
    engine
        .leave_room()
        .await
        .expect("leaving outside a room is fine");
    assert_eq!(engine.connection_state(), ConnectionState::Start);
}

#[tokio::test]
async fn an_unreachable_server_fails_the_join_with_the_reason() {
    let url = dead_url().await;
    let engine = engine(&url);
    let mut events = engine.events();
    let e = engine
        .join_room(
            Some("token"),
            "room",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::JoinRoomFailed);
    assert!(
        e.message
            .starts_with(&format!("cannot reach server {url}: ")),
        "{e}"
    );
    assert!(e.message.to_lowercase().contains("refused"), "{e}");

    assert_eq!(
        next_state(&mut events).await,
        (ConnectionState::Connecting, None)
    );
    let (state, reason) = next_state(&mut events).await;
    assert_eq!(state, ConnectionState::Disconnected);
    assert_eq!(reason.as_deref(), Some(e.message.as_str()));
    assert_eq!(engine.connection_state(), ConnectionState::Disconnected);
}

#[tokio::test]
async fn a_url_the_engine_cannot_use_fails_the_join() {
    let engine = engine("ftp://127.0.0.1:1");
    let e = engine
        .join_room(
            Some("token"),
            "room",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::JoinRoomFailed);
    assert!(e.message.contains("unsupported scheme"), "{e}");
}
