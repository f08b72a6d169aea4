//! The OpenAPI on any node of a three-node cluster: every node counts a room's users, joined
//! through all three, and a node that does not run the room kicks a user who connected
//! through the third node, as the room's own node would.

use chorus_proto::{ErrorCode, Event, UserOfflineReason};
use serde_json::json;

use crate::cluster_redis::{Redis, node, owner_of};
use crate::common::*;

#[tokio::test]
async fn the_openapi_on_any_node_counts_and_kicks() {
    let redis = Redis::start().await;
    let nodes = [
        node(&redis, "n1").await,
        node(&redis, "n2").await,
        node(&redis, "n3").await,
    ];
    let mut users = Vec::new();
    for (node, user) in nodes.iter().zip(["u1", "u2", "u3"]) {
        users.push(node.joined("co", user).await);
    }
    let owner = owner_of(&[&nodes[0], &nodes[1], &nodes[2]]).await;
    // The two nodes that do not run the room: one calls, the other's user is kicked.
    let others: Vec<usize> = (0..3).filter(|i| *i != owner).collect();
    let (caller, victim) = (&nodes[others[0]], others[1]);
    let victim_user = ["u1", "u2", "u3"][victim];

    let signed_at = now_secs();
    let body = json!({"AppId": APP_ID, "RoomId": "co"}).to_string();
    for (i, node) in nodes.iter().enumerate() {
        let (status, users) = node
            .api_signed(
                "GetRoomOnlineUsers",
                &body,
                AK,
                SK,
                signed_at - 3 + i as u64,
            )
            .await;
        assert_eq!(status, 200, "{users}");
        assert_eq!(users["Result"]["RoomExists"], true, "{users}");
        assert_eq!(users["Result"]["TotalUser"], 3, "{users}");
    }

    let (status, envelope) = caller
        .api(
            "KickUser",
            json!({"AppId": APP_ID, "RoomId": "co", "UserId": victim_user}),
        )
        .await;
    assert_eq!(status, 200, "{envelope}");
    assert_eq!(envelope["Result"]["Message"], "success", "{envelope}");
    let removed = wait_for(&mut users[victim].1, |e| match e {
        Event::Error(err) => Some(err.error_code),
        _ => None,
    })
    .await;
    assert_eq!(removed, ErrorCode::KickedOut);
    let reason = wait_for(&mut users[owner].1, |e| match e {
        Event::UserLeave(l) if l.user_info.user_id == victim_user => Some(l.reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, UserOfflineReason::KickedByAdmin);

    // A forwarded call is checked for replays like any other: the same call signed in the
    // same second again is refused.
    let caller_signed_at = signed_at - 3 + others[0] as u64;
    let (_, replayed) = caller
        .api_signed("GetRoomOnlineUsers", &body, AK, SK, caller_signed_at)
        .await;
    assert_eq!(
        replayed["ResponseMetadata"]["Error"]["Code"], "SignatureReplayed",
        "{replayed}"
    );
    let (_, counted) = caller
        .api_signed("GetRoomOnlineUsers", &body, AK, SK, signed_at)
        .await;
    assert_eq!(counted["Result"]["TotalUser"], 2, "{counted}");
}
