//! Every way a join is refused, with the contract's code and a message that says why.

use std::time::Duration;

use crate::common::*;
use chorus_proto::{ErrorCode, RoomConfig, UserInfo};
use chorus_token::AccessToken;

async fn join_error(
    server: &TestServer,
    app: &str,
    token: Option<&str>,
    room: &str,
    info: UserInfo,
) -> chorus_proto::RtcError {
    let engine = server.engine_for(app);
    engine
        .join_room(token, room, info, RoomConfig::default())
        .await
        .expect_err("the join must fail")
}

#[tokio::test]
async fn bad_tokens_are_invalid_token() {
    let server = TestServer::start().await;
    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("no token", None, "required"),
        ("garbage", Some("001garbage".into()), "malformed"),
        (
            "wrong key",
            Some(
                AccessToken::new(APP_ID, "not-the-key", "r", "u")
                    .serialize()
                    .unwrap(),
            ),
            "signature",
        ),
        ("other room", Some(token("elsewhere", "u")), "room"),
        ("other user", Some(token("r", "someone")), "user"),
        (
            "expired",
            Some(
                token_builder("r", "u")
                    .with_expire_at((now_secs() - 10) as u32)
                    .serialize()
                    .unwrap(),
            ),
            "expired",
        ),
        (
            "unknown app",
            Some(
                AccessToken::new("unknownapp00000000000000", "k", "r", "u")
                    .serialize()
                    .unwrap(),
            ),
            "unknownapp",
        ),
    ];
    for (what, token, says) in cases {
        let e = join_error(&server, APP_ID, token.as_deref(), "r", user_info("u")).await;
        assert_eq!(e.code, ErrorCode::InvalidToken, "{what}: {e}");
        assert!(
            e.message.to_lowercase().contains(says),
            "{what}: message {:?} should mention {says:?}",
            e.message
        );
    }
    // A valid token of another app, used by an engine created for this app.
    let other = AccessToken::new(OTHER_APP_ID, OTHER_APP_KEY, "r", "u")
        .serialize()
        .unwrap();
    let e = join_error(&server, APP_ID, Some(&other), "r", user_info("u")).await;
    assert_eq!(e.code, ErrorCode::InvalidToken);
    assert!(e.message.contains("engine"), "{e}");
}

#[tokio::test]
async fn malformed_ids_and_extra_info_are_invalid_params() {
    let server = TestServer::start().await;
    let long_room = "r".repeat(129);
    for room in ["", "has space", "slash/room", long_room.as_str()] {
        let e = join_error(
            &server,
            APP_ID,
            Some(&token(room, "u")),
            room,
            user_info("u"),
        )
        .await;
        assert_eq!(e.code, ErrorCode::InvalidParams, "room {room:?}: {e}");
    }
    let e = join_error(
        &server,
        APP_ID,
        Some(&token("r", "bad user")),
        "r",
        user_info("bad user"),
    )
    .await;
    assert_eq!(e.code, ErrorCode::InvalidParams);
    let info = UserInfo {
        user_id: "u".into(),
        extra_info: Some("x".repeat(201)),
    };
    let e = join_error(&server, APP_ID, Some(&token("r", "u")), "r", info).await;
    assert_eq!(e.code, ErrorCode::InvalidParams);
    assert!(e.message.contains("200"), "{e}");
    // Exactly 200 bytes is fine.
    let info = UserInfo {
        user_id: "u".into(),
        extra_info: Some("é".repeat(100)),
    };
    server
        .engine()
        .join_room(Some(&token("r", "u")), "r", info, RoomConfig::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn joining_twice_is_repeat_join() {
    let server = TestServer::start().await;
    let (alice, _events) = server.joined("twice", "alice").await;
    let e = alice
        .join_room(
            Some(&token("twice", "alice")),
            "twice",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::RepeatJoin);
    let e = alice
        .join_room(
            Some(&token("other", "alice")),
            "other",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::RepeatJoin, "one room at a time: {e}");
}

#[tokio::test]
async fn a_full_room_is_join_room_failed() {
    let server = TestServer::with(|c| c.max_room_users = 2).await;
    let _a = server.joined("small", "a").await;
    let _b = server.joined("small", "b").await;
    let e = join_error(
        &server,
        APP_ID,
        Some(&token("small", "c")),
        "small",
        user_info("c"),
    )
    .await;
    assert_eq!(e.code, ErrorCode::JoinRoomFailed);
    assert!(e.message.contains("full"), "{e}");
}

#[tokio::test]
async fn chorus_own_user_ids_take_no_token_of_the_app() {
    // A span link's observer is no user of its room, a public stream's compositor publishes
    // its composite, the captioner subtitles: were their ids open to any token of the app, a
    // user could join a full room, take the compositor's place or push the captioner out.
    let server = TestServer::with(|c| c.max_room_users = 1).await;
    let _a = server.joined("small", "a").await;
    for user in ["chorus-span-b-in", "@public.show", "chorus-subtitles"] {
        let e = join_error(
            &server,
            APP_ID,
            Some(&token("small", user)),
            "small",
            user_info(user),
        )
        .await;
        assert_eq!(e.code, ErrorCode::InvalidToken, "{user}: {e}");
        assert!(e.message.contains("Chorus's own"), "{user}: {e}");
        let e = server
            .engine()
            .login(&token("", user), user)
            .await
            .expect_err("the login must fail");
        assert_eq!(e.code, ErrorCode::LoginFailed, "{user}: {e}");
    }
    // The compositor's own room, joined as the compositor with a token for the stream id.
    let e = join_error(
        &server,
        APP_ID,
        Some(&token("show", "@public.show")),
        "@public.show",
        user_info("@public.show"),
    )
    .await;
    assert_eq!(e.code, ErrorCode::InvalidToken, "{e}");
}

#[tokio::test]
async fn a_server_out_of_media_sessions_is_ice_server_wrong() {
    let server = TestServer::with(|c| c.max_media_sessions = 2).await;
    let (alice, _a) = server.joined("one", "alice").await;
    let _b = server.joined("two", "bob").await;
    let e = join_error(
        &server,
        APP_ID,
        Some(&token("three", "carol")),
        "three",
        user_info("carol"),
    )
    .await;
    assert_eq!(e.code, ErrorCode::IceServerWrong);
    assert!(e.message.contains("full"), "{e}");
    // The refused join left nothing behind, and a place freed by a leave is taken again.
    alice.leave_room().await.unwrap();
    let _c = server.joined("three", "carol").await;
}

#[tokio::test]
async fn a_draining_server_refuses_joins_but_keeps_rooms() {
    let server = TestServer::start().await;
    let (alice, _events) = server.joined("drain", "alice").await;
    let drained = server.server.drain(Duration::from_millis(100)).await;
    assert!(!drained, "alice is still in a room");
    let e = join_error(
        &server,
        APP_ID,
        Some(&token("drain", "bob")),
        "drain",
        user_info("bob"),
    )
    .await;
    assert_eq!(e.code, ErrorCode::JoinRoomFailed);
    assert!(e.message.contains("draining"), "{e}");
    // Those inside carry on, and once they leave the drain completes.
    alice
        .publish_stream(chorus_proto::MediaType::Audio)
        .await
        .unwrap();
    alice.leave_room().await.unwrap();
    assert!(server.server.drain(Duration::from_secs(2)).await);
}
