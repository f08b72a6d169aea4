//! Audio files as a capture source (wav, mp3, ogg/vorbis, flac through symphonia).

use std::path::Path;

use crate::{AudioFrame, AudioSource, MediaError};

/// An audio file decoded, resampled to 48 kHz and cut into 20 ms frames.
pub struct FileAudioSource {
    channels: u16,
}

impl FileAudioSource {
    /// Opens `path`. Fails for a missing file or one symphonia cannot decode.
    pub fn open(path: &Path) -> Result<Self, MediaError> {
        let _ = path;
        todo!()
    }

    /// Whether to start again from the beginning at the end of the file (default: off).
    pub fn looping(self, on: bool) -> Self {
        let _ = on;
        todo!()
    }
}

impl AudioSource for FileAudioSource {
    fn channels(&self) -> u16 {
        self.channels
    }

    fn next_frame(&mut self) -> Option<AudioFrame> {
        todo!()
    }
}
