//! Media outlives a lost signalling connection: after the engine reconnects (a new session on
//! the server), it sets its transports up again and what it publishes keeps arriving.

use std::time::Duration;

use crate::common::media::*;
use crate::common::*;
use chorus_sdk::{
    AudioCaptureSource, ConnectionState, EngineConfig, RoomConfig, StreamIndex, create_engine,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_audio_keeps_arriving_after_a_reconnect() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = start_server(|_| {}).await;
    let relay = Relay::start(server.local_addr()).await;
    let alice = create_engine(APP_ID, EngineConfig::new(relay.url()));
    let mut alice_events = alice.events();
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .unwrap();
    alice
        .join_room(
            Some(&token("again", "alice")),
            "again",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    let (bob, _bob_events) = joined(&server.url(), "again", "bob").await;
    let mut audio = bob.remote_audio("alice", StreamIndex::Main);
    next_frame(&mut audio, MEDIA_PATIENCE).await;

    relay.cut();
    let reconnected = wait_event(&mut alice_events, MEDIA_PATIENCE, |e| match e {
        chorus_sdk::EngineEvent::ConnectionStateChanged {
            state: ConnectionState::Reconnected,
            ..
        } => Some(()),
        _ => None,
    });
    reconnected.await;
    // Whatever was queued before; then audio must flow again, for seconds on end.
    while audio.try_next().is_some() {}
    let frames = collect_audio(&mut audio, Duration::from_secs(2)).await;
    let samples = mono(&frames);
    let hz = chorus_media::dominant_frequency(&samples, 1);
    assert!((hz - 440.0).abs() <= 5.0, "heard {hz} Hz");
}
