//! Failover: the clients of a node killed with SIGKILL get back into their room through
//! another node on their own, with what they published, subscribed to and paused: the others
//! hear their tones again, Bob through a subscription he made himself (no auto subscribe),
//! and once he resumes what he had paused before the kill.
//!
//! The nodes stand behind one address, as they would behind a load balancer: a TCP front
//! that passes each new connection to the first node whose health check passes. Alice reaches the room's
//! node through it; Bob reaches another node, which relays his signalling to the room's.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chorus_proto::{ConnectionState, Event, MediaType, RoomConfig, StreamIndex, UserOnlineStatus};
use chorus_sdk::{
    AudioCaptureSource, AudioFrame, EngineEvent, EventStream, MediaStream, RtcEngine,
};
use chorus_testkit::{joined, logged_in, take_turn, token, user_info, wait_event};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use crate::cluster_node_death::{Redis, node};
use crate::common::Chorus;

/// How long media may take to flow (ICE, DTLS, the first packets) on a loaded machine.
const MEDIA_PATIENCE: Duration = Duration::from_secs(20);

/// Whether the node at `addr` answers `GET /healthz` with 200 (a draining node answers 503).
async fn healthy(addr: SocketAddr) -> bool {
    let check = async {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.ok()?;
        Some(answer.starts_with(b"HTTP/1.1 200"))
    };
    tokio::time::timeout(Duration::from_secs(5), check)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}

/// One address for several nodes, as a load balancer with health checks gives: each
/// connection goes to the first healthy node that accepts it.
pub(crate) struct Front {
    addr: SocketAddr,
    nodes: Arc<Mutex<Vec<SocketAddr>>>,
    accept: AbortHandle,
}

