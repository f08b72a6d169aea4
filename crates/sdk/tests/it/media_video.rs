//! Video one client captures reaches another whole and in order, announced by its first
//! frame with its size; a subscriber that comes late gets a picture at once; and both ends
//! can take snapshots.

use std::time::Duration;

use crate::common::media::*;
use crate::common::*;
use chorus_sdk::{EngineEvent, MediaType, RoomConfig, StreamIndex, VideoCaptureSource};

const PATTERN: VideoCaptureSource = VideoCaptureSource::Pattern {
    width: 320,
    height: 240,
    fps: 30,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pattern_counters_arrive_in_order_with_none_missing() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = start_server(|_| {}).await;
    let url = server.url();
    let (alice, _alice_events) = joined(&url, "video", "alice").await;
    alice.start_video_capture(PATTERN).await.unwrap();
    let (bob, mut bob_events) = joined(&url, "video", "bob").await;
    let mut video = bob.remote_video("alice", StreamIndex::Main);

    let (width, height) = wait_event(&mut bob_events, MEDIA_PATIENCE, |e| match e {
        EngineEvent::RemoteVideoFirstFrame {
            user_id,
            stream_index: StreamIndex::Main,
            width,
            height,
        } if user_id == "alice" => Some((*width, *height)),
        _ => None,
    })
    .await;
    assert_eq!((width, height), (320, 240));

    let counters = collect_counters(&mut video, Duration::from_secs(10)).await;
    let read: Vec<u32> = counters.iter().flatten().copied().collect();
    assert_eq!(
        read.len(),
        counters.len(),
        "every picture readable: {counters:?}"
    );
    let first = read[0];
    let expected: Vec<u32> = (first..first + read.len() as u32).collect();
    assert_eq!(read, expected, "in order, none missing");
    // 10 s at 30 fps, give or take what a loaded machine's pacing loses.
    eprintln!("{} pictures in 10 s", read.len());
    assert!(read.len() >= 240, "{} pictures in 10 s", read.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_subscriber_gets_a_picture_within_half_a_second() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = start_server(|_| {}).await;
    let url = server.url();
    let (alice, _alice_events) = joined(&url, "late", "alice").await;
    alice.start_video_capture(PATTERN).await.unwrap();
    // Alice has been sending for a while (90 pictures, 3 s at 30 fps): her last keyframe is
    // long gone.
    eventually_within(MEDIA_PATIENCE, "alice captures 90 pictures", async || {
        let local = alice.take_local_snapshot(StreamIndex::Main).await.ok()?;
        let counter =
            chorus_media::read_pattern_counter(&chorus_sdk::VideoFrame::from_rgba(&local));
        counter.filter(|&n| n >= 90)
    })
    .await;

    let (bob, mut bob_events) = joined_with(&url, "late", "bob", subscribing(true, false)).await;
    let mut video = bob.remote_video("alice", StreamIndex::Main);
    let subscribed = tokio::time::Instant::now();
    bob.subscribe_stream("alice", MediaType::Video)
        .await
        .expect("alice publishes video");
    wait_event(&mut bob_events, MEDIA_PATIENCE, |e| {
        matches!(e, EngineEvent::RemoteVideoFirstFrame { .. }).then_some(())
    })
    .await;
    let took = subscribed.elapsed();
    eprintln!("first picture {took:?} after subscribing");
    assert!(
        took < Duration::from_millis(500),
        "the first picture took {took:?}"
    );
    let picture = next_frame(&mut video, MEDIA_PATIENCE).await;
    assert!(chorus_media::read_pattern_counter(&picture).is_some_and(|n| n > 60));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_show_the_captured_and_the_received_picture() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = start_server(|_| {}).await;
    let url = server.url();
    let (alice, _alice_events) = joined(&url, "snap", "alice").await;
    alice.start_video_capture(PATTERN).await.unwrap();
    let local = alice.take_local_snapshot(StreamIndex::Main).await.unwrap();
    assert_eq!((local.width, local.height), (320, 240));
    let counter = |image: &chorus_sdk::RgbaImage| {
        chorus_media::read_pattern_counter(&chorus_sdk::VideoFrame::from_rgba(image))
    };
    assert!(counter(&local).is_some(), "the snapshot is the test card");

    let (bob, mut bob_events) = joined(&url, "snap", "bob").await;
    wait_event(&mut bob_events, MEDIA_PATIENCE, |e| {
        matches!(e, EngineEvent::RemoteVideoFirstFrame { .. }).then_some(())
    })
    .await;
    let remote = bob
        .take_remote_snapshot("alice", StreamIndex::Main)
        .await
        .unwrap();
    assert_eq!((remote.width, remote.height), (320, 240));
    let png = remote.to_png().unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    // Later snapshots show later pictures.
    let first = counter(&remote).expect("the received picture is the test card");
    let later = eventually("bob receives another picture", async || {
        let later = bob
            .take_remote_snapshot("alice", StreamIndex::Main)
            .await
            .unwrap();
        (counter(&later) != Some(first)).then_some(later)
    })
    .await;
    assert!(counter(&later).is_some_and(|n| n > first));
    // Nothing of the screen was received.
    let e = bob
        .take_remote_snapshot("alice", StreamIndex::Screen)
        .await
        .unwrap_err();
    assert_eq!(e.code, chorus_sdk::ErrorCode::StreamNotExist);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capture_is_announced_and_auto_published_unless_asked_not_to() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = start_server(|_| {}).await;
    let url = server.url();
    let (bob, mut bob_events) = joined(&url, "announce", "bob").await;
    let (alice, _alice_events) = joined(&url, "announce", "alice").await;
    alice.start_video_capture(PATTERN).await.unwrap();
    wait_for(&mut bob_events, |e| match e {
        chorus_sdk::Event::UserStartVideoCapture(c) if c.user_id == "alice" => Some(()),
        _ => None,
    })
    .await;
    let media = wait_for(&mut bob_events, |e| match e {
        chorus_sdk::Event::UserPublishStream(p) if p.user_id == "alice" => Some(p.media_type),
        _ => None,
    })
    .await;
    assert_eq!(media, MediaType::Video);
    alice.stop_video_capture().await.unwrap();
    wait_for(&mut bob_events, |e| match e {
        chorus_sdk::Event::UserStopVideoCapture(c) if c.user_id == "alice" => Some(()),
        _ => None,
    })
    .await;

    // Carol joins capturing, but asked for no auto-publishing: announced, not published.
    let carol = engine(&url);
    carol
        .start_audio_capture(chorus_sdk::AudioCaptureSource::Tone { hz: 500.0 })
        .await
        .unwrap();
    let no_publish = RoomConfig {
        is_auto_publish: Some(false),
        ..RoomConfig::default()
    };
    carol
        .join_room(
            Some(&token("announce", "carol")),
            "announce",
            user_info("carol"),
            no_publish,
        )
        .await
        .unwrap();
    wait_for(&mut bob_events, |e| match e {
        chorus_sdk::Event::UserStartAudioCapture(c) if c.user_id == "carol" => Some(()),
        chorus_sdk::Event::UserPublishStream(p) if p.user_id == "carol" => {
            panic!("carol asked not to publish")
        }
        _ => None,
    })
    .await;
    let seen = drain_for(&mut bob_events, Duration::from_millis(500)).await;
    assert!(
        !seen.iter().any(|e| matches!(
            e,
            EngineEvent::Room(chorus_sdk::Event::UserPublishStream(_))
        )),
        "{seen:?}"
    );
    // Publishing by hand carries the tone.
    let mut audio = bob.remote_audio("carol", StreamIndex::Main);
    carol.publish_stream(MediaType::Audio).await.unwrap();
    let frame = next_frame(&mut audio, MEDIA_PATIENCE).await;
    assert_eq!(frame.samples.len(), 960 * usize::from(frame.channels));
}
