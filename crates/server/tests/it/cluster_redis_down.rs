//! Redis down in a cluster: the rooms a node runs keep working (joins, messages, OpenAPI
//! calls on that node), new cross-node work fails with clear errors (a join that needs a new
//! room placed: JOIN_ROOM_FAILED; an OpenAPI call on the other node: 503
//! ServiceUnavailable), nothing crashes, and all of it works again once Redis is back, empty:
//! placement, the OpenAPI across nodes, and outside-room messages to users logged in before.

use std::time::Duration;

use chorus_proto::{ErrorCode, Event, RoomConfig, UserOnlineStatus};
use chorus_sdk::RtcEngine;
use chorus_testkit::{eventually_within, logged_in};
use serde_json::json;

use crate::cluster_redis::{Redis, node, owner_of};
use crate::common::*;

/// A client that joins `room` through `server`; it stays while the engine lives.
async fn join(
    server: &TestServer,
    room: &str,
    user: &str,
) -> Result<RtcEngine, chorus_proto::RtcError> {
    let engine = server.engine();
    engine
        .join_room(
            Some(&token(room, user)),
            room,
            user_info(user),
            RoomConfig::default(),
        )
        .await?;
    Ok(engine)
}

#[tokio::test]
async fn redis_down_keeps_rooms_and_refuses_new_cross_node_work() {
    let mut redis = Redis::start().await;
    let a = node(&redis, "a").await;
    let b = node(&redis, "b").await;
    let (_alice, mut alice_events) = a.joined("rd", "alice").await;
    let (home, other) = if owner_of(&[&a, &b]).await == 0 {
        (&a, &b)
    } else {
        (&b, &a)
    };
    let (bob, _) = home.joined("rd", "bob").await;

    // Logged in on different nodes, before the outage.
    let (_erin, mut erin_events) = logged_in(&home.url(), "erin").await;
    let (frank, _) = logged_in(&other.url(), "frank").await;

    redis.stop();

    // The room's node still serves it: a join, a message, an OpenAPI call.
    let _carol = join(home, "rd", "carol")
        .await
        .expect("a join to a running room");
    bob.send_room_message("still here").await.unwrap();
    let heard = wait_for(&mut alice_events, |e| match e {
        Event::RoomMessageReceived(m) => Some(m.message.clone()),
        _ => None,
    })
    .await;
    assert_eq!(heard, "still here");
    let (status, users) = home
        .api(
            "GetRoomOnlineUsers",
            json!({"AppId": APP_ID, "RoomId": "rd"}),
        )
        .await;
    assert_eq!(status, 200, "{users}");
    assert_eq!(users["Result"]["TotalUser"], 3, "{users}");

    // The heartbeat notices.
    eventually("the nodes to see Redis down", async || {
        (other.metric("chorus_cluster_redis_up").await == Some(0.0)).then_some(())
    })
    .await;

    // A new room cannot be placed, and the other node cannot find this one.
    let refused = join(other, "rd-new", "dave")
        .await
        .expect_err("no placement");
    assert_eq!(refused.code, ErrorCode::JoinRoomFailed);
    assert!(refused.message.contains("Redis"), "{refused}");
    let (status, envelope) = other
        .api(
            "GetRoomOnlineUsers",
            json!({"AppId": APP_ID, "RoomId": "rd"}),
        )
        .await;
    assert_eq!(status, 503, "{envelope}");
    let error = &envelope["ResponseMetadata"]["Error"];
    assert_eq!(error["Code"], "ServiceUnavailable", "{envelope}");
    assert!(
        error["Message"]
            .as_str()
            .is_some_and(|m| m.contains("Redis")),
        "{envelope}"
    );

    // Back: the heartbeat registers both nodes and claims the room again.
    redis.restart().await;
    eventually_within(
        Duration::from_secs(10),
        "the cluster to recover",
        async || {
            let (status, users) = other
                .api(
                    "GetRoomOnlineUsers",
                    json!({"AppId": APP_ID, "RoomId": "rd"}),
                )
                .await;
            (status == 200 && users["Result"]["TotalUser"] == 3).then_some(())
        },
    )
    .await;
    let _dave = join(other, "rd-new", "dave")
        .await
        .expect("placement works again");
    // Redis came back empty; the nodes recorded their logins again.
    eventually_within(
        Duration::from_secs(10),
        "erin to be online again",
        async || {
            (frank.get_peer_online_status("erin").await.ok()? == UserOnlineStatus::Online)
                .then_some(())
        },
    )
    .await;
    frank
        .send_user_message_outside_room("erin", "after the outage")
        .await
        .unwrap();
    let heard = wait_for(&mut erin_events, |e| match e {
        Event::UserMessageReceivedOutsideRoom(m) => Some(m.message.clone()),
        _ => None,
    })
    .await;
    assert_eq!(heard, "after the outage");
}
