//! Subscribe fallback's decision under simulated time: steps down and up, hysteresis,
//! priorities, probing and trials; and what a cap does to a lane.

use std::time::{Duration, Instant};

use chorus_proto::{RemoteUserPriority, SubscribeFallbackOption};

use super::fallback::*;
use super::forward::{Flow, Incoming, Lane, Layer, MAX_LAYERS};
use SubscribeFallbackOption::{AudioOnly, Disable, VideoStreamLow};

const RATES: [u64; MAX_LAYERS] = [150_000, 500_000, 1_500_000];

fn video(priority: RemoteUserPriority, cap: Cap) -> Video {
    Video {
        priority,
        top: 2,
        rates: RATES,
        cap,
    }
}

/// A downlink whose estimator has been running for [`STARTUP_GRACE`] at `t0`.
fn settled(t0: Instant) -> Downlink {
    Downlink::started_at(t0.checked_sub(STARTUP_GRACE))
}

fn ms(t0: Instant, ms: u64) -> Instant {
    t0 + Duration::from_millis(ms)
}

/// Runs the decision every 100 ms from `from` to `to` (ms), applying each step.
fn run(
    link: &mut Downlink,
    t0: Instant,
    (from, to): (u64, u64),
    option: SubscribeFallbackOption,
    videos: &mut [Video],
) -> Vec<(u64, Step)> {
    let mut steps = Vec::new();
    for t in (from..to).step_by(100) {
        if let Some(step) = link.decide(ms(t0, t), option, videos) {
            videos[step.index].cap = step.after;
            steps.push((t, step));
        }
    }
    steps
}

#[test]
fn a_short_downlink_lowers_layer_by_layer_then_cuts_video() {
    let t0 = Instant::now();
    let mut link = settled(t0);
    let mut videos = [video(RemoteUserPriority::Low, Cap::NONE)];
    link.on_estimate(100_000, t0);
    let steps = run(&mut link, t0, (0, 5_000), AudioOnly, &mut videos);
    let caps: Vec<Cap> = steps.iter().map(|(_, s)| s.after).collect();
    assert_eq!(caps, [Cap::Layer(1), Cap::Layer(0), Cap::Off]);
    // Each step waited for the hold.
    assert_eq!(steps[0].0, 1_000);
    assert!(steps.iter().all(|(_, s)| s.why == Why::Bandwidth));
    // Nothing below audio only.
    assert!(run(&mut link, t0, (5_000, 8_000), AudioOnly, &mut videos).is_empty());
}

#[test]
fn no_step_down_while_the_estimator_starts() {
    let t0 = Instant::now();
    let mut link = Downlink::default();
    let mut videos = [video(RemoteUserPriority::Low, Cap::NONE)];
    link.on_estimate(100_000, t0);
    let steps = run(&mut link, t0, (0, 6_000), AudioOnly, &mut videos);
    assert_eq!(steps[0].0, STARTUP_GRACE.as_millis() as u64);
}

#[test]
fn video_stream_low_stops_at_the_lowest_layer() {
    let t0 = Instant::now();
    let mut link = settled(t0);
    let mut videos = [video(RemoteUserPriority::Low, Cap::NONE)];
    link.on_estimate(10_000, t0);
    let steps = run(&mut link, t0, (0, 8_000), VideoStreamLow, &mut videos);
    assert_eq!(steps.last().map(|(_, s)| s.after), Some(Cap::Layer(0)));
    assert_eq!(videos[0].cap, Cap::Layer(0));
}

#[test]
fn a_brief_dip_changes_nothing() {
    let t0 = Instant::now();
    let mut link = settled(t0);
    let mut videos = [video(RemoteUserPriority::Low, Cap::NONE)];
    link.on_estimate(100_000, t0);
    assert!(run(&mut link, t0, (0, 900), AudioOnly, &mut videos).is_empty());
    link.on_estimate(5_000_000, t0);
    assert!(run(&mut link, t0, (900, 3_000), AudioOnly, &mut videos).is_empty());
    assert_eq!(videos[0].cap, Cap::NONE);
}

#[test]
fn recovery_climbs_back_with_hysteresis() {
    let t0 = Instant::now();
    let mut link = settled(t0);
    let mut videos = [video(RemoteUserPriority::Low, Cap::NONE)];
    link.on_estimate(100_000, t0);
    run(&mut link, t0, (0, 5_000), AudioOnly, &mut videos);
    assert_eq!(videos[0].cap, Cap::Off);
    // Enough for the lowest layer, not with the margin: no step.
    link.on_estimate(AUDIO_ALLOWANCE + RATES[0], t0);
    assert!(run(&mut link, t0, (5_000, 10_000), AudioOnly, &mut videos).is_empty());
    link.on_estimate(5_000_000, t0);
    let steps = run(&mut link, t0, (10_000, 30_000), AudioOnly, &mut videos);
    let caps: Vec<Cap> = steps.iter().map(|(_, s)| s.after).collect();
    assert_eq!(caps, [Cap::Layer(0), Cap::Layer(1), Cap::NONE]);
    assert!(steps.iter().all(|(_, s)| s.why == Why::Recovered));
    // Each step up waited UP_HOLD after the last.
    for pair in steps.windows(2) {
        assert!(pair[1].0 - pair[0].0 >= UP_HOLD.as_millis() as u64);
    }
}

