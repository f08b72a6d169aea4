//! Every media error the contract names, provoked: capturing twice, sources that cannot be
//! used, internal calls after choosing an external source (and pushing without one),
//! snapshots of nothing, subscribing to what nobody publishes, publishing without the
//! privilege.

use crate::common::*;
use chorus_sdk::{
    AudioCaptureSource, AudioFrame, AudioSourceType, ErrorCode, MediaType, RoomConfig, StreamIndex,
    VideoCaptureSource, VideoFrame, VideoSourceType,
};

const PATTERN: VideoCaptureSource = VideoCaptureSource::Pattern {
    width: 160,
    height: 120,
    fps: 15,
};

#[tokio::test]
async fn capturing_twice_is_repeat_capture() {
    let engine = engine("http://127.0.0.1:9");
    let tone = AudioCaptureSource::Tone { hz: 440.0 };
    engine.start_audio_capture(tone.clone()).await.unwrap();
    let e = engine.start_audio_capture(tone.clone()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::RepeatCapture);
    assert!(e.message.contains("stop_audio_capture"), "{e}");

    engine.start_video_capture(PATTERN).await.unwrap();
    let e = engine.start_video_capture(PATTERN).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::RepeatCapture);
    // The screen is a stream of its own.
    engine.start_screen_capture(PATTERN).await.unwrap();
    let e = engine.start_screen_capture(PATTERN).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::RepeatCapture);

    // Stopped, it starts again.
    engine.stop_audio_capture().await.unwrap();
    engine.start_audio_capture(tone).await.unwrap();
    engine.stop_video_capture().await.unwrap();
    engine.stop_video_capture().await.unwrap();
    engine.start_video_capture(PATTERN).await.unwrap();
}

#[tokio::test]
async fn sources_that_cannot_be_used_are_track_failures() {
    let engine = engine("http://127.0.0.1:9");
    let e = engine
        .start_audio_capture(AudioCaptureSource::File("/nonexistent/voice.wav".into()))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::GetAudioTrackFailed);
    assert!(e.message.contains("/nonexistent/voice.wav"), "{e}");
    let e = engine
        .start_audio_capture(AudioCaptureSource::Device("default".into()))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::GetAudioTrackFailed);
    assert!(e.message.contains("no capture devices"), "{e}");

    // Not audio at all: this very source file.
    let not_audio = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let e = engine
        .start_audio_capture(AudioCaptureSource::File(not_audio))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::GetAudioTrackFailed);

    let e = engine
        .start_video_capture(VideoCaptureSource::Y4m("/nonexistent/clip.y4m".into()))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::GetVideoTrackFailed);
    let e = engine
        .start_screen_capture(VideoCaptureSource::Device("screen:0".into()))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::GetVideoTrackFailed);

    // A failed start leaves nothing captured behind.
    engine
        .start_audio_capture(AudioCaptureSource::Tone { hz: 200.0 })
        .await
        .unwrap();
}

fn picture() -> VideoFrame {
    VideoFrame::black(160, 120)
}

#[tokio::test]
async fn internal_calls_after_choosing_external_sources_do_not_match() {
    let engine = engine("http://127.0.0.1:9");
    // Pushing needs an external source first.
    let e = engine
        .push_external_video_frame(StreamIndex::Main, picture())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::StreamTypeNotMatch);
    let e = engine
        .push_external_audio_frame(AudioFrame::silence(1))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::StreamTypeNotMatch);

    engine
        .set_video_source_type(StreamIndex::Main, VideoSourceType::External)
        .await
        .unwrap();
    let e = engine.start_video_capture(PATTERN).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::StreamTypeNotMatch);
    assert!(e.message.contains("External"), "{e}");
    let e = engine.stop_video_capture().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::StreamTypeNotMatch);
    engine
        .push_external_video_frame(StreamIndex::Main, picture())
        .await
        .unwrap();
    // The screen keeps its own, internal, source.
    engine.start_screen_capture(PATTERN).await.unwrap();

    engine
        .set_audio_source_type(AudioSourceType::External)
        .await
        .unwrap();
    let e = engine
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::StreamTypeNotMatch);
    let e = engine.stop_audio_capture().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::StreamTypeNotMatch);
    engine
        .push_external_audio_frame(AudioFrame::silence(2))
        .await
        .unwrap();
    // A frame of the wrong length is refused as such.
    let short = AudioFrame {
        samples: vec![0; 100],
        channels: 1,
    };
    let e = engine.push_external_audio_frame(short).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidParams);

    // Back to internal, internal capture works again.
    engine
        .set_video_source_type(StreamIndex::Main, VideoSourceType::Internal)
        .await
        .unwrap();
    engine.start_video_capture(PATTERN).await.unwrap();
}

#[tokio::test]
async fn a_snapshot_of_nothing_captured_is_invoked_before_capture() {
    let engine = engine("http://127.0.0.1:9");
    let e = engine
        .take_local_snapshot(StreamIndex::Main)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvokedBeforeCapture);

    engine.start_video_capture(PATTERN).await.unwrap();
    let image = engine.take_local_snapshot(StreamIndex::Main).await.unwrap();
    assert_eq!((image.width, image.height), (160, 120));
    // The screen captures nothing yet.
    let e = engine
        .take_local_snapshot(StreamIndex::Screen)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvokedBeforeCapture);

    engine.stop_video_capture().await.unwrap();
    let e = engine
        .take_local_snapshot(StreamIndex::Main)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvokedBeforeCapture);
}

#[tokio::test]
async fn what_nobody_publishes_does_not_exist() {
    let server = start_server(|_| {}).await;
    let (alice, _alice_events) = joined(&server.url(), "nothing", "alice").await;
    let (_bob, _bob_events) = joined(&server.url(), "nothing", "bob").await;

    let e = alice
        .take_remote_snapshot("bob", StreamIndex::Main)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::StreamNotExist);
    assert!(e.message.contains("bob"), "{e}");

    let e = alice
        .subscribe_stream("bob", MediaType::Video)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::StreamNotExist);
    let e = alice
        .subscribe_screen("bob", MediaType::AudioAndVideo)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::StreamNotExist);
}

#[tokio::test]
async fn publishing_without_the_privilege_is_publish_failed() {
    let server = start_server(|_| {}).await;
    let viewer = engine(&server.url());
    let subscribe_only = chorus_token::AccessToken::new(APP_ID, APP_KEY, "viewing", "viewer")
        .add_privilege(chorus_token::Privilege::SubscribeStream, 0)
        .serialize()
        .unwrap();
    // Capturing is allowed; auto-publishing what is captured is refused quietly.
    viewer
        .start_video_capture(PATTERN)
        .await
        .expect("capture needs no privilege");
    viewer
        .join_room(
            Some(&subscribe_only),
            "viewing",
            user_info("viewer"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    let e = viewer.publish_stream(MediaType::Video).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::PublishFailed);
    assert!(e.message.to_lowercase().contains("publish"), "{e}");
    let e = viewer.publish_screen(MediaType::Video).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::PublishFailed);
}
