//! H.264 (constrained baseline, Annex-B) through openh264.

use crate::{MediaError, VideoFrame};

/// One encoded picture.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedVideo {
    /// Annex-B byte stream, constrained baseline. Empty if the encoder skipped the frame.
    pub data: Vec<u8>,
    /// Whether this is an IDR picture (with SPS/PPS).
    pub keyframe: bool,
}

/// Encodes I420 frames to H.264.
pub struct H264Encoder {
    _width: u32,
}

impl H264Encoder {
    /// An encoder for `width`x`height` at `fps` and `bitrate_bps`.
    pub fn new(width: u32, height: u32, fps: u32, bitrate_bps: u32) -> Result<Self, MediaError> {
        let _ = (width, height, fps, bitrate_bps);
        todo!()
    }

    /// Encodes one frame; `force_keyframe` makes it an IDR picture.
    pub fn encode(
        &mut self,
        frame: &VideoFrame,
        force_keyframe: bool,
    ) -> Result<EncodedVideo, MediaError> {
        let _ = (frame, force_keyframe, self._width);
        todo!()
    }
}

/// Decodes H.264 Annex-B access units to I420 frames.
pub struct H264Decoder {
    _private: (),
}

impl H264Decoder {
    /// A new decoder.
    pub fn new() -> Result<Self, MediaError> {
        todo!()
    }

    /// Decodes one access unit; `None` when it produced no picture yet.
    pub fn decode(&mut self, annex_b: &[u8]) -> Result<Option<VideoFrame>, MediaError> {
        let _ = (annex_b, &self._private);
        todo!()
    }
}

/// Whether an Annex-B access unit contains an IDR slice or an SPS.
pub fn is_h264_keyframe(annex_b: &[u8]) -> bool {
    let _ = annex_b;
    todo!()
}
