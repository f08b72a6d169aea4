//! What an app can capture from, and opening it. There are no cameras or microphones in a
//! native SDK that runs on servers and in tests, so "capture" means a generated signal (a
//! tone, a test pattern), a file, or frames the app pushes itself (external sources). Asking
//! for a device fails honestly with the contract's track error.
//!
//! Opening happens before the conductor sees a capture, on a blocking thread (a file may take a
//! while to probe), so the engine's tasks never wait on a disk.

use std::path::PathBuf;

use chorus_media::{
    AudioSource, FileAudioSource, PatternSource, ToneSource, VideoSource, Y4mSource,
};
use chorus_proto::{ErrorCode, RtcError};

/// Where `start_audio_capture` takes its audio from.
#[derive(Debug, Clone, PartialEq)]
pub enum AudioCaptureSource {
    /// A sine tone of `hz` (mono, 48 kHz).
    Tone {
        /// Frequency in hertz, above 0 and below 24 000.
        hz: f32,
    },
    /// An audio file (WAV, MP3, Ogg Vorbis or FLAC), looped.
    File(PathBuf),
    /// A capture device by id. This SDK has none: always `GET_AUDIO_TRACK_FAILED`.
    Device(String),
}

/// Where `start_video_capture` or `start_screen_capture` takes its video from.
#[derive(Debug, Clone, PartialEq)]
pub enum VideoCaptureSource {
    /// A moving test card whose frame counter survives coding (see
    /// `chorus_media::read_pattern_counter`); for the screen, a screen-like variant.
    Pattern {
        /// Width in pixels (even, 16 to 3840).
        width: u32,
        /// Height in pixels (even, 16 to 2160).
        height: u32,
        /// Frames per second (1 to 60).
        fps: u32,
    },
    /// A YUV4MPEG2 (`.y4m`, 4:2:0) file, looped, at its own frame rate.
    Y4m(PathBuf),
    /// A capture device by id. This SDK has none: always `GET_VIDEO_TRACK_FAILED`.
    Device(String),
}

/// Where a stream's audio comes from: the SDK's own capture, or frames the app pushes with
/// [`crate::RtcEngine::push_external_audio_frame`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioSourceType {
    /// Frames pushed by the app.
    External,
    /// The SDK's own capture (the default).
    Internal,
}

const NO_DEVICES: &str = "there are no capture devices on this machine: the native SDK captures from tones, files and test patterns, or from frames the app pushes (set the source type to External)";

fn audio_failed(message: String) -> RtcError {
    RtcError::new(ErrorCode::GetAudioTrackFailed, message)
}

fn video_failed(message: String) -> RtcError {
    RtcError::new(ErrorCode::GetVideoTrackFailed, message)
}

/// Opens an audio source; blocking (files are probed).
pub(crate) fn open_audio(source: AudioCaptureSource) -> Result<Box<dyn AudioSource>, RtcError> {
    match source {
        AudioCaptureSource::Tone { hz } => {
            if !(hz > 0.0 && hz < 24_000.0) {
                return Err(RtcError::new(
                    ErrorCode::InvalidParams,
                    format!("a tone's frequency must be above 0 and below 24000 Hz, not {hz}"),
                ));
            }
            Ok(Box::new(ToneSource::new(hz)))
        }
        AudioCaptureSource::File(path) => FileAudioSource::open(&path)
            .map(|s| Box::new(s.looping(true)) as Box<dyn AudioSource>)
            .map_err(|e| {
                audio_failed(format!("cannot capture audio from {}: {e}", path.display()))
            }),
        AudioCaptureSource::Device(id) => Err(audio_failed(format!("device {id:?}: {NO_DEVICES}"))),
    }
}

/// Opens a video source (`screen` picks the screen-like pattern); blocking.
pub(crate) fn open_video(
    source: VideoCaptureSource,
    screen: bool,
) -> Result<Box<dyn VideoSource>, RtcError> {
    match source {
        VideoCaptureSource::Pattern { width, height, fps } => {
            let even = |v: u32, max: u32| (16..=max).contains(&v) && v.is_multiple_of(2);
            if !even(width, 3840) || !even(height, 2160) || !(1..=60).contains(&fps) {
                return Err(RtcError::new(
                    ErrorCode::InvalidParams,
                    format!(
                        "a pattern is 16 to 3840 by 16 to 2160 pixels (even sizes) at 1 to 60 fps, not {width}x{height} at {fps}"
                    ),
                ));
            }
            Ok(if screen {
                Box::new(PatternSource::screen(width, height, fps))
            } else {
                Box::new(PatternSource::new(width, height, fps))
            })
        }
        VideoCaptureSource::Y4m(path) => Y4mSource::open(&path)
            .map(|s| Box::new(s.looping(true)) as Box<dyn VideoSource>)
            .map_err(|e| {
                video_failed(format!("cannot capture video from {}: {e}", path.display()))
            }),
        VideoCaptureSource::Device(id) => Err(video_failed(format!("device {id:?}: {NO_DEVICES}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_fail_with_the_track_errors() {
        let e = open_audio(AudioCaptureSource::Device("mic".into())).err();
        assert_eq!(e.map(|e| e.code), Some(ErrorCode::GetAudioTrackFailed));
        let e = open_video(VideoCaptureSource::Device("cam".into()), false).err();
        assert_eq!(e.map(|e| e.code), Some(ErrorCode::GetVideoTrackFailed));
    }

    #[test]
    fn missing_files_fail_with_the_track_errors_naming_the_file() {
        let e = open_audio(AudioCaptureSource::File("/nonexistent/a.wav".into()))
            .err()
            .expect("no such file");
        assert_eq!(e.code, ErrorCode::GetAudioTrackFailed);
        assert!(e.message.contains("/nonexistent/a.wav"), "{e}");
        let e = open_video(VideoCaptureSource::Y4m("/nonexistent/v.y4m".into()), false)
            .err()
            .expect("no such file");
        assert_eq!(e.code, ErrorCode::GetVideoTrackFailed);
    }

    #[test]
    fn bad_parameters_are_invalid_params() {
        let e = open_audio(AudioCaptureSource::Tone { hz: f32::NAN }).err();
        assert_eq!(e.map(|e| e.code), Some(ErrorCode::InvalidParams));
        let bad = VideoCaptureSource::Pattern {
            width: 15,
            height: 240,
            fps: 30,
        };
        let e = open_video(bad, false).err();
        assert_eq!(e.map(|e| e.code), Some(ErrorCode::InvalidParams));
    }
}
