//! The signed OpenAPI: KickUser, DismissRoom, BanRoomUser, UpdateBanRoomUserRule,
//! GetRoomOnlineUsers, and the refusals of unsigned, stale or malformed requests.

use crate::common::*;
use chorus_proto::{ErrorCode, Event, RoomConfig, UserOfflineReason};
use serde_json::json;

async fn removed_with(events: &mut chorus_sdk::EventStream) -> chorus_proto::ErrorEvent {
    wait_for(events, |e| match e {
        Event::Error(err) => Some(err.clone()),
        _ => None,
    })
    .await
}

async fn left_because(events: &mut chorus_sdk::EventStream, user: &str) -> UserOfflineReason {
    wait_for(events, |e| match e {
        Event::UserLeave(l) if l.user_info.user_id == user => Some(l.reason),
        _ => None,
    })
    .await
}

fn ok(envelope: &serde_json::Value) {
    assert!(
        envelope["ResponseMetadata"]["Error"].is_null(),
        "{envelope}"
    );
    assert_eq!(envelope["Result"]["Message"], "success", "{envelope}");
    assert_eq!(envelope["ResponseMetadata"]["Service"], "rtc");
}

#[tokio::test]
async fn kick_user_removes_one_user() {
    let server = TestServer::start().await;
    let (_alice, mut alice_events) = server.joined("kick", "alice").await;
    let (bob, mut bob_events) = server.joined("kick", "bob").await;
    let (status, envelope) = server
        .api(
            "KickUser",
            json!({"AppId": APP_ID, "RoomId": "kick", "UserId": "bob"}),
        )
        .await;
    assert_eq!(status, 200);
    ok(&envelope);
    assert_eq!(envelope["ResponseMetadata"]["Action"], "KickUser");
    assert_eq!(
        removed_with(&mut bob_events).await.error_code,
        ErrorCode::KickedOut
    );
    assert_eq!(
        left_because(&mut alice_events, "bob").await,
        UserOfflineReason::KickedByAdmin
    );
    // Kicked is not banned: bob may come back.
    bob.join_room(
        Some(&token("kick", "bob")),
        "kick",
        user_info("bob"),
        RoomConfig::default(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn dismiss_room_removes_everyone() {
    let server = TestServer::start().await;
    let (_alice, mut alice_events) = server.joined("dismiss", "alice").await;
    let (_bob, mut bob_events) = server.joined("dismiss", "bob").await;
    let (_, envelope) = server
        .api("DismissRoom", json!({"AppId": APP_ID, "RoomId": "dismiss"}))
        .await;
    ok(&envelope);
    assert_eq!(
        removed_with(&mut alice_events).await.error_code,
        ErrorCode::RoomDismiss
    );
    assert_eq!(
        removed_with(&mut bob_events).await.error_code,
        ErrorCode::RoomDismiss
    );
    let (_, users) = server
        .api(
            "GetRoomOnlineUsers",
            json!({"AppId": APP_ID, "RoomId": "dismiss"}),
        )
        .await;
    assert_eq!(users["Result"]["RoomExists"], false);
    assert_eq!(users["Result"]["TotalUser"], 0);
}

#[tokio::test]
async fn banning_a_user_in_a_room() {
    let server = TestServer::start().await;
    let (_alice, mut alice_events) = server.joined("ban", "alice").await;
    let (bob, mut bob_events) = server.joined("ban", "bob").await;
    let (_, envelope) = server
        .api(
            "BanRoomUser",
            json!({"AppId": APP_ID, "RoomId": "ban", "UserId": "bob", "ForbiddenInterval": 60}),
        )
        .await;
    ok(&envelope);
    let removed = removed_with(&mut bob_events).await;
    assert_eq!(removed.error_code, ErrorCode::UserForbidden);
    assert_eq!(removed.forbidden_time, Some(60));
    assert_eq!(
        left_because(&mut alice_events, "bob").await,
        UserOfflineReason::KickedByAdmin
    );

    let e = bob
        .join_room(
            Some(&token("ban", "bob")),
            "ban",
            user_info("bob"),
            RoomConfig::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::UserForbidden);
    assert!(e.message.contains("seconds"), "{e}");
    // The ban is about this room only.
    server
        .engine()
        .join_room(
            Some(&token("elsewhere", "bob")),
            "elsewhere",
            user_info("bob"),
            RoomConfig::default(),
        )
        .await
        .unwrap();

    // Lifting it lets bob back in.
    let (_, envelope) = server
        .api(
            "UpdateBanRoomUserRule",
            json!({"AppId": APP_ID, "RoomId": "ban", "UserId": "bob", "ForbiddenInterval": 0}),
        )
        .await;
    ok(&envelope);
    bob.join_room(
        Some(&token("ban", "bob")),
        "ban",
        user_info("bob"),
        RoomConfig::default(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn banning_a_room_outlasts_the_room() {
    let server = TestServer::start().await;
    let (alice, mut alice_events) = server.joined("closed", "alice").await;
    let (_, envelope) = server
        .api(
            "BanRoomUser",
            json!({"AppId": APP_ID, "RoomId": "closed", "ForbiddenInterval": 30}),
        )
        .await;
    ok(&envelope);
    assert_eq!(
        removed_with(&mut alice_events).await.error_code,
        ErrorCode::RoomForbidden
    );
    // The room is empty and gone, yet the ban holds for anyone.
    for user in ["alice", "zed"] {
        let e = server
            .engine()
            .join_room(
                Some(&token("closed", user)),
                "closed",
                user_info(user),
                RoomConfig::default(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::RoomForbidden, "{user}: {e}");
    }
    drop(alice);
}

#[tokio::test]
async fn banning_a_user_everywhere() {
    let server = TestServer::start().await;
    let (_a, mut in_one) = server.joined("one", "mallory").await;
    let (_b, mut in_two) = server.joined("two", "mallory").await;
    let (_, envelope) = server
        .api(
            "BanRoomUser",
            json!({"AppId": APP_ID, "UserId": "mallory", "ForbiddenInterval": 30}),
        )
        .await;
    ok(&envelope);
    assert_eq!(
        removed_with(&mut in_one).await.error_code,
        ErrorCode::UserForbidden
    );
    assert_eq!(
        removed_with(&mut in_two).await.error_code,
        ErrorCode::UserForbidden
    );
    let e = server
        .engine()
        .join_room(
            Some(&token("three", "mallory")),
            "three",
            user_info("mallory"),
            RoomConfig::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::UserForbidden);
    // Others are unaffected.
    server.joined("three", "alice").await;
    // The rule can be shortened to lift it.
    let (_, envelope) = server
        .api(
            "UpdateBanRoomUserRule",
            json!({"AppId": APP_ID, "UserId": "mallory", "ForbiddenInterval": 0}),
        )
        .await;
    ok(&envelope);
    server.joined("three", "mallory").await;
}

#[tokio::test]
async fn ban_with_zero_interval_only_kicks() {
    let server = TestServer::start().await;
    let (bob, mut bob_events) = server.joined("zero", "bob").await;
    let (_, envelope) = server
        .api(
            "BanRoomUser",
            json!({"AppId": APP_ID, "RoomId": "zero", "UserId": "bob", "ForbiddenInterval": 0}),
        )
        .await;
    ok(&envelope);
    assert_eq!(
        removed_with(&mut bob_events).await.error_code,
        ErrorCode::KickedOut
    );
    bob.join_room(
        Some(&token("zero", "bob")),
        "zero",
        user_info("bob"),
        RoomConfig::default(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn unsigned_wrongly_signed_and_stale_requests_are_refused() {
    let server = TestServer::start().await;
    let body = json!({"AppId": APP_ID, "RoomId": "r"}).to_string();

    let (status, envelope) = server
        .api_signed("GetRoomOnlineUsers", &body, AK, "wrong-secret", now_secs())
        .await;
    assert_eq!(status, 401);
    assert_eq!(
        envelope["ResponseMetadata"]["Error"]["Code"],
        "SignatureDoesNotMatch"
    );
    assert!(envelope.get("Result").is_none());

    let (status, envelope) = server
        .api_signed("GetRoomOnlineUsers", &body, "AKUNKNOWN", SK, now_secs())
        .await;
    assert_eq!(status, 401);
    assert_eq!(
        envelope["ResponseMetadata"]["Error"]["Code"],
        "InvalidAccessKey"
    );

    let (status, envelope) = server
        .api_signed("GetRoomOnlineUsers", &body, AK, SK, now_secs() - 3600)
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        envelope["ResponseMetadata"]["Error"]["Code"],
        "InvalidTimestamp"
    );

    let response = reqwest::Client::new()
        .post(format!(
            "{}/?Action=KickUser&Version=2020-12-01",
            server.url()
        ))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let envelope: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        envelope["ResponseMetadata"]["Error"]["Code"],
        "MissingAuthenticationToken"
    );
}

#[tokio::test]
async fn unknown_actions_and_bad_bodies_get_error_envelopes() {
    let server = TestServer::start().await;
    let (status, envelope) = server.api("LaunchRocket", json!({})).await;
    assert_eq!(status, 404);
    assert_eq!(
        envelope["ResponseMetadata"]["Error"]["Code"],
        "InvalidActionOrVersion"
    );

    let (status, envelope) = server
        .api_signed("KickUser", "{not json", AK, SK, now_secs())
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        envelope["ResponseMetadata"]["Error"]["Code"],
        "InvalidParameter"
    );

    let (status, envelope) = server
        .api("KickUser", json!({"AppId": APP_ID, "RoomId": "r"}))
        .await;
    assert_eq!(status, 400, "UserId missing: {envelope}");
    let (status, envelope) = server
        .api(
            "KickUser",
            json!({"AppId": "nope", "RoomId": "r", "UserId": "u"}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        envelope["ResponseMetadata"]["Error"]["Message"]
            .as_str()
            .unwrap()
            .contains("AppId")
    );
    let (status, _) = server
        .api(
            "BanRoomUser",
            json!({"AppId": APP_ID, "ForbiddenInterval": 5}),
        )
        .await;
    assert_eq!(status, 400, "a ban needs a room or a user");
}
