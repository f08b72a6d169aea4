//! H.264 through openh264 (Cisco's codec, built from vendored source with no cmake): constrained
//! baseline, no B-frames, Annex-B byte streams, which is what WebRTC peers (Chromium included)
//! negotiate as packetization-mode 1. Keyframes come on the first frame and on request
//! (`force_keyframe`, which the SDK raises on PLI/FIR), never on a timer. Plain synchronous
//! code; RTP packetization lives with the transport, not here.

use openh264::OpenH264API;
use openh264::decoder::Decoder;
use openh264::encoder::{
    BitRate, Encoder, EncoderConfig, FrameRate, FrameType, Profile, RateControlMode, UsageType,
};
use openh264::formats::YUVSource;

use crate::video::frame::chroma_size;
use crate::{MediaError, VideoFrame};

/// One encoded picture.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedVideo {
    /// Annex-B byte stream, constrained baseline. Empty if the encoder skipped the frame.
    pub data: Vec<u8>,
    /// Whether this is an IDR picture (it then carries SPS and PPS too).
    pub keyframe: bool,
}

/// Lets openh264 read a [`VideoFrame`] in place (its planes were validated first).
struct I420<'a>(&'a VideoFrame);

impl YUVSource for I420<'_> {
    fn dimensions(&self) -> (usize, usize) {
        (self.0.width as usize, self.0.height as usize)
    }

    fn strides(&self) -> (usize, usize, usize) {
        let (cw, _) = chroma_size(self.0.width, self.0.height);
        (self.0.width as usize, cw, cw)
    }

    fn y(&self) -> &[u8] {
        &self.0.y
    }

    fn u(&self) -> &[u8] {
        &self.0.u
    }

    fn v(&self) -> &[u8] {
        &self.0.v
    }
}

fn h264_error(what: &str, e: openh264::Error) -> MediaError {
    MediaError::H264(format!("{what}: {e}"))
}

/// Encodes I420 frames to H.264 (constrained baseline, bitrate-controlled).
///
/// To hold the bitrate the encoder may skip a frame whose content is too costly (then
/// [`EncodedVideo::data`] is empty and nothing should be sent); a skipped forced keyframe is
/// forced again on the next frame.
pub struct H264Encoder {
    encoder: Encoder,
    width: u32,
    height: u32,
    keyframe_pending: bool,
}

impl H264Encoder {
    /// An encoder for `width`x`height` (even, at most 3840x2160 either way) at `fps` and
    /// `bitrate_bps`.
    pub fn new(width: u32, height: u32, fps: u32, bitrate_bps: u32) -> Result<Self, MediaError> {
        if width == 0 || height == 0 || width & 1 == 1 || height & 1 == 1 {
            return Err(MediaError::InvalidArgument(format!(
                "H.264 needs a non-empty, even picture size, not {width}x{height}"
            )));
        }
        if width.max(height) > 3840 || width.min(height) > 2160 {
            return Err(MediaError::Unsupported(format!(
                "{width}x{height} is larger than openh264 encodes (3840x2160)"
            )));
        }
        if fps == 0 || fps > 240 {
            return Err(MediaError::InvalidArgument(format!(
                "frame rate {fps} is out of range"
            )));
        }
        if bitrate_bps < 10_000 {
            return Err(MediaError::InvalidArgument(format!(
                "bitrate {bitrate_bps} bps is too low for H.264"
            )));
        }
        let config = EncoderConfig::new()
            .bitrate(BitRate::from_bps(bitrate_bps))
            .max_frame_rate(FrameRate::from_hz(fps as f32))
            .rate_control_mode(RateControlMode::Bitrate)
            .skip_frames(true)
            .usage_type(UsageType::CameraVideoRealTime)
            .profile(Profile::Baseline)
            .num_threads(1);
        let encoder = Encoder::with_api_config(OpenH264API::from_source(), config)
            .map_err(|e| h264_error("cannot create the encoder", e))?;
        Ok(H264Encoder {
            encoder,
            width,
            height,
            keyframe_pending: false,
        })
    }

