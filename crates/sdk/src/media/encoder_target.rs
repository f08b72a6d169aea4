//! What an app asks of a stream's video encoder (`set_video_encoder_config`): a bitrate and a
//! frame rate. The conductor keeps one [`EncoderTarget`] per stream index and hands it to
//! each video pipeline of that index, which reads it before every picture and remakes its
//! encoder when it changed; unset, the pipeline picks from the picture size.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chorus_proto::{ErrorCode, RtcError};

/// Bitrates an app may ask for, kbit/s.
const MAX_KBPS_RANGE: std::ops::RangeInclusive<u32> = 50..=10_000;
/// Frame rates an app may ask for.
const FRAME_RATE_RANGE: std::ops::RangeInclusive<u32> = 1..=60;

/// A stream's video encoder settings; `None` leaves the choice to the SDK (a bitrate for the
/// picture size, and 30 frames per second for pushed video or the source's own rate).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VideoEncoderConfig {
    /// The target bitrate, kbit/s (50 to 10000).
    pub max_kbps: Option<u32>,
    /// The frame rate the encoder plans for (1 to 60).
    pub frame_rate: Option<u32>,
}

impl VideoEncoderConfig {
    /// `INVALID_PARAMS` when a value is out of range.
    pub(crate) fn check(&self) -> Result<(), RtcError> {
        if let Some(kbps) = self.max_kbps.filter(|k| !MAX_KBPS_RANGE.contains(k)) {
            return Err(RtcError::new(
                ErrorCode::InvalidParams,
                format!("maxKbps is {kbps}; it must be 50 to 10000"),
            ));
        }
        if let Some(fps) = self.frame_rate.filter(|f| !FRAME_RATE_RANGE.contains(f)) {
            return Err(RtcError::new(
                ErrorCode::InvalidParams,
                format!("frameRate is {fps}; it must be 1 to 60"),
            ));
        }
        Ok(())
    }
}

/// One stream's settings, shared by the conductor and its video pipeline; 0 is unset.
#[derive(Debug, Default)]
pub(crate) struct EncoderTarget {
    kbps: AtomicU32,
    fps: AtomicU32,
}

/// How a pipeline holds its stream's settings.
pub(crate) type EncoderSlot = Arc<EncoderTarget>;

impl EncoderTarget {
    pub(crate) fn set(&self, config: VideoEncoderConfig) {
        self.kbps
            .store(config.max_kbps.unwrap_or(0), Ordering::Relaxed);
        self.fps
            .store(config.frame_rate.unwrap_or(0), Ordering::Relaxed);
    }

    /// The settings now.
    pub(crate) fn get(&self) -> VideoEncoderConfig {
        let some = |v: u32| (v > 0).then_some(v);
        VideoEncoderConfig {
            max_kbps: some(self.kbps.load(Ordering::Relaxed)),
            frame_rate: some(self.fps.load(Ordering::Relaxed)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_and_read_back_as_set() {
        let asked = VideoEncoderConfig {
            max_kbps: Some(200),
            frame_rate: Some(15),
        };
        assert!(asked.check().is_ok());
        let target = EncoderTarget::default();
        assert_eq!(target.get(), VideoEncoderConfig::default());
        target.set(asked);
        assert_eq!(target.get(), asked);
        target.set(VideoEncoderConfig::default());
        assert_eq!(target.get(), VideoEncoderConfig::default());
        for bad in [
            VideoEncoderConfig {
                max_kbps: Some(49),
                frame_rate: None,
            },
            VideoEncoderConfig {
                max_kbps: None,
                frame_rate: Some(61),
            },
        ] {
            let e = bad.check().expect_err("out of range");
            assert_eq!(e.code, ErrorCode::InvalidParams, "{e}");
        }
    }
}
