//! The I420 picture every video path speaks, its BT.601 (limited range) conversion to and from
//! RGBA, and PNG snapshots. I420 because it is what H.264 encoders and decoders use natively;
//! RGBA because it is what screens, snapshots and image files use. Depends on `png` only.

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

/// Width and height of the chroma planes of a `width` x `height` I420 picture.
pub(crate) fn chroma_size(width: u32, height: u32) -> (usize, usize) {
    (width.div_ceil(2) as usize, height.div_ceil(2) as usize)
}

/// BT.601 limited-range RGB to YUV, in integers.
pub(crate) fn rgb_to_yuv(r: u8, g: u8, b: u8) -> (u8, u8, u8) {
    let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
    let y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
    let u = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
    let v = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
    (clamp(y), clamp(u), clamp(v))
}

/// BT.601 limited-range YUV to RGB, in integers.
fn yuv_to_rgb(y: u8, u: u8, v: u8) -> [u8; 3] {
    let c = 298 * (i32::from(y) - 16);
    let d = i32::from(u) - 128;
    let e = i32::from(v) - 128;
    [
        clamp((c + 409 * e + 128) >> 8),
        clamp((c - 100 * d - 208 * e + 128) >> 8),
        clamp((c + 516 * d + 128) >> 8),
    ]
}

