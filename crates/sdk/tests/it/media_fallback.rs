//! Subscribe fallback through the native SDK: a subscriber that set AUDIO_ONLY before joining,
//! whose downlink goes through a throttling relay, is told its video is cut when the
//! throttle bites, keeps hearing the tone while no picture comes, and gets video back (told
//! again) once the throttle is lifted.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::media::*;
use crate::common::*;
use chorus_media::{dominant_frequency, read_pattern_counter};
use chorus_sdk::{
    AudioCaptureSource, AudioFrame, EngineEvent, Event, FallbackOrRecoverReason,
    RemoteStreamSwitch, RemoteUserPriority, RoomConfig, StreamIndex, SubscribeFallbackOption,
    VideoCaptureSource,
};
use tokio::time::Instant;

/// About 230 kbit/s of video.
const PATTERN: VideoCaptureSource = VideoCaptureSource::Pattern {
    width: 320,
    height: 240,
    fps: 30,
};

/// Too little for the video and the audio, enough for the audio.
const THROTTLE: u64 = 160_000;

type Log<T> = Arc<Mutex<Vec<(Instant, T)>>>;

fn log<T>() -> Log<T> {
    Arc::new(Mutex::new(Vec::new()))
}

/// The next fallback step the server tells `events` of.
async fn next_switch(
    events: &mut chorus_sdk::EventStream,
    patience: Duration,
) -> RemoteStreamSwitch {
    wait_event(events, patience, |e| match e {
        EngineEvent::Room(Event::SimulcastSubscribeFallback(s)) => Some(s.clone()),
        _ => None,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_downlink_falls_back_to_audio_only_and_recovers() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let (server, rate) = ServerApart::start_throttled();
    let url = server.url.clone();
    let (alice, _alice_events) = joined(&url, "fallback", "alice").await;
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .unwrap();
    alice.start_video_capture(PATTERN).await.unwrap();

    // Set before joining, as the vendor asks.
    let bob = engine(&url);
    let mut bob_events = bob.events();
    bob.set_subscribe_fallback_option(SubscribeFallbackOption::AudioOnly)
        .await
        .expect("the option is taken before joining");
    bob.set_remote_user_priority("alice", RemoteUserPriority::High)
        .await
        .expect("the priority is taken before joining");
    let refused = bob
        .set_remote_user_priority("not an id!", RemoteUserPriority::High)
        .await
        .expect_err("a bad user id is refused");
    eprintln!("refused: {refused:?}");
    bob.join_room(
        Some(&token("fallback", "bob")),
        "fallback",
        user_info("bob"),
        RoomConfig::default(),
    )
    .await
    .expect("bob joins");

    // Every picture and audio frame, with when it arrived.
    let pictures: Log<Option<u32>> = log();
    let sound: Log<AudioFrame> = log();
    let mut video = bob.remote_video("alice", StreamIndex::Main);
    let mut audio = bob.remote_audio("alice", StreamIndex::Main);
    let p = pictures.clone();
    let video_task = tokio::spawn(async move {
        while let Some(frame) = video.next().await {
            let n = read_pattern_counter(&frame);
            p.lock().expect("not poisoned").push((Instant::now(), n));
        }
    });
    let s = sound.clone();
    let audio_task = tokio::spawn(async move {
        while let Some(frame) = audio.next().await {
            s.lock()
                .expect("not poisoned")
                .push((Instant::now(), frame));
        }
    });
    let count_since = |log: &Log<Option<u32>>, t: Instant| {
        log.lock()
            .expect("not poisoned")
            .iter()
            .filter(|(at, _)| *at >= t)
            .count()
    };

    // Free path: pictures flow (and the estimator has time to find the path).
    tokio::time::sleep(Duration::from_secs(8)).await;
    let free_since = Instant::now() - Duration::from_secs(3);
    let free = count_since(&pictures, free_since);
    assert!(free >= 60, "{free} pictures in the 3 s before the throttle");

    // Throttled: the server cuts the video and says so.
    rate.store(THROTTLE, std::sync::atomic::Ordering::Relaxed);
    let throttled_at = Instant::now();
    let cut = next_switch(&mut bob_events, Duration::from_secs(30)).await;
    let cut_at = Instant::now();
    eprintln!(
        "cut {:?} after the throttle: {cut:?}",
        cut_at - throttled_at
    );
    assert_eq!(
        cut,
        RemoteStreamSwitch {
            user_id: "alice".into(),
            is_screen: false,
            before_video_index: 0,
            after_video_index: 0,
            before_enable: true,
            after_enable: false,
            reason: FallbackOrRecoverReason::SubscribeFallbackByBandwidth,
        }
    );

    // Audio only for a while; then the throttle is lifted and video comes back, told too.
    tokio::time::sleep(Duration::from_secs(6)).await;
    rate.store(0, std::sync::atomic::Ordering::Relaxed);
    let lifted_at = Instant::now();
    let back = next_switch(&mut bob_events, Duration::from_secs(40)).await;
    let back_at = Instant::now();
    eprintln!("back {:?} after the lift: {back:?}", back_at - lifted_at);
    assert!(!back.before_enable && back.after_enable, "{back:?}");
    assert_eq!(
        back.reason,
        FallbackOrRecoverReason::SubscribeRecoverByBandwidth
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    video_task.abort();
    audio_task.abort();

    let pictures = pictures.lock().expect("not poisoned").clone();
    let sound = std::mem::take(&mut *sound.lock().expect("not poisoned"));
    // During audio only: a long stretch without pictures, the tone all along.
    let during: Vec<Instant> = pictures
        .iter()
        .map(|(at, _)| *at)
        .filter(|at| *at >= cut_at && *at <= back_at)
        .collect();
    let mut edges = vec![cut_at];
    edges.extend(&during);
    edges.push(back_at);
    let longest = edges
        .windows(2)
        .map(|w| w[1] - w[0])
        .max()
        .unwrap_or_default();
    eprintln!(
        "{} pictures between cut and recovery ({:?}); longest silence {longest:?}",
        during.len(),
        back_at - cut_at
    );
    assert!(
        longest >= Duration::from_secs(4),
        "pictures kept coming: longest gap {longest:?}"
    );
    let heard: Vec<i16> = sound
        .iter()
        .filter(|(at, _)| *at >= cut_at + Duration::from_secs(2) && *at <= lifted_at)
        .flat_map(|(_, f)| {
            let channels = usize::from(f.channels.max(1));
            f.samples
                .iter()
                .step_by(channels)
                .copied()
                .collect::<Vec<_>>()
        })
        .collect();
    let frames_heard = heard.len() / 960;
    assert!(
        frames_heard >= 150,
        "{frames_heard} audio frames in audio only"
    );
    let hz = dominant_frequency(&heard, 1);
    assert!((hz - 440.0).abs() <= 5.0, "heard {hz} Hz during audio only");

    // After recovery pictures flow again, and they are new: the counters jumped over what
    // was never sent.
    let before: Vec<u32> = pictures
        .iter()
        .filter(|(at, _)| *at < cut_at)
        .filter_map(|(_, n)| *n)
        .collect();
    let after: Vec<u32> = pictures
        .iter()
        .filter(|(at, _)| *at > back_at)
        .filter_map(|(_, n)| *n)
        .collect();
    assert!(after.len() >= 60, "{} pictures after recovery", after.len());
    let (last, first) = (before.iter().max(), after.iter().min());
    eprintln!("counters: last before the cut {last:?}, first after recovery {first:?}");
    let skipped = first.zip(last).map_or(0, |(f, l)| f.saturating_sub(*l));
    assert!(skipped >= 90, "only {skipped} pictures were not sent");
}
