//! With TLS on (a certificate a private CA issued for the server's names), the server's own
//! captioner still reaches it: spoken sentences arrive as subtitles at a client that joined
//! over `wss://`.

use std::time::Duration;

use chorus_sdk::{
    AudioCaptureSource, EngineConfig, RoomConfig, RtcEngine, SubtitleEventType, SubtitleMode,
    create_engine,
};
use chorus_testkit::{APP_ID, TestCa, start_server, take_turn, temp_dir, token, user_info};

use crate::common::*;

const SAID: [&str; 2] = [
    "The meeting room is on the second floor.",
    "We will meet again next week.",
];

async fn joined_trusting(
    url: &str,
    ca: &TestCa,
    who: &str,
) -> (RtcEngine, chorus_sdk::EventStream) {
    let mut config = EngineConfig::new(url);
    config.tls = Some(ca.client());
    let engine = create_engine(APP_ID, config);
    let events = engine.events();
    engine
        .join_room(
            Some(&token("tls-talk", who)),
            "tls-talk",
            user_info(who),
            RoomConfig::default(),
        )
        .await
        .expect("joins over wss");
    (engine, events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subtitles_arrive_when_the_server_serves_tls() {
    let _turn = take_turn().await; // real-time media and a recognizer: one at a time
    let dir = temp_dir("subtitles-tls");
    let speech = speak(&dir, "alice", &SAID);
    let ca = TestCa::new("Chorus subtitles CA");
    let files = ca.issue_into(&["localhost", "127.0.0.1"], &dir.join("tls"));
    let server = start_server(|c| {
        c.subtitles.worker_command = worker_command();
        c.tls_cert = Some(files.cert.clone());
        c.tls_key = Some(files.key.clone());
    })
    .await;
    let url = server.url();
    assert!(url.starts_with("https://"), "{url}");

    let (carol, mut carol_events) = joined_trusting(&url, &ca, "carol").await;
    carol
        .start_subtitle(SubtitleMode::AsrOnly, None)
        .await
        .expect("subtitles start");
    // STARTED comes once the captioner joined the room: it reached the server.
    let state = next_state(&mut carol_events, LOAD_PATIENCE).await;
    assert_eq!(state.event, SubtitleEventType::Started, "{state:?}");

    let (alice, _alice_events) = joined_trusting(&url, &ca, "alice").await;
    alice
        .start_audio_capture(AudioCaptureSource::File(speech))
        .await
        .expect("the speech file plays");
    let got = collect_until_finals(
        &mut carol_events,
        &["alice"],
        SAID.len(),
        Duration::from_secs(40),
    )
    .await;
    let heard = finals_of(&got, "alice");
    let wer = word_error_rate(&SAID.join(" "), &heard);
    eprintln!("word error rate {:.1} %: {heard}", wer * 100.0);
    assert!(wer <= 0.25, "word error rate {wer:.2}: heard {heard:?}");
}
