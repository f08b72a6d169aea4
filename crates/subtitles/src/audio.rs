//! Audio as recognizers want it: the SDK's decoded 48 kHz frames (mono or stereo, i16) made
//! 16 kHz mono f32, and the WAV bytes that HTTP endpoints take.

use crate::vad::SAMPLE_RATE;

/// 48 kHz interleaved i16 with `channels` channels -> 16 kHz mono f32 (each output sample the
/// mean of three input samples: a box filter, enough against aliasing for speech).
pub fn to_16k_mono(samples: &[i16], channels: u16) -> Vec<f32> {
    let channels = usize::from(channels.max(1));
    let step = 3 * channels;
    samples
        .chunks_exact(step)
        .map(|chunk| chunk.iter().map(|&s| f32::from(s)).sum::<f32>() / (step as f32 * 32768.0))
        .collect()
}

/// A 16-bit PCM WAV file of 16 kHz mono `audio`.
pub fn wav_bytes(audio: &[f32]) -> Vec<u8> {
    let data_len = (audio.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + audio.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in audio {
        let v = (s.clamp(-1.0, 1.0) * 32767.0) as i16;
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stereo_48k_becomes_a_third_as_many_mono_samples() {
        let stereo: Vec<i16> = (0..960 * 2)
            .map(|i| if i % 2 == 0 { 16384 } else { 0 })
            .collect();
        let mono = to_16k_mono(&stereo, 2);
        assert_eq!(mono.len(), 320);
        assert!(mono.iter().all(|s| (s - 0.25).abs() < 1e-4));
    }

    #[test]
    fn wav_header_is_44_bytes() {
        let wav = wav_bytes(&[0.0; 160]);
        assert_eq!(wav.len(), 44 + 320);
        assert_eq!(&wav[..4], b"RIFF");
    }
}
