//! Failover: the clients of a node killed with SIGKILL get back into their room through
//! another node on their own, with what they published: the others hear their tones again.
//!
//! The nodes stand behind one address, as they would behind a load balancer: a TCP front
//! that passes each new connection to the first node that accepts it. Alice reaches the room's
//! node through it; Bob reaches another node, which relays his signalling to the room's.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chorus_proto::{ConnectionState, Event, MediaType, RoomConfig, StreamIndex};
use chorus_sdk::{
    AudioCaptureSource, AudioFrame, EngineEvent, EventStream, MediaStream, RtcEngine,
};
use chorus_testkit::{take_turn, token, user_info, wait_event, wait_for};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use crate::cluster_node_death::{Redis, node};

/// How long media may take to flow (ICE, DTLS, the first packets) on a loaded machine.
const MEDIA_PATIENCE: Duration = Duration::from_secs(20);

/// One address for several nodes: each connection goes to the first node that accepts it.
struct Front {
    addr: SocketAddr,
    nodes: Arc<Mutex<Vec<SocketAddr>>>,
    accept: AbortHandle,
}

impl Front {
    async fn start() -> Front {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a front port");
        let addr = listener.local_addr().expect("a bound address");
        let nodes: Arc<Mutex<Vec<SocketAddr>>> = Arc::default();
        let accept = {
            let nodes = nodes.clone();
            tokio::spawn(async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    let candidates = nodes.lock().expect("front lock").clone();
                    tokio::spawn(async move {
                        for candidate in candidates {
                            if let Ok(mut upstream) = TcpStream::connect(candidate).await {
                                let _ =
                                    tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                                return;
                            }
                        }
                    });
                }
            })
            .abort_handle()
        };
        Front {
            addr,
            nodes,
            accept,
        }
    }

    /// Puts the node at `url` (`http://ADDR`) behind the front, after those already there.
    fn add(&self, url: &str) {
        let addr = url
            .trim_start_matches("http://")
            .parse()
            .expect("a node URL");
        self.nodes.lock().expect("front lock").push(addr);
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// An engine at `url` that captures a tone of `hz`, joined to `room` as `who` and
/// publishing its audio.
async fn singing(url: &str, room: &str, who: &str, hz: f32) -> (RtcEngine, EventStream) {
    let engine = chorus_testkit::engine(url);
    let events = engine.events();
    engine
        .start_audio_capture(AudioCaptureSource::Tone { hz })
        .await
        .expect("tone capture");
    engine
        .join_room(
            Some(&token(room, who)),
            room,
            user_info(who),
            RoomConfig::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{who} joins: {e}"));
    engine
        .publish_stream(MediaType::Audio)
        .await
        .unwrap_or_else(|e| panic!("{who} publishes: {e}"));
    (engine, events)
}

/// The dominant frequency of about a second of `audio` from now on (what was queued before
/// is dropped).
async fn heard_hz(audio: &mut MediaStream<AudioFrame>) -> f32 {
    while audio.try_next().is_some() {}
    let mut samples = Vec::new();
    while samples.len() < 48_000 {
        let frame = tokio::time::timeout(MEDIA_PATIENCE, audio.next())
            .await
            .expect("audio keeps arriving")
            .expect("the audio stream goes on");
        let channels = usize::from(frame.channels.max(1));
        samples.extend(frame.samples.iter().step_by(channels));
    }
    chorus_media::dominant_frequency(&samples, 1)
}

fn assert_tone(heard: f32, sent: f32, what: &str) {
    assert!(
        (heard - sent).abs() <= sent * 0.02,
        "{what}: heard {heard} Hz, sent {sent} Hz"
    );
}

/// Waits for `who`'s engine to report Reconnecting and then Reconnected; the time it was
/// back.
async fn reconnects(events: &mut EventStream, who: &str) -> Instant {
    let mut seen_reconnecting = false;
    wait_event(events, Duration::from_secs(30), |e| match e {
        EngineEvent::ConnectionStateChanged { state, .. } => match state {
            ConnectionState::Reconnecting => {
                seen_reconnecting = true;
                None
            }
            ConnectionState::Reconnected if seen_reconnecting => Some(()),
            // Before the kill: the first connection.
            _ if !seen_reconnecting => None,
            other => panic!("{who}: {other:?} while recovering from the node's death"),
        },
        _ => None,
    })
    .await;
    Instant::now()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_of_a_killed_node_resume_elsewhere_and_are_heard_again() {
    let _turn = take_turn().await;
    let redis = Redis::start();
    let front = Front::start().await;
    let (mut first, first_url) = node(&redis, "f1");
    front.add(&first_url);
    // The only node: the room is placed on it, and Alice's signalling reaches it directly.
    let (_alice, mut alice_events) = singing(&front.url(), "fo", "alice", 440.0).await;
    let (_second, second_url) = node(&redis, "f2");
    front.add(&second_url);
    // Bob's signalling goes through f2 and is relayed to f1, where his session lives.
    let (bob, mut bob_events) = singing(&second_url, "fo", "bob", 660.0).await;
    let mut alice_hears = _alice.remote_audio("bob", StreamIndex::Main);
    let mut bob_hears = bob.remote_audio("alice", StreamIndex::Main);
    assert_tone(heard_hz(&mut alice_hears).await, 660.0, "alice, before");
    assert_tone(heard_hz(&mut bob_hears).await, 440.0, "bob, before");

    first.child.kill().expect("SIGKILL");
    let _ = first.child.wait();
    let killed = Instant::now();
    let (alice_back, bob_back) = tokio::join!(
        reconnects(&mut alice_events, "alice"),
        reconnects(&mut bob_events, "bob")
    );
    eprintln!(
        "back in the room after the kill: alice {:?}, bob {:?}",
        alice_back - killed,
        bob_back - killed
    );
    // Each sees the other's publication come back (the new sessions republished)...
    wait_for(&mut alice_events, |e| match e {
        Event::UserPublishStream(p) if p.user_id == "bob" => Some(()),
        _ => None,
    })
    .await;
    wait_for(&mut bob_events, |e| match e {
        Event::UserPublishStream(p) if p.user_id == "alice" => Some(()),
        _ => None,
    })
    .await;
    // ...and hears it: the tones arrive through the surviving node.
    assert_tone(heard_hz(&mut alice_hears).await, 660.0, "alice, after");
    assert_tone(heard_hz(&mut bob_hears).await, 440.0, "bob, after");
    eprintln!("tones heard again {:?} after the kill", killed.elapsed());
    assert!(
        (alice_back - killed).max(bob_back - killed) < Duration::from_secs(6),
        "back within a few seconds of the node's death"
    );
}
