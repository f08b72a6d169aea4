//! A peak limiter for mixed audio: sums of a microphone and mixed files can exceed full scale,
//! and a limiter turns them down smoothly where plain conversion would clip (or, worse, wrap).
//! Works on f32 samples where 1.0 is full scale. Depends on nothing else in the crate.

/// Highest level the limiter lets through (about -0.1 dBFS).
const CEILING: f32 = 0.99;
/// How fast the gain recovers after a peak: the fraction of the way back to 1 per sample
/// (about 50 ms at 48 kHz).
const RELEASE: f32 = 1.0 / 2400.0;

/// A sample-accurate peak limiter: instant attack (a sample over the ceiling lowers the gain
/// just enough), exponential release. The gain is shared by all channels, so the stereo image
/// and the balance of what was mixed survive.
#[derive(Debug, Clone)]
pub struct Limiter {
    gain: f32,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter { gain: 1.0 }
    }
}

impl Limiter {
    /// A limiter at rest (gain 1).
    pub fn new() -> Self {
        Self::default()
    }

    /// Limits interleaved `samples` of `channels` in place; afterwards every sample is within
    /// ±[`CEILING`].
    pub fn process(&mut self, samples: &mut [f32], channels: usize) {
        let channels = channels.max(1);
        for frame in samples.chunks_mut(channels) {
            let peak = frame.iter().fold(0.0f32, |m, s| m.max(s.abs()));
            self.gain += (1.0 - self.gain) * RELEASE;
            if peak * self.gain > CEILING {
                self.gain = CEILING / peak;
            }
            for s in frame {
                *s *= self.gain;
            }
        }
    }

    /// The current gain (1 when nothing is being limited).
    pub fn gain(&self) -> f32 {
        self.gain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_audio_passes_untouched_and_loud_audio_stays_under_the_ceiling() {
        let mut limiter = Limiter::new();
        let mut quiet: Vec<f32> = (0..4800).map(|i| 0.5 * (i as f32 * 0.05).sin()).collect();
        let before = quiet.clone();
        limiter.process(&mut quiet, 1);
        assert_eq!(quiet, before);

        let mut loud: Vec<f32> = (0..4800).map(|i| 1.8 * (i as f32 * 0.05).sin()).collect();
        limiter.process(&mut loud, 2);
        assert!(loud.iter().all(|s| s.abs() <= CEILING + 1e-6));
        // Limited, not clipped: the peaks stay round (many distinct values near the top).
        assert!(loud.iter().filter(|s| s.abs() > 0.9).count() > 100);
        assert!(limiter.gain() < 0.6);
    }
}
