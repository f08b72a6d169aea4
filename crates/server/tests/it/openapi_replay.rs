//! OpenAPI replays: a signed request is answered once. Sent again while its signature could
//! still verify, it is refused with `SignatureReplayed`; other requests signed in the same
//! second are not affected.

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn the_same_signed_request_twice_is_refused_the_second_time() {
    let server = TestServer::start().await;
    let body = json!({"AppId": APP_ID, "RoomId": "replayed"}).to_string();
    let at = now_secs();

    let (status, first) = server
        .api_signed("GetRoomOnlineUsers", &body, AK, SK, at)
        .await;
    assert_eq!(status, 200, "{first}");
    assert!(first["ResponseMetadata"]["Error"].is_null(), "{first}");

    let (status, second) = server
        .api_signed("GetRoomOnlineUsers", &body, AK, SK, at)
        .await;
    assert_eq!(status, 400, "{second}");
    assert_eq!(
        second["ResponseMetadata"]["Error"]["Code"],
        "SignatureReplayed"
    );
    assert!(second.get("Result").is_none(), "{second}");
}

#[tokio::test]
async fn different_requests_signed_in_the_same_second_all_pass() {
    let server = TestServer::start().await;
    let at = now_secs();
    let calls = [
        (
            "GetRoomOnlineUsers",
            json!({"AppId": APP_ID, "RoomId": "one"}),
        ),
        (
            "GetRoomOnlineUsers",
            json!({"AppId": APP_ID, "RoomId": "two"}),
        ),
        // The same body as the first, another action: another query, another signature.
        ("DismissRoom", json!({"AppId": APP_ID, "RoomId": "one"})),
    ];
    for (action, body) in calls {
        let (status, envelope) = server
            .api_signed(action, &body.to_string(), AK, SK, at)
            .await;
        assert_eq!(status, 200, "{action} {body}: {envelope}");
        assert!(
            envelope["ResponseMetadata"]["Error"].is_null(),
            "{envelope}"
        );
    }
}

#[tokio::test]
async fn a_refused_signature_is_not_remembered() {
    let server = TestServer::start().await;
    let body = json!({"AppId": APP_ID, "RoomId": "r"}).to_string();
    let at = now_secs();
    let (status, _) = server
        .api_signed("GetRoomOnlineUsers", &body, AK, "wrong-secret", at)
        .await;
    assert_eq!(status, 401);
    let (status, envelope) = server
        .api_signed("GetRoomOnlineUsers", &body, AK, SK, at)
        .await;
    assert_eq!(status, 200, "{envelope}");
}
