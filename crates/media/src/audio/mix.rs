//! What audio mixing plays: a decoded file ([`ClipPlayer`]: play count, seeking, pitch) and
//! PCM an app pushes ([`PcmQueue`]), each rendered as 48 kHz stereo f32 on demand, and
//! [`mix_into`], which sums such a bus into a captured frame through a [`Limiter`].
//!
//! Files keep their own rate in memory and are resampled while they play, so seeking is exact
//! and a preloaded file costs its size, not its size at 48 kHz. Plain, synchronous code: the
//! caller decides when a frame is due (the SDK's capture thread).

use std::collections::VecDeque;
use std::sync::Arc;

use super::file::DecodedAudio;
use super::limiter::Limiter;
use super::pitch::PitchShifter;
use super::resample::Resampler;
use crate::{AudioFrame, SAMPLE_RATE};

/// Input fed to the resampler at a time, in frames of the file.
const FEED: usize = 256;

/// Plays a decoded file as 48 kHz stereo: `plays` times (0 for ever), from a position.
pub struct ClipPlayer {
    clip: Arc<DecodedAudio>,
    /// Frames the file has.
    frames: usize,
    /// Output frames one pass lasts.
    pass_out: u64,
    /// Passes to play, 0 for ever.
    plays: u32,
    /// Output frames played since the first pass began (position = this mod `pass_out`).
    played: u64,
    /// Next input frame to feed.
    next_in: usize,
    resampler: Option<Resampler>,
    /// Resampled stereo output not yet rendered.
    pending: VecDeque<f32>,
    pitch: PitchShifter,
    scratch: Vec<i16>,
    resampled: Vec<i16>,
}

impl ClipPlayer {
    /// A player of `clip` for `plays` passes (0: for ever), from the start ([`Self::seek`]
    /// moves it).
    pub fn new(clip: Arc<DecodedAudio>, plays: u32) -> Self {
        let frames = clip.frames();
        let rate = u64::from(clip.rate.max(1));
        let pass_out = (frames as u64 * u64::from(SAMPLE_RATE))
            .div_ceil(rate)
            .max(1);
        let mut player = ClipPlayer {
            clip,
            frames,
            pass_out,
            plays,
            played: 0,
            next_in: 0,
            resampler: None,
            pending: VecDeque::new(),
            pitch: PitchShifter::new(2),
            scratch: Vec::new(),
            resampled: Vec::new(),
        };
        player.restart_at(0);
        player
    }