#[test]
fn no_step_up_right_after_a_step_down() {
    let t0 = Instant::now();
    let mut link = settled(t0);
    let mut videos = [video(RemoteUserPriority::Low, Cap::NONE)];
    link.on_estimate(1_000_000, t0);
    let down = run(&mut link, t0, (0, 1_100), AudioOnly, &mut videos);
    assert_eq!(down.len(), 1);
    link.on_estimate(10_000_000, t0);
    let up = run(&mut link, t0, (1_100, 10_000), AudioOnly, &mut videos);
    assert!(up[0].0 >= 1_000 + UP_AFTER_DOWN.as_millis() as u64);
}

#[test]
fn lower_priority_users_are_cut_first_and_raised_last() {
    let t0 = Instant::now();
    let mut link = settled(t0);
    let mut videos = [
        video(RemoteUserPriority::High, Cap::NONE),
        video(RemoteUserPriority::Low, Cap::NONE),
    ];
    // Room for the high one at full and audio only for the other.
    link.on_estimate(AUDIO_ALLOWANCE + RATES[2] + 10_000, t0);
    let steps = run(&mut link, t0, (0, 10_000), AudioOnly, &mut videos);
    assert!(steps.iter().all(|(_, s)| s.index == 1), "{steps:?}");
    assert_eq!(videos[0].cap, Cap::NONE);
    assert_eq!(videos[1].cap, Cap::Off);
    // Squeezed further, the high one goes down too.
    link.on_estimate(AUDIO_ALLOWANCE + RATES[0], t0);
    run(&mut link, t0, (10_000, 20_000), AudioOnly, &mut videos);
    assert_eq!(videos[0].cap, Cap::Layer(0));
    // Recovery raises the high one first.
    link.on_estimate(10_000_000, t0);
    let up = run(&mut link, t0, (20_000, 60_000), AudioOnly, &mut videos);
    let first_low = up.iter().position(|(_, s)| s.index == 1).expect("raised");
    assert!(up[..first_low].iter().all(|(_, s)| s.index == 0));
    assert_eq!(videos[0].cap, Cap::NONE);
    assert_eq!(videos[1].cap, Cap::NONE);
}

#[test]
fn while_lowered_the_desired_rate_dips_now_and_then_so_the_estimator_probes() {
    let t0 = Instant::now();
    let mut link = settled(t0);
    link.on_estimate(300_000, t0);
    let full = Downlink::full_need(&[video(RemoteUserPriority::Low, Cap::NONE)]);
    // Nothing lowered: always the full rate.
    let free = [video(RemoteUserPriority::Low, Cap::NONE)];
    assert!((0..50).all(|i| link.desired(ms(t0, i * 100), &free) == full));
    // Lowered: one dip under the estimate every REPROBE_EVERY, the full rate otherwise.
    let lowered = [video(RemoteUserPriority::Low, Cap::Off)];
    let desired: Vec<u64> = (0..100)
        .map(|i| link.desired(ms(t0, i * 100), &lowered))
        .collect();
    let dips: Vec<usize> = (0..desired.len())
        .filter(|&i| desired[i] < 300_000)
        .collect();
    let every = REPROBE_EVERY.as_millis() as usize / 100;
    assert_eq!(dips, (0..100).step_by(every).collect::<Vec<_>>());
    assert!(desired.iter().all(|&d| d < 300_000 || d == full));
    // An estimate that already covers everything needs no probe.
    link.on_estimate(full, t0);
    assert!((100..200).all(|i| link.desired(ms(t0, i * 100), &lowered) == full));
}

#[test]
fn without_an_estimate_to_back_it_a_step_up_is_tried_now_and_then() {
    let t0 = Instant::now();
    let mut link = settled(t0);
    let mut videos = [video(RemoteUserPriority::Low, Cap::Off)];
    // The estimate covers the audio, and no more: the estimator has nothing to probe with.
    link.on_estimate(AUDIO_ALLOWANCE + 10_000, t0);
    let steps = run(&mut link, t0, (0, 9_900), AudioOnly, &mut videos);
    assert!(steps.is_empty(), "{steps:?}");
    let steps = run(&mut link, t0, (9_900, 10_100), AudioOnly, &mut videos);
    assert_eq!(steps.len(), 1, "a trial after TRIAL_AFTER");
    assert_eq!(steps[0].1.after, Cap::Layer(0));
    assert_eq!(steps[0].1.why, Why::Recovered);
    // It does not fit: undone once the estimate had time to settle; the next trial waits
    // twice as long.
    let steps = run(&mut link, t0, (10_100, 15_000), AudioOnly, &mut videos);
    assert_eq!(steps.len(), 1);
    assert_eq!(videos[0].cap, Cap::Off);
    let undone = steps[0].0;
    let steps = run(&mut link, t0, (15_000, 60_000), AudioOnly, &mut videos);
    let trial = steps
        .iter()
        .find(|(_, s)| s.why == Why::Recovered)
        .expect("a trial");
    assert!(
        trial.0 >= undone + 2 * TRIAL_AFTER.as_millis() as u64,
        "{steps:?}"
    );
}

