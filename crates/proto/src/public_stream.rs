//! Bodies of public streams: the server composites users of rooms into one stream under a
//! public stream id, which anyone with a token of the app plays without joining the room.
//! The shapes follow the vendor's `PublicStreamConfig`; what each field may hold is checked
//! where the layout is built (chorus-compositor), so a bad value gets one clear error.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::PublicStreamType;

/// The output video of a public stream. Absent fields take the defaults of the compositor
/// (640x360, 15 fps).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PublicStreamVideo {
    /// Width in pixels (even).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub width: Option<u32>,
    /// Height in pixels (even).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub height: Option<u32>,
    /// Frames per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub fps: Option<u32>,
    /// Bitrate in kbit/s.
    pub k_bit_rate: u32,
}

/// One source of a public stream: a user's camera or screen in a room, and where it goes on
/// the output. Absent fields take the vendor's defaults (x, y 0; w, h 1; zorder 0; alpha 1;
/// render mode 1).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PublicStreamRegion {
    /// The publishing user.
    pub user_id: String,
    /// The room the user publishes in.
    pub room_id: String,
    /// The screen share rather than the camera.
    #[serde(default)]
    pub is_screen_stream: bool,
    /// Left edge, a share of the output width in [0, 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub x: Option<f64>,
    /// Top edge, a share of the output height in [0, 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub y: Option<f64>,
    /// Width, a share of the output width in (0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub w: Option<f64>,
    /// Height, a share of the output height in (0, 1].
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
    /// 1: scale to cover and crop (hidden); 2: scale to fit and pad with the background;
    /// 3: stretch to fill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub render_mode: Option<i32>,
    /// Which media of the source the stream takes (audio and video by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub media_type: Option<PublicStreamType>,
    /// The part of the source's picture the region shows (the whole picture by default),
    /// then scaled per `render_mode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub source_crop: Option<PublicStreamCrop>,
}

/// A crop of a source's picture, as shares of its width and height: x and y in [0, 1),
/// w and h in (0, 1], with x + w and y + h at most 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct PublicStreamCrop {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// The layout of a public stream.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PublicStreamLayout {
    /// Background colour, `#RRGGBB` (black by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub background_color: Option<String>,
    /// An http:// or https:// URL of a PNG or JPEG (at most 1024 bytes) painted, scaled to
    /// the output, under the regions; the server fetches it once per layout change. One that
    /// cannot be fetched or decoded leaves the background colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub background_image: Option<String>,
    /// The sources, at most [`MAX_PUBLIC_STREAM_REGIONS`](crate::MAX_PUBLIC_STREAM_REGIONS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub regions: Option<Vec<PublicStreamRegion>>,
}

/// A public stream's parameters (the vendor's `PublicStreamConfig`); an update gives only
/// the parts it changes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PublicStreamConfig {
    /// The output video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub video: Option<PublicStreamVideo>,
    /// The layout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub layout: Option<PublicStreamLayout>,
}

/// `startPushPublicStream` / `updatePublicStreamParam`: a public stream id and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PublicStreamPushParams {
    /// The public stream id (the id rule of rooms and users).
    pub public_stream_id: String,
    /// Its parameters.
    pub param: PublicStreamConfig,
}

/// `stopPushPublicStream`: the public stream id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PublicStreamIdParams {
    /// The public stream id.
    pub public_stream_id: String,
}

/// Prefix of the names Chorus gives a public stream's own room (where its composite is
/// published and players receive it) and the compositor's user id in every room: `@public.`
/// then the public stream id.
pub const PUBLIC_STREAM_PREFIX: &str = "@public.";

/// Longest public stream id, so its room name keeps to the id rule.
pub const MAX_PUBLIC_STREAM_ID_LEN: usize = crate::MAX_ID_LEN - PUBLIC_STREAM_PREFIX.len();

/// Whether `id` is a valid public stream id: the id rule, at most
/// [`MAX_PUBLIC_STREAM_ID_LEN`] characters.
pub fn is_valid_public_stream_id(id: &str) -> bool {
    crate::is_valid_id(id) && id.len() <= MAX_PUBLIC_STREAM_ID_LEN
}

/// The name of public stream `id`'s room, which is also the compositor's user id.
pub fn public_stream_room(id: &str) -> String {
    format!("{PUBLIC_STREAM_PREFIX}{id}")
}

/// The public stream whose room `room_id` is, if it is one.
pub fn public_stream_of_room(room_id: &str) -> Option<&str> {
    room_id.strip_prefix(PUBLIC_STREAM_PREFIX)
}
