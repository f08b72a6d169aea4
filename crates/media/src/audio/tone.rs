//! A sine-tone capture source: the known signal end-to-end tests send and then check.

use crate::{AudioFrame, AudioSource};

/// An endless, phase-continuous mono sine at about half full scale.
pub struct ToneSource {
    frequency_hz: f32,
}

impl ToneSource {
    /// A tone of `frequency_hz`.
    pub fn new(frequency_hz: f32) -> Self {
        ToneSource { frequency_hz }
    }
}

impl AudioSource for ToneSource {
    fn channels(&self) -> u16 {
        1
    }

    fn next_frame(&mut self) -> Option<AudioFrame> {
        let _ = self.frequency_hz;
        todo!()
    }
}
