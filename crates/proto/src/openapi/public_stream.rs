//! OpenAPI bodies of public streams: StartPushPublicStream, UpdatePublicStreamParam (the same
//! body; an update replaces every parameter, as the vendor's does) and StopPushPublicStream.
//! Chorus takes the transcoding subset of the vendor's body: the target streams, the output
//! encoding, and either a custom layout or, without one, an even grid of the target streams.

use serde::{Deserialize, Serialize};

/// One source of a public stream.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicTargetStream {
    /// The publisher.
    pub user_id: String,
    /// The room the publisher is in.
    pub room_id: String,
    /// 0 the camera and microphone (default), 1 the screen.
    #[serde(default)]
    pub stream_type: u8,
    /// This stream's number, which a custom layout's regions refer to.
    #[serde(default)]
    pub index: u32,
    /// 0 audio and video (default), 1 audio only, 2 video only.
    #[serde(default)]
    pub media_type: u8,
}

/// The output encoding.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicEncode {
    /// Width in pixels (even; 640 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_width: Option<u32>,
    /// Height in pixels (even; 360 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_height: Option<u32>,
    /// Frames per second (15 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_fps: Option<u32>,
    /// Bitrate in kbit/s (500 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_bitrate: Option<u32>,
}

/// The canvas of a custom layout.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicCanvas {
    /// Background colour, `#RRGGBB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<String>,
}

/// Where one target stream goes on the canvas.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicRegion {
    /// The target stream's `Index`.
    pub stream_index: u32,
    /// Left edge in output pixels.
    #[serde(default)]
    pub location_x: u32,
    /// Top edge in output pixels.
    #[serde(default)]
    pub location_y: u32,
    /// Width as a share of the output width, (0, 1].
    pub width_proportion: f64,
    /// Height as a share of the output height, (0, 1].
    pub height_proportion: f64,
    /// Stacking order, 0 to 100.
    #[serde(default)]
    pub z_order: i32,
    /// Opacity, (0, 1]; 1 by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    /// 1 crop to cover (default), 2 fit inside, 3 stretch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render_mode: Option<i32>,
}

/// A custom layout.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicCustomLayout {
    /// The canvas.
    #[serde(default)]
    pub canvas: PublicCanvas,
    /// The regions.
    #[serde(default)]
    pub regions: Vec<PublicRegion>,
}

/// The layout: a custom one, or (absent) an even grid of the target streams.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicLayout {
    /// The custom layout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_layout: Option<PublicCustomLayout>,
}

/// `StartPushPublicStream` and `UpdatePublicStreamParam`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PushPublicStream {
    /// The app.
    pub app_id: String,
    /// The public stream id.
    pub public_stream_id: String,
    /// The sources, at most 17.
    #[serde(default)]
    pub target_streams: Vec<PublicTargetStream>,
    /// The output encoding.
    #[serde(default)]
    pub encode: PublicEncode,
    /// The layout.
    #[serde(default)]
    pub layout: PublicLayout,
}

/// `StopPushPublicStream`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StopPushPublicStream {
    /// The app.
    pub app_id: String,
    /// The public stream id.
    pub public_stream_id: String,
}
