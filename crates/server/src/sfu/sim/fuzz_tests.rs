//! The forwarding-path fuzz driver over a fixed set of hostile sessions, the seed corpus of
//! the `forward` fuzz target: CI runs them on every build, and they must match the files in
//! `fuzz/corpus/forward/` (`CHORUS_BLESS=1` rewrites those).

use std::path::Path;

use super::fuzz::{MAX_PAYLOAD, run};

/// An encoder for the driver's input format (see `fuzz.rs`), to write the seeds readably.
#[derive(Default)]
struct Seed(Vec<u8>);

/// RTP flags: video, on a layer (0-2, 3 for none).
fn video(layer: u8) -> u8 {
    1 | (layer << 1)
}
const AUDIO: u8 = 0;
const MARKER: u8 = 8;
const NACKABLE: u8 = 16;
/// All three extension picks.
const ALL_EXT: u8 = 0xe0;
/// Use the negotiated payload type.
const NEGOTIATED: u8 = 0xff;

impl Seed {
    fn rtp(mut self, flags: u8, seq_step: i16, ts_step: i32, pt: u8, payload: &[u8]) -> Self {
        self.0.push(0);
        self.0.push(flags);
        self.0.extend(seq_step.to_be_bytes());
        self.0.extend(ts_step.to_be_bytes());
        self.0.push(pt);
        self.payload(payload);
        self
    }

    /// A packet of `len` bytes of filler (the input ends its payload early).
    fn filled(mut self, flags: u8, seq_step: i16, len: u16) -> Self {
        self.0.push(0);
        self.0.push(flags);
        self.0.extend(seq_step.to_be_bytes());
        self.0.extend(3000i32.to_be_bytes());
        self.0.push(NEGOTIATED);
        self.0.extend(len.to_be_bytes());
        self
    }

    fn payload(&mut self, payload: &[u8]) {
        let len = u16::try_from(payload.len()).expect("a seed payload fits");
        self.0.extend(len.to_be_bytes());
        self.0.extend(payload);
    }

    fn foreign(mut self, ssrc: u32, video: bool, payload: &[u8]) -> Self {
        self.0.push(1);
        self.0.extend(ssrc.to_be_bytes());
        self.0.push(u8::from(video));
        self.payload(payload);
        self
    }

    fn keyframe_request(mut self, who: u8, fir: bool) -> Self {
        self.0.extend([2, who, u8::from(fir)]);
        self
    }

    fn feedback(mut self, who: u8, ssrc: u32, flags: u8) -> Self {
        self.0.extend([3, who]);
        self.0.extend(ssrc.to_be_bytes());
        self.0.push(flags);
        self
    }

    fn wait(mut self, ms: u8) -> Self {
        self.0.extend([4, ms]);
        self
    }

    fn layer(mut self, who: u8, layer: u8) -> Self {
        self.0.extend([5, who, layer]);
        self
    }

    fn pause(mut self, who: u8, video: bool, paused: bool) -> Self {
        self.0
            .extend([6, who, u8::from(video) | u8::from(paused) << 1]);
        self
    }

    fn leave(mut self, who: u8) -> Self {
        self.0.extend([7, who]);
        self
    }
}

/// An H.264 IDR slice and a non-IDR slice, as single NAL unit packets.
const IDR: &[u8] = &[0x65, 0x88, 0x84, 0x00, 0x33, 0xff];
const SLICE: &[u8] = &[0x41, 0x9a, 0x02, 0x11];