#[test]
fn a_step_up_gets_time_to_settle_before_a_step_down() {
    let t0 = Instant::now();
    let mut link = settled(t0);
    let mut videos = [video(RemoteUserPriority::Low, Cap::Off)];
    link.on_estimate(10_000_000, t0);
    let up = run(&mut link, t0, (0, 2_100), AudioOnly, &mut videos);
    assert_eq!(up.len(), 1);
    // The estimate drops right after: no step down until UP_SETTLE has passed.
    link.on_estimate(AUDIO_ALLOWANCE, t0);
    let down = run(&mut link, t0, (2_100, 8_000), AudioOnly, &mut videos);
    assert!(
        down[0].0 >= up[0].0 + UP_SETTLE.as_millis() as u64,
        "{down:?}"
    );
}

#[test]
fn no_trial_while_the_estimate_falls_short() {
    let t0 = Instant::now();
    let mut link = settled(t0);
    let mut videos = [video(RemoteUserPriority::Low, Cap::Off)];
    link.on_estimate(AUDIO_ALLOWANCE / 2, t0);
    assert!(run(&mut link, t0, (0, 60_000), AudioOnly, &mut videos).is_empty());
}

#[test]
fn turning_fallback_off_lifts_every_cap_at_once() {
    let t0 = Instant::now();
    let mut link = settled(t0);
    let mut videos = [
        video(RemoteUserPriority::Low, Cap::Off),
        video(RemoteUserPriority::Low, Cap::Layer(0)),
    ];
    link.on_estimate(10, t0);
    let steps = run(&mut link, t0, (0, 200), Disable, &mut videos);
    assert_eq!(steps.len(), 2);
    assert!(steps.iter().all(|(_, s)| s.why == Why::Lifted));
    assert!(videos.iter().all(|v| v.cap == Cap::NONE));
    // Narrowing to VIDEO_STREAM_LOW brings cut video back at the lowest layer.
    let mut videos = [video(RemoteUserPriority::Low, Cap::Off)];
    let steps = run(&mut link, t0, (0, 100), VideoStreamLow, &mut videos);
    assert_eq!(steps[0].1.after, Cap::Layer(0));
}

#[test]
fn a_single_layer_video_goes_straight_to_audio_only_and_back() {
    let t0 = Instant::now();
    let mut link = settled(t0);
    let mut videos = [Video {
        priority: RemoteUserPriority::Low,
        top: 0,
        rates: [800_000, 0, 0],
        cap: Cap::NONE,
    }];
    link.on_estimate(100_000, t0);
    let steps = run(&mut link, t0, (0, 2_000), AudioOnly, &mut videos);
    assert_eq!(steps[0].1.after, Cap::Off);
    link.on_estimate(5_000_000, t0);
    let steps = run(&mut link, t0, (2_000, 10_000), AudioOnly, &mut videos);
    assert_eq!(steps[0].1.after, Cap::NONE);
}

// ----- what a cap does to a lane -----

fn pkt(seq: u64, ts: u32, keyframe: bool, at: Instant) -> Incoming {
    Incoming {
        seq,
        ts,
        layer: 0,
        keyframe,
        at,
    }
}

fn at(ms: u64, base: Instant) -> Instant {
    base + Duration::from_millis(ms)
}

fn on_video_lane() -> Lane {
    let mut lane = Lane::new(true, 1000, 5000);
    lane.set_ready(true);
    lane.set_flow(Flow::On);
    lane.set_wanted(Layer::MAX);
    lane.set_target(0);
    lane
}

#[test]
fn a_cut_video_stops_and_comes_back_at_a_keyframe() {
    let t0 = Instant::now();
    let mut lane = on_video_lane();
    assert!(lane.on_packet(&pkt(1, 0, true, t0)).is_some());
    lane.set_cap(Cap::Off);
    assert_eq!(lane.wants_keyframe(), None);
    assert_eq!(lane.on_packet(&pkt(2, 3000, true, at(33, t0))), None);
    lane.set_cap(Cap::Layer(0));
    assert_eq!(lane.wants_keyframe(), Some(0));
    assert_eq!(lane.on_packet(&pkt(3, 6000, false, at(66, t0))), None);
    let back = lane.on_packet(&pkt(4, 9000, true, at(99, t0)));
    assert_eq!(back.map(|r| r.seq), Some(1001));
}

#[test]
fn a_cap_lowers_the_wanted_layer() {
    let mut lane = on_video_lane();
    assert_eq!(lane.capped_wanted(), Layer::MAX);
    lane.set_cap(Cap::Layer(1));
    assert_eq!(lane.capped_wanted(), 1);
    lane.set_wanted(0);
    assert_eq!(lane.capped_wanted(), 0);
}
