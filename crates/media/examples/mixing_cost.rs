//! What audio mixing costs per published stream: nanoseconds per 10 ms frame of 48 kHz stereo
//! to render files (resampled from 44.1 kHz as they play), scale and sum them, add them to the
//! microphone's frame and limit the sum, as the native SDK's capture thread does, with 1 and 4
//! files at once, with and without pitch shifting. Each figure is also given as a share of one
//! core (the frame's 10 ms), and against the one-file case of the same run. Time is the
//! thread's own CPU time, so other processes on a shared machine do not inflate it.
//!
//! ```sh
//! cargo run -p chorus-media --example mixing_cost \
//!     --config 'profile.dev.package.chorus-media.opt-level=3' -- [seconds-per-case]
//! ```
//!
//! The override optimises chorus-media itself, where all of the measured work lives (the
//! resampler, the players, the pitch shifter and the limiter); the rest of the workspace keeps
//! its usual build. A benchmark program, not a test: it prints figures and asserts nothing.

use std::f64::consts::PI;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chorus_media::{AudioFrame, ClipPlayer, DecodedAudio, Limiter, mix_into};

/// Stereo frames in 10 ms at 48 kHz.
const FRAME: usize = 480;
/// The frame's length, the time one core has for it.
const FRAME_NS: f64 = 10_000_000.0;

/// A 10 s stereo clip at 44.1 kHz: a different tone on each side.
fn clip(hz: f64) -> Arc<DecodedAudio> {
    let rate = 44_100u32;
    let samples = (0..rate as usize * 10)
        .flat_map(|i| {
            let t = i as f64 / f64::from(rate);
            [
                (8000.0 * (2.0 * PI * hz * t).sin()) as i16,
                (8000.0 * (2.0 * PI * hz * 1.5 * t).sin()) as i16,
            ]
        })
        .collect();
    Arc::new(DecodedAudio {
        samples,
        channels: 2,
        rate,
        tracks: 1,
    })
}

/// One published stream's mixing: `files` players, each at its volume, summed into a
/// microphone frame through the limiter.
struct Case {
    players: Vec<ClipPlayer>,
    limiter: Limiter,
    bus: Vec<f32>,
    one: Vec<f32>,
    work: Vec<f32>,
    mic: AudioFrame,
    frame: AudioFrame,
}

impl Case {
    fn new(files: usize, pitch: i32) -> Case {
        let players = (0..files)
            .map(|i| {
                let mut p = ClipPlayer::new(clip(300.0 + 110.0 * i as f64), 0);
                p.set_pitch(pitch);
                p
            })
            .collect();
        let mic = AudioFrame {
            samples: (0..FRAME * 2)
                .map(|i| (12000.0 * (2.0 * PI * 440.0 * (i / 2) as f64 / 48_000.0).sin()) as i16)
                .collect(),
            channels: 2,
        };
        Case {
            players,
            limiter: Limiter::new(),
            bus: vec![0.0; FRAME * 2],
            one: vec![0.0; FRAME * 2],
            work: Vec::with_capacity(FRAME * 2),
            frame: mic.clone(),
            mic,
        }
    }

    /// One 10 ms frame of work.
    fn step(&mut self) {
        self.frame.samples.copy_from_slice(&self.mic.samples);
        self.bus.fill(0.0);
        for p in &mut self.players {
            p.render(&mut self.one);
            for (b, s) in self.bus.iter_mut().zip(&self.one) {
                *b += 1.5 * s;
            }
        }
        mix_into(
            &mut self.frame,
            &self.bus,
            &mut self.limiter,
            &mut self.work,
        );
        black_box(&self.frame);
    }
}

/// Nanoseconds this thread has run on a CPU (Linux's schedstat), so that time other
/// processes hold the core is not counted: the machine may be shared.
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// CPU ns per frame (wall-clock ns where schedstat is missing), over about `seconds`.
fn measure(case: &mut Case, seconds: f64) -> f64 {
    for _ in 0..500 {
        case.step();
    }
    let (wall, cpu) = (Instant::now(), thread_cpu_ns());
    let end = wall + Duration::from_secs_f64(seconds);
    let mut frames = 0u64;
    while Instant::now() < end {
        for _ in 0..100 {
            case.step();
        }
        frames += 100;
    }
    let spent = match (cpu, thread_cpu_ns()) {
        (Some(a), Some(b)) => b.saturating_sub(a) as f64,
        _ => wall.elapsed().as_nanos() as f64,
    };
    spent / frames as f64
}

fn main() {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let cases = [
        ("1 file", 1, 0),
        ("4 files", 4, 0),
        ("1 file, pitch +5", 1, 5),
        ("4 files, pitch +5", 4, 5),
    ];
    let mut results = Vec::new();
    for (name, files, pitch) in cases {
        eprint!("\rmeasuring {name}...          ");
        let ns = measure(&mut Case::new(files, pitch), seconds);
        results.push((name, ns));
    }
    eprintln!();
    let base = results[0].1;
    println!("case | ns per 10 ms stereo frame | share of one core | against 1 file");
    for (name, ns) in &results {
        println!(
            "{name} | {ns:.0} | {:.3}% | {:.2}x",
            100.0 * ns / FRAME_NS,
            ns / base
        );
    }
    let json: Vec<String> = results
        .iter()
        .map(|(name, ns)| format!("{{\"case\":\"{name}\",\"ns_per_frame\":{ns:.0}}}"))
        .collect();
    println!("{{\"mixing_cost\":[{}]}}", json.join(","));
}
