//! Sample-rate conversion to 48 kHz for file sources (44.1 kHz music, 16 kHz speech...).
//!
//! A polyphase windowed-sinc resampler: the ratio 48000/in is reduced to L/M, and for each of
//! the L output phases a Blackman-windowed sinc kernel is precomputed (cut off just below the
//! lower Nyquist frequency, so downsampling does not alias). Each output sample is one dot
//! product of `2 * half` taps. Positions are tracked exactly in integers, so a tone keeps its
//! frequency over any length of audio. Streaming: feed chunks, then `finish` to drain the
//! kernel's tail. Depends only on std.

use std::f64::consts::PI;

/// Kernel half-width in taps at the lower of the two rates.
const HALF_TAPS: usize = 16;
/// Cut-off as a fraction of the lower Nyquist frequency (leaves room for the transition band).
const CUTOFF: f64 = 0.94;
/// More phases than this are approximated by the nearest of `MAX_PHASES` (odd rates only).
const MAX_PHASES: u64 = 4096;

/// Converts interleaved `i16` PCM from one rate to another, keeping the channel count.
pub(crate) struct Resampler {
    channels: usize,
    /// Upsampling factor L and downsampling factor M (output rate / input rate = L / M).
    up: u64,
    down: u64,
    half: usize,
    phases: usize,
    /// `phases` rows of `2 * half` taps.
    table: Vec<f32>,
    /// Interleaved input not yet consumed; `buf[0]` is absolute input sample `base`.
    buf: Vec<f32>,
    base: i64,
    /// Index of the next output sample.
    next_out: u64,
    /// Input samples (per channel) received so far.
    received: u64,
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl Resampler {
    /// A resampler from `from_hz` to `to_hz` (both non-zero) for `channels` (non-zero).
    pub(crate) fn new(from_hz: u32, to_hz: u32, channels: usize) -> Self {
        let (from, to) = (u64::from(from_hz.max(1)), u64::from(to_hz.max(1)));
        let g = gcd(from, to);
        let (up, down) = (to / g, from / g);
        let phases = up.min(MAX_PHASES) as usize;
        // Kernel in units of input samples: cut-off at the lower Nyquist frequency.
        let fc = CUTOFF * (to as f64 / from as f64).min(1.0);
        let half = (HALF_TAPS as f64 / (fc / CUTOFF)).ceil() as usize;
        let taps = 2 * half;
        let mut table = Vec::with_capacity(phases * taps);
        for p in 0..phases {
            let frac = p as f64 / phases as f64;
            let row: Vec<f64> = (0..taps)
                .map(|t| {
                    // Tap t multiplies input sample n0 - half + 1 + t; distance from output time.
                    let x = (t as f64 - half as f64 + 1.0) - frac;
                    fc * sinc(fc * x) * blackman(x / half as f64)
                })
                .collect();
            let sum: f64 = row.iter().sum();
            table.extend(row.iter().map(|v| (v / sum) as f32));
        }
        let channels = channels.max(1);
        Resampler {
            channels,
            up,
            down,
            half,
            phases,
            table,
            // Zeros before the first sample, so output 0 has its full left context.
            buf: vec![0.0; (half - 1) * channels],
            base: -(half as i64 - 1),
            next_out: 0,
            received: 0,
        }
    }

    /// Feeds interleaved input and appends whatever output is now complete to `out`.
    pub(crate) fn process(&mut self, input: &[i16], out: &mut Vec<i16>) {
        self.buf.extend(input.iter().map(|&s| f32::from(s)));
        self.received += (input.len() / self.channels) as u64;
        self.drain(out, self.received);
    }

    /// Ends the stream: pads with silence and appends the remaining output, so the total output
    /// length is `ceil(input_len * to / from)`.
    pub(crate) fn finish(&mut self, out: &mut Vec<i16>) {
        let end = self.received;
        self.buf
            .extend(std::iter::repeat_n(0.0, self.half * self.channels));
        self.drain(out, end);
        self.received = end;
    }

    /// Produces outputs while their kernels are covered by `buf`, stopping at the output that
    /// corresponds to input sample `limit` (exclusive).
    fn drain(&mut self, out: &mut Vec<i16>, limit: u64) {
        let ch = self.channels;
        let taps = 2 * self.half;
        let available = self.base + (self.buf.len() / ch) as i64;
        loop {
            let pos = self.next_out * self.down;
            let n0 = (pos / self.up) as i64;
            let rem = pos % self.up;
            if pos >= limit * self.up || n0 + self.half as i64 >= available {
                break;
            }
            let phase = (rem * self.phases as u64 / self.up) as usize;
            let row = &self.table[phase * taps..(phase + 1) * taps];
            let first = (n0 - self.half as i64 + 1 - self.base) as usize;
            let window = &self.buf[first * ch..(first + taps) * ch];
            if ch == 2 {
                // Stereo (mixing's case) in one pass, with two sums per side so consecutive
                // multiply-adds do not wait on each other; `taps` is even.
                let (mut l0, mut r0, mut l1, mut r1) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
                for (k, s) in row.chunks_exact(2).zip(window.chunks_exact(4)) {
                    l0 += k[0] * s[0];
                    r0 += k[0] * s[1];
                    l1 += k[1] * s[2];
                    r1 += k[1] * s[3];
                }
                out.push(to_i16(l0 + l1));
                out.push(to_i16(r0 + r1));
            } else {
                for c in 0..ch {
                    let acc: f32 = row
                        .iter()
                        .zip(window.iter().skip(c).step_by(ch))
                        .map(|(k, s)| k * s)
                        .sum();
                    out.push(to_i16(acc));
                }
            }
            self.next_out += 1;
        }
        // Drop input no future output needs.
        let next_n0 = (self.next_out * self.down / self.up) as i64;
        let keep_from = next_n0 - self.half as i64 + 1;
        if keep_from > self.base {
            let drop = ((keep_from - self.base) as usize).min(self.buf.len() / ch);
            self.buf.drain(..drop * ch);
            self.base += drop as i64;
        }
    }
}

fn to_i16(v: f32) -> i16 {
    v.round().clamp(-32768.0, 32767.0) as i16
}

fn sinc(x: f64) -> f64 {
    if x.abs() < 1e-12 {
        1.0
    } else {
        (PI * x).sin() / (PI * x)
    }
}

/// Blackman window over `u` in [-1, 1], zero outside.
fn blackman(u: f64) -> f64 {
    if u.abs() >= 1.0 {
        return 0.0;
    }
    0.42 + 0.5 * (PI * u).cos() + 0.08 * (2.0 * PI * u).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{dominant_frequency, rms};

    fn sine(hz: f64, rate: u32, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| (10000.0 * (2.0 * PI * hz * i as f64 / f64::from(rate)).sin()) as i16)
            .collect()
    }