impl Front {
    pub(crate) async fn start() -> Front {
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
                            if !healthy(candidate).await {
                                continue;
                            }
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
    pub(crate) fn add(&self, url: &str) {
        let addr = url
            .trim_start_matches("http://")
            .parse()
            .expect("a node URL");
        self.nodes.lock().expect("front lock").push(addr);
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// An engine at `url` that captures a tone of `hz`, joined to `room` as `who` with `config`
/// and publishing its audio.
pub(crate) async fn singing(
    url: &str,
    room: &str,
    who: &str,
    hz: f32,
    config: RoomConfig,
) -> (RtcEngine, EventStream) {
    let engine = chorus_testkit::engine(url);
    let events = engine.events();
    engine
        .start_audio_capture(AudioCaptureSource::Tone { hz })
        .await
        .expect("tone capture");
    engine
        .join_room(Some(&token(room, who)), room, user_info(who), config)
        .await
        .unwrap_or_else(|e| panic!("{who} joins: {e}"));
    engine
        .publish_stream(MediaType::Audio)
        .await
        .unwrap_or_else(|e| panic!("{who} publishes: {e}"));
    (engine, events)
}

/// Waits until what was on its way has drained (a gap of 100 ms, within 3 s), then requires
/// 2 s without a frame of `audio`.
async fn silent(audio: &mut MediaStream<AudioFrame>, what: &str) {
    let drained_by = Instant::now() + Duration::from_secs(3);
    while tokio::time::timeout(Duration::from_millis(100), audio.next())
        .await
        .is_ok()
    {
        assert!(Instant::now() < drained_by, "{what}: audio kept arriving");
    }
    let quiet = tokio::time::timeout(Duration::from_secs(2), audio.next()).await;
    assert!(quiet.is_err(), "{what}: audio arrived");
}

/// The dominant frequency of about a second of `audio` from now on (what was queued before
/// is dropped).
pub(crate) async fn heard_hz(audio: &mut MediaStream<AudioFrame>) -> f32 {
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

pub(crate) fn assert_tone(heard: f32, sent: f32, what: &str) {
    assert!(
        (heard - sent).abs() <= sent * 0.02,
        "{what}: heard {heard} Hz, sent {sent} Hz"
    );
}

/// Waits for `who`'s engine to report Reconnecting and then Reconnected: the reason given
/// for Reconnecting, and the time it was back. Room events about others seen meanwhile go
/// to `news`.
pub(crate) async fn reconnects(
    events: &mut EventStream,
    who: &str,
    news: &mut Vec<Event>,
) -> (String, Instant) {
    let mut reconnecting = None;
    wait_event(events, Duration::from_secs(30), |e| match e {
        EngineEvent::ConnectionStateChanged { state, reason } => match state {
            ConnectionState::Reconnecting => {
                reconnecting = Some(reason.clone().unwrap_or_default());
                None
            }
            ConnectionState::Reconnected if reconnecting.is_some() => Some(()),
            // Before the node went: the first connection.
            _ if reconnecting.is_none() => None,
            other => panic!("{who}: {other:?} while moving to another node"),
        },
        EngineEvent::Room(event) if reconnecting.is_some() => {
            news.extend(about_others(event));
            None
        }
        _ => None,
    })
    .await;
    (reconnecting.unwrap_or_default(), Instant::now())
}

/// `event` if it tells of another user joining, leaving, publishing or unpublishing.
fn about_others(event: &Event) -> Option<Event> {
    matches!(
        event,
        Event::UserJoined(_)
            | Event::UserLeave(_)
            | Event::UserPublishStream(_)
            | Event::UserUnpublishStream(_)
    )
    .then(|| event.clone())
}

/// The room events about others that `events` holds now.
pub(crate) async fn news_now(events: &mut EventStream, news: &mut Vec<Event>) {
    while let Ok(Some(event)) = tokio::time::timeout(Duration::from_millis(50), events.next()).await
    {
        if let EngineEvent::Room(event) = event {
            news.extend(about_others(&event));
        }
    }
}

/// Alice (440 Hz, through the front) and Bob (660 Hz, through the second node) in a room on
/// the first node, hearing each other (Bob through his own subscription).
struct Scene {
    redis: Redis,
    front: Front,
    first: Chorus,
    first_url: String,
    second_url: String,
    _second: Chorus,
    _alice: RtcEngine,
    alice_events: EventStream,
    bob: RtcEngine,
    /// Bob paused what he receives of audio.
    bob_paused: bool,
    bob_events: EventStream,
    alice_hears: MediaStream<AudioFrame>,
    bob_hears: MediaStream<AudioFrame>,
}

impl Scene {
    async fn start() -> Scene {
        let redis = Redis::start();
        let front = Front::start().await;
        let (first, first_url) = node(&redis, "f1");
        front.add(&first_url);
        // The only node: the room is placed on it, and Alice's signalling reaches it directly.
        let (alice, alice_events) =
            singing(&front.url(), "fo", "alice", 440.0, RoomConfig::default()).await;
        let (second, second_url) = node(&redis, "f2");
        front.add(&second_url);
        // Bob's signalling goes through f2 and is relayed to f1, where his session lives.
        // He does not auto-subscribe: he subscribes to Alice himself, which his engine must
        // ask for again after the failover.
        let manual = RoomConfig {
            is_auto_subscribe_audio: Some(false),
            ..RoomConfig::default()
        };
        let (bob, bob_events) = singing(&second_url, "fo", "bob", 660.0, manual).await;
        bob.subscribe_stream("alice", MediaType::Audio)
            .await
            .expect("bob subscribes to alice");
        let mut alice_hears = alice.remote_audio("bob", StreamIndex::Main);
        let mut bob_hears = bob.remote_audio("alice", StreamIndex::Main);
        assert_tone(heard_hz(&mut alice_hears).await, 660.0, "alice, before");
        assert_tone(heard_hz(&mut bob_hears).await, 440.0, "bob, before");
        Scene {
            redis,
            front,
            first,
            first_url,
            second_url,
            _second: second,
            _alice: alice,
            alice_events,
            bob,
            bob_paused: false,
            bob_events,
            alice_hears,
            bob_hears,
        }
    }

    /// Bob pauses what he receives of audio, and hears nothing of Alice from then on.
    async fn bob_pauses(&mut self) {
        self.bob
            .pause_all_subscribed_stream(MediaType::Audio)
            .await
            .expect("bob pauses");
        self.bob_paused = true;
        silent(&mut self.bob_hears, "bob, paused").await;
    }

    /// Once the first node is gone (from `gone`): both reconnect and hear each other again
    /// through the second node (the new sessions republished), and the apps saw no more than
    /// the reconnect: nobody joined, left, published or unpublished on their screens. The
    /// reasons they were given for reconnecting, and when the later one was back.
    async fn both_back(&mut self, gone: Instant) -> ([String; 2], Duration) {
        let mut news = Vec::new();
        let ((alice_why, alice_back), (bob_why, bob_back)) = {
            let mut bob_news = Vec::new();
            let backs = tokio::join!(
                reconnects(&mut self.alice_events, "alice", &mut news),
                reconnects(&mut self.bob_events, "bob", &mut bob_news)
            );
            news.extend(bob_news);
            backs
        };
        let back = (alice_back - gone).max(bob_back - gone);
        assert_tone(heard_hz(&mut self.alice_hears).await, 660.0, "alice, after");
        if self.bob_paused {
            // His engine asked for the pause again with the rejoin (the new session started
            // unpaused): nothing of Alice until he resumes.
            silent(&mut self.bob_hears, "bob, still paused after").await;
            self.bob
                .resume_all_subscribed_stream(MediaType::Audio)
                .await
                .expect("bob resumes");
        }
        assert_tone(heard_hz(&mut self.bob_hears).await, 440.0, "bob, after");
        eprintln!(
            "both back {back:?} after the first node went, tones heard again after {:?}",
            gone.elapsed()
        );
        // The new sessions announced each other before their media flowed: by now the apps
        // would have seen any of it.
        news_now(&mut self.alice_events, &mut news).await;
        news_now(&mut self.bob_events, &mut news).await;
        assert!(
            news.is_empty(),
            "the apps saw more than a reconnect: {news:?}"
        );
        ([alice_why, bob_why], back)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_of_a_killed_node_resume_elsewhere_and_are_heard_again() {
    let _turn = take_turn().await;
    let mut scene = Scene::start().await;
    // Logged in (outside rooms) on the node that dies, at its own address: Carol never comes
    // back, Dave logs in again elsewhere.
    let (_carol, _) = logged_in(&scene.first_url, "carol").await;
    let (_dave, _) = logged_in(&scene.first_url, "dave").await;
    scene.bob_pauses().await;
    scene.first.child.kill().expect("SIGKILL");
    let _ = scene.first.child.wait();
    let killed = Instant::now();
    // At once, before the cluster has noticed the death: the dead node's record is taken over.
    let (dave, _) = logged_in(&scene.second_url, "dave").await;
    let (_, back) = scene.both_back(killed).await;
    // The dead node is noticed when its registration lapses (3 s); the rest is quick.
    assert!(
        back < Duration::from_secs(6),
        "back {back:?} after the kill"
    );

    // The node comes back under the same name: Carol's record, left by its earlier run, does
    // not make her online.
    let (_again, _) = node(&scene.redis, "f1");
    let status = dave
        .get_peer_online_status("carol")
        .await
        .expect("peer status");
    assert_eq!(status, UserOnlineStatus::Offline);
    let status = dave
        .get_peer_online_status("bob")
        .await
        .expect("peer status");
    assert_eq!(status, UserOnlineStatus::Offline, "bob never logged in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_node_moves_its_clients_off_and_exits() {
    let _turn = take_turn().await;
    let mut scene = Scene::start().await;
    // A second room, placed on the second node (the first has the users), where Dave is;
    // Carol reaches the first node through the front, which relays her there.
    let (_dave, mut dave_events) = joined(&scene.second_url, "fo-relayed", "dave").await;
    let (carol, mut carol_events) = joined(&scene.front.url(), "fo-relayed", "carol").await;
    wait_event(&mut dave_events, Duration::from_secs(10), |e| match e {
        EngineEvent::Room(Event::UserJoined(j)) if j.user_info.user_id == "carol" => Some(()),
        _ => None,
    })
    .await;
    assert_eq!(
        chorus_testkit::metric(&scene.first_url, "chorus_cluster_relayed").await,
        Some(1.0),
        "the first node relays Carol"
    );
    let pid = scene.first.child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let ([alice_why, _], _) = scene.both_back(Instant::now()).await;
    assert!(
        alice_why.contains("draining"),
        "alice was told: {alice_why}"
    );
    // Carol's relay was closed as the node's own clients were: she came back through the
    // front, straight to her room's node, and resumed there; Dave saw nothing of it.
    let mut news = Vec::new();
    let (carol_why, _) = reconnects(&mut carol_events, "carol", &mut news).await;
    assert!(
        carol_why.contains("draining"),
        "carol was told: {carol_why}"
    );
    carol
        .send_room_message("moved")
        .await
        .expect("carol sends after the move");
    wait_event(&mut dave_events, Duration::from_secs(10), |e| match e {
        EngineEvent::Room(Event::RoomMessageReceived(m)) if m.message == "moved" => {
            assert_eq!(m.user_id, "carol");
            Some(())
        }
        EngineEvent::Room(event) => {
            news.extend(about_others(event));
            None
        }
        _ => None,
    })
    .await;
    assert!(
        news.is_empty(),
        "carol or dave saw more than a reconnect: {news:?}"
    );
    // Its rooms empty as the clients move: the node exits well before its drain deadline
    // (30 s after the SIGTERM).
    let exited = Instant::now();
    let status = loop {
        if let Some(status) = scene.first.child.try_wait().expect("the node's status") {
            break status;
        }
        assert!(
            exited.elapsed() < Duration::from_secs(15),
            "the drained node exits"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "the drained node exits cleanly: {status}");
}
