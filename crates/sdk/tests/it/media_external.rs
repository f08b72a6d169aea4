//! Frames the app pushes (external sources) travel like captured ones: pictures keep their
//! counters in order, audio keeps its pitch.

use std::time::Duration;

use crate::common::media::*;
use crate::common::*;
use chorus_media::{AudioSource, PatternSource, ToneSource, VideoSource, dominant_frequency};
use chorus_sdk::{AudioSourceType, StreamIndex, VideoSourceType};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_frames_arrive_like_captured_ones() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = start_server(|_| {}).await;
    let url = server.url();
    let (alice, _alice_events) = joined(&url, "push", "alice").await;
    alice
        .set_video_source_type(StreamIndex::Screen, VideoSourceType::External)
        .await
        .unwrap();
    alice
        .set_audio_source_type(AudioSourceType::External)
        .await
        .unwrap();
    // The app paces its own frames: 20 ms of audio and, every other time, a picture (25 fps).
    let pusher = {
        let alice = alice.clone();
        tokio::spawn(async move {
            let mut tone = ToneSource::new(660.0);
            let mut card = PatternSource::screen(320, 240, 25);
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            for n in 0u32.. {
                tick.tick().await;
                let frame = tone.next_frame().expect("a tone never ends");
                if alice.push_external_audio_frame(frame).await.is_err() {
                    return;
                }
                if n % 2 == 0 {
                    let picture = card.next_frame().expect("the card never ends");
                    if alice
                        .push_external_video_frame(StreamIndex::Screen, picture)
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
        })
    };
    alice
        .publish_screen(chorus_sdk::MediaType::Video)
        .await
        .unwrap();
    // The pusher's first picture is the first there is to snapshot.
    let snapshot = eventually("alice pushes a picture", async || {
        alice.take_local_snapshot(StreamIndex::Screen).await.ok()
    })
    .await;
    assert_eq!((snapshot.width, snapshot.height), (320, 240));

    let (bob, _bob_events) = joined(&url, "push", "bob").await;
    let mut audio = bob.remote_audio("alice", StreamIndex::Main);
    let mut video = bob.remote_video("alice", StreamIndex::Screen);
    let length = Duration::from_secs(3);
    let (frames, counters) = tokio::join!(
        collect_audio(&mut audio, length),
        collect_counters(&mut video, length)
    );
    pusher.abort();

    let samples = mono(&frames);
    let tail = &samples[samples.len().saturating_sub(48_000)..];
    let hz = dominant_frequency(tail, 1);
    assert!((hz - 660.0).abs() <= 5.0, "heard {hz} Hz");
    let read: Vec<u32> = counters.iter().flatten().copied().collect();
    assert_eq!(read.len(), counters.len(), "{counters:?}");
    assert!(read.windows(2).all(|w| w[1] == w[0] + 1), "{read:?}");
    assert!(read.len() >= 50, "{} pictures in 3 s", read.len());
}
