//! Cross-room forwarding carries real media: a publisher in room A forwards into B and C, and
//! a subscriber in each hears its 440 Hz tone and sees its test card with the frame counters
//! in order; pausing stops both and resuming restarts them; an update drops C and adds D;
//! stopping ends it everywhere with the right events.

use std::time::Duration;

use chorus_media::{dominant_frequency, read_pattern_counter};
use chorus_proto::{
    Event, ForwardStreamError, ForwardStreamEventType, ForwardStreamInfo, ForwardStreamState,
    UserOfflineReason,
};
use chorus_sdk::{
    AudioCaptureSource, AudioFrame, EventStream, MediaStream, RtcEngine, StreamIndex,
    VideoCaptureSource, VideoFrame,
};
use chorus_testkit::take_turn;

use crate::common::*;

/// Media takes longer than signalling: ICE, DTLS, a keyframe on a loaded machine.
const MEDIA_PATIENCE: Duration = Duration::from_secs(20);

fn target(room: &str) -> ForwardStreamInfo {
    ForwardStreamInfo {
        room_id: room.into(),
        token: token(room, "alice"),
    }
}

async fn next_frame<T>(stream: &mut MediaStream<T>, patience: Duration) -> Option<T> {
    tokio::time::timeout(patience, stream.next())
        .await
        .ok()
        .flatten()
}

/// The dominant frequency of `length` of audio, judged on its last second (the decoder's
/// first frames may still ramp up).
async fn tone(stream: &mut MediaStream<AudioFrame>, length: Duration) -> f32 {
    let mut samples = Vec::new();
    let started = tokio::time::Instant::now();
    while started.elapsed() < length {
        let frame: AudioFrame = next_frame(stream, MEDIA_PATIENCE)
            .await
            .expect("audio keeps coming");
        let channels = usize::from(frame.channels.max(1));
        samples.extend(frame.samples.iter().step_by(channels));
    }
    let tail = &samples[samples.len().saturating_sub(48_000)..];
    dominant_frequency(tail, 1)
}

/// The test card's counters over `length` after the first readable picture.
async fn counters(stream: &mut MediaStream<VideoFrame>, length: Duration) -> Vec<u32> {
    let deadline = tokio::time::Instant::now() + MEDIA_PATIENCE;
    let mut read = Vec::new();
    while read.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no readable picture within {MEDIA_PATIENCE:?}"
        );
        let picture = next_frame(stream, MEDIA_PATIENCE)
            .await
            .expect("video keeps coming");
        read.extend(read_pattern_counter(&picture));
    }
    let started = tokio::time::Instant::now();
    while started.elapsed() < length {
        let picture = next_frame(stream, Duration::from_secs(5))
            .await
            .expect("video keeps coming");
        read.extend(read_pattern_counter(&picture));
    }
    read
}

/// Checks what one subscriber gets of Alice: her tone and her test card, counters in order.
async fn receives_alice(
    who: &str,
    audio: &mut MediaStream<AudioFrame>,
    video: &mut MediaStream<VideoFrame>,
) {
    let (hz, read) = tokio::join!(
        tone(audio, Duration::from_secs(2)),
        counters(video, Duration::from_secs(3))
    );
    assert!((hz - 440.0).abs() <= 5.0, "{who} heard {hz} Hz");
    assert!(
        read.windows(2).all(|w| w[0] < w[1]),
        "{who}: counters out of order: {read:?}"
    );
    let span = read[read.len() - 1] - read[0] + 1;
    eprintln!("{who}: {} pictures of {span} in 3 s", read.len());
    // 3 s at 15 fps; a loaded machine may lose a few to pacing, never the order.
    assert!(read.len() >= 30, "{who}: {} pictures: {read:?}", read.len());
    assert!(
        read.len() as u32 * 10 >= span * 9,
        "{who}: too many missing: {read:?}"
    );
}

/// Waits until `stream` stops: what was on its way drains, then nothing comes for a second.
async fn goes_quiet<T>(who: &str, stream: &mut MediaStream<T>) {
    let drained_by = tokio::time::Instant::now() + Duration::from_secs(2);
    while next_frame(stream, Duration::from_millis(200))
        .await
        .is_some()
    {
        assert!(
            tokio::time::Instant::now() < drained_by,
            "{who}: media kept arriving"
        );
    }
    assert!(
        next_frame(stream, Duration::from_secs(1)).await.is_none(),
        "{who}: media kept arriving"
    );
}

/// A subscriber of Alice in `room`, with her audio and video streams.
struct Watcher {
    _engine: RtcEngine,
    events: EventStream,
    audio: MediaStream<AudioFrame>,
    video: MediaStream<VideoFrame>,
}

