//! Media through a TURN relay (coturn, with the credentials the server hands out at join):
//! clients that may only relay send and receive a tone through it, over UDP, TCP and TLS;
//! with credentials coturn refuses, relay-only publishing fails with ICE_SERVER_WRONG; a relay
//! nobody runs leaves clients that may go directly to do so.

use chorus_media::dominant_frequency;
use chorus_sdk::{
    AudioCaptureSource, ClientTls, EngineConfig, EngineEvent, ErrorCode, EventStream, MediaType,
    RoomConfig, RtcEngine, StreamIndex, create_engine,
};

use chorus_testkit::{TestCa, temp_dir};

use crate::common::coturn::Coturn;
use crate::common::media::*;
use crate::common::*;

const SECRET: &str = "turn-shared-secret";

/// An engine joined to `room` as `who` whose media may only go through a relay.
async fn relay_only(url: &str, room: &str, who: &str) -> (RtcEngine, EventStream) {
    relay_only_trusting(url, room, who, None).await
}

/// The same, checking `turns:` relays against `tls`.
async fn relay_only_trusting(
    url: &str,
    room: &str,
    who: &str,
    tls: Option<ClientTls>,
) -> (RtcEngine, EventStream) {
    let mut config = EngineConfig::new(url);
    config.relay_only = true;
    config.tls = tls;
    let engine = create_engine(APP_ID, config);
    let events = engine.events();
    engine
        .join_room(
            Some(&token(room, who)),
            room,
            user_info(who),
            RoomConfig::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{who} joins {room}: {e}"));
    (engine, events)
}

/// Alice sends a 440 Hz tone and Bob hears it, both only through coturn over `transport`
/// (`udp`, `tcp` or `tls`).
async fn a_tone_crosses_the_relay_over(transport: &str) {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let ca = TestCa::new("Chorus TURN CA");
    let files = ca.issue_into(&["127.0.0.1"], &temp_dir("turns"));
    let coturn = Coturn::start_with_tls(SECRET, &files.cert, &files.key).await;
    let tls = Some(ca.client());
    let turn_url = coturn.url(transport);
    let server = start_server(|c| {
        c.turn = vec![turn_url];
        c.turn_secret = Some(SECRET.into());
    })
    .await;
    let url = server.url();
    let room = format!("relay-{transport}");
    let (alice, _alice_events) = relay_only_trusting(&url, &room, "alice", tls.clone()).await;
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .expect("a tone can be captured");
    let (bob, mut bob_events) = relay_only_trusting(&url, &room, "bob", tls).await;
    let mut audio = bob.remote_audio("alice", StreamIndex::Main);
    let started = tokio::time::Instant::now();
    wait_event(&mut bob_events, MEDIA_PATIENCE, |e| match e {
        EngineEvent::RemoteAudioFirstFrame { user_id, .. } => (user_id == "alice").then_some(()),
        _ => None,
    })
    .await;
    eprintln!(
        "first audio through TURN/{transport} after {:?}",
        started.elapsed()
    );

    let frames = collect_audio(&mut audio, std::time::Duration::from_secs(2)).await;
    let samples = mono(&frames);
    let tail = &samples[samples.len().saturating_sub(48_000)..];
    let hz = dominant_frequency(tail, 1);
    assert!((hz - 440.0).abs() <= 5.0, "heard {hz} Hz");

    // coturn granted both users allocations and bound channels to the SFU: the media took
    // the relay (the clients have no other candidate; the server named only `transport`).
    let log = coturn.log();
    for who in ["alice", "bob"] {
        for done in ["ALLOCATE", "CHANNEL_BIND"] {
            let wanted = format!(":{who}>: incoming packet {done} processed, success");
            assert!(
                log.contains(&wanted),
                "no {wanted:?} in coturn's log:\n{log}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tone_crosses_the_relay_over_udp() {
    a_tone_crosses_the_relay_over("udp").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tone_crosses_the_relay_over_tcp() {
    a_tone_crosses_the_relay_over("tcp").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tone_crosses_the_relay_over_tls() {
    a_tone_crosses_the_relay_over("tls").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_only_publishing_fails_with_ice_server_wrong_when_the_relay_refuses() {
    let _turn = take_turn().await;
    let coturn = Coturn::start(SECRET).await;
    let turn_url = coturn.url("udp");
    // The server signs with a secret coturn does not share: every credential is refused.
    let server = start_server(|c| {
        c.turn = vec![turn_url];
        c.turn_secret = Some("another-secret".into());
    })
    .await;
    let (alice, _events) = relay_only(&server.url(), "refused", "alice").await;
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .expect("a tone can be captured");
    let err = alice
        .publish_stream(MediaType::Audio)
        .await
        .expect_err("no relay, no publishing");
    assert_eq!(err.code, ErrorCode::IceServerWrong, "{err}");
    assert!(err.message.contains("refused the credentials"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turns_relay_whose_certificate_is_not_trusted_is_refused() {
    let _turn = take_turn().await;
    let ca = TestCa::new("Chorus TURN CA");
    let files = ca.issue_into(&["127.0.0.1"], &temp_dir("turns-untrusted"));
    let coturn = Coturn::start_with_tls(SECRET, &files.cert, &files.key).await;
    let turn_url = coturn.url("tls");
    let server = start_server(|c| {
        c.turn = vec![turn_url];
        c.turn_secret = Some(SECRET.into());
    })
    .await;
    // Checked against the system's roots, which do not hold the test's CA.
    let (alice, _events) = relay_only(&server.url(), "untrusted", "alice").await;
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .expect("a tone can be captured");
    let err = alice
        .publish_stream(MediaType::Audio)
        .await
        .expect_err("an untrusted relay is not used");
    assert_eq!(err.code, ErrorCode::IceServerWrong, "{err}");
    assert!(err.message.contains("TLS"), "{err}");
    eprintln!("{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_nobody_runs_leaves_direct_media_alone() {
    let _turn = take_turn().await;
    // The server names relays where nothing listens: clients that may go directly do.
    let server = start_server(|c| {
        c.turn = vec![
            "turn:127.0.0.1:9?transport=udp".into(),
            "turn:127.0.0.1:9?transport=tcp".into(),
        ];
        c.turn_secret = Some(SECRET.into());
    })
    .await;
    let url = server.url();
    let (alice, _alice_events) = joined(&url, "no-relay", "alice").await;
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .expect("a tone can be captured");
    let (bob, _bob_events) = joined(&url, "no-relay", "bob").await;
    let mut audio = bob.remote_audio("alice", StreamIndex::Main);
    let started = tokio::time::Instant::now();
    next_frame(&mut audio, MEDIA_PATIENCE).await;
    eprintln!(
        "first audio without a working relay after {:?}",
        started.elapsed()
    );
    let frames = collect_audio(&mut audio, std::time::Duration::from_secs(2)).await;
    let samples = mono(&frames);
    let tail = &samples[samples.len().saturating_sub(48_000)..];
    let hz = dominant_frequency(tail, 1);
    assert!((hz - 440.0).abs() <= 5.0, "heard {hz} Hz");
}
