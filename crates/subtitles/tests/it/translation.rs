//! Translation mode: a member asking for French gets the translation (from the test's fixture
//! translator) of exactly what a member asking for recognition alone gets, with the same
//! sequence numbers.

use std::time::Duration;

use chorus_sdk::{AudioCaptureSource, SubtitleEventType, SubtitleMode};
use chorus_testkit::{joined, start_server, take_turn, temp_dir};

use crate::common::*;
use crate::fixture::{self, Behaviour, translate};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn translation_mode_gets_the_translation_of_what_was_recognised() {
    let _turn = take_turn().await; // real-time media and a recognizer: one at a time
    let dir = temp_dir("subtitles-translation");
    let speech = speak(&dir, "alice", &["Thank you very much for your help today."]);
    let translator = fixture::start(Behaviour::Translator).await;
    let server = start_server(|c| {
        c.subtitles.worker_command = worker_command();
        c.subtitles.translator_url = Some(translator);
    })
    .await;
    let url = server.url();
    let (carol, mut carol_events) = joined(&url, "translate", "carol").await;
    carol
        .start_subtitle(SubtitleMode::AsrOnly, None)
        .await
        .expect("recognition starts");
    let (dave, mut dave_events) = joined(&url, "translate", "dave").await;
    dave.start_subtitle(SubtitleMode::AsrAndTranslation, Some("fr"))
        .await
        .expect("translation starts");
    for events in [&mut carol_events, &mut dave_events] {
        let state = next_state(events, LOAD_PATIENCE).await;
        assert_eq!(state.event, SubtitleEventType::Started, "{state:?}");
    }
    let (alice, _a) = joined(&url, "translate", "alice").await;
    alice
        .start_audio_capture(AudioCaptureSource::File(speech))
        .await
        .expect("the speech plays");
    let patience = Duration::from_secs(30);
    let recognised = collect_until_finals(&mut carol_events, &["alice"], 1, patience).await;
    let translated = collect_until_finals(&mut dave_events, &["alice"], 1, patience).await;

    assert!(
        recognised
            .iter()
            .all(|m| m.mode == SubtitleMode::AsrOnly && m.language == "en")
    );
    assert!(
        translated
            .iter()
            .all(|m| m.mode == SubtitleMode::AsrAndTranslation && m.language == "fr")
    );
    let final_text = finals_of(&recognised, "alice");
    let wer = word_error_rate("Thank you very much for your help today.", &final_text);
    assert!(wer <= 0.25, "recognised {final_text:?}");
    // Each translated subtitle is the fixture's translation of the recognised one with the
    // same sequence.
    for t in &translated {
        let source = recognised
            .iter()
            .find(|r| r.sequence == t.sequence)
            .unwrap_or_else(|| panic!("no recognised subtitle #{}", t.sequence));
        assert_eq!(t.text, translate(&source.text), "#{}", t.sequence);
        assert_eq!(t.definite, source.definite);
    }
    assert_eq!(finals_of(&translated, "alice"), translate(&final_text));
}
