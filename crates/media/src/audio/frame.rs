//! The PCM frame every audio path in Chorus speaks: interleaved `i16` at 48 kHz, 20 ms.
//! One fixed rate and frame length keep Opus, RTP timestamps and mixing arithmetic trivial.

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
    /// How long this frame plays for.
    pub fn duration(&self) -> Duration {
        todo!()
    }
}
