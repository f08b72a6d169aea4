//! Audio levels for `get_audio_volume`: the level of the latest 20 ms frame sent on each local
//! stream (after the capture volume and mixing) and received on each remote stream (as
//! decoded, before the playback volume), on the Web SDK's scale. Written once per frame by
//! capture and decoder threads; a level older than [`STALE`] belongs to a stream that stopped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chorus_media::AudioFrame;
use chorus_proto::StreamIndex;

use crate::media::outlet::StreamKey;

/// A level not refreshed for this long is of a stream that no longer flows.
const STALE: Duration = Duration::from_millis(500);

/// The level of one audio stream (the vendor's `getAudioVolume` result).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AudioVolume {
    /// 0 to 255, linear in amplitude: 255 is a full-scale sine.
    pub linear_volume: u8,
    /// -127 to 0 dB relative to a full-scale sine (-127: silence).
    pub nonlinear_volume: i32,
}

impl AudioVolume {
    /// The level of `frame`: its RMS scaled by √2, so a sine of amplitude `a` (full scale 1)
    /// reads `255·a` and `20·log10(a)` dB, as the Web SDK measures.
    pub(crate) fn of(frame: &AudioFrame) -> Self {
        let samples = &frame.samples;
        let sum: f64 = samples
            .iter()
            .map(|&s| (f64::from(s) / 32768.0).powi(2))
            .sum();
        let rms = (sum / samples.len().max(1) as f64).sqrt();
        let amplitude = (rms * std::f64::consts::SQRT_2).min(1.0);
        let db = if amplitude > 0.0 {
            (20.0 * amplitude.log10()).round().clamp(-127.0, 0.0)
        } else {
            -127.0
        };
        AudioVolume {
            // Both casts are of values already clamped to the target's range.
            linear_volume: (amplitude * 255.0).round() as u8,
            nonlinear_volume: db as i32,
        }
    }
}

/// The latest levels of an engine's streams. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub(crate) struct Levels {
    inner: Arc<Mutex<Latest>>,
}

#[derive(Debug, Default)]
struct Latest {
    local: HashMap<StreamIndex, (Instant, AudioVolume)>,
    remote: HashMap<StreamKey, (Instant, AudioVolume)>,
}

fn fresh(entry: Option<&(Instant, AudioVolume)>) -> AudioVolume {
    match entry {
        Some((at, level)) if at.elapsed() < STALE => *level,
        // The vendor's answer for a stream that does not exist: both 0.
        _ => AudioVolume::default(),
    }
}

impl Levels {
    fn lock(&self) -> std::sync::MutexGuard<'_, Latest> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes the level of a frame sent on local stream `index`.
    pub(crate) fn sent(&self, index: StreamIndex, frame: &AudioFrame) {
        let level = AudioVolume::of(frame);
        self.lock().local.insert(index, (Instant::now(), level));
    }

    /// Notes the level of a frame received on a remote stream.
    pub(crate) fn received(&self, key: &StreamKey, frame: &AudioFrame) {
        let level = AudioVolume::of(frame);
        self.lock()
            .remote
            .insert(key.clone(), (Instant::now(), level));
    }

    /// The level of local stream `index`.
    pub(crate) fn local(&self, index: StreamIndex) -> AudioVolume {
        fresh(self.lock().local.get(&index))
    }

    /// The level of a remote stream.
    pub(crate) fn remote(&self, key: &StreamKey) -> AudioVolume {
        fresh(self.lock().remote.get(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_reads_its_amplitude() {
        let mut frame = AudioFrame::silence(1);
        assert_eq!(
            AudioVolume::of(&frame),
            AudioVolume {
                linear_volume: 0,
                nonlinear_volume: -127
            }
        );
        for (n, s) in frame.samples.iter_mut().enumerate() {
            let t = n as f64 / 48_000.0;
            *s = (16384.0 * (2.0 * std::f64::consts::PI * 400.0 * t).sin()) as i16;
        }
        let half = AudioVolume::of(&frame);
        assert!((127..=128).contains(&half.linear_volume), "{half:?}");
        assert_eq!(half.nonlinear_volume, -6);
    }

    #[test]
    fn unknown_and_stale_streams_read_zero() {
        let levels = Levels::default();
        assert_eq!(levels.local(StreamIndex::Main), AudioVolume::default());
        let mut frame = AudioFrame::silence(1);
        frame.samples.fill(8000);
        levels.sent(StreamIndex::Main, &frame);
        assert!(levels.local(StreamIndex::Main).linear_volume > 0);
        assert_eq!(levels.local(StreamIndex::Screen), AudioVolume::default());
        levels.lock().local.insert(
            StreamIndex::Main,
            (Instant::now() - STALE, AudioVolume::of(&frame)),
        );
        assert_eq!(levels.local(StreamIndex::Main), AudioVolume::default());
    }
}
