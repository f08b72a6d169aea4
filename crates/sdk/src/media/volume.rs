//! Volumes: the gain applied to captured (or pushed) PCM before it is encoded
//! (`set_capture_volume`) and to each remote stream's decoded PCM before the app gets it
//! (`set_playback_volume`). A volume is 0..=400 percent of the amplitude: 100 leaves the
//! samples untouched, 200 doubles them (saturating at the i16 limits rather than wrapping),
//! 0 silences. Shared between the engine handle, capture threads and decoder threads; read
//! once per 20 ms frame.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chorus_media::AudioFrame;
use chorus_proto::{ErrorCode, RtcError, StreamIndex};

use crate::media::level::Levels;
use crate::media::outlet::StreamKey;

/// The highest volume: four times the amplitude.
pub(crate) const MAX_VOLUME: u32 = 400;
/// The volume that leaves audio as it is.
const UNCHANGED: u32 = 100;

/// `INVALID_PARAMS` unless `volume` is 0..=400.
pub(crate) fn check_volume(volume: u32) -> Result<(), RtcError> {
    if volume > MAX_VOLUME {
        return Err(RtcError::new(
            ErrorCode::InvalidParams,
            format!("a volume is 0 to {MAX_VOLUME} (100: unchanged), not {volume}"),
        ));
    }
    Ok(())
}

/// Scales `frame` to `volume` percent, saturating.
pub(crate) fn apply(frame: &mut AudioFrame, volume: u32) {
    if volume == UNCHANGED {
        return;
    }
    let volume = i32::try_from(volume).unwrap_or(i32::MAX);
    for sample in &mut frame.samples {
        let scaled = i32::from(*sample) * volume / 100;
        *sample = i16::try_from(scaled.clamp(i32::from(i16::MIN), i32::from(i16::MAX)))
            .unwrap_or_default();
    }
}

/// An engine's capture and playback volumes, and the levels of what they produce (which the
/// same threads note, once per frame). Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Volumes {
    inner: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    /// By stream index: main, screen.
    capture: [AtomicU32; 2],
    /// Volumes other than 100, by remote stream.
    playback: Mutex<HashMap<StreamKey, u32>>,
    levels: Levels,
}

impl Default for Volumes {
    fn default() -> Self {
        Volumes {
            inner: Arc::new(Shared {
                capture: [AtomicU32::new(UNCHANGED), AtomicU32::new(UNCHANGED)],
                playback: Mutex::new(HashMap::new()),
                levels: Levels::default(),
            }),
        }
    }
}

fn slot(index: StreamIndex) -> usize {
    match index {
        StreamIndex::Main => 0,
        StreamIndex::Screen => 1,
    }
}

impl Volumes {
    /// Sets the capture volume of stream `index` (checked by the caller).
    pub(crate) fn set_capture(&self, index: StreamIndex, volume: u32) {
        self.inner.capture[slot(index)].store(volume, Ordering::Relaxed);
    }

    /// Applies stream `index`'s capture volume to a frame about to be encoded.
    pub(crate) fn apply_capture(&self, index: StreamIndex, frame: &mut AudioFrame) {
        apply(
            frame,
            self.inner.capture[slot(index)].load(Ordering::Relaxed),
        );
    }

    /// Sets the playback volume of a remote stream (checked by the caller); it holds across
    /// rooms and resubscribes, as the stream's reader does.
    pub(crate) fn set_playback(&self, key: StreamKey, volume: u32) {
        let mut playback = self
            .inner
            .playback
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if volume == UNCHANGED {
            playback.remove(&key);
        } else {
            playback.insert(key, volume);
        }
    }

    /// The latest levels of the streams sent and received.
    pub(crate) fn levels(&self) -> &Levels {
        &self.inner.levels
    }

    /// The playback volume of a remote stream.
    pub(crate) fn playback(&self, key: &StreamKey) -> u32 {
        self.inner
            .playback
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .copied()
            .unwrap_or(UNCHANGED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(samples: &[i16]) -> AudioFrame {
        AudioFrame {
            samples: samples.to_vec(),
            channels: 1,
        }
    }

    #[test]
    fn volumes_scale_and_saturate() {
        let mut f = frame(&[1000, -1000, 20_000, -20_000]);
        apply(&mut f, 200);
        assert_eq!(f.samples, [2000, -2000, i16::MAX, i16::MIN]);
        let mut f = frame(&[1000, -1001]);
        apply(&mut f, 50);
        assert_eq!(f.samples, [500, -500]);
        apply(&mut f, 0);
        assert_eq!(f.samples, [0, 0]);
    }

    #[test]
    fn out_of_range_volumes_are_invalid() {
        assert!(check_volume(400).is_ok());
        assert_eq!(
            check_volume(401).map_err(|e| e.code),
            Err(ErrorCode::InvalidParams)
        );
    }

    #[test]
    fn playback_volumes_are_per_stream() {
        let volumes = Volumes::default();
        let bob = ("bob".to_owned(), StreamIndex::Main);
        volumes.set_playback(bob.clone(), 50);
        assert_eq!(volumes.playback(&bob), 50);
        assert_eq!(
            volumes.playback(&("bob".to_owned(), StreamIndex::Screen)),
            100
        );
        volumes.set_playback(bob.clone(), 100);
        assert_eq!(volumes.playback(&bob), 100);
    }
}
