//! Segmenting one speaker's speech into utterances: a [`Vad`] decides where speech is; while
//! it lasts the segmenter asks for a partial recognition of the utterance so far every so
//! often, and for the final one when it ends. Sans-IO: samples in, requests out; the samples'
//! count is the clock, so a test drives it with no time passing.

use crate::vad::{Activity, SAMPLE_RATE, Vad, VadSettings};

/// How utterances are cut and how often partial results are asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmenterSettings {
    /// The voice-activity detector's settings.
    pub vad: VadSettings,
    /// Audio kept from before speech was detected, in ms, so the first syllable is not cut.
    pub preroll_ms: u32,
    /// A partial result every this much speech, in ms.
    pub partial_every_ms: u32,
    /// An utterance longer than this ends here, in ms (recognizers want bounded input).
    pub max_utterance_ms: u32,
}

impl Default for SegmenterSettings {
    fn default() -> Self {
        SegmenterSettings {
            vad: VadSettings::default(),
            preroll_ms: 250,
            partial_every_ms: 1000,
            max_utterance_ms: 20_000,
        }
    }
}

/// Audio to recognise: the utterance so far (partial) or whole (final).
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// 16 kHz mono samples in -1..1.
    pub audio: Vec<f32>,
    /// True when the utterance is over.
    pub definite: bool,
}

/// One speaker's segmenter.
#[derive(Debug, Clone)]
pub struct Segmenter {
    settings: SegmenterSettings,
    vad: Vad,
    /// Recent audio while silent (the pre-roll), or the utterance while speaking.
    buffer: Vec<f32>,
    /// Utterance length at which the next partial is due.
    next_partial: usize,
}

fn samples(ms: u32) -> usize {
    (ms as usize) * (SAMPLE_RATE as usize) / 1000
}

impl Segmenter {
    /// A segmenter in silence.
    pub fn new(settings: SegmenterSettings) -> Self {
        Segmenter {
            settings,
            vad: Vad::new(settings.vad),
            buffer: Vec::new(),
            next_partial: 0,
        }
    }

    /// Whether an utterance is under way.
    pub fn speaking(&self) -> bool {
        self.vad.speaking()
    }

    /// Takes one frame of 16 kHz mono audio; returns a segment to recognise, if one is due.
    pub fn push(&mut self, frame: &[f32]) -> Option<Segment> {
        self.buffer.extend_from_slice(frame);
        match self.vad.push(frame) {
            Activity::Started => {
                let keep = samples(self.settings.preroll_ms + self.settings.vad.attack_ms);
                if self.buffer.len() > keep {
                    self.buffer.drain(..self.buffer.len() - keep);
                }
                self.next_partial = self.buffer.len() + samples(self.settings.partial_every_ms);
                None
            }
            Activity::Ended => Some(self.finish()),
            Activity::Same if self.vad.speaking() => {
                if self.buffer.len() >= samples(self.settings.max_utterance_ms) {
                    self.vad = Vad::new(self.settings.vad);
                    return Some(self.finish());
                }
                if self.buffer.len() >= self.next_partial {
                    self.next_partial = self.buffer.len() + samples(self.settings.partial_every_ms);
                    return Some(Segment {
                        audio: trim_silence(&self.buffer).to_vec(),
                        definite: false,
                    });
                }
                None
            }
            Activity::Same => {
                let keep = samples(self.settings.preroll_ms + self.settings.vad.attack_ms);
                // Trim in batches, not every frame.
                if self.buffer.len() > 2 * keep {
                    self.buffer.drain(..self.buffer.len() - keep);
                }
                None
            }
        }
    }

    /// Ends an utterance under way (the speaker stopped sending); the final segment, if any.
    pub fn flush(&mut self) -> Option<Segment> {
        if !self.vad.speaking() {
            return None;
        }
        self.vad = Vad::new(self.settings.vad);
        Some(self.finish())
    }

    fn finish(&mut self) -> Segment {
        // The hangover's silence is no use to a recognizer; keep a little of it.
        let tail = samples(self.settings.vad.hangover_ms.saturating_sub(150));
        let end = self.buffer.len().saturating_sub(tail);
        let audio = trim_silence(&self.buffer[..end]).to_vec();
        self.buffer.clear();
        Segment {
            audio,
            definite: true,
        }
    }
}

/// Below this RMS a 10 ms window is silence for trimming: far under the detector's speech
/// level, so only pauses are cut, never quiet speech.
const SILENCE_RMS: f32 = 0.002;

/// `audio` without silence beyond 100 ms at either end. Recognizers make words out of long
/// silence (Moonshine often hears "You" in it), and the pre-roll or a pause may bring some.
fn trim_silence(audio: &[f32]) -> &[f32] {
    let window = samples(10);
    let margin = samples(100);
    let loud =
        |w: &[f32]| (w.iter().map(|s| s * s).sum::<f32>() / w.len() as f32).sqrt() >= SILENCE_RMS;
    let windows: Vec<bool> = audio.chunks(window).map(loud).collect();
    let Some(first) = windows.iter().position(|&l| l) else {
        return &audio[..0];
    };
    let last = windows.iter().rposition(|&l| l).unwrap_or(first);
    let start = (first * window).saturating_sub(margin);
    let end = ((last + 1) * window + margin).min(audio.len());
    &audio[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(ms: u32, amp: f32) -> Vec<f32> {
        (0..ms * 16).map(|i| amp * (i as f32 * 0.2).sin()).collect()
    }

    fn run(seg: &mut Segmenter, audio: &[f32]) -> Vec<Segment> {
        audio.chunks(320).filter_map(|f| seg.push(f)).collect()
    }

    #[test]
    fn partials_while_speaking_then_one_final() {
        let mut seg = Segmenter::new(SegmenterSettings::default());
        let mut out = run(&mut seg, &tone(1000, 0.0));
        out.extend(run(&mut seg, &tone(2500, 0.3)));
        out.extend(run(&mut seg, &tone(1000, 0.0)));
        let kinds: Vec<bool> = out.iter().map(|s| s.definite).collect();
        assert_eq!(kinds, [false, false, true]);
        // The final holds the speech (2.5 s) and pre-roll, not the whole hangover.
        let secs = out[2].audio.len() as f32 / 16_000.0;
        assert!((2.5..3.2).contains(&secs), "{secs}");
        // Partials grow.
        assert!(out[0].audio.len() < out[1].audio.len());
    }

    #[test]
    fn silence_beyond_100_ms_is_trimmed_from_both_ends() {
        let mut audio = tone(500, 0.0);
        audio.extend(tone(1000, 0.3));
        audio.extend(tone(400, 0.0));
        let trimmed = trim_silence(&audio);
        let ms = trimmed.len() / 16;
        assert!((1190..=1210).contains(&ms), "{ms} ms");
        assert!(trim_silence(&tone(300, 0.0)).is_empty());
    }

    #[test]
    fn long_speech_is_cut_at_the_maximum() {
        let settings = SegmenterSettings {
            max_utterance_ms: 3000,
            ..Default::default()
        };
        let mut seg = Segmenter::new(settings);
        let out = run(&mut seg, &tone(7000, 0.3));
        assert_eq!(out.iter().filter(|s| s.definite).count(), 2);
    }

    #[test]
    fn flush_ends_an_utterance_under_way() {
        let mut seg = Segmenter::new(SegmenterSettings::default());
        run(&mut seg, &tone(500, 0.3));
        assert!(seg.speaking());
        assert!(seg.flush().is_some_and(|s| s.definite));
        assert!(seg.flush().is_none());
    }
}
