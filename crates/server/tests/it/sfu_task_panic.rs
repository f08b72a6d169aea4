//! An SFU worker that panics does not leave a dead media plane: it restarts empty on the same
//! sockets, the sessions that had media end their connections, and the SDKs reconnect and
//! remake their transports, so media flows again.

use std::time::Duration;

use crate::common::*;
use chorus_proto::ConnectionState;
use chorus_sdk::{AudioCaptureSource, EngineEvent, EventStream};
use chorus_server::test_hooks::PANIC_SFU;
use chorus_testkit::{eventually_within, wait_event};
use serde_json::json;

/// Media takes longer than signalling: ICE, DTLS, the first packets.
const MEDIA_PATIENCE: Duration = Duration::from_secs(20);

const FORWARDED: &str = "chorus_sfu_forwarded_packets_total";

async fn reconnected(events: &mut EventStream) {
    wait_event(events, MEDIA_PATIENCE, |e| match e {
        EngineEvent::ConnectionStateChanged {
            state: ConnectionState::Reconnected,
            ..
        } => Some(()),
        _ => None,
    })
    .await;
}

/// Waits until the SFU has forwarded `more` packets beyond `from`.
async fn forwarding(server: &TestServer, from: f64, more: f64) -> f64 {
    eventually_within(MEDIA_PATIENCE, "forwarding", async || {
        let now = server.metric(FORWARDED).await.unwrap_or(0.0);
        (now >= from + more).then_some(now)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_sfu_restarts_and_media_flows_again() {
    // One worker: a panic restarts only the worker it happened on, and this test wants every
    // session with media on it (which worker a session lands on is not visible from here).
    let server = TestServer::with(|c| c.sfu_workers = 1).await;
    let (alice, mut alice_events) = server.joined("sfu-crash", "alice").await;
    let (_bob, mut bob_events) = server.joined("sfu-crash", "bob").await;
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .expect("a tone can be captured");
    forwarding(&server, 0.0, 50.0).await;

    // A third client, in a room of its own, sends the marker offer.
    let mut carol = raw::connect(&server).await;
    let join = json!({"id": 1, "method": "joinRoom", "params": {
        "token": token("elsewhere", "carol"), "roomId": "elsewhere", "userInfo": {"userId": "carol"}
    }});
    raw::send(&mut carol, join.to_string()).await;
    let offer =
        json!({"id": 2, "method": "publisherOffer", "params": {"sdp": PANIC_SFU, "tracks": []}});
    raw::send(&mut carol, offer.to_string()).await;

    reconnected(&mut alice_events).await;
    reconnected(&mut bob_events).await;
    // The new router starts empty: whatever it forwards comes from the remade transports.
    let after = server.metric(FORWARDED).await.unwrap_or(0.0);
    forwarding(&server, after, 50.0).await;
    assert_eq!(server.metric("chorus_sfu_peers").await, Some(2.0));
}
