//! Voice activity: decides, frame by frame, whether a speaker is speaking. Energy-based with
//! an adaptive noise floor and a hangover, so short pauses between words do not cut an
//! utterance. Sans-IO: it sees samples and nothing else; time is the samples' count.

/// Samples per second of the audio the detector sees.
pub const SAMPLE_RATE: u32 = 16_000;

/// How the detector decides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VadSettings {
    /// RMS (of samples in -1..1) that counts as speech regardless of the noise floor.
    pub min_speech_rms: f32,
    /// Speech must be this many times the noise floor.
    pub floor_ratio: f32,
    /// How long speech must last before an utterance starts, in ms.
    pub attack_ms: u32,
    /// How long silence must last before an utterance ends, in ms.
    pub hangover_ms: u32,
}

impl Default for VadSettings {
    fn default() -> Self {
        VadSettings {
            min_speech_rms: 0.01,
            floor_ratio: 3.0,
            attack_ms: 60,
            hangover_ms: 450,
        }
    }
}

/// What a frame changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// Nothing changed.
    Same,
    /// Speech began (the frames since the attack began belong to it).
    Started,
    /// Speech ended: the hangover passed in silence.
    Ended,
}

/// An energy detector with hangover.
#[derive(Debug, Clone)]
pub struct Vad {
    settings: VadSettings,
    noise_floor: f32,
    speaking: bool,
    /// Samples of speech in a row (before it starts) or of silence in a row (while speaking).
    run: u32,
}

impl Vad {
    /// A detector that starts in silence.
    pub fn new(settings: VadSettings) -> Self {
        Vad {
            settings,
            noise_floor: 0.0,
            speaking: false,
            run: 0,
        }
    }

    /// Whether an utterance is under way.
    pub fn speaking(&self) -> bool {
        self.speaking
    }

    /// Takes one frame (any length, 10-30 ms is usual) and says what changed.
    pub fn push(&mut self, frame: &[f32]) -> Activity {
        if frame.is_empty() {
            return Activity::Same;
        }
        let rms = (frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32).sqrt();
        let loud = rms >= self.settings.min_speech_rms
            && rms >= self.noise_floor * self.settings.floor_ratio;
        // The floor follows quiet frames quickly and loud ones slowly, so speech does not
        // raise it much while steady background noise does.
        let rate = if loud { 0.001 } else { 0.05 };
        self.noise_floor += (rms - self.noise_floor) * rate;
        let len = frame.len() as u32;
        let ms = |samples: u32| samples * 1000 / SAMPLE_RATE;
        if self.speaking {
            if loud {
                self.run = 0;
            } else {
                self.run += len;
                if ms(self.run) >= self.settings.hangover_ms {
                    self.speaking = false;
                    self.run = 0;
                    return Activity::Ended;
                }
            }
        } else if loud {
            self.run += len;
            if ms(self.run) >= self.settings.attack_ms {
                self.speaking = true;
                self.run = 0;
                return Activity::Started;
            }
        } else {
            self.run = 0;
        }
        Activity::Same
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(ms: u32, amp: f32) -> Vec<f32> {
        (0..ms * 16).map(|i| amp * (i as f32 * 0.2).sin()).collect()
    }

    #[test]
    fn speech_starts_after_the_attack_and_ends_after_the_hangover() {
        let mut vad = Vad::new(VadSettings::default());
        let mut events = Vec::new();
        let mut feed = |vad: &mut Vad, audio: Vec<f32>| {
            for (i, frame) in audio.chunks(320).enumerate() {
                let a = vad.push(frame);
                if a != Activity::Same {
                    events.push((a, i));
                }
            }
        };
        feed(&mut vad, tone(500, 0.0001));
        feed(&mut vad, tone(1000, 0.3));
        // A pause shorter than the hangover keeps the utterance going.
        feed(&mut vad, tone(200, 0.0001));
        feed(&mut vad, tone(500, 0.3));
        feed(&mut vad, tone(1000, 0.0001));
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(events[0].0, Activity::Started);
        assert_eq!(events[1].0, Activity::Ended);
        // 450 ms of hangover at 20 ms a frame: the 23rd quiet frame ends it.
        assert_eq!(events[1].1, 22);
    }

    #[test]
    fn steady_noise_is_not_speech() {
        let mut vad = Vad::new(VadSettings::default());
        let noise = tone(3000, 0.005);
        assert!(noise.chunks(320).all(|f| vad.push(f) == Activity::Same));
        assert!(!vad.speaking());
    }
}
