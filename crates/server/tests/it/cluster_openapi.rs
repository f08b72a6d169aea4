//! The OpenAPI on any node of a cluster: called on the node that does not run a room, it
//! counts the room's users and kicks one of them, as on the room's node.

use chorus_proto::{ErrorCode, Event, UserOfflineReason};
use serde_json::json;

use crate::cluster_redis::{Redis, node, owner_of};
use crate::common::*;

#[tokio::test]
async fn the_openapi_on_another_node_counts_and_kicks() {
    let redis = Redis::start().await;
    let a = node(&redis, "a").await;
    let b = node(&redis, "b").await;
    let (_alice, mut alice_events) = a.joined("co", "alice").await;
    let (_bob, mut bob_events) = b.joined("co", "bob").await;
    let (home, other) = if owner_of(&[&a, &b]).await == 0 {
        (&a, &b)
    } else {
        (&b, &a)
    };

    let signed_at = now_secs();
    let body = json!({"AppId": APP_ID, "RoomId": "co"}).to_string();
    for (server, at) in [(home, signed_at - 2), (other, signed_at - 1)] {
        let (status, users) = server
            .api_signed("GetRoomOnlineUsers", &body, AK, SK, at)
            .await;
        assert_eq!(status, 200, "{users}");
        assert_eq!(users["Result"]["RoomExists"], true, "{users}");
        assert_eq!(users["Result"]["TotalUser"], 2, "{users}");
    }

    let (status, envelope) = other
        .api(
            "KickUser",
            json!({"AppId": APP_ID, "RoomId": "co", "UserId": "bob"}),
        )
        .await;
    assert_eq!(status, 200, "{envelope}");
    assert_eq!(envelope["Result"]["Message"], "success", "{envelope}");
    let removed = wait_for(&mut bob_events, |e| match e {
        Event::Error(err) => Some(err.error_code),
        _ => None,
    })
    .await;
    assert_eq!(removed, ErrorCode::KickedOut);
    let reason = wait_for(&mut alice_events, |e| match e {
        Event::UserLeave(l) if l.user_info.user_id == "bob" => Some(l.reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, UserOfflineReason::KickedByAdmin);

    // Bob is gone from the count. The same call signed in the same second again is a
    // replay: the room's node checks forwarded calls against the ones it got directly.
    let (_, replayed) = other
        .api_signed("GetRoomOnlineUsers", &body, AK, SK, signed_at - 1)
        .await;
    assert_eq!(
        replayed["ResponseMetadata"]["Error"]["Code"], "SignatureReplayed",
        "{replayed}"
    );
    let (_, users) = other
        .api_signed("GetRoomOnlineUsers", &body, AK, SK, signed_at)
        .await;
    assert_eq!(users["Result"]["TotalUser"], 1, "{users}");
}
