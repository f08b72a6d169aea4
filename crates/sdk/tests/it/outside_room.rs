//! Messaging outside rooms: login and logout, who is online, messages between logged-in
//! users, the login errors, and a login that survives (or, with a bad token, does not
//! survive) a lost connection.

use std::time::Duration;

use crate::common::*;
use chorus_sdk::{
    ConnectionState, EngineEvent, ErrorCode, Event, MessageEvent, RoomConfig, UserOnlineStatus,
    decode_binary_message,
};
use chorus_token::AccessToken;

fn outside_text(e: &Event) -> Option<MessageEvent> {
    match e {
        Event::UserMessageReceivedOutsideRoom(m) => Some(m.clone()),
        _ => None,
    }
}

fn outside_binary(e: &Event) -> Option<MessageEvent> {
    match e {
        Event::UserBinaryMessageReceivedOutsideRoom(m) => Some(m.clone()),
        _ => None,
    }
}

fn error_event(e: &Event) -> Option<chorus_sdk::proto::ErrorEvent> {
    match e {
        Event::Error(e) => Some(e.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn login_shows_online_and_logout_offline() {
    let server = start_server(|_| {}).await;
    let (alice, _alice_events) = logged_in(&server.url(), "alice").await;
    let (bob, _bob_events) = logged_in(&server.url(), "bob").await;
    assert_eq!(
        bob.get_peer_online_status("alice").await.unwrap(),
        UserOnlineStatus::Online
    );
    assert_eq!(
        bob.get_peer_online_status("nobody").await.unwrap(),
        UserOnlineStatus::Offline
    );
    alice.logout().await.unwrap();
    assert_eq!(
        bob.get_peer_online_status("alice").await.unwrap(),
        UserOnlineStatus::Offline
    );
    // Logged out, still connected: the server says so.
    let e = alice.get_peer_online_status("bob").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotLogin);
    alice.logout().await.expect("logging out twice is fine");
    // And in again, on the same connection.
    alice.login(&login_token("alice"), "alice").await.unwrap();
    assert_eq!(
        bob.get_peer_online_status("alice").await.unwrap(),
        UserOnlineStatus::Online
    );
    // A login is independent of rooms: joining and leaving one leaves it be.
    alice
        .join_room(
            Some(&token("r", "alice")),
            "r",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    alice.leave_room().await.unwrap();
    assert_eq!(
        bob.get_peer_online_status("alice").await.unwrap(),
        UserOnlineStatus::Online
    );
}

#[tokio::test]
async fn a_second_login_on_the_same_engine_is_already_login() {
    let server = start_server(|_| {}).await;
    let (alice, _events) = logged_in(&server.url(), "alice").await;
    for who in ["alice", "alice2"] {
        let e = alice.login(&login_token(who), who).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::AlreadyLogin, "{e}");
        assert!(e.message.contains("logout"), "{e}");
    }
}

#[tokio::test]
async fn a_bad_login_token_is_login_failed() {
    let server = start_server(|_| {}).await;
    let alice = engine(&server.url());
    let expired = AccessToken::new(APP_ID, APP_KEY, "", "alice")
        .with_expire_at((now_secs() - 10) as u32)
        .serialize()
        .unwrap();
    let wrong_key = AccessToken::new(APP_ID, "not-the-key", "", "alice")
        .serialize()
        .unwrap();
    let cases = [
        (wrong_key, "wrong key"),
        (token("some-room", "alice"), "a room token"),
        (expired, "expired"),
        (login_token("bob"), "another user's token"),
        ("001garbage".to_owned(), "malformed"),
    ];
    for (token, what) in cases {
        let e = alice.login(&token, "alice").await.unwrap_err();
        assert_eq!(e.code, ErrorCode::LoginFailed, "{what}: {e}");
    }
    // Not logged in after all that.
    let e = alice.get_peer_online_status("bob").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotLogin);
    // A malformed user id is refused without asking the server.
    let e = alice.login(&login_token("x"), "not ok").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidParams);
    // An unreachable server fails the login the same way.
    let unreachable = engine("http://127.0.0.1:1");
    let e = unreachable
        .login(&login_token("alice"), "alice")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::LoginFailed);
    assert!(e.message.starts_with("cannot reach server"), "{e}");
}

