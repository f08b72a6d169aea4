//! The Chorus media core, shared by the server and the SDK.
//!
//! Codec glue (Opus through `unsafe-libopus`, H.264 through `openh264`), test signals
//! (a tone and a test card whose frame counter survives lossy coding), file sources
//! (audio files through symphonia, y4m video), analysis for tests (dominant frequency,
//! RMS) and snapshots (RGBA and PNG).
//!
//! This crate must not depend on tokio or on any networking: it is plain, synchronous,
//! deterministic code, so both the SFU and the SDK can call it from whatever runtime they
//! use, and tests can check media content without sockets.
//!
//! All PCM is interleaved `i16` at [`SAMPLE_RATE`], in frames of [`FRAME_MS`]; all video is
//! I420 ([`VideoFrame`]).
#![warn(clippy::unwrap_used)]

mod analysis;
mod audio;
mod error;
mod source;
mod video;

pub use analysis::{dominant_frequency, rms};
pub use audio::file::FileAudioSource;
pub use audio::frame::{AudioFrame, FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE};
pub use audio::opus::{OpusDecoder, OpusEncoder};
pub use audio::tone::ToneSource;
pub use audio::wav::{WavWriter, write_wav};
pub use error::MediaError;
pub use source::{AudioSource, VideoSource};
pub use video::frame::{RgbaImage, VideoFrame};
pub use video::h264::{EncodedVideo, H264Decoder, H264Encoder, is_h264_keyframe};
pub use video::pattern::{PatternSource, read_pattern_counter};
pub use video::y4m::{Y4mSource, write_y4m};
