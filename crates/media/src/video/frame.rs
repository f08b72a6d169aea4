//! The I420 picture every video path speaks, its BT.601 conversion to and from RGBA, and
//! PNG snapshots.

use crate::MediaError;

/// A YUV 4:2:0 (I420) picture, tightly packed planes (stride == width, chroma (w+1)/2).
#[derive(Debug, Clone, PartialEq)]
pub struct VideoFrame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Luma, `width * height` bytes.
    pub y: Vec<u8>,
    /// Cb, `((width + 1) / 2) * ((height + 1) / 2)` bytes.
    pub u: Vec<u8>,
    /// Cr, same size as `u`.
    pub v: Vec<u8>,
}

impl VideoFrame {
    /// A black picture.
    pub fn black(width: u32, height: u32) -> Self {
        let _ = (width, height);
        todo!()
    }

    /// Converts to RGBA (BT.601, limited range).
    pub fn to_rgba(&self) -> RgbaImage {
        todo!()
    }

    /// Converts from RGBA (BT.601, limited range; alpha ignored).
    pub fn from_rgba(img: &RgbaImage) -> Self {
        let _ = img;
        todo!()
    }
}

/// RGBA8, row-major, no padding (what a snapshot returns).
#[derive(Debug, Clone, PartialEq)]
pub struct RgbaImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes.
    pub data: Vec<u8>,
}

impl RgbaImage {
    /// Encodes as PNG.
    pub fn to_png(&self) -> Result<Vec<u8>, MediaError> {
        todo!()
    }
}
