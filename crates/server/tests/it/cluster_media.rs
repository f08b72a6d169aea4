//! Cluster mode end to end: two nodes on one real Redis; Alice joins a room through one node
//! and Bob through the other. The room lives on one node and the other relays its client's
//! signalling there, so both are in the same room: they see each other, exchange room
//! messages, and Bob hears Alice's tone and sees her test card in order. Also measures a
//! join through the room's node against one through the relaying node.

use std::time::{Duration, Instant};

use chorus_media::{dominant_frequency, read_pattern_counter};
use chorus_proto::Event;
use chorus_sdk::{AudioCaptureSource, StreamIndex, VideoCaptureSource};
use chorus_testkit::take_turn;

use crate::cluster_redis::{Redis, node, owner_of};
use crate::common::*;

const MEDIA_PATIENCE: Duration = Duration::from_secs(20);

async fn sees_join(events: &mut chorus_sdk::EventStream, user: &str) {
    wait_for(events, |e| match e {
        Event::UserJoined(j) if j.user_info.user_id == user => Some(()),
        _ => None,
    })
    .await;
}

async fn room_message(events: &mut chorus_sdk::EventStream) -> (String, String) {
    wait_for(events, |e| match e {
        Event::RoomMessageReceived(m) => Some((m.user_id.clone(), m.message.clone())),
        _ => None,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_on_two_nodes_share_a_room_and_its_media() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let redis = Redis::start().await;
    let a = node(&redis, "a").await;
    let b = node(&redis, "b").await;

    let started = Instant::now();
    let (alice, mut alice_events) = a.joined("cm", "alice").await;
    let first_join = started.elapsed();
    let owner = owner_of(&[&a, &b]).await;
    let (home, other) = if owner == 0 { (&a, &b) } else { (&b, &a) };
    // Bob comes through the node that does not run the room: relayed there.
    let started = Instant::now();
    let (bob, mut bob_events) = other.joined("cm", "bob").await;
    let relayed_join = started.elapsed();
    let started = Instant::now();
    let (_carol, _) = home.joined("cm", "carol").await;
    let direct_join = started.elapsed();
    eprintln!(
        "join latency: first (places the room) {first_join:?}, through the room's node {direct_join:?}, relayed {relayed_join:?}"
    );
    assert_eq!(other.metric("chorus_rooms").await, Some(0.0));
    // Bob's connection is relayed, and Alice's too when her node is not the room's; both
    // nodes' heartbeats reach Redis.
    let relayed = if owner == 0 { 1.0 } else { 2.0 };
    assert_eq!(other.metric("chorus_cluster_relayed").await, Some(relayed));
    assert_eq!(home.metric("chorus_cluster_relayed").await, Some(0.0));
    eventually("both heartbeats to be counted", async || {
        let up = (
            home.metric("chorus_cluster_redis_up").await,
            other.metric("chorus_cluster_redis_up").await,
        );
        (up == (Some(1.0), Some(1.0))).then_some(())
    })
    .await;
    sees_join(&mut alice_events, "bob").await;
    sees_join(&mut bob_events, "alice").await;

    bob.send_room_message("hello from the other node")
        .await
        .unwrap();
    assert_eq!(
        room_message(&mut alice_events).await,
        ("bob".to_owned(), "hello from the other node".to_owned())
    );
    alice.send_room_message("and back").await.unwrap();
    assert_eq!(
        room_message(&mut bob_events).await,
        ("alice".to_owned(), "and back".to_owned())
    );

    let mut audio = bob.remote_audio("alice", StreamIndex::Main);
    let mut video = bob.remote_video("alice", StreamIndex::Main);
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .unwrap();
    alice
        .start_video_capture(VideoCaptureSource::Pattern {
            width: 320,
            height: 240,
            fps: 15,
        })
        .await
        .unwrap();

    let mut samples = Vec::new();
    while samples.len() < 96_000 {
        let frame = tokio::time::timeout(MEDIA_PATIENCE, audio.next())
            .await
            .ok()
            .flatten()
            .expect("Alice's audio reaches Bob");
        let channels = usize::from(frame.channels.max(1));
        samples.extend(frame.samples.iter().step_by(channels));
    }
    let hz = dominant_frequency(&samples[samples.len() - 48_000..], 1);
    assert!((hz - 440.0).abs() <= 5.0, "Bob heard {hz} Hz");

    let mut read = Vec::new();
    while read.len() < 20 {
        let picture = tokio::time::timeout(MEDIA_PATIENCE, video.next())
            .await
            .ok()
            .flatten()
            .expect("Alice's video reaches Bob");
        read.extend(read_pattern_counter(&picture));
    }
    assert!(
        read.windows(2).all(|w| w[0] < w[1]),
        "counters out of order: {read:?}"
    );
    // The media went to the room's node alone: the relaying node's SFU has no peer.
    assert_eq!(other.metric("chorus_sfu_peers").await, Some(0.0));
    assert!(home.metric("chorus_sfu_peers").await >= Some(2.0));
}
