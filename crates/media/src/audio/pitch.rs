//! Pitch shifting in semitones at constant speed, for mixed files: two read heads sweep a short
//! delay line faster (or slower) than it is written, crossfaded so that each head's jump back
//! happens where its weight is zero. Cheap and real-time (a few multiplies per sample); a
//! steady tone comes out at its frequency times 2^(semitones/12). Depends on nothing else.

use std::f32::consts::PI;

/// The window the heads sweep, in samples (40 ms at 48 kHz): long enough for low notes,
/// short enough to keep echoes inaudible.
const WINDOW: usize = 1920;
/// Ring buffer length per channel (a power of two above the window).
const RING: usize = 4096;

/// A pitch shifter for interleaved f32 audio of a fixed channel count.
#[derive(Debug, Clone)]
pub struct PitchShifter {
    channels: usize,
    semitones: i32,
    ratio: f32,
    /// Per channel, `RING` samples.
    ring: Vec<f32>,
    write: usize,
    /// Sweep phase in [0, 1): head one's delay is `phase * WINDOW`.
    phase: f32,
}

impl PitchShifter {
    /// A shifter for `channels` (1 or more) that shifts by nothing yet.
    pub fn new(channels: usize) -> Self {
        let channels = channels.max(1);
        PitchShifter {
            channels,
            semitones: 0,
            ratio: 1.0,
            ring: vec![0.0; RING * channels],
            write: 0,
            phase: 0.0,
        }
    }

    /// Sets the shift in semitones (0 passes audio through untouched).
    pub fn set_semitones(&mut self, semitones: i32) {
        self.semitones = semitones;
        self.ratio = 2f32.powf(semitones as f32 / 12.0);
    }

    /// The shift in semitones.
    pub fn semitones(&self) -> i32 {
        self.semitones
    }

    /// Shifts interleaved `samples` in place.
    pub fn process(&mut self, samples: &mut [f32]) {
        if self.semitones == 0 {
            return;
        }
        let ch = self.channels;
        let step = (1.0 - self.ratio) / WINDOW as f32;
        for frame in samples.chunks_mut(ch) {
            let p1 = self.phase;
            let p2 = (p1 + 0.5) % 1.0;
            // sin²(π(p + ½)) = 1 - sin²(πp): one sine per sample.
            let w1 = (PI * p1).sin().powi(2);
            let w2 = 1.0 - w1;
            for (c, s) in frame.iter_mut().enumerate() {
                let ring = &mut self.ring[c * RING..(c + 1) * RING];
                ring[self.write] = *s;
                *s = w1 * read(ring, self.write, p1 * WINDOW as f32)
                    + w2 * read(ring, self.write, p2 * WINDOW as f32);
            }
            self.write = (self.write + 1) % RING;
            self.phase = (self.phase + step).rem_euclid(1.0);
        }
    }
}

/// The ring's sample `delay` samples before `write`, linearly interpolated.
fn read(ring: &[f32], write: usize, delay: f32) -> f32 {
    let pos = write as f32 + RING as f32 - delay;
    let i = pos.floor();
    let frac = pos - i;
    let i = i as usize;
    let a = ring[i % RING];
    let b = ring[(i + 1) % RING];
    a + (b - a) * frac
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dominant_frequency;

    fn shifted(hz: f32, semitones: i32) -> f32 {
        let mut shifter = PitchShifter::new(1);
        shifter.set_semitones(semitones);
        let mut x: Vec<f32> = (0..48_000)
            .map(|i| 0.5 * (2.0 * PI * hz * i as f32 / 48_000.0).sin())
            .collect();
        for chunk in x.chunks_mut(480) {
            shifter.process(chunk);
        }
        let pcm: Vec<i16> = x[4800..].iter().map(|s| (s * 32767.0) as i16).collect();
        dominant_frequency(&pcm, 1)
    }

    #[test]
    fn an_octave_up_doubles_and_down_halves_a_tone() {
        let up = shifted(500.0, 12);
        assert!((up - 1000.0).abs() < 5.0, "{up}");
        let down = shifted(800.0, -12);
        assert!((down - 400.0).abs() < 5.0, "{down}");
        let fifth = shifted(400.0, 7);
        assert!(
            (fifth - 400.0 * 2f32.powf(7.0 / 12.0)).abs() < 5.0,
            "{fifth}"
        );
    }

    #[test]
    fn no_shift_is_untouched() {
        let mut shifter = PitchShifter::new(2);
        let mut x = vec![0.25f32; 960];
        shifter.process(&mut x);
        assert!(x.iter().all(|&s| s == 0.25));
    }
}
