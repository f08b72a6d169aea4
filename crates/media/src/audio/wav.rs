//! WAV output (16-bit PCM, 48 kHz): recordings in tests and the CLI.

use std::path::Path;

use crate::{AudioFrame, MediaError};

/// Writes 48 kHz 16-bit PCM to a WAV file, frame by frame.
pub struct WavWriter {
    channels: u16,
}

impl WavWriter {
    /// Creates (or truncates) `path` for `channels` (1 or 2).
    pub fn create(path: &Path, channels: u16) -> Result<Self, MediaError> {
        let _ = (path, channels);
        todo!()
    }

    /// Appends one frame; its channel count must match.
    pub fn write(&mut self, frame: &AudioFrame) -> Result<(), MediaError> {
        let _ = (frame, self.channels);
        todo!()
    }

    /// Writes the final sizes into the header and closes the file.
    pub fn finish(self) -> Result<(), MediaError> {
        todo!()
    }
}

/// Writes one frame (of any length) as a complete WAV file.
pub fn write_wav(path: &Path, frame: &AudioFrame) -> Result<(), MediaError> {
    let _ = (path, frame);
    todo!()
}
