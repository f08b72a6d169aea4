//! The audio mixer: queues each source's decoded 20 ms frames and, once per 20 ms, sums one
//! frame of every source through the limiter into one stereo frame. A queue holds at most
//! [`MAX_QUEUED_MS`], so a source that delivers in bursts cannot build up delay; one that
//! stalls is silent until it delivers again.

use std::collections::{HashMap, VecDeque};

use chorus_media::{AudioFrame, FRAME_SAMPLES, Limiter, mix_into};

use crate::layout::SourceKey;

/// Most audio a source's queue holds before its oldest samples are dropped.
pub const MAX_QUEUED_MS: usize = 200;
const MAX_QUEUED: usize = MAX_QUEUED_MS / 20 * FRAME_SAMPLES * 2;

/// Mixes the audio of a public stream's sources.
#[derive(Default)]
pub struct AudioMixer {
    queues: HashMap<SourceKey, VecDeque<f32>>,
    limiter: Limiter,
    bus: Vec<f32>,
    work: Vec<f32>,
}

impl AudioMixer {
    /// An empty mixer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues a frame of `source` (mono or stereo, 48 kHz); mono plays on both sides.
    pub fn push(&mut self, source: &SourceKey, frame: &AudioFrame) {
        let queue = self.queues.entry(source.clone()).or_default();
        let scale = 1.0 / 32768.0;
        match frame.channels {
            1 => queue.extend(frame.samples.iter().flat_map(|&s| {
                let v = f32::from(s) * scale;
                [v, v]
            })),
            2 => queue.extend(frame.samples.iter().map(|&s| f32::from(s) * scale)),
            _ => return,
        }
        let excess = queue.len().saturating_sub(MAX_QUEUED);
        queue.drain(..excess);
    }

    /// Keeps only the sources `keep` says yes to.
    pub fn retain(&mut self, keep: impl Fn(&SourceKey) -> bool) {
        self.queues.retain(|k, _| keep(k));
    }

    /// One 20 ms stereo frame: a frame of every source, summed and limited.
    pub fn mix(&mut self) -> AudioFrame {
        self.bus.clear();
        self.bus.resize(FRAME_SAMPLES * 2, 0.0);
        for queue in self.queues.values_mut() {
            let n = queue.len().min(FRAME_SAMPLES * 2);
            for (out, s) in self.bus.iter_mut().zip(queue.drain(..n)) {
                *out += s;
            }
        }
        let mut frame = AudioFrame::silence(2);
        mix_into(&mut frame, &self.bus, &mut self.limiter, &mut self.work);
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chorus_media::{AudioSource, ToneSource, dominant_frequency, rms};

    fn key(user: &str) -> SourceKey {
        SourceKey {
            room_id: "r".into(),
            user_id: user.into(),
            screen: false,
        }
    }

    #[test]
    fn two_tones_mix_into_one_stream_without_clipping() {
        let mut mixer = AudioMixer::new();
        let mut low = ToneSource::new(440.0);
        let mut high = ToneSource::new(1200.0);
        let mut left_only = Vec::new();
        let mut mixed = Vec::new();
        for i in 0..50 {
            let a = low.next_frame().expect("tone");
            let b = high.next_frame().expect("tone");
            mixer.push(&key("a"), &a);
            if i >= 25 {
                mixer.push(&key("b"), &b);
            }
            let out = mixer.mix();
            assert_eq!(out.samples.len(), FRAME_SAMPLES * 2);
            let mono: Vec<i16> = out.samples.chunks(2).map(|c| c[0]).collect();
            if i < 25 { &mut left_only } else { &mut mixed }.extend(mono);
        }
        assert!((dominant_frequency(&left_only[4800..], 1) - 440.0).abs() < 5.0);
        // Both tones present: remove the 440 Hz one's share by checking the level rose.
        assert!(
            rms(&mixed) > rms(&left_only) * 1.2,
            "{} vs {}",
            rms(&mixed),
            rms(&left_only)
        );
        assert!(
            mixed.iter().all(|s| s.unsigned_abs() < 32767),
            "the limiter holds peaks"
        );
    }

    #[test]
    fn a_bursty_source_is_capped_and_a_stalled_one_is_silent() {
        let mut mixer = AudioMixer::new();
        let mut tone = ToneSource::new(440.0);
        for _ in 0..50 {
            mixer.push(&key("a"), &tone.next_frame().expect("tone"));
        }
        let mut heard = 0;
        while rms(&mixer.mix().samples) > 0.0 {
            heard += 1;
            assert!(heard <= MAX_QUEUED_MS / 20, "more than the cap played");
        }
        assert_eq!(heard, MAX_QUEUED_MS / 20);
        mixer.retain(|_| false);
        assert_eq!(rms(&mixer.mix().samples), 0.0);
    }
}