    /// The clip's length in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.clip.duration_ms()
    }

    /// Where in the clip playback is, in milliseconds.
    pub fn position_ms(&self) -> u64 {
        (self.played % self.pass_out) * 1000 / u64::from(SAMPLE_RATE)
    }

    /// Whether every pass has been played.
    pub fn finished(&self) -> bool {
        self.plays > 0 && self.played >= u64::from(self.plays) * self.pass_out
    }

    /// Moves playback to `ms` into the current pass. `false` (and nothing moves) past the end.
    pub fn seek(&mut self, ms: u64) -> bool {
        if ms > self.duration_ms() {
            return false;
        }
        let pass = self.played / self.pass_out;
        let offset = (ms * u64::from(SAMPLE_RATE) / 1000).min(self.pass_out - 1);
        self.played = pass * self.pass_out + offset;
        self.restart_at(ms);
        true
    }

    /// Sets the pitch shift in semitones.
    pub fn set_pitch(&mut self, semitones: i32) {
        self.pitch.set_semitones(semitones);
    }

    fn restart_at(&mut self, ms: u64) {
        let rate = self.clip.rate.max(1);
        self.next_in = ((ms * u64::from(rate) / 1000) as usize).min(self.frames.saturating_sub(1));
        self.pending.clear();
        self.resampler = (rate != SAMPLE_RATE).then(|| Resampler::new(rate, SAMPLE_RATE, 2));
    }

    /// Renders `out.len() / 2` stereo frames into `out` (overwriting it): the clip where it
    /// plays, silence once finished.
    pub fn render(&mut self, out: &mut [f32]) {
        let want = out.len() / 2;
        let left = if self.plays == 0 {
            want as u64
        } else {
            (u64::from(self.plays) * self.pass_out).saturating_sub(self.played)
        };
        let real = (want as u64).min(left) as usize;
        while self.pending.len() < real * 2 {
            self.feed();
        }
        let n = real * 2;
        for (o, s) in out[..n].iter_mut().zip(self.pending.drain(..n)) {
            *o = s;
        }
        out[n..].fill(0.0);
        self.played += real as u64;
        self.pitch.process(&mut out[..real * 2]);
    }

    /// Feeds the next stretch of the file (wrapping round: passes follow each other seamlessly)
    /// and queues what comes out.
    fn feed(&mut self) {
        let ch = usize::from(self.clip.channels.max(1));
        let end = (self.next_in + FEED).min(self.frames);
        self.scratch.clear();
        for f in self.next_in..end {
            let s = &self.clip.samples[f * ch..f * ch + ch];
            self.scratch.extend_from_slice(&[s[0], s[ch - 1]]);
        }
        self.next_in = if end >= self.frames { 0 } else { end };
        let samples = match &mut self.resampler {
            Some(r) => {
                self.resampled.clear();
                r.process(&self.scratch, &mut self.resampled);
                &self.resampled
            }
            None => &self.scratch,
        };
        self.pending
            .extend(samples.iter().map(|&s| f32::from(s) / 32768.0));
    }
}

/// PCM an app pushes for mixing, resampled to 48 kHz stereo and queued until played. Plays
/// silence when empty.
#[derive(Default)]
pub struct PcmQueue {
    resampler: Option<(u32, u16, Resampler)>,
    pending: VecDeque<f32>,
    buf: Vec<i16>,
}

/// Most audio a [`PcmQueue`] holds (2 s): an app that pushes faster than real time loses the oldest.
const PCM_QUEUE_MAX: usize = 2 * SAMPLE_RATE as usize * 2;

impl PcmQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues interleaved `samples` of `channels` (1 or 2) at `rate` Hz.
    pub fn push(&mut self, samples: &[i16], channels: u16, rate: u32) {
        let ch = usize::from(channels.clamp(1, 2));
        let stereo: Vec<i16> = samples
            .chunks_exact(ch)
            .flat_map(|s| [s[0], s[ch - 1]])
            .collect();
        if rate == SAMPLE_RATE {
            self.pending
                .extend(stereo.iter().map(|&s| f32::from(s) / 32768.0));
        } else {
            if self
                .resampler
                .as_ref()
                .is_none_or(|(r, c, _)| (*r, *c) != (rate, channels))
            {
                self.resampler = Some((rate, channels, Resampler::new(rate, SAMPLE_RATE, 2)));
            }
            if let Some((_, _, r)) = &mut self.resampler {
                self.buf.clear();
                r.process(&stereo, &mut self.buf);
                self.pending
                    .extend(self.buf.iter().map(|&s| f32::from(s) / 32768.0));
            }
        }
        let over = self.pending.len().saturating_sub(PCM_QUEUE_MAX);
        self.pending.drain(..over);
    }

    /// Stereo frames queued.
    pub fn queued_frames(&self) -> usize {
        self.pending.len() / 2
    }

    /// Renders `out.len() / 2` stereo frames into `out` (overwriting it).
    pub fn render(&mut self, out: &mut [f32]) {
        for o in out.iter_mut() {
            *o = self.pending.pop_front().unwrap_or(0.0);
        }
    }
}

