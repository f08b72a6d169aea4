//! AAC-LC encoding of the composite's mixed audio for RTMP: what CDNs and ffmpeg read in FLV
//! (FLV cannot carry Opus for them). The encoder is the Fraunhofer FDK AAC library through the
//! `fdk-aac` crate, whose bundled C++ sources build with `cc` alone (no cmake, no system
//! library). The crate is MIT; the library is under the Fraunhofer FDK AAC licence, which
//! allows redistribution in source and binary form and grants no patent licence (AAC's
//! patents are a matter for whoever ships the encoder).
//!
//! The mixer's 48 kHz stereo frames are turned into the configured channels (a mono mix is the
//! average of both sides) and rate (linear interpolation for 32 and 44.1 kHz) first.

use fdk_aac::enc::{
    AudioObjectType, BitRate, ChannelMode, Encoder, EncoderError, EncoderParams, Transport,
};

/// The rate the mixer delivers.
const MIX_RATE: u32 = 48_000;
/// Samples per channel in one AAC-LC frame.
pub(super) const FRAME_SAMPLES: u32 = 1024;

/// The sample rates the vendor allows.
pub(super) const SAMPLE_RATES: [u32; 3] = [32_000, 44_100, 48_000];

/// What an AAC stream is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct AacParams {
    /// 32000, 44100 or 48000.
    pub(super) sample_rate: u32,
    /// 1 or 2.
    pub(super) channels: u16,
    /// Bit rate in kbit/s, 32 to 192.
    pub(super) kbps: u32,
}

/// Encodes the mixer's frames into raw AAC-LC frames.
pub(super) struct AacEncoder {
    encoder: Encoder,
    params: AacParams,
    config: Vec<u8>,
    /// Converted samples waiting for the encoder.
    pending: Vec<i16>,
    /// Where in the mix's time the next converted sample falls (in mix samples).
    position: f64,
    /// The last stereo mix sample pair, for interpolating across frames.
    last: (f32, f32),
    out: Vec<u8>,
}

impl AacEncoder {
    /// An encoder for `params`.
    pub(super) fn new(params: AacParams) -> Result<Self, EncoderError> {
        let encoder = Encoder::new(EncoderParams {
            bit_rate: BitRate::Cbr(params.kbps * 1000),
            sample_rate: params.sample_rate,
            transport: Transport::Raw,
            channels: if params.channels == 1 {
                ChannelMode::Mono
            } else {
                ChannelMode::Stereo
            },
            audio_object_type: AudioObjectType::Mpeg4LowComplexity,
        })?;
        let info = encoder.info()?;
        let size = (info.confSize as usize).min(info.confBuf.len());
        let config = info.confBuf[..size].to_vec();
        let out = vec![0; (info.maxOutBufBytes as usize).max(8192)];
        Ok(AacEncoder {
            encoder,
            params,
            config,
            pending: Vec::new(),
            position: 0.0,
            last: (0.0, 0.0),
            out,
        })
    }

    /// What the encoder makes.
    pub(super) fn params(&self) -> AacParams {
        self.params
    }

    /// The AudioSpecificConfig (the AAC sequence header's body).
    pub(super) fn audio_specific_config(&self) -> &[u8] {
        &self.config
    }

    /// Encodes a 48 kHz stereo mix frame; `emit` gets each finished AAC frame.
    pub(super) fn encode(
        &mut self,
        stereo: &[i16],
        mut emit: impl FnMut(&[u8]),
    ) -> Result<(), EncoderError> {
        self.convert(stereo);
        let mut at = 0;
        while at < self.pending.len() {
            let info = self.encoder.encode(&self.pending[at..], &mut self.out)?;
            if info.output_size > 0 {
                emit(&self.out[..info.output_size]);
            }
            if info.input_consumed == 0 && info.output_size == 0 {
                break;
            }
            at += info.input_consumed;
        }
        self.pending.drain(..at.min(self.pending.len()));
        Ok(())
    }

    /// Appends `stereo` to `pending` at the output's rate and channels.
    fn convert(&mut self, stereo: &[i16]) {
        let mono = self.params.channels == 1;
        let push = |pending: &mut Vec<i16>, l: f32, r: f32| {
            if mono {
                pending.push(((l + r) / 2.0) as i16);
            } else {
                pending.extend_from_slice(&[l as i16, r as i16]);
            }
        };
        if self.params.sample_rate == MIX_RATE {
            for pair in stereo.chunks_exact(2) {
                push(&mut self.pending, f32::from(pair[0]), f32::from(pair[1]));
            }
            return;
        }
        // Linear interpolation between mix samples; `position` runs over this frame, with
        // index -1 standing for the previous frame's last sample.
        let step = f64::from(MIX_RATE) / f64::from(self.params.sample_rate);
        let n = stereo.len() / 2;
        let sample = |i: isize, last: (f32, f32)| -> (f32, f32) {
            if i < 0 {
                last
            } else {
                let i = i as usize * 2;
                (f32::from(stereo[i]), f32::from(stereo[i + 1]))
            }
        };
        while self.position <= (n as f64) - 1.0 {
            let base = self.position.floor();
            let frac = (self.position - base) as f32;
            let (l0, r0) = sample(base as isize, self.last);
            let (l1, r1) = sample(base as isize + 1, self.last);
            push(
                &mut self.pending,
                l0 + (l1 - l0) * frac,
                r0 + (r1 - r0) * frac,
            );
            self.position += step;
        }
        self.position -= n as f64;
        if n > 0 {
            self.last = sample(n as isize - 1, self.last);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rate_and_layout_encodes_a_tone_into_frames() {
        for rate in SAMPLE_RATES {
            for channels in [1, 2] {
                let params = AacParams {
                    sample_rate: rate,
                    channels,
                    kbps: 64,
                };
                let mut encoder = AacEncoder::new(params).expect("an encoder");
                // AAC-LC, the rate's index, the channels: what ffmpeg reads the stream by.
                let asc = encoder.audio_specific_config().to_vec();
                assert_eq!(asc[0] >> 3, 2, "AAC-LC");
                let index = ((asc[0] & 7) << 1) | (asc[1] >> 7);
                assert_eq!(
                    index,
                    [5, 4, 3][SAMPLE_RATES.iter().position(|r| *r == rate).unwrap_or(0)]
                );
                assert_eq!(u16::from((asc[1] >> 3) & 0xF), channels);
                let mut frames = 0;
                for f in 0..50 {
                    let stereo: Vec<i16> = (0..960)
                        .flat_map(|i| {
                            let t = f64::from(f * 960 + i) / 48_000.0;
                            let v = ((t * 440.0 * std::f64::consts::TAU).sin() * 8000.0) as i16;
                            [v, v]
                        })
                        .collect();
                    encoder
                        .encode(&stereo, |frame| {
                            assert!(!frame.is_empty());
                            frames += 1;
                        })
                        .expect("encodes");
                }
                // One second of audio: the rate's frames, less the encoder's delay.
                let expected = rate / FRAME_SAMPLES;
                assert!(
                    (expected - 3..=expected + 1).contains(&frames),
                    "{rate} Hz x{channels}: {frames} frames"
                );
            }
        }
    }
}
