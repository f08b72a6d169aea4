//! The native cloud proxy on loopback: the app's configured server address is dead, as it is
//! behind a strict firewall; with `start_cloud_proxy` signalling goes over WSS to the proxy's
//! address and media only through coturn over TCP, and a tone arrives. Without the proxy
//! the join fails; the proxy's own errors (started in a room, stopped in a room, no TCP
//! relay to be had) are raised where the contract says.

use std::time::Duration;

use chorus_media::dominant_frequency;
use chorus_sdk::{
    AudioCaptureSource, ClientTls, CloudProxyInfo, EngineConfig, EngineEvent, ErrorCode,
    RoomConfig, RtcEngine, RtcError, StreamIndex, create_engine,
};
use chorus_testkit::{TestCa, temp_dir};

use crate::common::coturn::Coturn;
use crate::common::media::*;
use crate::common::*;

const SECRET: &str = "proxy-turn-secret";
/// Where the app thinks its server is: nothing listens there.
const DEAD_SERVER: &str = "https://127.0.0.1:9";

fn engine_at(url: &str, tls: ClientTls) -> RtcEngine {
    let mut config = EngineConfig::new(url);
    config.tls = Some(tls);
    config.request_timeout = Duration::from_secs(5);
    create_engine(APP_ID, config)
}

async fn join(engine: &RtcEngine, room: &str, who: &str) -> Result<(), RtcError> {
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

/// The proxy's address: the server's TLS listener, as `host:port`.
fn proxy_info(server_url: &str) -> CloudProxyInfo {
    CloudProxyInfo {
        access_proxy: vec![server_url.trim_start_matches("https://").to_owned()],
        ..CloudProxyInfo::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_proxy_a_client_whose_server_is_unreachable_hears_a_tone() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let coturn = Coturn::start(SECRET).await;
    let ca = TestCa::new("Chorus test CA");
    let files = ca.issue_into(&["127.0.0.1"], &temp_dir("cloud-proxy"));
    let turn_urls = vec![coturn.url("udp"), coturn.url("tcp")];
    let server = start_server(|c| {
        c.tls_cert = Some(files.cert.clone());
        c.tls_key = Some(files.key.clone());
        c.turn = turn_urls;
        c.turn_secret = Some(SECRET.into());
    })
    .await;
    let url = server.url();

    // Without the proxy, the app's own server address is out of reach.
    let bob = engine_at(DEAD_SERVER, ca.client());
    let refused = join(&bob, "proxy", "bob")
        .await
        .expect_err("no server there");
    assert_eq!(refused.code, ErrorCode::JoinRoomFailed, "{refused}");

    // Alice talks to the server directly and sends a tone.
    let alice = engine_at(&url, ca.client());
    join(&alice, "proxy", "alice").await.expect("alice joins");
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .expect("a tone can be captured");

    let mut bob_events = bob.events();
    bob.start_cloud_proxy(proxy_info(&url))
        .await
        .expect("the proxy starts before joining");
    join(&bob, "proxy", "bob")
        .await
        .expect("bob joins through the proxy");
    let interval = wait_event(&mut bob_events, PATIENCE, |e| match e {
        EngineEvent::CloudProxyConnected { interval } => Some(*interval),
        _ => None,
    })
    .await;
    eprintln!("joined through the cloud proxy in {interval} ms");
    let mut audio = bob.remote_audio("alice", StreamIndex::Main);
    let started = tokio::time::Instant::now();
    wait_event(&mut bob_events, MEDIA_PATIENCE, |e| match e {
        EngineEvent::RemoteAudioFirstFrame { user_id, .. } => (user_id == "alice").then_some(()),
        _ => None,
    })
    .await;
    eprintln!(
        "first audio through the proxy after {:?}",
        started.elapsed()
    );
    let frames = collect_audio(&mut audio, Duration::from_secs(2)).await;
    let samples = mono(&frames);
    let tail = &samples[samples.len().saturating_sub(48_000)..];
    let hz = dominant_frequency(tail, 1);
    assert!((hz - 440.0).abs() <= 5.0, "heard {hz} Hz");
    // Bob's media took coturn, over TCP: through the proxy he has no other candidate, and
    // only the server's TCP relay URL is his to use.
    let log = coturn.log();
    assert!(
        log.contains(":bob>: incoming packet CHANNEL_BIND processed, success"),
        "bob bound no channel:\n{log}"
    );

    // In the room the proxy can be neither started nor stopped.
    let err = bob.start_cloud_proxy(proxy_info(&url)).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::StartCloudProxyAfterJoin, "{err}");
    let err = bob.stop_cloud_proxy().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::StopCloudProxyBeforeLeave, "{err}");
    bob.leave_room().await.expect("bob leaves");
    bob.stop_cloud_proxy()
        .await
        .expect("the proxy stops after leaving");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_without_a_tcp_relay_fails_the_join_with_ice_server_wrong() {
    let coturn = Coturn::start(SECRET).await;
    let ca = TestCa::new("Chorus test CA");
    let files = ca.issue_into(&["127.0.0.1"], &temp_dir("cloud-proxy-udp"));
    let turn_url = coturn.url("udp");
    // The server hands out a UDP relay only: nothing a TCP-443-only network could reach.
    let server = start_server(|c| {
        c.tls_cert = Some(files.cert.clone());
        c.tls_key = Some(files.key.clone());
        c.turn = vec![turn_url];
        c.turn_secret = Some(SECRET.into());
    })
    .await;
    let bob = engine_at(DEAD_SERVER, ca.client());
    bob.start_cloud_proxy(proxy_info(&server.url()))
        .await
        .unwrap();
    let err = join(&bob, "proxy-udp", "bob").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::IceServerWrong, "{err}");
    assert!(err.message.contains("over TCP"), "{err}");
    // A proxy that names a relay nobody runs fails the same way, naming it.
    bob.start_cloud_proxy(CloudProxyInfo {
        access_proxy: vec![
            server.url().trim_start_matches("https://").to_owned(),
            "turn:127.0.0.1:9?transport=tcp".into(),
        ],
        ..CloudProxyInfo::default()
    })
    .await
    .expect("not in a room after the failed join");
    let err = join(&bob, "proxy-udp", "bob").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::IceServerWrong, "{err}");
    assert!(err.message.contains("127.0.0.1:9"), "{err}");
    // A malformed proxy address is refused at once.
    let err = bob
        .start_cloud_proxy(CloudProxyInfo::default())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParams, "{err}");
}
