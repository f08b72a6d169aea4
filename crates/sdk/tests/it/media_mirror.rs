//! Render mirroring through a real server: snapshots say whether their stream is shown
//! mirrored, following the local and remote settings, while the pictures themselves (and
//! what is sent) stay unmirrored.

use crate::common::media::*;
use crate::common::*;
use chorus_sdk::{EngineEvent, MirrorType, RgbaImage, StreamIndex, VideoCaptureSource};

const PATTERN: VideoCaptureSource = VideoCaptureSource::Pattern {
    width: 320,
    height: 240,
    fps: 30,
};

/// The test card's frame counter, readable only in an unmirrored card.
fn counter(image: &RgbaImage) -> Option<u32> {
    chorus_media::read_pattern_counter(&chorus_sdk::VideoFrame::from_rgba(image))
}

/// Whether `b` is `a` flipped left to right.
fn is_flipped(a: &RgbaImage, b: &RgbaImage) -> bool {
    let row = a.width as usize * 4;
    (a.width, a.height) == (b.width, b.height)
        && a.data
            .chunks(row)
            .zip(b.data.chunks(row))
            .all(|(x, y)| x.chunks(4).zip(y.chunks(4).rev()).all(|(p, q)| p == q))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_carry_the_mirror_setting_and_stay_unmirrored() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = start_server(|_| {}).await;
    let url = server.url();
    let (alice, _alice_events) = joined(&url, "mirror", "alice").await;
    alice.start_video_capture(PATTERN).await.unwrap();
    let local = alice.take_local_snapshot(StreamIndex::Main).await.unwrap();
    assert!(!local.mirrored, "mirroring is off by default");
    assert_eq!(local.rendered(), local.image);

    alice
        .set_local_video_mirror_type(MirrorType::Render)
        .unwrap();
    let local = alice.take_local_snapshot(StreamIndex::Main).await.unwrap();
    assert!(local.mirrored);
    assert!(
        counter(&local).is_some(),
        "the snapshot itself is unmirrored"
    );
    let shown = local.rendered();
    assert!(is_flipped(&local, &shown));
    assert!(
        counter(&shown).is_none(),
        "the rendered card reads mirrored"
    );

    // What bob receives of alice is unmirrored, and not shown mirrored until he asks.
    let (bob, mut bob_events) = joined(&url, "mirror", "bob").await;
    wait_event(&mut bob_events, MEDIA_PATIENCE, |e| {
        matches!(e, EngineEvent::RemoteVideoFirstFrame { .. }).then_some(())
    })
    .await;
    let remote = bob
        .take_remote_snapshot("alice", StreamIndex::Main)
        .await
        .unwrap();
    assert!(!remote.mirrored);
    assert!(counter(&remote).is_some(), "what is sent is never mirrored");

    bob.set_remote_video_mirror_type("alice", StreamIndex::Main, MirrorType::Render)
        .unwrap();
    let remote = bob
        .take_remote_snapshot("alice", StreamIndex::Main)
        .await
        .unwrap();
    assert!(remote.mirrored);
    assert!(counter(&remote).is_some());
    assert!(is_flipped(&remote, &remote.rendered()));

    bob.set_remote_video_mirror_type("alice", StreamIndex::Main, MirrorType::None)
        .unwrap();
    let remote = bob
        .take_remote_snapshot("alice", StreamIndex::Main)
        .await
        .unwrap();
    assert!(!remote.mirrored);

    // The local setting is the camera's: a shared screen is never shown mirrored.
    alice.start_screen_capture(PATTERN).await.unwrap();
    let screen = alice
        .take_local_snapshot(StreamIndex::Screen)
        .await
        .unwrap();
    assert!(!screen.mirrored);
}