fn clamp(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

impl VideoFrame {
    /// A black picture (Y 16, U and V 128: video black, not zeros).
    pub fn black(width: u32, height: u32) -> Self {
        let (cw, ch) = chroma_size(width, height);
        VideoFrame {
            width,
            height,
            y: vec![16; width as usize * height as usize],
            u: vec![128; cw * ch],
            v: vec![128; cw * ch],
        }
    }

    /// Checks that the plane sizes match the dimensions (the fields are public, so a frame may
    /// come from anywhere). Codecs call this before reading the planes.
    pub fn validate(&self) -> Result<(), MediaError> {
        let (cw, ch) = chroma_size(self.width, self.height);
        let luma = self.width as usize * self.height as usize;
        if self.width == 0 || self.height == 0 {
            return Err(MediaError::InvalidArgument(format!(
                "empty {}x{} video frame",
                self.width, self.height
            )));
        }
        if self.y.len() != luma || self.u.len() != cw * ch || self.v.len() != cw * ch {
            return Err(MediaError::InvalidArgument(format!(
                "{}x{} I420 frame needs planes of {luma}, {n} and {n} bytes, got {}, {} and {}",
                self.width,
                self.height,
                self.y.len(),
                self.u.len(),
                self.v.len(),
                n = cw * ch
            )));
        }
        Ok(())
    }

    /// Converts to RGBA (BT.601, limited range; alpha 255). Missing plane bytes of a malformed
    /// frame read as black rather than panicking.
    pub fn to_rgba(&self) -> RgbaImage {
        let (w, h) = (self.width as usize, self.height as usize);
        let (cw, _) = chroma_size(self.width, self.height);
        let mut data = Vec::with_capacity(w * h * 4);
        for row in 0..h {
            for col in 0..w {
                let ci = (row / 2) * cw + col / 2;
                let y = self.y.get(row * w + col).copied().unwrap_or(16);
                let u = self.u.get(ci).copied().unwrap_or(128);
                let v = self.v.get(ci).copied().unwrap_or(128);
                let [r, g, b] = yuv_to_rgb(y, u, v);
                data.extend_from_slice(&[r, g, b, 255]);
            }
        }
        RgbaImage {
            width: self.width,
            height: self.height,
            data,
        }
    }

    /// Converts from RGBA (BT.601, limited range; alpha ignored; chroma is the average of each
    /// 2x2 block). Missing bytes of a malformed image read as black.
    pub fn from_rgba(img: &RgbaImage) -> Self {
        let (w, h) = (img.width as usize, img.height as usize);
        let (cw, ch) = chroma_size(img.width, img.height);
        let px = |x: usize, y: usize| -> [u8; 3] {
            let i = (y * w + x) * 4;
            match img.data.get(i..i + 3) {
                Some(p) => [p[0], p[1], p[2]],
                None => [0, 0, 0],
            }
        };
        let mut frame = VideoFrame::black(img.width, img.height);
        for y in 0..h {
            for x in 0..w {
                let [r, g, b] = px(x, y);
                frame.y[y * w + x] = rgb_to_yuv(r, g, b).0;
            }
        }
        for cy in 0..ch {
            for cx in 0..cw {
                let (mut sum, mut n) = ([0u32; 3], 0u32);
                for y in (cy * 2)..(cy * 2 + 2).min(h) {
                    for x in (cx * 2)..(cx * 2 + 2).min(w) {
                        let p = px(x, y);
                        for k in 0..3 {
                            sum[k] += u32::from(p[k]);
                        }
                        n += 1;
                    }
                }
                let avg = |k: usize| ((sum[k] + n / 2) / n.max(1)) as u8;
                let (_, u, v) = rgb_to_yuv(avg(0), avg(1), avg(2));
                frame.u[cy * cw + cx] = u;
                frame.v[cy * cw + cx] = v;
            }
        }
        frame
    }

    /// Fills a rectangle (clipped to the picture) with a YUV colour. Chroma covers every
    /// chroma sample the rectangle touches.
    pub(crate) fn fill_rect(&mut self, x: i64, y: i64, w: i64, h: i64, yuv: (u8, u8, u8)) {
        let (fw, fh) = (i64::from(self.width), i64::from(self.height));
        let (x0, y0) = (x.clamp(0, fw), y.clamp(0, fh));
        let (x1, y1) = ((x + w).clamp(0, fw), (y + h).clamp(0, fh));
        if x0 >= x1 || y0 >= y1 {
            return;
        }
        let stride = self.width as usize;
        for row in y0..y1 {
            let start = row as usize * stride;
            self.y[start + x0 as usize..start + x1 as usize].fill(yuv.0);
        }
        let (cw, _) = chroma_size(self.width, self.height);
        let (cx0, cx1) = (x0 as usize / 2, (x1 as usize).div_ceil(2));
        for row in (y0 as usize / 2)..(y1 as usize).div_ceil(2) {
            self.u[row * cw + cx0..row * cw + cx1].fill(yuv.1);
            self.v[row * cw + cx0..row * cw + cx1].fill(yuv.2);
        }
    }

    /// Sets one pixel's luma and its chroma sample (for round shapes).
    pub(crate) fn put(&mut self, x: i64, y: i64, yuv: (u8, u8, u8)) {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return;
        }
        let (x, y) = (x as usize, y as usize);
        self.y[y * self.width as usize + x] = yuv.0;
        let (cw, _) = chroma_size(self.width, self.height);
        self.u[(y / 2) * cw + x / 2] = yuv.1;
        self.v[(y / 2) * cw + x / 2] = yuv.2;
    }

    /// Mean luma of a rectangle (clipped); `None` if it is empty.
    pub(crate) fn mean_luma(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> Option<f32> {
        let (x1, y1) = (x1.min(self.width as usize), y1.min(self.height as usize));
        if x0 >= x1 || y0 >= y1 {
            return None;
        }
        let mut sum = 0u64;
        for row in y0..y1 {
            let start = row * self.width as usize;
            sum += self
                .y
                .get(start + x0..start + x1)?
                .iter()
                .map(|&v| u64::from(v))
                .sum::<u64>();
        }
        Some(sum as f32 / ((x1 - x0) * (y1 - y0)) as f32)
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
    /// Encodes as an 8-bit RGBA PNG. Fails if `data` is not `width * height * 4` bytes or the
    /// image is empty.
    pub fn to_png(&self) -> Result<Vec<u8>, MediaError> {
        let expected = self.width as usize * self.height as usize * 4;
        if self.width == 0 || self.height == 0 || self.data.len() != expected {
            return Err(MediaError::InvalidArgument(format!(
                "a {}x{} RGBA image needs {expected} bytes, got {}",
                self.width,
                self.height,
                self.data.len()
            )));
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| MediaError::Png(e.to_string()))?;
        writer
            .write_image_data(&self.data)
            .map_err(|e| MediaError::Png(e.to_string()))?;
        writer
            .finish()
            .map_err(|e| MediaError::Png(e.to_string()))?;
        Ok(out)
    }
}
