//! Every `AudioMixingError`, provoked: each failing call returns it and sends it with
//! `onAudioMixingStateChanged` (state FAILED). Mixing state is the engine's own, so no room
//! is needed; files are made here.

use std::path::Path;

use crate::common::*;
use chorus_sdk::{
    AudioMixingConfig, AudioMixingError, AudioMixingState, AudioMixingType, EngineEvent,
    EventStream, MixingError, MixingPcm,
};

fn write_wav(path: &Path, ms: u32) {
    let frame = chorus_sdk::AudioFrame {
        samples: vec![1000; 48 * ms as usize],
        channels: 1,
    };
    chorus_media::write_wav(path, &frame).expect("the test can write its files");
}

/// Checks that `result` failed with `code` and that the event says so too.
async fn failed<T: std::fmt::Debug>(
    events: &mut EventStream,
    id: i32,
    result: Result<T, MixingError>,
    code: AudioMixingError,
) {
    let e = result.expect_err("the call must fail");
    assert_eq!(e.code, code, "{e}");
    assert!(!e.message.is_empty());
    let got = wait_event(events, PATIENCE, |e| match e {
        EngineEvent::AudioMixingStateChanged {
            mix_id,
            state,
            error,
        } if *mix_id == id && *state == AudioMixingState::Failed => Some(*error),
        _ => None,
    })
    .await;
    assert_eq!(got, code);
}

#[tokio::test]
async fn every_audio_mixing_error_is_returned_and_reported() {
    let dir = std::env::temp_dir().join(format!("chorus-mixing-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (short, other, long, junk) = (
        dir.join("short.wav"),
        dir.join("other.wav"),
        dir.join("long.wav"),
        dir.join("junk.mp3"),
    );
    write_wav(&short, 1000);
    write_wav(&other, 500);
    write_wav(&long, 21_000);
    std::fs::write(&junk, b"this is not audio at all, just text").unwrap();
    let missing = dir.join("missing.wav");

    let engine = engine("http://127.0.0.1:9");
    let mut events = engine.events();
    let mixing = engine.get_audio_mixing_manager();
    use AudioMixingError as E;

    // PRELOAD_FAILED: missing, undecodable, over 20 s.
    failed(
        &mut events,
        1,
        mixing.preload_audio_mixing(1, &missing).await,
        E::PreloadFailed,
    )
    .await;
    failed(
        &mut events,
        1,
        mixing.preload_audio_mixing(1, &junk).await,
        E::PreloadFailed,
    )
    .await;
    failed(
        &mut events,
        1,
        mixing.preload_audio_mixing(1, &long).await,
        E::PreloadFailed,
    )
    .await;

    // START_FAILED: a file that cannot be opened; a start past the end.
    let once = AudioMixingConfig::default();
    failed(
        &mut events,
        2,
        mixing.start_audio_mixing(2, &missing, once).await,
        E::StartFailed,
    )
    .await;
    let late = AudioMixingConfig {
        position_ms: 5000,
        ..once
    };
    failed(
        &mut events,
        2,
        mixing.start_audio_mixing(2, &short, late).await,
        E::StartFailed,
    )
    .await;

    // ID_NOT_FOUND: ids never loaded.
    failed(&mut events, 99, mixing.stop_audio_mixing(99), E::IdNotFound).await;
    failed(
        &mut events,
        99,
        mixing.pause_audio_mixing(99),
        E::IdNotFound,
    )
    .await;
    failed(
        &mut events,
        99,
        mixing.get_audio_mixing_duration(99),
        E::IdNotFound,
    )
    .await;
    failed(
        &mut events,
        99,
        mixing.unload_audio_mixing(99),
        E::IdNotFound,
    )
    .await;

    // SET_POSITION_FAILED: past the end of a playing file.
    mixing.start_audio_mixing(3, &short, once).await.unwrap();
    failed(
        &mut events,
        3,
        mixing.set_audio_mixing_position(3, 1500),
        E::SetPositionFailed,
    )
    .await;

    // INVALID_VOLUME: outside 0..=400.
    failed(
        &mut events,
        3,
        mixing.set_audio_mixing_volume(3, 401, AudioMixingType::Publish),
        E::InvalidVolume,
    )
    .await;
    failed(
        &mut events,
        3,
        mixing.set_audio_mixing_volume(3, -1, AudioMixingType::Playout),
        E::InvalidVolume,
    )
    .await;
    assert_eq!(
        mixing.get_audio_mixing_volume(3, AudioMixingType::Publish),
        Ok(100)
    );

    // LOAD_CONFLICT: another file on a preloaded id.
    mixing.preload_audio_mixing(4, &short).await.unwrap();
    failed(
        &mut events,
        4,
        mixing.start_audio_mixing(4, &other, once).await,
        E::LoadConflict,
    )
    .await;
    mixing
        .start_audio_mixing(4, &short, once)
        .await
        .expect("the preloaded file itself plays");

    // ID_TYPE_NOT_MATCH: a buffer's id used as a file, and a file's as a buffer.
    mixing
        .enable_audio_mixing_buffer(5, AudioMixingType::Publish)
        .unwrap();
    failed(
        &mut events,
        5,
        mixing.start_audio_mixing(5, &short, once).await,
        E::IdTypeNotMatch,
    )
    .await;
    let pcm = MixingPcm::new(vec![0; 960], 1, 48_000).unwrap();
    failed(
        &mut events,
        3,
        mixing.push_audio_mixing_buffer(3, &pcm),
        E::IdTypeNotMatch,
    )
    .await;
    failed(
        &mut events,
        3,
        mixing.enable_audio_mixing_buffer(3, AudioMixingType::Publish),
        E::IdTypeNotMatch,
    )
    .await;

    // ID_TYPE_INVALID_PITCH: outside -12..=12.
    failed(
        &mut events,
        3,
        mixing.set_audio_mixing_pitch(3, 13),
        E::InvalidPitch,
    )
    .await;
    failed(
        &mut events,
        3,
        mixing.set_audio_mixing_pitch(3, -13),
        E::InvalidPitch,
    )
    .await;

    // INVALID_AUDIO_TRACK: a wav has one track.
    assert_eq!(mixing.get_audio_track_count(3), Ok(1));
    failed(
        &mut events,
        3,
        mixing.select_audio_track(3, 1).await,
        E::InvalidAudioTrack,
    )
    .await;
    mixing
        .select_audio_track(3, 0)
        .await
        .expect("track 0 is there");

    // Bad PCM is the call's own INVALID_PARAMS, before any mixing.
    let bad = MixingPcm::new(vec![0; 3], 2, 48_000).expect_err("odd samples for stereo");
    assert_eq!(bad.code, chorus_sdk::ErrorCode::InvalidParams);
    let _ = std::fs::remove_dir_all(dir);
}
