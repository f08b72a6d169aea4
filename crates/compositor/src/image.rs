//! Background images of public streams: decodes the bytes of a PNG or JPEG into RGBA and
//! scales a decoded image to the output size, ready to paint under the regions. Pure: the
//! server fetches the bytes; nothing here does I/O. The bytes come from a URL a user gave, so
//! every size is bounded before a buffer is allocated.

use chorus_media::{RgbaImage, VideoFrame};

/// Most pixels a background image may have (a 4K picture has about 8.3 million).
pub const MAX_IMAGE_PIXELS: u64 = 16_777_216;

/// Why a background image could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// Neither a PNG nor a JPEG signature.
    #[error("the background image is neither a PNG nor a JPEG")]
    UnknownFormat,
    /// Larger than [`MAX_IMAGE_PIXELS`], or empty.
    #[error(
        "the background image is {width}x{height}; it must have 1 to {MAX_IMAGE_PIXELS} pixels"
    )]
    Size {
        /// Its width.
        width: u64,
        /// Its height.
        height: u64,
    },
    /// The decoder refused the bytes.
    #[error("the background image does not decode: {0}")]
    Corrupt(String),
}

fn check_size(width: u64, height: u64) -> Result<(), ImageError> {
    if width == 0 || height == 0 || width * height > MAX_IMAGE_PIXELS {
        Err(ImageError::Size { width, height })
    } else {
        Ok(())
    }
}

/// Decodes a PNG or JPEG (told apart by their signatures) into RGBA.
pub fn decode_image(bytes: &[u8]) -> Result<RgbaImage, ImageError> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        decode_png(bytes)
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        decode_jpeg(bytes)
    } else {
        Err(ImageError::UnknownFormat)
    }
}

fn decode_png(bytes: &[u8]) -> Result<RgbaImage, ImageError> {
    let corrupt = |e: png::DecodingError| ImageError::Corrupt(e.to_string());
    let mut decoder = png::Decoder::new_with_limits(
        bytes,
        png::Limits {
            // 16-bit RGBA of the largest image allowed.
            bytes: (MAX_IMAGE_PIXELS * 8) as usize,
        },
    );
    // Palettes and low bit depths become 8-bit samples.
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let header = decoder.read_header_info().map_err(corrupt)?;
    check_size(u64::from(header.width), u64::from(header.height))?;
    let mut reader = decoder.read_info().map_err(corrupt)?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).map_err(corrupt)?;
    let (width, height) = (frame.width, frame.height);
    let samples = &buf[..frame.buffer_size()];
    let channels = match frame.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => {
            return Err(ImageError::Corrupt("an unexpanded palette".into()));
        }
    };
    let line = frame.line_size;
    let mut data = Vec::with_capacity(width as usize * height as usize * 4);
    for row in samples.chunks(line).take(height as usize) {
        for px in row.chunks_exact(channels).take(width as usize) {
            let rgb = match channels {
                1 | 2 => [px[0]; 3],
                _ => [px[0], px[1], px[2]],
            };
            // Transparency shows the background colour's place as black; a background has
            // nothing under it to blend with.
            data.extend_from_slice(&[rgb[0], rgb[1], rgb[2], 255]);
        }
    }
    rgba(width, height, data)
}

