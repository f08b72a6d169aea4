//! A room that spans two nodes survives its home's death: Alice on the home (capped at one
//! user), Bob on a shard of the room on the other node, each singing a tone. The home is
//! killed with SIGKILL; the shard's node claims the room and its shard becomes the home.
//! Bob sees nothing happen (no connection change, nobody leaving or joining: Alice's place
//! is held for her), and Alice, reconnecting through the front (which now reaches only the
//! surviving node), is back in the room with Bob; each hears the other's tone again. With
//! two shards, one wins the room and the other links to it as its new home.

use std::time::{Duration, Instant};

use chorus_proto::{Event, RoomConfig};
use chorus_sdk::{EngineEvent, EventStream, StreamIndex};
use chorus_testkit::{APP_ID, take_turn};

use crate::cluster_failover::{Front, assert_tone, heard_hz, news_now, reconnects, singing};
use crate::cluster_node_death::{Redis, node_with};

const ROOM: &str = "spanfo";

/// A field of node `id`'s registration in Redis, if registered.
fn registered(redis: &Redis, id: &str, field: &str) -> Option<u64> {
    let record: serde_json::Value =
        serde_json::from_str(&redis_get(redis, &format!("chorus:node:{id}"))).ok()?;
    record[field].as_u64()
}

/// The value of `key` in Redis ("" when it has none).
fn redis_get(redis: &Redis, key: &str) -> String {
    let port = redis.url().rsplit(':').next().unwrap_or_default();
    let out = std::process::Command::new("redis-cli")
        .args(["-p", port, "GET", key])
        .output()
        .expect("redis-cli runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Waits (generously) until `what` holds.
async fn until(what: &str, mut holds: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !holds() {
        assert!(Instant::now() < deadline, "waited too long for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Everything `events` holds now.
async fn drain(events: &mut EventStream) -> Vec<EngineEvent> {
    let mut seen = Vec::new();
    while let Ok(Some(event)) = tokio::time::timeout(Duration::from_millis(50), events.next()).await
    {
        seen.push(event);
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spanning_room_outlives_its_home_node() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let redis = Redis::start();
    let front = Front::start().await;
    let span = ["--span-max-users-per-node", "1"];
    let (mut home, home_url) = node_with(&redis, "home", &span);
    front.add(&home_url);
    // The only node: the room is placed on it, and Alice's signalling reaches it directly.
    let (alice, mut alice_events) =
        singing(&front.url(), ROOM, "alice", 440.0, RoomConfig::default()).await;
    let (_shard, shard_url) = node_with(&redis, "shard", &span);
    front.add(&shard_url);
    // The home is full once its registered load counts Alice: Bob comes after that, and is
    // served by a shard of the room on his node.
    until("the home's load to count alice", || {
        registered(&redis, "home", "peers").unwrap_or(0) >= 1
    })
    .await;
    let (bob, mut bob_events) =
        singing(&shard_url, ROOM, "bob", 660.0, RoomConfig::default()).await;
    until("the shard's node to run the room", || {
        registered(&redis, "shard", "rooms").unwrap_or(0) >= 1
    })
    .await;
    let room_claim = format!("chorus:room:{APP_ID}:{ROOM}");
    assert_eq!(redis_get(&redis, &room_claim), "home");
    let mut alice_hears = alice.remote_audio("bob", StreamIndex::Main);
    let mut bob_hears = bob.remote_audio("alice", StreamIndex::Main);
    assert_tone(heard_hz(&mut alice_hears).await, 660.0, "alice, before");
    assert_tone(heard_hz(&mut bob_hears).await, 440.0, "bob, before");
    // What Bob was told so far (Alice joining and publishing) is not what this test is about.
    drain(&mut bob_events).await;

    home.child.kill().expect("SIGKILL");
    let _ = home.child.wait();
    let killed = Instant::now();
    let mut alice_news = Vec::new();
    reconnects(&mut alice_events, "alice", &mut alice_news).await;
    let back = killed.elapsed();
    assert_tone(heard_hz(&mut alice_hears).await, 660.0, "alice, after");
    assert_tone(heard_hz(&mut bob_hears).await, 440.0, "bob, after");
    eprintln!(
        "alice back {back:?} after the kill, both tones heard again after {:?}",
        killed.elapsed()
    );
    // The room is the shard's node's now.
    assert_eq!(redis_get(&redis, &room_claim), "shard");
    // Alice resumed her place: neither app saw anyone leave, join, publish or unpublish,
    // and Bob's connection never changed.
    news_now(&mut alice_events, &mut alice_news).await;
    assert!(alice_news.is_empty(), "alice saw: {alice_news:?}");
    let bob_saw = changes(&mut bob_events).await;
    assert!(bob_saw.is_empty(), "bob saw: {bob_saw:?}");
}

/// The room's events `events` holds now that tell of a change: a connection state, someone
/// joining, leaving, publishing or unpublishing, an error.
async fn changes(events: &mut EventStream) -> Vec<EngineEvent> {
    drain(events)
        .await
        .into_iter()
        .filter(|e| match e {
            EngineEvent::ConnectionStateChanged { .. } => true,
            EngineEvent::Room(event) => matches!(
                event,
                Event::UserJoined(_)
                    | Event::UserLeave(_)
                    | Event::UserPublishStream(_)
                    | Event::UserUnpublishStream(_)
                    | Event::Error(_)
            ),
            _ => false,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shards_of_a_dead_home_settle_on_one_new_home() {
    let _turn = take_turn().await;
    let redis = Redis::start();
    let front = Front::start().await;
    let span = ["--span-max-users-per-node", "1"];
    let (mut home, home_url) = node_with(&redis, "home", &span);
    front.add(&home_url);
    let (alice, mut alice_events) =
        singing(&front.url(), ROOM, "alice", 440.0, RoomConfig::default()).await;
    let (_s1, s1_url) = node_with(&redis, "s1", &span);
    let (_s2, s2_url) = node_with(&redis, "s2", &span);
    front.add(&s1_url);
    front.add(&s2_url);
    until("the home's load to count alice", || {
        registered(&redis, "home", "peers").unwrap_or(0) >= 1
    })
    .await;
    // Two shards: Bob's on s1, Carol's on s2, linked through the home.
    let (bob, mut bob_events) = singing(&s1_url, ROOM, "bob", 660.0, RoomConfig::default()).await;
    let (carol, mut carol_events) =
        singing(&s2_url, ROOM, "carol", 880.0, RoomConfig::default()).await;
    let mut bob_hears = bob.remote_audio("carol", StreamIndex::Main);
    let mut carol_hears = carol.remote_audio("bob", StreamIndex::Main);
    assert_tone(heard_hz(&mut bob_hears).await, 880.0, "bob, before");
    assert_tone(heard_hz(&mut carol_hears).await, 660.0, "carol, before");
    drain(&mut bob_events).await;
    drain(&mut carol_events).await;

    home.child.kill().expect("SIGKILL");
    let _ = home.child.wait();
    let killed = Instant::now();
    let mut alice_news = Vec::new();
    reconnects(&mut alice_events, "alice", &mut alice_news).await;
    // One shard won the room; the other links to it: Bob and Carol hear each other across
    // it, and Alice, back through the front, hears Bob.
    assert_tone(heard_hz(&mut bob_hears).await, 880.0, "bob, after");
    assert_tone(heard_hz(&mut carol_hears).await, 660.0, "carol, after");
    let mut alice_hears = alice.remote_audio("bob", StreamIndex::Main);
    assert_tone(heard_hz(&mut alice_hears).await, 660.0, "alice, after");
    eprintln!(
        "all three heard again {:?} after the kill",
        killed.elapsed()
    );
    let claim = redis_get(&redis, &format!("chorus:room:{APP_ID}:{ROOM}"));
    assert!(claim == "s1" || claim == "s2", "the room's claim: {claim}");
    let bob_saw = changes(&mut bob_events).await;
    assert!(bob_saw.is_empty(), "bob saw: {bob_saw:?}");
    let carol_saw = changes(&mut carol_events).await;
    assert!(carol_saw.is_empty(), "carol saw: {carol_saw:?}");
}
