//! A draining node of a cluster (SIGTERM in `chorus serve`) takes no new rooms: once its
//! heartbeat says so, joins for new rooms, even through the draining node itself, are placed
//! on the other nodes and succeed.

use std::time::Duration;

use crate::cluster_redis::{Redis, node};

#[tokio::test]
async fn a_draining_node_takes_no_new_rooms() {
    let redis = Redis::start().await;
    let a = node(&redis, "a").await;
    let b = node(&redis, "b").await;
    assert!(
        a.server.drain(Duration::from_millis(100)).await,
        "a has no rooms"
    );
    // The next heartbeat tells the cluster.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut clients = Vec::new();
    for room in ["dr-1", "dr-2", "dr-3", "dr-4"] {
        clients.push(a.joined(room, "alice").await);
    }
    assert_eq!(a.metric("chorus_rooms").await, Some(0.0));
    assert_eq!(b.metric("chorus_rooms").await, Some(4.0));
}
