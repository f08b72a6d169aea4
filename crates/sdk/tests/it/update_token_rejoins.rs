//! A join refused for an expired token comes back after updateToken; otherwise updateToken
//! replaces the token in the room, and the server judges it.

use crate::common::*;
use chorus_sdk::{ConnectionState, ErrorCode, Event, RoomConfig};

#[tokio::test]
async fn a_join_refused_for_an_expired_token_rejoins_after_update_token() {
    let server = start_server(|_| {}).await;
    let (_bob, mut bob_events) = joined(&server.url(), "exp", "bob").await;
    let alice = engine(&server.url());
    let mut alice_events = alice.events();
    let expired = token_builder("exp", "alice")
        .with_expire_at((now_secs() - 10) as u32)
        .serialize()
        .unwrap();
    let e = alice
        .join_room(
            Some(&expired),
            "exp",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidToken);
    assert!(e.message.contains("expired"), "{e}");

    // The new token brings the same join back: bob sees alice, alice sees bob.
    alice.update_token(&token("exp", "alice")).await.unwrap();
    let joined = wait_for(&mut bob_events, |e| match e {
        Event::UserJoined(j) => Some(j.user_info.user_id.clone()),
        _ => None,
    })
    .await;
    assert_eq!(joined, "alice");
    wait_for(&mut alice_events, |e| {
        matches!(e, Event::UserJoined(j) if j.user_info.user_id == "bob").then_some(())
    })
    .await;
    assert_eq!(alice.connection_state(), ConnectionState::Connected);

    // Now in the room, updateToken is a plain update again, judged by the server.
    let e = alice
        .update_token(&token("exp", "mallory"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::UpdateTokenWithInvalidToken);
    alice.update_token(&token("exp", "alice")).await.unwrap();
}

#[tokio::test]
async fn a_retry_with_another_bad_token_fails_like_the_join() {
    let server = start_server(|_| {}).await;
    let alice = engine(&server.url());
    let e = alice
        .join_room(
            Some("001garbage"),
            "r",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidToken);
    let e = alice
        .update_token(&token("r", "someone-else"))
        .await
        .unwrap_err();
    assert_eq!(
        e.code,
        ErrorCode::InvalidToken,
        "the retried join's error: {e}"
    );
    // Still retryable.
    alice.update_token(&token("r", "alice")).await.unwrap();
    alice.leave_room().await.unwrap();
    // After leaving, there is nothing to retry: the server says so.
    let e = alice.update_token(&token("r", "alice")).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UpdateTokenBeforeJoin);
}

#[tokio::test]
async fn other_join_failures_are_not_retried_by_update_token() {
    let server = start_server(|_| {}).await;
    let (_first, _events) = joined(&server.url(), "r", "alice").await;
    let other = engine(&server.url());
    other
        .join_room(
            Some(&token("r", "carol")),
            "r",
            user_info("carol"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    let e = other
        .join_room(
            Some(&token("r", "carol")),
            "r",
            user_info("carol"),
            RoomConfig::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::RepeatJoin, "decided by the server: {e}");
    // Still in the room: updateToken updates.
    other.update_token(&token("r", "carol")).await.unwrap();
}