/// Adds the 48 kHz stereo `bus` (f32, 1.0 full scale; as many frames as `frame` has) to
/// `frame`, through `limiter`: a stereo frame takes each side, a mono one their mean.
pub fn mix_into(frame: &mut AudioFrame, bus: &[f32], limiter: &mut Limiter, work: &mut Vec<f32>) {
    let ch = usize::from(frame.channels.max(1));
    work.clear();
    work.extend(frame.samples.iter().map(|&s| f32::from(s) / 32768.0));
    for (i, s) in work.iter_mut().enumerate() {
        let (f, c) = (i / ch, i % ch);
        let (l, r) = (
            bus.get(2 * f).copied().unwrap_or(0.0),
            bus.get(2 * f + 1).copied().unwrap_or(0.0),
        );
        *s += if ch == 1 {
            0.5 * (l + r)
        } else if c == 0 {
            l
        } else {
            r
        };
    }
    limiter.process(work, ch);
    for (o, s) in frame.samples.iter_mut().zip(work.iter()) {
        *o = (s * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{dominant_frequency, rms};
    use std::f64::consts::PI;

    fn sine_clip(hz: f64, rate: u32, ms: u64) -> Arc<DecodedAudio> {
        let n = (u64::from(rate) * ms / 1000) as usize;
        let samples = (0..n)
            .map(|i| (16384.0 * (2.0 * PI * hz * i as f64 / f64::from(rate)).sin()) as i16)
            .collect();
        Arc::new(DecodedAudio {
            samples,
            channels: 1,
            rate,
            tracks: 1,
        })
    }

    fn play(player: &mut ClipPlayer, frames: usize) -> Vec<f32> {
        let mut out = vec![0.0; frames * 2];
        for chunk in out.chunks_mut(960) {
            player.render(chunk);
        }
        out
    }

    #[test]
    fn a_clip_plays_its_count_resampled_then_falls_silent() {
        let mut player = ClipPlayer::new(sine_clip(1000.0, 44_100, 1000), 3);
        assert_eq!(player.duration_ms(), 1000);
        let out = play(&mut player, 48_000 * 3);
        assert!(player.finished());
        let left: Vec<i16> = out
            .iter()
            .step_by(2)
            .map(|s| (s * 32767.0) as i16)
            .collect();
        let hz = dominant_frequency(&left[48_000..96_000], 1);
        assert!((hz - 1000.0).abs() < 1.0, "{hz}");
        let level = rms(&left[100_000..140_000]);
        assert!((level - 0.353).abs() < 0.01, "{level}");
        let after = play(&mut player, 4800);
        assert!(after.iter().all(|&s| s == 0.0));
    }

    #[test]
    fn seeking_moves_the_position_and_refuses_past_the_end() {
        let mut player = ClipPlayer::new(sine_clip(440.0, 48_000, 2000), 1);
        play(&mut player, 4800);
        assert_eq!(player.position_ms(), 100);
        assert!(player.seek(1500));
        assert_eq!(player.position_ms(), 1500);
        assert!(!player.seek(2500));
        assert_eq!(player.position_ms(), 1500);
    }

    #[test]
    fn mixing_sums_and_limits_without_wrapping() {
        let mut frame = AudioFrame {
            samples: vec![30_000; 960],
            channels: 1,
        };
        let bus = vec![0.9f32; 1920];
        let mut limiter = Limiter::new();
        mix_into(&mut frame, &bus, &mut limiter, &mut Vec::new());
        assert!(frame.samples.iter().all(|&s| s > 30_000), "no wrap-around");
    }

    #[test]
    fn pushed_pcm_is_resampled_and_queued() {
        let mut queue = PcmQueue::new();
        let pcm: Vec<i16> = (0..16_000)
            .map(|i| (8000.0 * (2.0 * PI * 500.0 * i as f64 / 16_000.0).sin()) as i16)
            .collect();
        queue.push(&pcm, 1, 16_000);
        assert!((47_900..=48_000).contains(&queue.queued_frames()));
        let mut out = vec![0.0; 2 * 40_000];
        queue.render(&mut out);
        let left: Vec<i16> = out
            .iter()
            .step_by(2)
            .map(|s| (s * 32767.0) as i16)
            .collect();
        assert!((dominant_frequency(&left, 1) - 500.0).abs() < 1.0);
    }
}