    /// Encodes one frame (of the encoder's size); `force_keyframe` makes it an IDR picture (or,
    /// should rate control skip this frame, the next encoded one).
    pub fn encode(
        &mut self,
        frame: &VideoFrame,
        force_keyframe: bool,
    ) -> Result<EncodedVideo, MediaError> {
        frame.validate()?;
        if (frame.width, frame.height) != (self.width, self.height) {
            return Err(MediaError::InvalidArgument(format!(
                "frame is {}x{}, the encoder was made for {}x{}",
                frame.width, frame.height, self.width, self.height
            )));
        }
        if force_keyframe || self.keyframe_pending {
            self.encoder.force_intra_frame();
            self.keyframe_pending = true;
        }
        let stream = self
            .encoder
            .encode(&I420(frame))
            .map_err(|e| h264_error("encoding failed", e))?;
        let frame_type = stream.frame_type();
        if matches!(frame_type, FrameType::Skip | FrameType::Invalid) {
            return Ok(EncodedVideo {
                data: Vec::new(),
                keyframe: false,
            });
        }
        let keyframe = matches!(frame_type, FrameType::IDR);
        if keyframe {
            self.keyframe_pending = false;
        }
        Ok(EncodedVideo {
            data: stream.to_vec(),
            keyframe,
        })
    }
}

/// Decodes H.264 Annex-B access units to I420 frames.
pub struct H264Decoder {
    decoder: Decoder,
}

impl H264Decoder {
    /// A new decoder.
    pub fn new() -> Result<Self, MediaError> {
        let decoder = Decoder::new().map_err(|e| h264_error("cannot create the decoder", e))?;
        Ok(H264Decoder { decoder })
    }

    /// Decodes one access unit (all NAL units of one picture, with start codes); `None` when
    /// it produced no picture (parameter sets only, or the decoder waits for a keyframe).
    pub fn decode(&mut self, annex_b: &[u8]) -> Result<Option<VideoFrame>, MediaError> {
        let Some(yuv) = self
            .decoder
            .decode(annex_b)
            .map_err(|e| h264_error("decoding failed", e))?
        else {
            return Ok(None);
        };
        let (w, h) = yuv.dimensions();
        let (ys, us, vs) = yuv.strides();
        let (width, height) = (
            u32::try_from(w).map_err(|_| MediaError::H264("picture too large".into()))?,
            u32::try_from(h).map_err(|_| MediaError::H264("picture too large".into()))?,
        );
        let (cw, ch) = chroma_size(width, height);
        let copy = |plane: &[u8], stride: usize, pw: usize, ph: usize, avail_w: usize| {
            let mut out = Vec::with_capacity(pw * ph);
            for row in 0..ph {
                let line = plane.get(row * stride..).unwrap_or(&[]);
                let n = avail_w.min(pw).min(line.len());
                out.extend_from_slice(&line[..n]);
                // Odd sizes: repeat the last available sample (or mid grey) to fill the row.
                let fill = line.get(n.saturating_sub(1)).copied().unwrap_or(128);
                out.resize((row + 1) * pw, fill);
            }
            out
        };
        let (uw, uh) = (w / 2, h / 2);
        let mut u = copy(yuv.u(), us, cw, uh.min(ch), uw);
        let mut v = copy(yuv.v(), vs, cw, uh.min(ch), uw);
        u.resize(cw * ch, 128);
        v.resize(cw * ch, 128);
        Ok(Some(VideoFrame {
            width,
            height,
            y: copy(yuv.y(), ys, w, h, w),
            u,
            v,
        }))
    }
}

/// The NAL unit types in an Annex-B byte stream, in order.
pub(crate) fn nal_types(annex_b: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i + 3 <= annex_b.len() {
            if annex_b[i] == 0 && annex_b[i + 1] == 0 && annex_b[i + 2] == 1 {
                i += 3;
                if let Some(&header) = annex_b.get(i) {
                    return Some(header & 0x1f);
                }
                return None;
            }
            i += 1;
        }
        None
    })
}

/// Whether an Annex-B access unit contains an IDR slice (type 5) or an SPS (type 7).
pub fn is_h264_keyframe(annex_b: &[u8]) -> bool {
    nal_types(annex_b).any(|t| t == 5 || t == 7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nal_types_after_three_and_four_byte_start_codes() {
        let stream = [0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 1, 0x65, 9];
        assert_eq!(nal_types(&stream).collect::<Vec<_>>(), vec![7, 8, 5]);
        assert!(is_h264_keyframe(&stream));
        assert!(!is_h264_keyframe(&[0, 0, 0, 1, 0x41, 0xff]));
        assert!(!is_h264_keyframe(&[]));
        assert!(!is_h264_keyframe(&[0, 0, 1]));
    }
}
