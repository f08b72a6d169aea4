//! The cloud proxy behind a real firewall: a native client in a network namespace whose
//! nftables let out only TCP 443 to the proxy's address and to coturn. Without the proxy its
//! join fails (the app's own server address is refused); with it, signalling goes over WSS to
//! the proxy's address and media through coturn over TCP 443, and a tone from a client on the
//! server's side arrives as the same tone.
//!
//! The client runs as this test binary again, inside the namespace (`ip netns exec`), as the
//! ignored test `client_side`; the server, coturn and the sending client stay on this side.

use std::net::Ipv4Addr;
use std::process::Command;
use std::time::Duration;

use chorus_media::dominant_frequency;
use chorus_sdk::{
    AudioCaptureSource, ClientTls, CloudProxyInfo, EngineConfig, EngineEvent, ErrorCode,
    RoomConfig, RtcEngine, RtcError, StreamIndex, create_engine,
};
use chorus_testkit::{TestCa, temp_dir};

use crate::common::coturn::Coturn;
use crate::common::media::*;
use crate::common::netns::{self, ClientNamespace, PROXY_IP, SERVER_IP, TURN_IP};
use crate::common::*;

const SECRET: &str = "firewall-turn-secret";
const ROOM: &str = "firewalled";
/// Carries the CA's PEM to the client side; its presence is what runs `client_side`.
const CA_VAR: &str = "CHORUS_FIREWALL_CA";

fn engine_at(url: &str, tls: ClientTls) -> RtcEngine {
    let mut config = EngineConfig::new(url);
    config.tls = Some(tls);
    config.request_timeout = Duration::from_secs(5);
    create_engine(APP_ID, config)
}

async fn join(engine: &RtcEngine, who: &str) -> Result<(), RtcError> {
    engine
        .join_room(
            Some(&token(ROOM, who)),
            ROOM,
            user_info(who),
            RoomConfig::default(),
        )
        .await
        .map(drop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_tcp_443_only_a_native_client_hears_a_tone_through_the_proxy() {
    if !netns::can_build() {
        eprintln!("skipped: building network namespaces needs root, iproute2 and nftables");
        return;
    }
    let _turn = take_turn().await; // real-time media: one such test at a time
    let ns = ClientNamespace::build(&[TURN_IP, PROXY_IP]).expect("the namespaces are built");
    let turn_ip: Ipv4Addr = TURN_IP.parse().expect("an address");
    let coturn = Coturn::start_at(turn_ip, 443, SECRET).await;
    let ca = TestCa::new("Chorus firewall CA");
    let files = ca.issue_into(&[SERVER_IP, PROXY_IP], &temp_dir("firewall"));
    let turn_urls = vec![coturn.url("udp"), coturn.url("tcp")];
    let _server = start_server(|c| {
        c.listen = format!("{SERVER_IP}:443").parse().expect("an address");
        c.public_ip = Some(SERVER_IP.parse().expect("an address"));
        c.tls_cert = Some(files.cert.clone());
        c.tls_key = Some(files.key.clone());
        c.turn = turn_urls;
        c.turn_secret = Some(SECRET.into());
    })
    .await;

    // Alice, on the server's side, sends a tone.
    let alice = engine_at(&format!("https://{SERVER_IP}:443"), ca.client());
    join(&alice, "alice").await.expect("alice joins");
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .expect("a tone can be captured");

    // Bob, behind the firewall, is this binary's `client_side`.
    let exe = std::env::current_exe().expect("the test binary");
    let name = ns.name.clone();
    let pem = ca.pem();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("ip")
            .args(["netns", "exec", &name])
            .arg(exe)
            .args([
                "--exact",
                "cloud_proxy_firewall::client_side",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CA_VAR, pem)
            .output()
    })
    .await
    .expect("the wait ends")
    .expect("the client side starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("client side: done"),
        "the client side failed:\n{stdout}\n{stderr}"
    );
    // libtest's own "test ... " may precede a line on the same line.
    for line in stdout
        .lines()
        .filter_map(|l| l.find("client side:").map(|at| &l[at..]))
    {
        eprintln!("{line}");
    }
    let log = coturn.log();
    assert!(
        log.contains(":bob>: incoming packet CHANNEL_BIND processed, success"),
        "bob's media did not take coturn:\n{log}"
    );
}

/// Bob, inside the client namespace: refused without the proxy, hears Alice through it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the client side of the test above; it runs it inside its namespace"]
async fn client_side() {
    let Ok(pem) = std::env::var(CA_VAR) else {
        return;
    };
    let tls = ClientTls::only_ca_pem(pem.as_bytes()).expect("the CA reads");
    let bob = engine_at(&format!("https://{SERVER_IP}:443"), tls);
    let mut events = bob.events();
    let refused = join(&bob, "bob").await.expect_err("the firewall refuses");
    assert_eq!(refused.code, ErrorCode::JoinRoomFailed, "{refused}");
    println!("client side: without the proxy: {refused}");

    bob.start_cloud_proxy(CloudProxyInfo {
        access_proxy: vec![format!("{PROXY_IP}:443")],
        ..CloudProxyInfo::default()
    })
    .await
    .expect("the proxy starts");
    join(&bob, "bob")
        .await
        .expect("bob joins through the proxy");
    let interval = wait_event(&mut events, PATIENCE, |e| match e {
        EngineEvent::CloudProxyConnected { interval } => Some(*interval),
        _ => None,
    })
    .await;
    println!("client side: onCloudProxyConnected interval {interval} ms");
    let mut audio = bob.remote_audio("alice", StreamIndex::Main);
    let started = tokio::time::Instant::now();
    wait_event(&mut events, MEDIA_PATIENCE, |e| match e {
        EngineEvent::RemoteAudioFirstFrame { user_id, .. } => (user_id == "alice").then_some(()),
        _ => None,
    })
    .await;
    println!(
        "client side: first audio {:?} after joining through the relay",
        started.elapsed()
    );
    let frames = collect_audio(&mut audio, Duration::from_secs(2)).await;
    let samples = mono(&frames);
    let tail = &samples[samples.len().saturating_sub(48_000)..];
    let hz = dominant_frequency(tail, 1);
    assert!((hz - 440.0).abs() <= 5.0, "heard {hz} Hz");
    println!("client side: heard {hz:.1} Hz");
    println!("client side: done");
}
