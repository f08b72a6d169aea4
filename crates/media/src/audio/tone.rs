//! A sine-tone capture source: the known signal end-to-end tests send and then check with
//! [`dominant_frequency`](crate::dominant_frequency). Pure arithmetic, no clock.

use std::f64::consts::TAU;

use crate::{AudioFrame, AudioSource, FRAME_SAMPLES, SAMPLE_RATE};

/// Peak amplitude of the tone: half of full scale.
const AMPLITUDE: f64 = 16384.0;

/// An endless, phase-continuous mono sine at half full scale.
#[derive(Debug, Clone)]
pub struct ToneSource {
    step: f64,
    phase: f64,
}

impl ToneSource {
    /// A tone of `frequency_hz` (non-finite or negative values give silence-like DC 0 Hz).
    pub fn new(frequency_hz: f32) -> Self {
        let hz = if frequency_hz.is_finite() {
            f64::from(frequency_hz).max(0.0)
        } else {
            0.0
        };
        ToneSource {
            step: TAU * hz / f64::from(SAMPLE_RATE),
            phase: 0.0,
        }
    }
}

impl AudioSource for ToneSource {
    fn channels(&self) -> u16 {
        1
    }

    fn next_frame(&mut self) -> Option<AudioFrame> {
        let mut samples = Vec::with_capacity(FRAME_SAMPLES);
        for _ in 0..FRAME_SAMPLES {
            samples.push((AMPLITUDE * self.phase.sin()).round() as i16);
            self.phase = (self.phase + self.step) % TAU;
        }
        Some(AudioFrame {
            samples,
            channels: 1,
        })
    }
}
