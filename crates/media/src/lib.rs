//! The Chorus media core, shared by the server and the SDK.
//!
//! Codec glue (Opus through `unsafe-libopus`, H.264 through `openh264`), test signals
//! (a tone and a test card whose frame counter survives lossy coding), file sources
//! (audio files through symphonia, y4m video), audio mixing (clip players, pushed PCM, pitch,
//! a limiter), analysis for tests (dominant frequency, RMS) and snapshots (RGBA and PNG); and
//! the str0m configuration every Chorus peer builds from ([`RtcSetup`]: the codec set, and the settings in which the sides differ).
//!
//! This crate must not depend on tokio or on any networking (str0m is sans-IO): it is plain, synchronous,
//! deterministic code, so both the SFU and the SDK can call it from whatever runtime they
//! use, and tests can check media content without sockets.
//!
//! All PCM is interleaved `i16` at [`SAMPLE_RATE`], in frames of [`FRAME_MS`]; all video is
//! I420 ([`VideoFrame`]). Codecs and sources are `Send` and hold no threads or timers: the
//! caller paces them.
//!
//! ```
//! use chorus_media::{AudioSource, OpusDecoder, OpusEncoder, ToneSource, dominant_frequency};
//!
//! let mut tone = ToneSource::new(440.0);
//! let mut encoder = OpusEncoder::new(1, 32_000)?;
//! let mut decoder = OpusDecoder::new(1)?;
//! let mut heard = Vec::new();
//! for _ in 0..50 {
//!     let frame = tone.next_frame().expect("a tone never ends");
//!     heard.extend(decoder.decode(&encoder.encode(&frame)?)?.samples);
//! }
//! assert!((dominant_frequency(&heard[4800..], 1) - 440.0).abs() < 2.0);
//! # Ok::<(), chorus_media::MediaError>(())
//! ```
#![warn(clippy::unwrap_used)]

mod analysis;
mod audio;
mod error;
mod rtc_config;
mod source;
mod video;

pub use analysis::{dominant_frequency, rms};
pub use audio::file::{DecodedAudio, FileAudioSource, decode_file};
pub use audio::frame::{AudioFrame, FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE};
pub use audio::limiter::Limiter;
pub use audio::mix::{ClipPlayer, PcmQueue, mix_into};
pub use audio::opus::{OpusDecoder, OpusEncoder};
pub use audio::pitch::PitchShifter;
pub use audio::tone::ToneSource;
pub use audio::wav::{WavWriter, write_wav};
pub use error::MediaError;
pub use rtc_config::{
    H264_PROFILE_LEVEL_ID, H264_PT, H264_RTX_PT, RtcSetup, SDK_STATS_INTERVAL,
    SFU_INITIAL_ESTIMATE, every_codec_config,
};
pub use source::{AudioSource, VideoSource};
pub use video::frame::{RgbaImage, VideoFrame};
pub use video::h264::{EncodedVideo, H264Decoder, H264Encoder, is_h264_keyframe};
pub use video::pattern::{PatternSource, read_pattern_counter};
pub use video::sei::{
    CHORUS_SEI_TAG, MAX_SEI_BYTES, MAX_SEI_PENDING, SeiMessage, SeiSchedule, SeiSeen, read_sei,
    sei_nal, with_sei,
};
pub use video::y4m::{Y4mSource, write_y4m};
