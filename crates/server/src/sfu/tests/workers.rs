//! Several workers on one port: a publisher on one worker, subscribers on another, over real
//! sockets (so the kernel spreads datagrams over the workers' sockets as it likes), UDP and
//! ICE-TCP.

use std::sync::Arc;

use chorus_proto::{SimulcastStreamType, TrackKind};
use str0m::media::Mid;

use super::super::ForwardMode;
use super::super::test_client::{Client, pump_until};
use super::super::workers::worker_of;
use super::*;

/// Alice (peer 1) and Bob (peer 2) sit on different workers of two.
#[test]
fn alice_and_bob_are_on_different_workers() {
    assert_ne!(worker_of(ALICE, 2), worker_of(BOB, 2));
}

#[tokio::test]
async fn frames_cross_workers_whole_and_start_at_a_keyframe() {
    let (sfu, metrics) = start_workers(None, 2).await;
    let mut s = Session::with(sfu, metrics, Client::new(), Client::new()).await;
    let audio = s.bob_mid(TrackKind::Audio);
    let video = s.bob_mid(TrackKind::Video);
    s.run_until("audio and video at bob", |bob| {
        video_frames(bob, video).count() >= 20 && video_frames(bob, audio).count() >= 40
    })
    .await;
    // Bob's worker asked Alice's worker, which asked Alice.
    assert!(
        !s.alice.keyframe_requests.is_empty(),
        "no keyframe request reached alice"
    );
    let first = video_frames(&s.bob, video).next().expect("a video frame");
    assert!(is_keyframe(first), "video must start at a keyframe");
    for frame in video_frames(&s.bob, video) {
        assert!(s.media.written.contains(nal(frame)), "video bytes changed");
    }
    for frame in video_frames(&s.bob, audio) {
        assert!(s.media.written.contains(frame), "audio bytes changed");
    }
    assert!(
        s.bob.frames.iter().skip(1).all(|f| f.contiguous),
        "a gap in the output"
    );
    assert_eq!(s.metrics.transports.get(), 2);
    assert_eq!(s.metrics.peers.get(), 2);

    // Off on Bob's worker: Alice's worker stops sending to it, and On brings it back.
    s.sfu
        .forward(
            BOB,
            source(ALICE, TrackKind::Video),
            "alice".into(),
            ForwardMode::Paused,
        )
        .await;
    // Long enough for frames held in Bob's jitter buffer (up to a second behind a loss on a
    // loaded machine) to come out.
    s.run(Duration::from_millis(1200)).await;
    let paused = s.video_count();
    s.run(Duration::from_millis(500)).await;
    assert!(
        s.video_count() <= paused + 1,
        "video still flows when paused"
    );
    s.sfu
        .forward(
            BOB,
            source(ALICE, TrackKind::Video),
            "alice".into(),
            ForwardMode::On,
        )
        .await;
    let resumed = s.video_count();
    s.run_until("video again", |bob| {
        video_frames(bob, video).count() >= resumed + 10
    })
    .await;

    // Closing Alice on her worker ends what Bob gets from her.
    s.sfu.close(ALICE).await;
    s.run(Duration::from_millis(1200)).await;
    let after_close = s.audio_count();
    s.run(Duration::from_millis(500)).await;
    assert_eq!(s.audio_count(), after_close, "audio after alice closed");
}

#[tokio::test]
async fn a_subscriber_on_another_worker_switches_simulcast_layers() {
    let (sfu, _metrics) = start_workers(None, 2).await;
    let mut alice = Client::new();
    let mut bob = Client::new();
    let _alice_events = open(&sfu, ALICE).await;
    let mut bob_events = open(&sfu, BOB).await;
    let rids = ["q", "h", "f"];
    let mids = publish(&sfu, ALICE, &mut alice, &[(TrackKind::Video, &rids)]).await;
    pump_until(&mut [&mut alice], WAIT, "alice to connect", |c| {
        c[0].connected
    })
    .await;
    let user: Arc<str> = "alice".into();
    sfu.forward(BOB, source(ALICE, TrackKind::Video), user, ForwardMode::On)
        .await;
    let offer = answer_next(&sfu, BOB, &mut bob, &mut bob_events).await;
    let mid = Mid::from(offer.tracks[0].mid.as_str());
    let mut media = Media::new(&mut alice, None, Some(mids[0]), &rids);
    let layer_of = |data: &[u8]| nal(data)[1];

    media
        .run_until(&mut alice, &mut bob, "the high layer", |bob| {
            video_frames(bob, mid).count() >= 5
        })
        .await;
    assert!(
        video_frames(&bob, mid).all(|f| layer_of(f) == 2),
        "only the f layer: the layer count crossed workers"
    );
    sfu.set_layer(BOB, ALICE, SimulcastStreamType::Low).await;
    media
        .run_until(&mut alice, &mut bob, "the low layer", |bob| {
            video_frames(bob, mid).filter(|f| layer_of(f) == 0).count() >= 5
        })
        .await;
    let frames: Vec<&[u8]> = video_frames(&bob, mid).collect();
    let switch = frames
        .iter()
        .position(|f| layer_of(f) == 0)
        .expect("a low frame");
    assert!(is_keyframe(frames[switch]), "the switch is at a keyframe");
    assert!(
        alice
            .keyframe_requests
            .iter()
            .any(|r| r.rid.as_deref() == Some("q")),
        "the q layer's keyframe request crossed workers"
    );
}

#[tokio::test]
async fn ice_tcp_reaches_the_owning_worker() {
    let (sfu, metrics) = start_workers(None, 2).await;
    let tcp = sfu.local_tcp_addr();
    // Bob (on the other worker than the listener's first) subscribes over TCP only.
    let mut s = Session::with(sfu, metrics, Client::new(), Client::new_tcp(tcp)).await;
    let video = s.bob_mid(TrackKind::Video);
    s.run_until("video over ICE-TCP", |bob| {
        video_frames(bob, video).count() >= 10
    })
    .await;
    for frame in video_frames(&s.bob, video) {
        assert!(s.media.written.contains(nal(frame)), "video bytes changed");
    }
}
