//! Bans in a cluster: rooms are spread over nodes by load; an app-wide ban called on one
//! node removes the user from rooms on every node; the ban is recorded in Redis, so a node
//! that starts later refuses the user too, and lifting it there lets them back.

use std::time::Duration;

use chorus_proto::{ErrorCode, Event, RoomConfig};
use serde_json::json;

use crate::cluster_redis::{Redis, node};
use crate::common::*;

async fn removed_with(events: &mut chorus_sdk::EventStream) -> ErrorCode {
    wait_for(events, |e| match e {
        Event::Error(err) => Some(err.error_code),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn an_app_wide_ban_reaches_every_node_and_outlasts_them() {
    let redis = Redis::start().await;
    let a = node(&redis, "a").await;
    let b = node(&redis, "b").await;
    let (_m1, mut in_one) = a.joined("cb1", "mallory").await;
    // Once the heartbeat has reported that load, the next room goes to the other node.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_m2, mut in_two) = a.joined("cb2", "mallory").await;
    assert_eq!(a.metric("chorus_rooms").await, Some(1.0));
    assert_eq!(b.metric("chorus_rooms").await, Some(1.0));

    let (status, envelope) = b
        .api(
            "BanRoomUser",
            json!({"AppId": APP_ID, "UserId": "mallory", "ForbiddenInterval": 60}),
        )
        .await;
    assert_eq!(status, 200, "{envelope}");
    assert_eq!(removed_with(&mut in_one).await, ErrorCode::UserForbidden);
    assert_eq!(removed_with(&mut in_two).await, ErrorCode::UserForbidden);

    // A node that was not there for the ban, alone after the others leave, still knows it.
    let c = node(&redis, "c").await;
    a.server.shutdown().await;
    b.server.shutdown().await;
    let refused = c
        .engine()
        .join_room(
            Some(&token("cb3", "mallory")),
            "cb3",
            user_info("mallory"),
            RoomConfig::default(),
        )
        .await
        .expect_err("mallory is banned");
    assert_eq!(refused.code, ErrorCode::UserForbidden);
    c.joined("cb3", "alice").await;

    let (status, envelope) = c
        .api(
            "UpdateBanRoomUserRule",
            json!({"AppId": APP_ID, "UserId": "mallory", "ForbiddenInterval": 0}),
        )
        .await;
    assert_eq!(status, 200, "{envelope}");
    c.joined("cb3", "mallory").await;
}