fn decode_jpeg(bytes: &[u8]) -> Result<RgbaImage, ImageError> {
    let corrupt = |e: jpeg_decoder::Error| ImageError::Corrupt(e.to_string());
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.read_info().map_err(corrupt)?;
    let info = decoder
        .info()
        .ok_or_else(|| ImageError::Corrupt("no frame header".into()))?;
    check_size(u64::from(info.width), u64::from(info.height))?;
    decoder.set_max_decoding_buffer_size((MAX_IMAGE_PIXELS * 4) as usize);
    let pixels = decoder.decode().map_err(corrupt)?;
    let mut data = Vec::with_capacity(usize::from(info.width) * usize::from(info.height) * 4);
    match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => {
            for &l in &pixels {
                data.extend_from_slice(&[l, l, l, 255]);
            }
        }
        jpeg_decoder::PixelFormat::L16 => {
            for l in pixels.chunks_exact(2) {
                data.extend_from_slice(&[l[0], l[0], l[0], 255]);
            }
        }
        jpeg_decoder::PixelFormat::RGB24 => {
            for p in pixels.chunks_exact(3) {
                data.extend_from_slice(&[p[0], p[1], p[2], 255]);
            }
        }
        jpeg_decoder::PixelFormat::CMYK32 => {
            for p in pixels.chunks_exact(4) {
                let k = u16::from(255 - p[3]);
                let ink = |c: u8| ((u16::from(255 - c) * k) / 255) as u8;
                data.extend_from_slice(&[ink(p[0]), ink(p[1]), ink(p[2]), 255]);
            }
        }
    }
    rgba(u32::from(info.width), u32::from(info.height), data)
}

fn rgba(width: u32, height: u32, data: Vec<u8>) -> Result<RgbaImage, ImageError> {
    if data.len() != width as usize * height as usize * 4 {
        return Err(ImageError::Corrupt(
            "fewer pixels than the header says".into(),
        ));
    }
    Ok(RgbaImage {
        width,
        height,
        data,
    })
}

/// `image` stretched to `width` x `height` (nearest neighbour) as an I420 frame: a background
/// fills the output, as the vendor's does.
pub(crate) fn backdrop(image: &RgbaImage, width: u32, height: u32) -> VideoFrame {
    let (iw, ih) = (image.width.max(1) as usize, image.height.max(1) as usize);
    let (w, h) = (width as usize, height as usize);
    let mut data = Vec::with_capacity(w * h * 4);
    for y in 0..h {
        let sy = ((y * 2 + 1) * ih / (h * 2)).min(ih - 1);
        for x in 0..w {
            let sx = ((x * 2 + 1) * iw / (w * 2)).min(iw - 1);
            let i = (sy * iw + sx) * 4;
            match image.data.get(i..i + 4) {
                Some(px) => data.extend_from_slice(px),
                None => data.extend_from_slice(&[0, 0, 0, 255]),
            }
        }
    }
    VideoFrame::from_rgba(&RgbaImage {
        width,
        height,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2x2 PNG: red, green on top; blue, white below.
    fn png_2x2() -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, 2, 2);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("a header");
        writer
            .write_image_data(&[255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])
            .expect("pixels");
        writer.finish().expect("finished");
        out
    }

    #[test]
    fn a_png_decodes_and_garbage_is_refused() {
        let image = decode_image(&png_2x2()).expect("decodes");
        assert_eq!((image.width, image.height), (2, 2));
        assert_eq!(&image.data[..8], &[255, 0, 0, 255, 0, 255, 0, 255]);
        assert_eq!(&image.data[8..12], &[0, 0, 255, 255]);
        assert!(matches!(
            decode_image(b"<html>"),
            Err(ImageError::UnknownFormat)
        ));
        let mut cut = png_2x2();
        cut.truncate(30);
        assert!(matches!(decode_image(&cut), Err(ImageError::Corrupt(_))));
        assert!(decode_image(&[0xff, 0xd8, 0xff, 0xe0, 0, 0]).is_err());
    }

    #[test]
    fn a_backdrop_stretches_to_the_output() {
        let image = decode_image(&png_2x2()).expect("decodes");
        let frame = backdrop(&image, 64, 32).to_rgba();
        let at = |x: usize, y: usize| {
            let i = (y * 64 + x) * 4;
            [frame.data[i], frame.data[i + 1], frame.data[i + 2]]
        };
        let near = |a: [u8; 3], b: [u8; 3]| a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 8);
        assert!(near(at(10, 5), [255, 0, 0]), "{:?}", at(10, 5));
        assert!(near(at(50, 5), [0, 255, 0]), "{:?}", at(50, 5));
        assert!(near(at(10, 25), [0, 0, 255]), "{:?}", at(10, 25));
        assert!(near(at(50, 25), [255, 255, 255]), "{:?}", at(50, 25));
    }
}