    #[test]
    fn keeps_frequency_level_and_length_from_44100() {
        let input = sine(440.0, 44_100, 44_100);
        let mut r = Resampler::new(44_100, 48_000, 1);
        let mut out = Vec::new();
        for chunk in input.chunks(1000) {
            r.process(chunk, &mut out);
        }
        r.finish(&mut out);
        assert_eq!(out.len(), 48_000);
        let f = dominant_frequency(&out, 1);
        assert!((f - 440.0).abs() < 0.1, "{f}");
        let (a, b) = (rms(&input), rms(&out[1000..47000]));
        assert!((a - b).abs() < 0.01 * a, "{a} vs {b}");
    }

    #[test]
    fn downsamples_stereo_without_mixing_channels() {
        let left = sine(300.0, 96_000, 48_000);
        let right = sine(1000.0, 96_000, 48_000);
        let input: Vec<i16> = left
            .iter()
            .zip(&right)
            .flat_map(|(&l, &r)| [l, r])
            .collect();
        let mut r = Resampler::new(96_000, 48_000, 2);
        let mut out = Vec::new();
        r.process(&input, &mut out);
        r.finish(&mut out);
        assert_eq!(out.len(), 48_000);
        let l: Vec<i16> = out.iter().step_by(2).copied().collect();
        let rr: Vec<i16> = out.iter().skip(1).step_by(2).copied().collect();
        assert!((dominant_frequency(&l, 1) - 300.0).abs() < 0.1);
        assert!((dominant_frequency(&rr, 1) - 1000.0).abs() < 0.1);
    }
}
