//! Signal analysis for tests and diagnostics: which frequency dominates, how loud it is.
//! Pure functions over PCM, so end-to-end tests can check content ("a 440 Hz tone arrives
//! as 440 Hz") without any codec or network knowledge.

/// The dominant frequency in Hz of interleaved PCM at [`SAMPLE_RATE`](crate::SAMPLE_RATE)
/// (channels are averaged). Resolution is better than 1 Hz for 0.5 s or more of audio.
/// Returns 0.0 for silence or empty input.
pub fn dominant_frequency(samples: &[i16], channels: u16) -> f32 {
    let _ = (samples, channels);
    todo!()
}

/// Root mean square level of PCM, from 0.0 (silence) to 1.0 (full-scale square wave).
pub fn rms(samples: &[i16]) -> f32 {
    let _ = samples;
    todo!()
}
