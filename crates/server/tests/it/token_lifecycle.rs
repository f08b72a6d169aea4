//! Tokens in a room: updateToken rules, onTokenWillExpire before expiry, TOKEN_EXPIRED and
//! removal at expiry, a timely update keeping the user in, and publish privileges that lapse
//! while the user stays.

use std::time::Duration;

use crate::common::*;
use chorus_proto::{ErrorCode, Event, MediaType, RoomConfig, UserOfflineReason};
use chorus_token::{AccessToken, Privilege};

#[tokio::test]
async fn update_token_needs_a_room_and_a_valid_token() {
    let server = TestServer::start().await;
    let engine = server.engine();
    let e = engine.update_token(&token("t", "alice")).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UpdateTokenBeforeJoin);

    let (alice, _events) = server.joined("t", "alice").await;
    for bad in [
        "001nonsense".to_owned(),
        token("t", "mallory"),
        token("other-room", "alice"),
        AccessToken::new(APP_ID, "wrong", "t", "alice")
            .serialize()
            .unwrap(),
    ] {
        let e = alice.update_token(&bad).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::UpdateTokenWithInvalidToken, "{e}");
    }
    alice.update_token(&token("t", "alice")).await.unwrap();
}

#[tokio::test]
async fn an_expiring_token_warns_then_removes() {
    let server = TestServer::with(|c| c.token_warn_secs = 2).await;
    let (_bob, mut bob_events) = server.joined("exp", "bob").await;
    let alice = server.engine();
    let mut alice_events = alice.events();
    let expire_at = (now_secs() + 3) as u32;
    let short = token_builder("exp", "alice")
        .with_expire_at(expire_at)
        .serialize()
        .unwrap();
    alice
        .join_room(
            Some(&short),
            "exp",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    alice.publish_stream(MediaType::Audio).await.unwrap();

    let warned = wait_for(&mut alice_events, |e| match e {
        Event::TokenWillExpire(w) => Some(w.expire_at),
        _ => None,
    })
    .await;
    assert_eq!(warned, u64::from(expire_at));
    let error = wait_for(&mut alice_events, |e| match e {
        Event::Error(err) => Some(err.error_code),
        _ => None,
    })
    .await;
    assert_eq!(error, ErrorCode::TokenExpired);
    let reason = wait_for(&mut bob_events, |e| match e {
        Event::UserUnpublishStream(u) => Some(u.reason),
        _ => None,
    })
    .await;
    assert_eq!(
        reason,
        chorus_proto::StreamRemoveReason::TokenPrivilegeExpired
    );
    let left = wait_for(&mut bob_events, |e| match e {
        Event::UserLeave(l) if l.user_info.user_id == "alice" => Some(l.reason),
        _ => None,
    })
    .await;
    assert_eq!(left, UserOfflineReason::Quit);
    let e = alice.publish_stream(MediaType::Audio).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotConnectedYet);
}

#[tokio::test]
async fn a_timely_update_keeps_the_user_in() {
    let server = TestServer::with(|c| c.token_warn_secs = 2).await;
    let (_bob, mut bob_events) = server.joined("renew", "bob").await;
    let alice = server.engine();
    let mut alice_events = alice.events();
    let short = token_builder("renew", "alice")
        .with_expire_at((now_secs() + 3) as u32)
        .serialize()
        .unwrap();
    alice
        .join_room(
            Some(&short),
            "renew",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    wait_for(&mut bob_events, |e| {
        matches!(e, Event::UserJoined(_)).then_some(())
    })
    .await;

    wait_for(&mut alice_events, |e| {
        matches!(e, Event::TokenWillExpire(_)).then_some(())
    })
    .await;
    alice.update_token(&token("renew", "alice")).await.unwrap();
    // Not synchronization: the first token's expiry passes while alice stays on the new one.
    tokio::time::sleep(Duration::from_secs(3)).await;
    alice.publish_stream(MediaType::Audio).await.unwrap();
    match next_room_event(&mut bob_events).await {
        Event::UserPublishStream(p) => assert_eq!(p.user_id, "alice"),
        other => panic!("alice should still be in the room, bob saw {other:?}"),
    }
}

#[tokio::test]
async fn publishing_needs_the_publish_privilege() {
    let server = TestServer::start().await;
    let engine = server.engine();
    let listen_only = AccessToken::new(APP_ID, APP_KEY, "priv", "alice")
        .add_privilege(Privilege::SubscribeStream, 0)
        .add_privilege(Privilege::PublishAudio, 0)
        .serialize()
        .unwrap();
    engine
        .join_room(
            Some(&listen_only),
            "priv",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    engine.publish_stream(MediaType::Audio).await.unwrap();
    let e = engine.publish_stream(MediaType::Video).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::PublishFailed);
    assert!(e.message.contains("publish-video"), "{e}");

    // A privilege that has expired counts as missing.
    engine.leave_room().await.unwrap();
    let lapsed = AccessToken::new(APP_ID, APP_KEY, "priv", "alice")
        .add_privilege(Privilege::PublishStream, (now_secs() - 5) as u32)
        .serialize()
        .unwrap();
    engine
        .join_room(
            Some(&lapsed),
            "priv",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    let e = engine.publish_screen(MediaType::Audio).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::PublishFailed);
}

#[tokio::test]
async fn a_lapsing_publish_privilege_warns_unpublishes_and_a_new_token_restores_it() {
    let server = TestServer::with(|c| c.token_warn_secs = 2).await;
    let (_bob, mut bob_events) = server.joined("lapse", "bob").await;
    let alice = server.engine();
    let mut alice_events = alice.events();
    let until = (now_secs() + 3) as u32;
    let short = AccessToken::new(APP_ID, APP_KEY, "lapse", "alice")
        .add_privilege(Privilege::PublishStream, until)
        .add_privilege(Privilege::SubscribeStream, 0)
        .serialize()
        .unwrap();
    alice
        .join_room(
            Some(&short),
            "lapse",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    alice.publish_stream(MediaType::Audio).await.unwrap();

    let warned = wait_for(&mut alice_events, |e| match e {
        Event::TokenPublishPrivilegeWillExpire(w) => Some(w.expire_at),
        _ => None,
    })
    .await;
    assert_eq!(warned, u64::from(until));
    let ended = wait_for(&mut alice_events, |e| match e {
        Event::TokenPublishPrivilegeDidExpired(w) => Some(w.expire_at),
        _ => None,
    })
    .await;
    assert_eq!(ended, u64::from(until));
    let gone = wait_for(&mut bob_events, |e| match e {
        Event::UserUnpublishStream(u) => Some((u.user_id.clone(), u.reason)),
        Event::UserLeave(_) => panic!("alice stays in the room"),
        _ => None,
    })
    .await;
    assert_eq!(
        gone,
        (
            "alice".to_owned(),
            chorus_proto::StreamRemoveReason::TokenPrivilegeExpired
        )
    );

    // Still in the room, no longer allowed to publish, until a new token says otherwise.
    let e = alice.publish_stream(MediaType::Audio).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::PublishFailed);
    alice.update_token(&token("lapse", "alice")).await.unwrap();
    alice.publish_stream(MediaType::Audio).await.unwrap();
    let back = wait_for(&mut bob_events, |e| match e {
        Event::UserPublishStream(p) => Some(p.user_id.clone()),
        _ => None,
    })
    .await;
    assert_eq!(back, "alice");
}
