//! A login ends when its token expires: the user is told (RTM_TOKEN_ERROR) and shows offline.
//! updateLoginToken in time moves the end to the new token's expiry, and the login stays.

use std::time::Duration;

use crate::common::*;
use chorus_sdk::{EngineEvent, ErrorCode, Event, UserOnlineStatus};
use chorus_token::AccessToken;

/// A login token for `user` that expires `secs` from now.
fn expiring_login_token(user: &str, secs: u64) -> String {
    AccessToken::new(APP_ID, APP_KEY, "", user)
        .with_expire_at((now_secs() + secs) as u32)
        .serialize()
        .expect("a token")
}

#[tokio::test]
async fn an_expiring_login_token_logs_the_user_out() {
    let server = start_server(|_| {}).await;
    let (bob, _bob_events) = logged_in(&server.url(), "bob").await;
    let alice = engine(&server.url());
    let mut alice_events = alice.events();
    alice
        .login(&expiring_login_token("alice", 1), "alice")
        .await
        .unwrap();
    assert_eq!(
        bob.get_peer_online_status("alice").await.unwrap(),
        UserOnlineStatus::Online
    );

    let error = wait_for(&mut alice_events, |e| match e {
        Event::Error(e) => Some(e.error_code),
        _ => None,
    })
    .await;
    assert_eq!(error, ErrorCode::RtmTokenError);
    assert_eq!(
        bob.get_peer_online_status("alice").await.unwrap(),
        UserOnlineStatus::Offline
    );
    let e = alice.get_peer_online_status("bob").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotLogin);
    // A new token logs in again.
    alice.login(&login_token("alice"), "alice").await.unwrap();
}

#[tokio::test]
async fn update_login_token_in_time_keeps_the_login() {
    let server = start_server(|_| {}).await;
    let (bob, _bob_events) = logged_in(&server.url(), "bob").await;
    let alice = engine(&server.url());
    let mut alice_events = alice.events();
    alice
        .login(&expiring_login_token("alice", 1), "alice")
        .await
        .unwrap();
    alice
        .update_login_token(&expiring_login_token("alice", 60))
        .await
        .unwrap();

    // Past the first token's end: nothing happened to the login.
    let seen = drain_for(&mut alice_events, Duration::from_secs(3)).await;
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, EngineEvent::Room(Event::Error(_)))),
        "{seen:?}"
    );
    assert_eq!(
        bob.get_peer_online_status("alice").await.unwrap(),
        UserOnlineStatus::Online
    );
    assert_eq!(
        alice.get_peer_online_status("bob").await.unwrap(),
        UserOnlineStatus::Online
    );
}
