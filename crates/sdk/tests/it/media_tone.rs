//! A tone one client captures reaches another as the same tone, announced by its first
//! frame, with statistics on both sides.

use std::time::Duration;

use crate::common::media::*;
use crate::common::*;
use chorus_media::dominant_frequency;
use chorus_sdk::{AudioCaptureSource, EngineEvent, StreamIndex, TrackKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_tone_arrives_as_the_same_tone() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = start_server(|_| {}).await;
    let url = server.url();
    let (alice, _alice_events) = joined(&url, "tone", "alice").await;
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .expect("a tone can be captured");

    let (bob, mut bob_events) = joined(&url, "tone", "bob").await;
    let mut audio = bob.remote_audio("alice", StreamIndex::Main);
    let started = tokio::time::Instant::now();
    wait_event(&mut bob_events, MEDIA_PATIENCE, |e| match e {
        EngineEvent::RemoteAudioFirstFrame {
            user_id,
            stream_index,
        } => (user_id == "alice" && *stream_index == StreamIndex::Main).then_some(()),
        _ => None,
    })
    .await;
    eprintln!("first audio after {:?}", started.elapsed());

    let frames = collect_audio(&mut audio, Duration::from_secs(2)).await;
    let samples = mono(&frames);
    // The decoder's first frames may still ramp up; judge the last second.
    let tail = &samples[samples.len().saturating_sub(48_000)..];
    let hz = dominant_frequency(tail, 1);
    assert!((hz - 440.0).abs() <= 5.0, "heard {hz} Hz");
    // The tone is half of full scale: its level survives coding (a sine's RMS is 0.707 of peak).
    let level = chorus_media::rms(tail);
    assert!((0.3..0.45).contains(&level), "level {level}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sides_report_stream_statistics_every_two_seconds() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = start_server(|_| {}).await;
    let url = server.url();
    let (alice, mut alice_events) = joined(&url, "stats", "alice").await;
    let (_bob, mut bob_events) = joined(&url, "stats", "bob").await;
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 300.0 })
        .await
        .unwrap();

    let local = wait_event(&mut alice_events, MEDIA_PATIENCE, |e| match e {
        EngineEvent::LocalStreamStats {
            stream_index: StreamIndex::Main,
            stats,
        } if stats.kind == TrackKind::Audio && stats.bitrate_kbps > 0.0 => Some(stats.clone()),
        _ => None,
    })
    .await;
    assert!(local.bitrate_kbps < 200.0, "{local:?}");
    let started = tokio::time::Instant::now();
    let remote = wait_event(&mut bob_events, MEDIA_PATIENCE, |e| match e {
        EngineEvent::RemoteStreamStats {
            user_id,
            stream_index: StreamIndex::Main,
            stats,
        } if user_id == "alice" && stats.bitrate_kbps > 0.0 => Some(stats.clone()),
        _ => None,
    })
    .await;
    assert_eq!(remote.kind, TrackKind::Audio);
    assert!(remote.packets > 0);
    // The next report comes about two seconds later.
    wait_event(&mut bob_events, Duration::from_secs(5), |e| {
        matches!(e, EngineEvent::RemoteStreamStats { .. }).then_some(())
    })
    .await;
    let gap = started.elapsed();
    assert!(gap < Duration::from_secs(5), "{gap:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pausing_everything_subscribed_stops_the_audio_until_resumed() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = start_server(|_| {}).await;
    let url = server.url();
    let (alice, _alice_events) = joined(&url, "pause", "alice").await;
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .unwrap();
    let (bob, _bob_events) = joined(&url, "pause", "bob").await;
    let mut audio = bob.remote_audio("alice", StreamIndex::Main);
    next_frame(&mut audio, MEDIA_PATIENCE).await;

    bob.pause_all_subscribed_stream(chorus_sdk::MediaType::Audio)
        .await
        .unwrap();
    // What was on its way drains (frames come every 20 ms, so a 100 ms gap is the end of
    // them, within half a second); then nothing comes.
    let drained_by = tokio::time::Instant::now() + Duration::from_millis(500);
    while tokio::time::timeout(Duration::from_millis(100), audio.next())
        .await
        .is_ok()
    {
        assert!(
            tokio::time::Instant::now() < drained_by,
            "audio kept arriving while paused"
        );
    }
    let quiet = tokio::time::timeout(Duration::from_secs(1), audio.next()).await;
    assert!(quiet.is_err(), "audio kept arriving while paused");

    bob.resume_all_subscribed_stream(chorus_sdk::MediaType::Audio)
        .await
        .unwrap();
    let frames = collect_audio(&mut audio, Duration::from_secs(1)).await;
    assert!(frames.len() >= 40, "{} frames after resuming", frames.len());
}
