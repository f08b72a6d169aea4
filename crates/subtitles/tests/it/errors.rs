//! Each subtitle error, provoked: starting twice, updating while off, an unreachable
//! recognizer, a recognizer that times out or fails mid-stream, one whose answer cannot be
//! read, and a translation that fails after recognition succeeded.

use std::time::Duration;

use chorus_sdk::{
    AudioCaptureSource, ErrorCode, EventStream, RtcEngine, SubtitleEventType, SubtitleMode,
};
use chorus_server::RecognizerKind;
use chorus_testkit::{joined, start_server, take_turn, temp_dir};

use crate::common::*;
use crate::fixture::{self, Behaviour};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_twice_is_already_on_and_updating_while_off_is_not_turned_on() {
    // Its recognizer worker would count in transcription's check that workers exit.
    let _turn = take_turn().await;
    let server = start_server(|c| c.subtitles.worker_command = worker_command()).await;
    let (carol, mut events) = joined(&server.url(), "twice", "carol").await;
    let off = carol.update_subtitle_config("en").await.unwrap_err();
    assert_eq!(off.code, ErrorCode::SubtitleNotTurnedOn, "{off}");
    carol
        .start_subtitle(SubtitleMode::AsrOnly, None)
        .await
        .expect("subtitles start");
    let again = carol
        .start_subtitle(SubtitleMode::AsrOnly, None)
        .await
        .unwrap_err();
    assert_eq!(again.code, ErrorCode::SubtitleAlreadyOn, "{again}");
    // Translation needs a target language, and a real one.
    carol.stop_subtitle().await.expect("subtitles stop");
    let bad = carol
        .start_subtitle(SubtitleMode::AsrAndTranslation, Some("fr\"; rm"))
        .await
        .unwrap_err();
    assert_eq!(bad.code, ErrorCode::InvalidParams, "{bad}");
    carol
        .start_subtitle(SubtitleMode::AsrOnly, None)
        .await
        .expect("subtitles start again after a stop");
    carol
        .update_subtitle_config("en")
        .await
        .expect("an update while on");
    let mut seen = Vec::new();
    while seen.len() < 3 {
        seen.push(next_state(&mut events, LOAD_PATIENCE).await.event);
    }
    assert!(seen.contains(&SubtitleEventType::Stopped), "{seen:?}");
    assert!(seen.contains(&SubtitleEventType::Updated), "{seen:?}");
    assert!(seen.contains(&SubtitleEventType::Started), "{seen:?}");
}

/// Starts subtitles through an endpoint recognizer at `url` and returns the member's events.
async fn with_endpoint(
    url: String,
    room: &str,
    timeout_ms: u64,
) -> (chorus_server::RunningServer, RtcEngine, EventStream) {
    let server = start_server(|c| {
        c.subtitles.recognizer = RecognizerKind::Endpoint;
        c.subtitles.recognizer_url = Some(url);
        c.subtitles.timeout_ms = timeout_ms;
    })
    .await;
    let (carol, events) = joined(&server.url(), room, "carol").await;
    carol
        .start_subtitle(SubtitleMode::AsrOnly, None)
        .await
        .expect("subtitles start");
    (server, carol, events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_recognizer_is_a_connection_error() {
    let (_server, _carol, mut events) =
        with_endpoint(fixture::unreachable().await, "nowhere", 2000).await;
    let state = next_state(&mut events, Duration::from_secs(10)).await;
    assert_eq!(state.event, SubtitleEventType::Error, "{state:?}");
    assert_eq!(
        state.error_code,
        Some(ErrorCode::SubtitleErrConnectionError),
        "{state:?}"
    );
}

/// Speech (a loud tone is speech to the detector) from alice in `server`'s `room`.
async fn alice_speaks(server: &chorus_server::RunningServer, room: &str) -> RtcEngine {
    let (alice, _events) = joined(&server.url(), room, "alice").await;
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 300.0 })
        .await
        .expect("a tone plays");
    alice
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recognizer_that_fails_or_hangs_mid_stream_is_a_process_error() {
    let _turn = take_turn().await; // real-time media: one at a time
    for (behaviour, room) in [(Behaviour::Hang, "hang"), (Behaviour::Fail, "fail")] {
        let url = fixture::start(behaviour).await;
        let (server, _carol, mut events) = with_endpoint(url, room, 1000).await;
        let state = next_state(&mut events, Duration::from_secs(10)).await;
        assert_eq!(state.event, SubtitleEventType::Started, "{state:?}");
        let _alice = alice_speaks(&server, room).await;
        let state = next_state(&mut events, Duration::from_secs(15)).await;
        assert_eq!(
            state.event,
            SubtitleEventType::Error,
            "{behaviour:?}: {state:?}"
        );
        assert_eq!(
            state.error_code,
            Some(ErrorCode::SubtitleErrProcessError),
            "{behaviour:?}: {state:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recognizer_answer_that_cannot_be_read_is_unknown() {
    let _turn = take_turn().await; // real-time media: one at a time
    let url = fixture::start(Behaviour::Garbage).await;
    let (server, _carol, mut events) = with_endpoint(url, "garbage", 2000).await;
    let state = next_state(&mut events, Duration::from_secs(10)).await;
    assert_eq!(state.event, SubtitleEventType::Started, "{state:?}");
    let _alice = alice_speaks(&server, "garbage").await;
    let state = next_state(&mut events, Duration::from_secs(15)).await;
    assert_eq!(state.event, SubtitleEventType::Error, "{state:?}");
    assert_eq!(
        state.error_code,
        Some(ErrorCode::SubtitleErrUnknown),
        "{state:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_translation_that_fails_after_recognition_is_a_postprocess_error() {
    let _turn = take_turn().await; // real-time media and a recognizer: one at a time
    let dir = temp_dir("subtitles-postprocess");
    let speech = speak(&dir, "alice", &["Thank you very much for your help today."]);
    let translator = fixture::start(Behaviour::Fail).await;
    let server = start_server(|c| {
        c.subtitles.worker_command = worker_command();
        c.subtitles.translator_url = Some(translator);
    })
    .await;
    let (dave, mut events) = joined(&server.url(), "postprocess", "dave").await;
    dave.start_subtitle(SubtitleMode::AsrAndTranslation, Some("fr"))
        .await
        .expect("subtitles start");
    let state = next_state(&mut events, LOAD_PATIENCE).await;
    assert_eq!(state.event, SubtitleEventType::Started, "{state:?}");
    let (alice, _a) = joined(&server.url(), "postprocess", "alice").await;
    alice
        .start_audio_capture(AudioCaptureSource::File(speech))
        .await
        .expect("the speech plays");
    let state = next_state(&mut events, Duration::from_secs(20)).await;
    assert_eq!(state.event, SubtitleEventType::Error, "{state:?}");
    assert_eq!(
        state.error_code,
        Some(ErrorCode::SubtitleErrPostprocess),
        "{state:?}"
    );
}
