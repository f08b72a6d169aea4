//! Audio as recognizers want it: the SDK's decoded 48 kHz frames (mono or stereo, i16) made
//! 16 kHz mono f32, and the WAV bytes that HTTP endpoints take.

use crate::vad::SAMPLE_RATE;

/// Taps of the decimation filter (odd, so it has a centre).
const TAPS: usize = 47;

/// A windowed-sinc low-pass at 7 kHz for 48 kHz (Blackman window), unity gain at DC.
fn low_pass() -> [f32; TAPS] {
    let mut taps = [0f32; TAPS];
    let cutoff = 7000.0 / 48_000.0;
    let mid = (TAPS / 2) as f64;
    for (i, tap) in taps.iter_mut().enumerate() {
        let x = i as f64 - mid;
        let sinc = if x == 0.0 {
            2.0 * cutoff
        } else {
            (2.0 * std::f64::consts::PI * cutoff * x).sin() / (std::f64::consts::PI * x)
        };
        let n = i as f64 / (TAPS - 1) as f64;
        let window = 0.42 - 0.5 * (2.0 * std::f64::consts::PI * n).cos()
            + 0.08 * (4.0 * std::f64::consts::PI * n).cos();
        *tap = (sinc * window) as f32;
    }
    let sum: f32 = taps.iter().sum();
    taps.iter_mut().for_each(|t| *t /= sum);
    taps
}

/// 48 kHz (mono or stereo, i16) to 16 kHz mono f32 through a proper low-pass, one stream's
/// frames in order: speech recognizers lose words to the aliasing of a cruder decimation.
#[derive(Debug, Clone)]
pub struct Downsampler {
    taps: [f32; TAPS],
    /// Mono 48 kHz samples not yet fully used, the oldest first.
    pending: Vec<f32>,
}

impl Default for Downsampler {
    fn default() -> Self {
        Downsampler {
            taps: low_pass(),
            // Starts on silence, so the first output sample lines up with the first input.
            pending: vec![0.0; TAPS / 2],
        }
    }
}

impl Downsampler {
    /// The 16 kHz samples `samples` (interleaved, `channels` channels) complete.
    pub fn push(&mut self, samples: &[i16], channels: u16) -> Vec<f32> {
        let channels = usize::from(channels.max(1));
        self.pending.extend(
            samples.chunks_exact(channels).map(|c| {
                c.iter().map(|&s| f32::from(s)).sum::<f32>() / (channels as f32 * 32768.0)
            }),
        );
        let mut out = Vec::with_capacity(self.pending.len() / 3);
        let mut start = 0;
        while start + TAPS <= self.pending.len() {
            let window = &self.pending[start..start + TAPS];
            out.push(window.iter().zip(&self.taps).map(|(s, t)| s * t).sum());
            start += 3;
        }
        self.pending.drain(..start);
        out
    }
}

/// A 16-bit PCM WAV file of 16 kHz mono `audio`.
pub fn wav_bytes(audio: &[f32]) -> Vec<u8> {
    let data_len = (audio.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + audio.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in audio {
        let v = (s.clamp(-1.0, 1.0) * 32767.0) as i16;
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_downsampler_keeps_speech_and_removes_what_would_alias() {
        let tone = |hz: f32| -> Vec<i16> {
            (0..48_000)
                .map(|i| {
                    (16384.0 * (2.0 * std::f32::consts::PI * hz * i as f32 / 48_000.0).sin()) as i16
                })
                .collect()
        };
        let rms = |x: &[f32]| (x.iter().map(|s| s * s).sum::<f32>() / x.len() as f32).sqrt();
        for (hz, kept) in [(1000.0, true), (12_000.0, false)] {
            let mut d = Downsampler::default();
            let out: Vec<f32> = tone(hz).chunks(960).flat_map(|f| d.push(f, 1)).collect();
            assert!((15_990..=16_000).contains(&out.len()), "{}", out.len());
            let level = rms(&out[1000..]);
            // A half-scale sine has an RMS of 0.354.
            if kept {
                assert!((level - 0.354).abs() < 0.01, "{hz} Hz: {level}");
            } else {
                assert!(level < 0.005, "{hz} Hz: {level}");
            }
        }
    }

    #[test]
    fn wav_header_is_44_bytes() {
        let wav = wav_bytes(&[0.0; 160]);
        assert_eq!(wav.len(), 44 + 320);
        assert_eq!(&wav[..4], b"RIFF");
    }
}
