//! Snapshots: I420 <-> RGBA conversion is faithful, and PNGs decode back to the same pixels.

use chorus_media::{PatternSource, RgbaImage, VideoFrame, VideoSource};

/// An image whose colour is constant over each 2x2 block, so 4:2:0 loses nothing but rounding.
fn blocky(width: u32, height: u32) -> RgbaImage {
    let mut data = Vec::new();
    for y in 0..height {
        for x in 0..width {
            let (bx, by) = (x / 2, y / 2);
            data.extend_from_slice(&[
                (bx * 37 % 256) as u8,
                (by * 53 % 256) as u8,
                ((bx + by) * 29 % 256) as u8,
                255,
            ]);
        }
    }
    RgbaImage {
        width,
        height,
        data,
    }
}

#[test]
fn rgba_to_i420_and_back_is_within_tolerance() {
    let image = blocky(64, 48);
    let back = VideoFrame::from_rgba(&image).to_rgba();
    assert_eq!((back.width, back.height), (64, 48));
    let mut worst = 0;
    let mut total = 0u64;
    for (a, b) in image.data.iter().zip(&back.data) {
        let d = (i32::from(*a) - i32::from(*b)).abs();
        worst = worst.max(d);
        total += d as u64;
    }
    let mean = total as f64 / image.data.len() as f64;
    // Limited range and saturated colours clip slightly; the average stays tiny.
    assert!(worst <= 40, "worst channel error {worst}");
    assert!(mean < 3.0, "mean channel error {mean}");

    // Greys and primaries are exact to within rounding.
    for rgb in [[0, 0, 0], [255, 255, 255], [128, 128, 128], [200, 30, 40]] {
        let img = RgbaImage {
            width: 2,
            height: 2,
            data: [rgb[0], rgb[1], rgb[2], 255].repeat(4),
        };
        let px = VideoFrame::from_rgba(&img).to_rgba();
        for (a, b) in img.data.iter().zip(&px.data) {
            assert!(
                (i32::from(*a) - i32::from(*b)).abs() <= 3,
                "{rgb:?} -> {:?}",
                &px.data[..4]
            );
        }
    }
}

#[test]
fn odd_sizes_and_black_frames_convert() {
    let black = VideoFrame::black(5, 3);
    assert_eq!(black.u.len(), 3 * 2);
    let rgba = black.to_rgba();
    assert_eq!(rgba.data.len(), 5 * 3 * 4);
    assert!(rgba.data.chunks(4).all(|p| p == [0, 0, 0, 255]));
    let again = VideoFrame::from_rgba(&blocky(5, 3));
    assert!(again.validate().is_ok());
}

#[test]
fn snapshot_png_decodes_back_to_the_same_pixels() {
    let frame = PatternSource::new(320, 240, 30)
        .next_frame()
        .expect("frame");
    let rgba = frame.to_rgba();
    let png_bytes = rgba.to_png().expect("png");
    assert_eq!(&png_bytes[..8], b"\x89PNG\r\n\x1a\n");

    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("valid png header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("valid png data");
    assert_eq!((info.width, info.height), (320, 240));
    assert_eq!(info.color_type, png::ColorType::Rgba);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    assert_eq!(&buf[..info.buffer_size()], &rgba.data[..]);
}

#[test]
fn a_malformed_image_is_an_error() {
    let bad = RgbaImage {
        width: 4,
        height: 4,
        data: vec![0; 10],
    };
    assert!(bad.to_png().is_err());
    // Converting it does not panic either.
    assert_eq!(VideoFrame::from_rgba(&bad).y.len(), 16);
}
