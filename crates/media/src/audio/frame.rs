//! The PCM frame every audio path in Chorus speaks: interleaved `i16` at 48 kHz, 20 ms.
//! One fixed rate and frame length keep Opus, RTP timestamps and mixing arithmetic trivial.
//! Depends on nothing else in the crate.

use std::time::Duration;

/// Sample rate of all PCM in Chorus, in Hz.
pub const SAMPLE_RATE: u32 = 48_000;
/// Length of one audio frame in milliseconds.
pub const FRAME_MS: u32 = 20;
/// Samples per channel in one 20 ms frame at 48 kHz.
pub const FRAME_SAMPLES: usize = 960;

/// Interleaved 16-bit PCM at [`SAMPLE_RATE`].
#[derive(Debug, Clone, PartialEq)]
pub struct AudioFrame {
    /// Interleaved samples (`L R L R ...` for stereo).
    pub samples: Vec<i16>,
    /// Number of interleaved channels (1 or 2).
    pub channels: u16,
}

impl AudioFrame {
    /// A silent 20 ms frame.
    pub fn silence(channels: u16) -> Self {
        AudioFrame {
            samples: vec![0; FRAME_SAMPLES * usize::from(channels)],
            channels,
        }
    }

    /// Samples per channel.
    pub fn samples_per_channel(&self) -> usize {
        self.samples.len() / usize::from(self.channels.max(1))
    }

    /// How long this frame plays for (zero for a frame with no channels).
    pub fn duration(&self) -> Duration {
        if self.channels == 0 {
            return Duration::ZERO;
        }
        let nanos = self.samples_per_channel() as u64 * 1_000_000_000 / u64::from(SAMPLE_RATE);
        Duration::from_nanos(nanos)
    }
}
