//! Bodies of live transcoding (the vendor's "push to CDN"): a member has the server composite
//! users of its room, as a public stream does, and push the result over RTMP to a URL. The
//! shapes follow the vendor's `LiveTranscodeConfig`; what each field may hold is checked by
//! the server, so a bad value gets one clear error and an `onStreamMixingEvent`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{StreamMixingErrorCode, StreamMixingEventType};

/// The pushed audio (the vendor's `LiveTranscodeAudioConfig`). Absent fields take the
/// vendor's defaults: AAC-LC, 48000 Hz, 2 channels, 64 kbit/s.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LiveTranscodeAudio {
    /// `"AAC"`, the one codec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub codec: Option<String>,
    /// Bit rate in kbit/s, 32 to 192.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub k_bit_rate: Option<u32>,
    /// 32000, 44100 or 48000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sample_rate: Option<u32>,
    /// 1 or 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub channels: Option<u32>,
    /// `"LC"`, the one profile Chorus encodes.
    #[serde(
        default,
        rename = "AACProfile",
        skip_serializing_if = "Option::is_none"
    )]
    #[ts(optional)]
    pub aac_profile: Option<String>,
}

/// The pushed video (the vendor's `LiveTranscodeVideoConfig`). Absent fields take the
/// vendor's defaults: H.264, 640x360, 15 fps, a keyframe every 2 s.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LiveTranscodeVideo {
    /// Width in pixels, 2 to 1920 (an odd one is rounded up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub width: Option<u32>,
    /// Height in pixels, 2 to 1920 (an odd one is rounded up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub height: Option<u32>,
    /// `"H264"`, the one codec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub codec: Option<String>,
    /// Frames per second, 1 to 60.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub fps: Option<u32>,
    /// Seconds between keyframes, 1 to 5; keyframes come at least every 2 s whatever it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub gop: Option<u32>,
    /// Bit rate in kbit/s, 1 to 10000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub k_bit_rate: Option<u32>,
}

/// One user's place in the pushed picture (the vendor's `LiveTranscodeLayoutRegion`);
/// absent fields take the vendor's defaults (x, y 0; w, h 1; zorder 0; alpha 1; render mode
/// 1; audio and video).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LiveTranscodeRegion {
    /// The publishing user, in the caller's room.
    pub user_id: String,
    /// Left edge, a share of the width in [0, 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub x: Option<f64>,
    /// Top edge, a share of the height in [0, 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub y: Option<f64>,
    /// Width, a share of the width in (0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub w: Option<f64>,
    /// Height, a share of the height in (0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub h: Option<f64>,
    /// Stacking order, 0 (bottom) to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub zorder: Option<i32>,
    /// Opacity in (0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub alpha: Option<f64>,
    /// 1: cover and crop; 2: fit and pad; 3: stretch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub render_mode: Option<i32>,
    /// 0: audio and video; 1: audio only; 2: video only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub content_control: Option<i32>,
    /// The screen share rather than the camera.
    #[serde(default)]
    pub is_screen_stream: bool,
}

/// The pushed picture's layout (the vendor's `LiveTranscodeLayoutConfig`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LiveTranscodeLayout {
    /// The users, at most [`MAX_PUBLIC_STREAM_REGIONS`](crate::MAX_PUBLIC_STREAM_REGIONS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub regions: Option<Vec<LiveTranscodeRegion>>,
    /// Data for the app, up to 4 KB; Chorus keeps it but does not put it in the stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub app_data: Option<String>,
    /// Background colour, `#RRGGBB` (black by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub background_color: Option<String>,
}

/// `startLiveTranscoding` / `updateLiveTranscoding` (the vendor's `LiveTranscodeConfig`; an
/// update gives only what it changes, and cannot change the URL or the audio).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LiveTranscodeConfig {
    /// Where to push: `rtmp://host[:port]/app/stream`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub url: Option<String>,
    /// The pushed audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub audio: Option<LiveTranscodeAudio>,
    /// The pushed video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub video: Option<LiveTranscodeVideo>,
    /// The layout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub layout: Option<LiveTranscodeLayout>,
}

/// `onStreamMixingEvent` (the vendor's `StreamMixingEvent`): how live transcoding stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StreamMixingEvent {
    /// What happened.
    pub event: StreamMixingEventType,
    /// Why it failed, or `ERR_OK`.
    pub error: StreamMixingErrorCode,
    /// What happened, in words.
    pub message: String,
}
