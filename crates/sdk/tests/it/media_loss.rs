//! Through a relay that drops 5% of the datagrams each way, audio keeps its rhythm (lost
//! frames are concealed, none waited for) and video keeps arriving in order (NACK and RTX
//! fill the holes).

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::common::media::*;
use crate::common::*;
use chorus_media::dominant_frequency;
use chorus_sdk::{AudioCaptureSource, StreamIndex, VideoCaptureSource};

const LOSS: f64 = 0.05;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_survives_five_percent_loss_each_way() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    // The server and the relay run apart, as they would on another host.
    let server = ServerApart::start(|_| {}, Some((LOSS, 0x5eed)));
    let (dropped, forwarded) = server.relay.clone().expect("a relay");
    let url = server.url.clone();

    let (alice, _alice_events) = joined(&url, "loss", "alice").await;
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .unwrap();
    alice
        .start_video_capture(VideoCaptureSource::Pattern {
            width: 320,
            height: 240,
            fps: 30,
        })
        .await
        .unwrap();
    let (bob, _bob_events) = joined(&url, "loss", "bob").await;
    let mut audio = bob.remote_audio("alice", StreamIndex::Main);
    let mut video = bob.remote_video("alice", StreamIndex::Main);

    let length = Duration::from_secs(10);
    let (frames, counters) = tokio::join!(
        collect_audio(&mut audio, length),
        collect_counters(&mut video, length)
    );

    let dropped = dropped.load(Ordering::Relaxed);
    let forwarded = forwarded.load(Ordering::Relaxed);
    let share = f64::from(dropped) / f64::from(dropped + forwarded);
    eprintln!(
        "relay dropped {dropped} of {} ({share:.3})",
        dropped + forwarded
    );
    assert!((0.03..0.07).contains(&share), "the relay dropped {share}");

    // Audio: the rhythm holds (a lost frame waited for would stall it once per loss, about
    // 25 times here): at most two gaps between frames over 150 ms, which a loaded two-core
    // machine's scheduler may cause by itself, none over a second; and the PCM has no holes:
    // as many 20 ms frames as time passed.
    let gaps: Vec<Duration> = frames.windows(2).map(|w| w[1].0 - w[0].0).collect();
    let worst = gaps.iter().max().copied().unwrap_or_default();
    let long = gaps
        .iter()
        .filter(|gap| **gap > Duration::from_millis(150))
        .count();
    let span = frames[frames.len() - 1].0 - frames[0].0;
    eprintln!(
        "{} audio frames over {span:?}, worst gap {worst:?}, {long} over 150 ms",
        frames.len()
    );
    assert!(long <= 2, "{long} gaps over 150 ms, the worst {worst:?}");
    assert!(worst <= Duration::from_secs(1), "a gap of {worst:?}");
    let expected = span.as_millis() as usize / 20;
    assert!(
        frames.len() + 10 >= expected,
        "{} frames for {span:?}",
        frames.len()
    );
    let samples = mono(&frames);
    let hz = dominant_frequency(&samples, 1);
    assert!((hz - 440.0).abs() <= 5.0, "heard {hz} Hz");

    // Video: pictures keep coming, in order, and nearly all of them.
    let read: Vec<u32> = counters.iter().flatten().copied().collect();
    eprintln!(
        "{} pictures read of {} received; counters {}..{}",
        read.len(),
        counters.len(),
        read[0],
        read[read.len() - 1]
    );
    assert!(read.windows(2).all(|w| w[0] < w[1]), "in order: {read:?}");
    let sent = read[read.len() - 1] - read[0] + 1;
    assert!(
        read.len() as f64 >= 0.9 * f64::from(sent),
        "{} of {sent} pictures arrived",
        read.len()
    );
}
