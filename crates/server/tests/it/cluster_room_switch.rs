//! One connection, two rooms on two nodes: a client that leaves a room and joins another,
//! which a different node runs, keeps its connection and lands in the new room (its session
//! moves to that node), where it sees and messages the room's members.

use std::time::Duration;

use chorus_proto::{Event, RoomConfig};

use crate::cluster_redis::{Redis, node};
use crate::common::*;

#[tokio::test]
async fn leaving_one_room_and_joining_one_on_another_node() {
    let redis = Redis::start().await;
    let a = node(&redis, "a").await;
    let b = node(&redis, "b").await;
    let (_carol, mut carol_events) = a.joined("rs-2", "carol").await;
    // Once the heartbeat has reported Carol's room, the next room goes to the other node.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (alice, _) = a.joined("rs-1", "alice").await;
    assert_eq!(a.metric("chorus_rooms").await, Some(1.0));
    assert_eq!(b.metric("chorus_rooms").await, Some(1.0));

    alice.leave_room().await.unwrap();
    alice
        .join_room(
            Some(&token("rs-2", "alice")),
            "rs-2",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .expect("a join to a room on another node, on the same connection");
    wait_for(&mut carol_events, |e| match e {
        Event::UserJoined(j) if j.user_info.user_id == "alice" => Some(()),
        _ => None,
    })
    .await;
    alice.send_room_message("moved over").await.unwrap();
    let heard = wait_for(&mut carol_events, |e| match e {
        Event::RoomMessageReceived(m) => Some(m.message.clone()),
        _ => None,
    })
    .await;
    assert_eq!(heard, "moved over");
}