/// The hostile sessions, by name.
fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let max = u16::try_from(MAX_PAYLOAD).expect("fits");
    let mut thousand_plis = Seed::default().rtp(video(2), 1, 3000, NEGOTIATED, IDR);
    for n in 0..250u32 {
        thousand_plis = thousand_plis
            .feedback(n as u8, 0xdead_0000 + n, 0)
            .keyframe_request(n as u8, n % 2 == 1)
            .feedback(n as u8, n, 0x09);
    }
    // Sequence numbers far ahead and back: gaps the router and subscribers NACK (and the
    // publisher answers over RTX) for packets never sent.
    let mut gaps = Seed::default().rtp(video(2) | NACKABLE, 1, 0, NEGOTIATED, IDR);
    for n in 0..40i16 {
        gaps = gaps
            .rtp(video(2) | NACKABLE, 900 + n, 3000, NEGOTIATED, SLICE)
            .wait(20)
            .rtp(
                video(2) | NACKABLE,
                -450,
                3000,
                NEGOTIATED,
                &[0x41, n as u8],
            );
    }
    let mut wrap = Seed::default().rtp(AUDIO, 1, 960, NEGOTIATED, b"opus");
    for n in 0..8u8 {
        wrap = wrap
            .rtp(AUDIO, i16::MAX, 960, NEGOTIATED, &[n])
            .rtp(video(0) | MARKER, i16::MAX, i32::MIN, NEGOTIATED, IDR)
            .wait(10);
    }
    vec![
        (
            "empty_payloads",
            Seed::default()
                .rtp(AUDIO, 1, 960, NEGOTIATED, &[])
                .rtp(video(0) | MARKER, 1, 3000, NEGOTIATED, &[])
                .rtp(video(3), 1, 3000, NEGOTIATED, &[])
                .rtp(video(1) | MARKER, 1, 3000, NEGOTIATED, IDR)
                .rtp(video(1), 1, 3000, NEGOTIATED, &[])
                .wait(40)
                .0,
        ),
        (
            "max_size_packets",
            Seed::default()
                .rtp(video(2) | MARKER | ALL_EXT, 1, 3000, NEGOTIATED, IDR)
                .filled(video(2) | ALL_EXT, 1, max)
                .wait(5)
                .filled(AUDIO | ALL_EXT, 1, max)
                .filled(video(0), 1, u16::MAX)
                .0,
        ),
        ("sequence_and_timestamp_wraps", wrap.0),
        (
            "timestamp_jumps_and_layer_switches",
            Seed::default()
                .rtp(video(0) | MARKER, 1, 3000, NEGOTIATED, IDR)
                .rtp(video(1) | MARKER, 1, 3000, NEGOTIATED, IDR)
                .rtp(video(2) | MARKER, 1, 3000, NEGOTIATED, IDR)
                .layer(0, 0)
                .rtp(video(0), 1, i32::MAX, NEGOTIATED, SLICE)
                .rtp(video(0) | MARKER, 1, -90_000, NEGOTIATED, IDR)
                .layer(1, 1)
                .rtp(video(1) | MARKER, -5, 7, NEGOTIATED, IDR)
                .wait(100)
                .layer(0, 2)
                .rtp(video(2) | MARKER, 0, 0, NEGOTIATED, IDR)
                .wait(50)
                .0,
        ),
        (
            "unknown_ssrcs_and_payload_types",
            Seed::default()
                .rtp(video(2) | MARKER, 1, 3000, NEGOTIATED, IDR)
                .foreign(0x1234_5678, true, IDR)
                .foreign(0x1234_5678, true, SLICE)
                .foreign(7, false, b"not opus")
                .rtp(AUDIO, 1, 960, 0, b"pcmu?")
                .rtp(video(1), 1, 3000, 127, IDR)
                .rtp(video(3) | ALL_EXT, 1, 3000, NEGOTIATED, IDR)
                .wait(30)
                .0,
        ),
        ("bogus_feedback", thousand_plis.0),
        ("nacks_for_packets_never_sent", gaps.0),
        (
            "pause_resume_leave",
            Seed::default()
                .rtp(video(2) | MARKER, 1, 3000, NEGOTIATED, IDR)
                .rtp(AUDIO, 1, 960, NEGOTIATED, b"one")
                .wait(5)
                .pause(0, true, true)
                .pause(1, false, true)
                .rtp(video(2) | MARKER, 1, 3000, NEGOTIATED, &[0x65, 1])
                .rtp(AUDIO, 1, 960, NEGOTIATED, b"two")
                .wait(5)
                .pause(0, true, false)
                .keyframe_request(0, false)
                .leave(1)
                .rtp(video(2) | MARKER, 1, 3000, NEGOTIATED, &[0x65, 2])
                .rtp(AUDIO, 1, 960, NEGOTIATED, b"three")
                .wait(30)
                .leave(0)
                .rtp(AUDIO, 1, 960, NEGOTIATED, b"four")
                .wait(30)
                .0,
        ),
    ]
}