#[tokio::test]
async fn logging_in_elsewhere_ends_the_first_login_with_rtm_duplicate_login() {
    let server = start_server(|_| {}).await;
    let relay = Relay::start(server.local_addr()).await;
    let (first, mut first_events) = logged_in(&relay.url(), "alice").await;
    let (second, _second_events) = logged_in(&server.url(), "alice").await;
    let error = wait_for(&mut first_events, error_event).await;
    assert_eq!(error.error_code, ErrorCode::RtmDuplicateLogin);
    assert!(error.message.contains("alice"), "{}", error.message);

    // The first is logged out; the second is the one online and gets the messages.
    let e = first
        .send_user_message_outside_room("bob", "hi")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::UserMessageNotLogin);
    let (bob, _bob_events) = logged_in(&server.url(), "bob").await;
    bob.send_user_message_outside_room("alice", "to the second")
        .await
        .unwrap();
    drop(second);

    // Logged out and in no room: a lost connection is not restored (no login to take back).
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
}

#[tokio::test]
async fn calls_that_need_a_login_say_so() {
    // Without a connection, the engine decides.
    let alice = engine("http://127.0.0.1:1");
    let e = alice.get_peer_online_status("bob").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotLogin);
    let e = alice.update_login_token("t").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotLogin);
    let e = alice.set_server_params("s", "http://x").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotLogin);
    for result in [
        alice.send_user_message_outside_room("bob", "hi").await,
        alice
            .send_user_binary_message_outside_room("bob", b"hi")
            .await,
        alice.send_server_message("hi").await.map(drop),
        alice.send_server_binary_message(b"hi").await.map(drop),
    ] {
        assert_eq!(result.unwrap_err().code, ErrorCode::UserMessageNotLogin);
    }
    alice
        .logout()
        .await
        .expect("logging out without a login is fine");
    assert_eq!(alice.connection_state(), ConnectionState::Start);

    // Connected (in a room) but not logged in: the server decides, with the same codes.
    let server = start_server(|_| {}).await;
    let (bob, _events) = joined(&server.url(), "r", "bob").await;
    let e = bob.get_peer_online_status("alice").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotLogin);
    let e = bob
        .update_login_token(&login_token("bob"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotLogin);
    for result in [
        bob.send_user_message_outside_room("alice", "hi").await,
        bob.send_user_binary_message_outside_room("alice", b"hi")
            .await,
        bob.send_server_message("hi").await.map(drop),
        bob.send_server_binary_message(b"hi").await.map(drop),
    ] {
        assert_eq!(result.unwrap_err().code, ErrorCode::UserMessageNotLogin);
    }
    bob.logout().await.unwrap();
}

#[tokio::test]
async fn outside_messages_arrive_with_their_content_and_sender() {
    let server = start_server(|_| {}).await;
    let (alice, _alice_events) = logged_in(&server.url(), "alice").await;
    let (_bob, mut bob_events) = logged_in(&server.url(), "bob").await;
    let text = "hi bob, from outside any room ✉️";
    alice
        .send_user_message_outside_room("bob", text)
        .await
        .unwrap();
    let got = wait_for(&mut bob_events, outside_text).await;
    assert_eq!(
        (got.user_id.as_str(), got.message.as_str()),
        ("alice", text)
    );
    let bytes: Vec<u8> = (0..=255u8).rev().collect();
    alice
        .send_user_binary_message_outside_room("bob", &bytes)
        .await
        .unwrap();
    let got = wait_for(&mut bob_events, outside_binary).await;
    assert_eq!(got.user_id, "alice");
    assert_eq!(decode_binary_message(&got.message).unwrap(), bytes);

    // 64 KB passes; one byte more does not.
    let big = "z".repeat(chorus_sdk::proto::MAX_MESSAGE_BYTES);
    alice
        .send_user_message_outside_room("bob", &big)
        .await
        .unwrap();
    assert_eq!(wait_for(&mut bob_events, outside_text).await.message, big);
    let e = alice
        .send_user_message_outside_room("bob", &format!("{big}z"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidParams);
}

#[tokio::test]
async fn an_outside_message_to_someone_not_logged_in_has_no_receiver() {
    let server = start_server(|_| {}).await;
    let (alice, _alice_events) = logged_in(&server.url(), "alice").await;
    // Carol is in a room but not logged in; alice is herself.
    let (_carol, _carol_events) = joined(&server.url(), "r", "carol").await;
    for to in ["nobody", "carol", "alice"] {
        let e = alice
            .send_user_message_outside_room(to, "hi")
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::UserMessageNoReceiver, "to {to}: {e}");
        let e = alice
            .send_user_binary_message_outside_room(to, b"hi")
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::UserMessageNoReceiver, "to {to}: {e}");
    }
}

