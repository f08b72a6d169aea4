//! Opus encoding and decoding through `unsafe-libopus` (libopus translated to Rust, so it
//! builds without cmake or a system library). This is the only module with `unsafe`: the raw
//! encoder and decoder pointers live in owning wrappers that free them on drop.
#![allow(unsafe_code)]

use crate::{AudioFrame, MediaError};

/// Encodes 20 ms PCM frames to Opus packets (VoIP mode, inband FEC on, expecting 10% loss).
pub struct OpusEncoder {
    channels: u16,
}

impl OpusEncoder {
    /// An encoder for `channels` (1 or 2) at 48 kHz and `bitrate_bps`.
    pub fn new(channels: u16, bitrate_bps: u32) -> Result<Self, MediaError> {
        let _ = (channels, bitrate_bps);
        todo!()
    }

    /// Encodes exactly one 20 ms frame with this encoder's channel count into one packet.
    pub fn encode(&mut self, frame: &AudioFrame) -> Result<Vec<u8>, MediaError> {
        let _ = (frame, self.channels);
        todo!()
    }
}

/// Decodes Opus packets to 20 ms PCM frames, with loss concealment.
pub struct OpusDecoder {
    channels: u16,
}

impl OpusDecoder {
    /// A decoder producing `channels` (1 or 2) at 48 kHz.
    pub fn new(channels: u16) -> Result<Self, MediaError> {
        let _ = channels;
        todo!()
    }

    /// Decodes one packet into a frame.
    pub fn decode(&mut self, packet: &[u8]) -> Result<AudioFrame, MediaError> {
        let _ = (packet, self.channels);
        todo!()
    }

    /// Packet loss concealment: a plausible 20 ms frame standing in for one lost packet.
    pub fn conceal(&mut self) -> Result<AudioFrame, MediaError> {
        todo!()
    }
}
