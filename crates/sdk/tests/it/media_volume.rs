//! Volumes through a real server: the capture volume scales what others receive (200 doubles
//! a tone's amplitude, 0 silences it), the playback volume scales what the app gets of one
//! user's stream, `get_audio_volume` reads both sides' levels, and out-of-range volumes are
//! refused.

use std::time::Duration;

use crate::common::media::*;
use crate::common::*;
use chorus_sdk::{
    AudioCaptureSource, AudioFrame, AudioVolume, ErrorCode, MediaStream, RtcEngine, StreamIndex,
};

/// The level (RMS, full scale 1.0) of the audio received over the last second of 1.5 s: the
/// first half second lets a change already in flight (jitter, decoder) pass.
async fn level(audio: &mut MediaStream<AudioFrame>) -> f64 {
    let frames = collect_audio(audio, Duration::from_millis(1500)).await;
    let samples = mono(&frames);
    let tail = &samples[samples.len().saturating_sub(48_000)..];
    f64::from(chorus_media::rms(tail))
}

/// Alice's level as she sends it and as bob receives it.
fn levels(alice: &RtcEngine, bob: &RtcEngine) -> (AudioVolume, AudioVolume) {
    let sent = alice.get_audio_volume(StreamIndex::Main, None).unwrap();
    let received = bob
        .get_audio_volume(StreamIndex::Main, Some("alice"))
        .unwrap();
    eprintln!("levels: sent {sent:?}, received {received:?}");
    (sent, received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capture_and_playback_volumes_scale_what_arrives() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = start_server(|_| {}).await;
    let url = server.url();
    let (alice, _alice_events) = joined(&url, "volume", "alice").await;
    // A half-scale tone: doubled, it just reaches full scale.
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .unwrap();
    let (bob, _bob_events) = joined(&url, "volume", "bob").await;
    let mut audio = bob.remote_audio("alice", StreamIndex::Main);

    let unchanged = level(&mut audio).await;
    assert!(
        (0.3..0.45).contains(&unchanged),
        "level at 100: {unchanged}"
    );
    // A half-scale sine reads half of 255 and -6 dB, sent and received.
    let (sent, received) = levels(&alice, &bob);
    assert!((125..=130).contains(&sent.linear_volume), "{sent:?}");
    assert_eq!(sent.nonlinear_volume, -6);
    assert!(
        (110..=145).contains(&received.linear_volume),
        "{received:?}"
    );
    assert!(
        (-7..=-5).contains(&received.nonlinear_volume),
        "{received:?}"
    );
    let nobody = bob.get_audio_volume(StreamIndex::Main, Some("carol"));
    assert_eq!(nobody.unwrap(), AudioVolume::default());

    alice.set_capture_volume(StreamIndex::Main, 200).unwrap();
    let doubled = level(&mut audio).await;
    let ratio = doubled / unchanged;
    eprintln!("capture 200: {doubled:.3} vs {unchanged:.3} ({ratio:.2}x)");
    assert!((1.8..2.2).contains(&ratio), "capture 200 gave {ratio:.2}x");
    let (sent, received) = levels(&alice, &bob);
    assert!(
        sent.linear_volume >= 250 && sent.nonlinear_volume == 0,
        "{sent:?}"
    );
    assert!(received.linear_volume >= 230, "{received:?}");

    alice.set_capture_volume(StreamIndex::Main, 0).unwrap();
    let silent = level(&mut audio).await;
    eprintln!("capture 0: {silent:.4}");
    assert!(silent < 0.005, "capture 0 left a level of {silent}");
    let (sent, received) = levels(&alice, &bob);
    assert_eq!((sent.linear_volume, sent.nonlinear_volume), (0, -127));
    assert!(received.linear_volume <= 1, "{received:?}");

    alice.set_capture_volume(StreamIndex::Main, 100).unwrap();
    let again = level(&mut audio).await;
    assert!((0.3..0.45).contains(&again), "level back at 100: {again}");

    // Playback volume: what bob's app gets of alice, not what is sent.
    bob.set_playback_volume("alice", StreamIndex::Main, 50)
        .unwrap();
    let halved = level(&mut audio).await;
    let ratio = halved / again;
    eprintln!("playback 50: {halved:.3} vs {again:.3} ({ratio:.2}x)");
    assert!(
        (0.45..0.55).contains(&ratio),
        "playback 50 gave {ratio:.2}x"
    );
    // The received level is the stream's, before the playback volume.
    let (_, received) = levels(&alice, &bob);
    assert!(
        (110..=145).contains(&received.linear_volume),
        "{received:?}"
    );
    // Another user's setting leaves alice's stream alone.
    bob.set_playback_volume("carol", StreamIndex::Main, 0)
        .unwrap();
    let still = level(&mut audio).await;
    assert!(
        (0.45..0.55).contains(&(still / again)),
        "{still} vs {again}"
    );
}

#[tokio::test]
async fn volumes_out_of_range_are_invalid_params() {
    let engine = engine("http://127.0.0.1:9");
    let e = engine
        .set_capture_volume(StreamIndex::Main, 401)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidParams);
    let e = engine
        .set_playback_volume("bob", StreamIndex::Main, 1000)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidParams);
    let e = engine
        .set_playback_volume("", StreamIndex::Main, 100)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidParams);
    assert!(engine.set_capture_volume(StreamIndex::Screen, 400).is_ok());
}