#[tokio::test]
async fn update_login_token_with_a_bad_token_is_rtm_token_error() {
    let server = start_server(|_| {}).await;
    let (alice, _events) = logged_in(&server.url(), "alice").await;
    for bad in [
        login_token("bob"),
        token("room", "alice"),
        "001x".to_owned(),
    ] {
        let e = alice.update_login_token(&bad).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::RtmTokenError, "{e}");
    }
    alice
        .update_login_token(&login_token("alice"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_lost_connection_logs_in_again_and_messages_flow_again() {
    let server = start_server(|_| {}).await;
    let relay = Relay::start(server.local_addr()).await;
    let (alice, mut alice_events) = logged_in(&relay.url(), "alice").await;
    let (bob, _bob_events) = logged_in(&server.url(), "bob").await;

    relay.refuse(true);
    relay.cut();
    loop {
        if next_state(&mut alice_events).await.0 == ConnectionState::Reconnecting {
            break;
        }
    }
    // While away: a message to her has no receiver; hers fail as broken.
    let e = bob
        .send_user_message_outside_room("alice", "are you there?")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::UserMessageNoReceiver);
    let e = alice
        .send_user_message_outside_room("bob", "I'm back?")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::UserMessageBroken);
    // The login token may change meanwhile; the engine logs in with the latest.
    alice
        .update_login_token(&login_token("alice"))
        .await
        .unwrap();

    relay.until_refused().await;
    relay.refuse(false);
    let (state, reason) = next_state(&mut alice_events).await;
    assert_eq!((state, reason), (ConnectionState::Reconnected, None));
    assert_eq!(
        bob.get_peer_online_status("alice").await.unwrap(),
        UserOnlineStatus::Online
    );
    bob.send_user_message_outside_room("alice", "welcome back")
        .await
        .unwrap();
    let got = wait_for(&mut alice_events, outside_text).await;
    assert_eq!(
        (got.user_id.as_str(), got.message.as_str()),
        ("bob", "welcome back")
    );
    alice
        .send_user_message_outside_room("bob", "thanks")
        .await
        .unwrap();
}

/// Logs alice in with `token` through a relay, cuts the connection and refuses reconnects
/// until `during` has run, then lets the engine back: its re-login must be refused with
/// RTM_TOKEN_ERROR, leaving it logged out (and able to log in afresh).
async fn relogin_refused(token: &str, during: impl AsyncFnOnce(&chorus_sdk::RtcEngine)) {
    let server = start_server(|_| {}).await;
    let relay = Relay::start(server.local_addr()).await;
    let alice = engine(&relay.url());
    let mut events = alice.events();
    alice.login(token, "alice").await.unwrap();
    relay.refuse(true);
    relay.cut();
    loop {
        if next_state(&mut events).await.0 == ConnectionState::Reconnecting {
            break;
        }
    }
    during(&alice).await;
    relay.refuse(false);

    let error = wait_for(&mut events, error_event).await;
    assert_eq!(error.error_code, ErrorCode::RtmTokenError);
    assert!(
        error
            .message
            .contains("logging in again as alice was refused: LOGIN_FAILED"),
        "{}",
        error.message
    );
    let (state, reason) = next_state(&mut events).await;
    assert_eq!(state, ConnectionState::Disconnected);
    assert!(reason.is_some_and(|r| r.contains("refused")));
    // Logged out now.
    let e = alice
        .send_user_message_outside_room("bob", "hi")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::UserMessageNotLogin);
    // A fresh login works.
    alice.login(&login_token("alice"), "alice").await.unwrap();
}

#[tokio::test]
async fn a_relogin_with_a_token_updated_to_an_expired_one_is_rtm_token_error() {
    let expired = AccessToken::new(APP_ID, APP_KEY, "", "alice")
        .with_expire_at((now_secs() - 10) as u32)
        .serialize()
        .unwrap();
    relogin_refused(&login_token("alice"), async |alice| {
        alice.update_login_token(&expired).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_relogin_after_the_login_token_expired_is_rtm_token_error() {
    let expire_at = now_secs() + 2;
    let short = AccessToken::new(APP_ID, APP_KEY, "", "alice")
        .with_expire_at(expire_at as u32)
        .serialize()
        .unwrap();
    relogin_refused(&short, async |_| {
        while now_secs() <= expire_at {
            // Not synchronization: the outage lasts until the token has expired.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
}
