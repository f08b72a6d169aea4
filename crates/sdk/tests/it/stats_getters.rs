//! The stats getters follow what flows between two native clients through the SFU: the
//! sender's and the receiver's figures grow together, agree on the packets, and a paused
//! stream shows a bitrate of 0 until it is resumed.

use std::time::Duration;

use crate::common::media::*;
use crate::common::*;
use chorus_sdk::{
    AudioCaptureSource, EngineEvent, MediaType, RtcEngine, StreamIndex, StreamStats,
    VideoCaptureSource,
};

const PATTERN: VideoCaptureSource = VideoCaptureSource::Pattern {
    width: 320,
    height: 240,
    fps: 30,
};

/// Alice's video as bob's getter gives it.
fn bobs_view(bob: &RtcEngine) -> Option<StreamStats> {
    bob.get_remote_video_stats(StreamIndex::Main)
        .remove("alice")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn getters_follow_what_flows_and_show_a_paused_stream() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = start_server(|_| {}).await;
    let url = server.url();
    let (alice, _alice_events) = joined(&url, "stats", "alice").await;
    assert!(
        alice.get_local_video_stats(StreamIndex::Main).is_none(),
        "nothing sent yet"
    );
    alice.start_video_capture(PATTERN).await.unwrap();
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .unwrap();
    let (bob, mut bob_events) = joined(&url, "stats", "bob").await;
    wait_event(&mut bob_events, MEDIA_PATIENCE, |e| {
        matches!(e, EngineEvent::RemoteVideoFirstFrame { .. }).then_some(())
    })
    .await;

    let flowing = |s: &Option<StreamStats>| s.as_ref().is_some_and(|s| s.bitrate_kbps > 0.0);
    let first = eventually_within(MEDIA_PATIENCE, "figures on both sides", async || {
        let sent = alice.get_local_video_stats(StreamIndex::Main);
        let received = bobs_view(&bob);
        let audio = bob.get_remote_audio_stats().remove("alice");
        (flowing(&sent) && flowing(&received) && flowing(&audio)).then_some((sent, received))
    })
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let sent = alice.get_local_video_stats(StreamIndex::Main).unwrap();
    let received = bobs_view(&bob).unwrap();
    let (sent0, received0) = (first.0.unwrap(), first.1.unwrap());
    assert!(sent.packets > sent0.packets + 50, "{sent0:?} -> {sent:?}");
    assert!(
        received.packets > received0.packets + 50,
        "{received0:?} -> {received:?}"
    );
    // What bob counts is what alice sends, give or take a report interval's worth.
    let ratio = received.packets as f64 / sent.packets as f64;
    eprintln!("sent {sent:?}; received {received:?}; ratio {ratio:.3}");
    assert!(
        (0.7..=1.3).contains(&ratio),
        "received/sent packets {ratio:.3}"
    );
    assert!(
        (sent.bitrate_kbps / received.bitrate_kbps - 1.0).abs() < 0.5,
        "bitrates {} and {}",
        sent.bitrate_kbps,
        received.bitrate_kbps
    );
    assert!(
        alice
            .get_local_audio_stats()
            .is_some_and(|s| s.bitrate_kbps > 0.0)
    );
    assert!(alice.get_local_video_stats(StreamIndex::Screen).is_none());
    assert!(bob.get_remote_video_stats(StreamIndex::Screen).is_empty());

    bob.pause_all_subscribed_stream(MediaType::Video)
        .await
        .unwrap();
    let paused = eventually_within(MEDIA_PATIENCE, "a paused video at 0 kbit/s", async || {
        bobs_view(&bob).filter(|s| s.bitrate_kbps == 0.0)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        bobs_view(&bob).unwrap().packets,
        paused.packets,
        "no packets while paused"
    );
    assert!(
        bob.get_remote_audio_stats()["alice"].bitrate_kbps > 0.0,
        "the audio still flows"
    );
    bob.resume_all_subscribed_stream(MediaType::Video)
        .await
        .unwrap();
    eventually_within(MEDIA_PATIENCE, "the video flowing again", async || {
        bobs_view(&bob).filter(|s| s.bitrate_kbps > 0.0 && s.packets > paused.packets)
    })
    .await;
}