#[test]
fn the_router_survives_hostile_media_and_keeps_its_invariants() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/forward");
    let bless = std::env::var_os("CHORUS_BLESS").is_some();
    for (name, bytes) in seeds() {
        let path = dir.join(name);
        if bless {
            std::fs::create_dir_all(&dir).expect("the corpus directory");
            std::fs::write(&path, &bytes).expect("a corpus file written");
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == bytes,
            "{} is not the seed made here: run with CHORUS_BLESS=1",
            path.display()
        );
        let checked = run(&bytes);
        assert!(checked > 0, "{name}: nothing reached a subscriber to check");
    }
    // Inputs a fuzzer found, kept as regression cases.
    let mut found: Vec<_> = std::fs::read_dir(&dir)
        .expect("the corpus directory")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("crash-"))
        })
        .collect();
    found.sort();
    for path in found {
        run(&std::fs::read(&path).expect("a readable corpus file"));
    }
}

/// A session of well-formed actions with random values, mostly plausible ones (negotiated
/// payload types, small steps, H.264 slices), so that random runs get media forwarded.
fn random_session(next: &mut impl FnMut() -> u64) -> Vec<u8> {
    let mut seed = Seed::default();
    for _ in 0..next() % 150 {
        let r = next();
        let who = (r >> 8) as u8;
        let odd = (r >> 12).is_multiple_of(8);
        seed = match r % 12 {
            0..=5 => {
                let layer = ((r >> 16) % 4) as u8;
                let mut flags = if (r >> 20) & 1 == 1 {
                    video(layer)
                } else {
                    AUDIO
                };
                flags |= (r >> 24) as u8 & (MARKER | NACKABLE | ALL_EXT);
                let (seq, ts) = if odd {
                    (next() as i16, next() as i32)
                } else {
                    (1, 3000)
                };
                let pt = if odd { next() as u8 } else { NEGOTIATED };
                let len = (next() % if odd { 1200 } else { 40 }) as usize;
                let mut payload = vec![if (r >> 28) & 3 == 0 { 0x65 } else { 0x41 }];
                payload.extend((0..len).map(|_| next() as u8));
                seed.rtp(flags, seq, ts, pt, &payload)
            }
            6 => seed.foreign(next() as u32, r & 1 == 1, &[0x65, who]),
            7 => seed.keyframe_request(who, r & 1 == 1),
            8 => seed.feedback(who, next() as u32, (r >> 16) as u8),
            9 => seed.wait((r >> 16) as u8 % 60),
            10 => seed.layer(who, (r >> 16) as u8),
            _ if odd => seed.leave(who),
            _ => seed.pause(who, r & 1 == 1, (r >> 1) & 1 == 1),
        };
    }
    seed.0
}

/// The long run where libFuzzer is not at hand: `CHORUS_FUZZ_INPUTS` inputs (default 1000)
/// from a seeded generator, random bytes and mutated seeds, each in its own session; inputs
/// that panic are written to `CHORUS_FUZZ_OUT` (default `/tmp/forward-crashes`).
/// `cargo test -p chorus-server --lib --release fuzz_tests::random -- --ignored --nocapture`
#[test]
#[ignore = "a long run, by hand"]
fn random_sessions() {
    let count: u64 = std::env::var("CHORUS_FUZZ_INPUTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let out = std::env::var("CHORUS_FUZZ_OUT").unwrap_or_else(|_| "/tmp/forward-crashes".into());
    let mut state: u64 = std::env::var("CHORUS_FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let seeds: Vec<Vec<u8>> = seeds().into_iter().map(|(_, bytes)| bytes).collect();
    let (mut crashes, mut forwarded) = (0, 0);
    for n in 0..count {
        let input: Vec<u8> = if n % 3 == 0 {
            let len = (next() % 1500) as usize;
            (0..len).map(|_| next() as u8).collect()
        } else if n % 3 == 1 {
            random_session(&mut next)
        } else {
            let mut input = seeds[(next() % seeds.len() as u64) as usize].clone();
            for _ in 0..1 + next() % 16 {
                let at = (next() % input.len() as u64) as usize;
                input[at] = next() as u8;
            }
            let keep = (next() % (input.len() as u64 + 1)) as usize;
            input.truncate(keep.max(1));
            input
        };
        match std::panic::catch_unwind(|| run(&input)) {
            Ok(checked) => forwarded += checked,
            Err(_) => {
                crashes += 1;
                std::fs::create_dir_all(&out).expect("the crash directory");
                std::fs::write(format!("{out}/crash-{n}"), &input).expect("a crash written");
            }
        }
        if n % 1000 == 999 {
            println!(
                "{} inputs, {crashes} crashes, {forwarded} packets checked",
                n + 1
            );
        }
    }
    println!("{count} inputs, {crashes} crashes, {forwarded} packets checked");
    assert_eq!(crashes, 0, "crashing inputs are in {out}");
}
