//! Signalling over TLS: the SDK joins a `wss://` server whose certificate a private CA
//! issued and hears media through it; a certificate it has no reason to trust is refused
//! with an error that says so; a reloaded certificate serves new connections while open
//! ones carry on.

use std::time::Duration;

use chorus_media::dominant_frequency;
use chorus_sdk::{
    AudioCaptureSource, ClientTls, EngineConfig, EngineEvent, ErrorCode, Event, RoomConfig,
    RtcEngine, StreamIndex, create_engine,
};
use chorus_testkit::{APP_ID, TestCa, temp_dir};

use crate::common::media::*;
use crate::common::*;

/// An engine of the test app that trusts `tls`.
fn engine_trusting(url: &str, tls: ClientTls) -> RtcEngine {
    let mut config = EngineConfig::new(url);
    config.tls = Some(tls);
    create_engine(APP_ID, config)
}

async fn join(engine: &RtcEngine, room: &str, who: &str) -> Result<(), chorus_sdk::RtcError> {
    engine
        .join_room(
            Some(&token(room, who)),
            room,
            user_info(who),
            RoomConfig::default(),
        )
        .await
        .map(drop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_joins_over_wss_and_hears_a_tone() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let ca = TestCa::new("Chorus test CA");
    let files = ca.issue_into(&["localhost", "127.0.0.1"], &temp_dir("wss-join"));
    let server = start_server(|c| {
        c.tls_cert = Some(files.cert.clone());
        c.tls_key = Some(files.key.clone());
    })
    .await;
    let url = server.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    let alice = engine_trusting(&url, ca.client());
    join(&alice, "wss", "alice")
        .await
        .expect("alice joins over wss");
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .expect("a tone can be captured");
    // By name too: the certificate names localhost as well as the address.
    let bob = engine_trusting(&url.replace("127.0.0.1", "localhost"), ca.client());
    let mut bob_events = bob.events();
    join(&bob, "wss", "bob").await.expect("bob joins over wss");
    let mut audio = bob.remote_audio("alice", StreamIndex::Main);
    wait_event(&mut bob_events, MEDIA_PATIENCE, |e| match e {
        EngineEvent::RemoteAudioFirstFrame { user_id, .. } => (user_id == "alice").then_some(()),
        _ => None,
    })
    .await;
    let frames = collect_audio(&mut audio, Duration::from_secs(2)).await;
    let samples = mono(&frames);
    let tail = &samples[samples.len().saturating_sub(48_000)..];
    let hz = dominant_frequency(tail, 1);
    assert!((hz - 440.0).abs() <= 5.0, "heard {hz} Hz");
}

#[tokio::test]
async fn a_certificate_from_an_untrusted_ca_is_refused_with_a_clear_error() {
    let ca = TestCa::new("Chorus test CA");
    let files = ca.issue_into(&["127.0.0.1"], &temp_dir("wss-refused"));
    let server = start_server(|c| {
        c.tls_cert = Some(files.cert.clone());
        c.tls_key = Some(files.key.clone());
    })
    .await;

    let stranger = TestCa::new("Some other CA");
    let eve = engine_trusting(&server.url(), stranger.client());
    let e = join(&eve, "refused", "eve")
        .await
        .expect_err("an untrusted certificate is refused");
    assert_eq!(e.code, ErrorCode::JoinRoomFailed, "{e}");
    assert!(
        e.message.contains("certificate is not trusted") && e.message.contains("--ca"),
        "{e}"
    );

    // A plain ws:// client reaching the TLS port gets no session either.
    let plain = engine(&server.url().replace("https://", "http://"));
    assert!(join(&plain, "refused", "mallory").await.is_err());
}

#[tokio::test]
async fn a_reloaded_certificate_serves_new_connections_while_open_ones_carry_on() {
    let first = TestCa::new("First CA");
    let second = TestCa::new("Second CA");
    let dir = temp_dir("wss-reload");
    let files = first.issue_into(&["127.0.0.1"], &dir);
    let server = start_server(|c| {
        c.tls_cert = Some(files.cert.clone());
        c.tls_key = Some(files.key.clone());
    })
    .await;
    let url = server.url();
    let alice = engine_trusting(&url, first.client());
    join(&alice, "reload", "alice").await.expect("alice joins");

    second.issue_into(&["127.0.0.1"], &dir);
    server
        .tls()
        .expect("the server serves TLS")
        .reload()
        .expect("the new certificate loads");

    // New connections get the second CA's certificate...
    let old_trust = engine_trusting(&url, first.client());
    let e = join(&old_trust, "reload", "eve")
        .await
        .expect_err("old CA only");
    assert!(e.message.contains("not trusted"), "{e}");
    let bob = engine_trusting(&url, second.client());
    let mut bob_events = bob.events();
    join(&bob, "reload", "bob").await.expect("bob joins");
    // ...while alice's connection, opened before the reload, still carries her messages.
    alice
        .send_room_message("still here")
        .await
        .expect("alice's connection survived the reload");
    let got = wait_event(&mut bob_events, PATIENCE, |e| match e {
        EngineEvent::Room(Event::RoomMessageReceived(m)) => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!(
        (got.user_id.as_str(), got.message.as_str()),
        ("alice", "still here")
    );

    // A broken file leaves the served certificate as it was.
    std::fs::write(&files.key, "not a key").expect("the key file is written");
    assert!(server.tls().expect("TLS").reload().is_err());
    let carol = engine_trusting(&url, second.client());
    join(&carol, "reload", "carol").await.expect("carol joins");
}