async fn watcher(server: &TestServer, room: &str, who: &str) -> Watcher {
    let (engine, events) = server.joined(room, who).await;
    let audio = engine.remote_audio("alice", StreamIndex::Main);
    let video = engine.remote_video("alice", StreamIndex::Main);
    Watcher {
        _engine: engine,
        events,
        audio,
        video,
    }
}

async fn sees_leave(events: &mut EventStream) -> UserOfflineReason {
    wait_for(events, |e| match e {
        Event::UserLeave(l) if l.user_info.user_id == "alice" => Some(l.reason),
        _ => None,
    })
    .await
}

/// The rooms of the next `onForwardStreamEvent` reporting `kind`.
async fn forward_event(events: &mut EventStream, kind: ForwardStreamEventType) -> Vec<String> {
    let mut rooms = wait_for(events, |e| match e {
        Event::ForwardStreamEvent(ev) => Some(
            ev.infos
                .iter()
                .filter(|i| i.event == kind)
                .map(|i| i.room_id.clone())
                .collect::<Vec<_>>(),
        )
        .filter(|rooms| !rooms.is_empty()),
        _ => None,
    })
    .await;
    rooms.sort();
    rooms
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forwarded_publisher_reaches_other_rooms_whole() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = TestServer::start().await;
    let (alice, mut alice_events) = server.joined("fm-a", "alice").await;
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .unwrap();
    alice
        .start_video_capture(VideoCaptureSource::Pattern {
            width: 320,
            height: 240,
            fps: 15,
        })
        .await
        .unwrap();
    let mut bob = watcher(&server, "fm-b", "bob").await;
    let mut carol = watcher(&server, "fm-c", "carol").await;

    let states = alice
        .start_forward_stream_to_rooms(&[target("fm-b"), target("fm-c")])
        .await
        .unwrap();
    assert!(
        states
            .iter()
            .all(|s| s.state == ForwardStreamState::Success && s.error == ForwardStreamError::Ok),
        "{states:?}"
    );
    let mut connected = forward_event(&mut alice_events, ForwardStreamEventType::Connected).await;
    if connected.len() < 2 {
        connected.extend(forward_event(&mut alice_events, ForwardStreamEventType::Connected).await);
        connected.sort();
    }
    assert_eq!(connected, ["fm-b", "fm-c"]);
    tokio::join!(
        receives_alice("bob", &mut bob.audio, &mut bob.video),
        receives_alice("carol", &mut carol.audio, &mut carol.video)
    );

    // Pause stops both rooms' media; resume brings it back.
    alice.pause_forward_stream_to_all_rooms().await.unwrap();
    tokio::join!(
        goes_quiet("bob", &mut bob.audio),
        goes_quiet("carol", &mut carol.audio),
        goes_quiet("bob", &mut bob.video),
        goes_quiet("carol", &mut carol.video)
    );
    alice.resume_forward_stream_to_all_rooms().await.unwrap();
    tokio::join!(
        receives_alice("bob", &mut bob.audio, &mut bob.video),
        receives_alice("carol", &mut carol.audio, &mut carol.video)
    );

    // An update drops C and adds D.
    let mut dave = watcher(&server, "fm-d", "dave").await;
    let states = alice
        .update_forward_stream_to_rooms(&[target("fm-b"), target("fm-d")])
        .await
        .unwrap();
    assert_eq!(
        states
            .iter()
            .map(|s| s.room_id.as_str())
            .collect::<Vec<_>>(),
        ["fm-b", "fm-d"]
    );
    assert_eq!(
        forward_event(&mut alice_events, ForwardStreamEventType::Disconnected).await,
        ["fm-c"]
    );
    assert_eq!(sees_leave(&mut carol.events).await, UserOfflineReason::Quit);
    goes_quiet("carol", &mut carol.audio).await;
    tokio::join!(
        receives_alice("bob", &mut bob.audio, &mut bob.video),
        receives_alice("dave", &mut dave.audio, &mut dave.video)
    );

    // Stop ends it everywhere.
    let stopped = alice.stop_forward_stream_to_rooms().await.unwrap();
    assert_eq!(
        stopped
            .iter()
            .map(|s| s.room_id.as_str())
            .collect::<Vec<_>>(),
        ["fm-b", "fm-d"]
    );
    assert_eq!(
        forward_event(&mut alice_events, ForwardStreamEventType::Disconnected).await,
        ["fm-b", "fm-d"]
    );
    assert_eq!(sees_leave(&mut bob.events).await, UserOfflineReason::Quit);
    assert_eq!(sees_leave(&mut dave.events).await, UserOfflineReason::Quit);
    tokio::join!(
        goes_quiet("bob", &mut bob.audio),
        goes_quiet("dave", &mut dave.audio)
    );
}
