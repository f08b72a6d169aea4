//! A member whose connection drops and resumes within the grace period keeps its subtitles:
//! the subtitles of sentences spoken after the resume reach it on its new connection.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chorus_sdk::{
    AudioCaptureSource, ConnectionState, EngineConfig, EngineEvent, EventStream, RoomConfig,
    SubtitleEventType, SubtitleMode, create_engine,
};
use chorus_testkit::{APP_ID, joined, start_server, take_turn, temp_dir, token, user_info};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use crate::common::*;

const SAID: [&str; 4] = [
    "The meeting room is on the second floor.",
    "We will meet again next week.",
    "It is sunny today with a light breeze from the west.",
    "Thank you very much for your help today.",
];

/// A TCP relay in front of the server whose connections the test can cut, both ends.
struct Relay {
    addr: SocketAddr,
    links: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
}

impl Relay {
    async fn start(target: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a relay port");
        let addr = listener.local_addr().expect("a bound address");
        let links: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let kept = links.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let Ok(mut upstream) = TcpStream::connect(target).await else {
                    continue;
                };
                let link = tokio::spawn(async move {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                });
                kept.lock().expect("relay lock").push(link.abort_handle());
            }
        })
        .abort_handle();
        Relay {
            addr,
            links,
            accept,
        }
    }

    fn cut(&self) {
        for link in self.links.lock().expect("relay lock").drain(..) {
            link.abort();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

/// The next connection state, within `patience`.
async fn next_connection_state(events: &mut EventStream, patience: Duration) -> ConnectionState {
    chorus_testkit::wait_event(events, patience, |e| match e {
        EngineEvent::ConnectionStateChanged { state, .. } => Some(*state),
        _ => None,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subtitles_keep_arriving_after_a_resumed_connection() {
    let _turn = take_turn().await; // real-time media and a recognizer: one at a time
    let dir = temp_dir("subtitles-resume");
    // The later sentences are spoken only once the resume is done, so however long it takes
    // on a busy machine, they are said to a connected listener.
    let before_cut = speak(&dir, "alice-before", &SAID[..1]);
    let after_resume = speak(&dir, "alice-after", &SAID[1..]);
    let server = start_server(|c| c.subtitles.worker_command = worker_command()).await;
    let url = server.url();
    let relay = Relay::start(server.local_addr()).await;

    let carol = create_engine(APP_ID, EngineConfig::new(format!("http://{}", relay.addr)));
    let mut carol_events = carol.events();
    carol
        .join_room(
            Some(&token("resume-talk", "carol")),
            "resume-talk",
            user_info("carol"),
            RoomConfig::default(),
        )
        .await
        .expect("carol joins through the relay");
    carol
        .start_subtitle(SubtitleMode::AsrOnly, None)
        .await
        .expect("subtitles start");
    let state = next_state(&mut carol_events, LOAD_PATIENCE).await;
    assert_eq!(state.event, SubtitleEventType::Started, "{state:?}");

    let (alice, _alice_events) = joined(&url, "resume-talk", "alice").await;
    alice
        .start_audio_capture(AudioCaptureSource::File(before_cut))
        .await
        .expect("the speech file plays");
    let before = collect_until_finals(&mut carol_events, &["alice"], 1, Duration::from_secs(40))
        .await
        .iter()
        .filter(|m| m.definite)
        .count();

    // The connection drops; the engine reconnects and the server resumes its session.
    relay.cut();
    let mut states = Vec::new();
    while states.last() != Some(&ConnectionState::Reconnected) {
        states.push(next_connection_state(&mut carol_events, Duration::from_secs(15)).await);
    }
    assert!(
        states.contains(&ConnectionState::Reconnecting),
        "the cut was noticed: {states:?}"
    );

    // Sentences spoken from now on reach carol on her new connection, with no state change
    // in between (collect_until_finals fails on one).
    alice.stop_audio_capture().await.expect("capture stops");
    alice
        .start_audio_capture(AudioCaptureSource::File(after_resume))
        .await
        .expect("the second speech file plays");
    let after =
        collect_until_finals(&mut carol_events, &["alice"], 1, Duration::from_secs(40)).await;
    let heard = finals_of(&after, "alice");
    eprintln!("{before} final(s) before the cut; after the resume: {heard}");
    // Each final after the resume is one of the later sentences, closely.
    for m in after.iter().filter(|m| m.definite) {
        let best = SAID[1..]
            .iter()
            .map(|said| word_error_rate(said, &m.text))
            .fold(f64::MAX, f64::min);
        assert!(
            best <= 0.34,
            "after the resume, {:?} is no sentence said",
            m.text
        );
    }
}
