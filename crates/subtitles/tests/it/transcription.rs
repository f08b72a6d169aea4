//! Speech that espeak-ng spoke, published by a native client, arrives as subtitles at another
//! native client: close to the text (word error rate at most 25 %), partials before finals,
//! sequences increasing, under the speaker's user id; two speakers at once get their own.

use std::time::Duration;

use chorus_sdk::{AudioCaptureSource, SubtitleEventType, SubtitleMode};
use chorus_testkit::{joined, start_server, take_turn, temp_dir};

use crate::common::*;

const ALICE: [&str; 3] = [
    "The meeting room is on the second floor.",
    "Please call Stella and ask her to bring these things with her from the store.",
    "It is sunny today with a light breeze from the west.",
];

const BOB: [&str; 2] = [
    "We will meet again next week.",
    "Thank you very much for your help today.",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spoken_sentences_arrive_as_subtitles_of_their_speaker() {
    let _turn = take_turn().await; // real-time media and a recognizer: one at a time
    let dir = temp_dir("subtitles-one");
    let speech = speak(&dir, "alice", &ALICE);
    let server = start_server(|c| c.subtitles.worker_command = worker_command()).await;
    let url = server.url();

    let (carol, mut carol_events) = joined(&url, "talk", "carol").await;
    carol
        .start_subtitle(SubtitleMode::AsrOnly, None)
        .await
        .expect("subtitles start");
    let state = next_state(&mut carol_events, LOAD_PATIENCE).await;
    assert_eq!(state.event, SubtitleEventType::Started, "{state:?}");

    let (alice, _alice_events) = joined(&url, "talk", "alice").await;
    alice
        .start_audio_capture(AudioCaptureSource::File(speech))
        .await
        .expect("the speech file plays");
    let got = collect_until_finals(
        &mut carol_events,
        &["alice"],
        ALICE.len(),
        Duration::from_secs(40),
    )
    .await;

    assert!(got.iter().all(|m| m.user_id == "alice"), "{got:#?}");
    assert!(
        got.iter()
            .all(|m| m.mode == SubtitleMode::AsrOnly && m.language == "en")
    );
    assert_order(&got, "alice");
    let heard = finals_of(&got, "alice");
    let wer = word_error_rate(&ALICE.join(" "), &heard);
    eprintln!("word error rate {:.1} %: {heard}", wer * 100.0);
    assert!(wer <= 0.25, "word error rate {wer:.2}: heard {heard:?}");

    assert_eq!(running_workers(), 1, "one recognizer worker for the room");
    carol.stop_subtitle().await.expect("subtitles stop");
    let state = next_state(&mut carol_events, Duration::from_secs(5)).await;
    assert_eq!(state.event, SubtitleEventType::Stopped, "{state:?}");
    // The last member turned subtitles off: the captioner leaves and its worker exits.
    chorus_testkit::eventually("the recognizer worker to exit", async || {
        (running_workers() == 0).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_speakers_at_once_get_separate_subtitles() {
    let _turn = take_turn().await; // real-time media and a recognizer: one at a time
    let dir = temp_dir("subtitles-two");
    let alice_speech = speak(&dir, "alice", &ALICE[1..]);
    let bob_speech = speak(&dir, "bob", &BOB);
    let server = start_server(|c| c.subtitles.worker_command = worker_command()).await;
    let url = server.url();

    let (carol, mut carol_events) = joined(&url, "two", "carol").await;
    carol
        .start_subtitle(SubtitleMode::AsrOnly, None)
        .await
        .expect("subtitles start");
    let state = next_state(&mut carol_events, LOAD_PATIENCE).await;
    assert_eq!(state.event, SubtitleEventType::Started, "{state:?}");

    let (alice, _a) = joined(&url, "two", "alice").await;
    let (bob, _b) = joined(&url, "two", "bob").await;
    let (a, b) = tokio::join!(
        alice.start_audio_capture(AudioCaptureSource::File(alice_speech)),
        bob.start_audio_capture(AudioCaptureSource::File(bob_speech)),
    );
    a.expect("alice's speech plays");
    b.expect("bob's speech plays");
    let got = collect_until_finals(
        &mut carol_events,
        &["alice", "bob"],
        2,
        Duration::from_secs(40),
    )
    .await;

    for (user, said) in [("alice", ALICE[1..].join(" ")), ("bob", BOB.join(" "))] {
        assert_order(&got, user);
        let heard = finals_of(&got, user);
        let wer = word_error_rate(&said, &heard);
        eprintln!("{user}: word error rate {:.1} %: {heard}", wer * 100.0);
        assert!(
            wer <= 0.25,
            "{user}: word error rate {wer:.2}: heard {heard:?}"
        );
    }
}
