//! The test card: what a Chorus demo shows when no camera is used, and what tests send to
//! check that video arrives intact and in order.
//!
//! Two looks: a camera card (colour bars, a grey ramp with a bouncing ball, the frame number in
//! digits) and a screen-share card (a dark desktop with windows, a moving cursor and a progress
//! bar). Both carry the same machine-readable strip along the bottom edge: 2 rows of 22 square
//! cells, black or white, a 22nd of the width each (about 14 px at 320x240), holding a marker,
//! the 32-bit frame counter and its CRC-8. Big flat cells survive H.264 at low bitrates; cell
//! positions are proportional to the picture size, so a downscaled frame (a simulcast layer)
//! still reads. The marker, the CRC and the requirement that every cell be clearly black or
//! white make a false reading of an unrelated picture practically impossible. Pure pixel
//! arithmetic.

use crate::video::frame::rgb_to_yuv;
use crate::{VideoFrame, VideoSource};

/// Cells per row of the code strip.
const COLS: u32 = 22;
/// Rows of the code strip.
const ROWS: u32 = 2;
/// The first four cells of every strip.
const MARKER: [bool; 4] = [true, false, true, true];
/// Largest width or height a pattern is drawn at (bigger requests are clamped).
const MAX_SIDE: u32 = 8192;

const BLACK: (u8, u8, u8) = (16, 128, 128);
const WHITE: (u8, u8, u8) = (235, 128, 128);

/// Which card a [`PatternSource`] draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Look {
    Camera,
    Screen,
}

/// An endless test card (colour bars, a moving element, a machine-readable frame counter read
/// back by [`read_pattern_counter`]). Frame `n` (from 0) carries counter `n`.
#[derive(Debug, Clone)]
pub struct PatternSource {
    width: u32,
    height: u32,
    fps: u32,
    look: Look,
    background: VideoFrame,
    counter: u32,
}

/// Side of one code cell for a picture size, in fractional pixels: the same for drawing and
/// reading, and proportional, so a uniformly downscaled picture still reads.
fn cell_size(width: u32, height: u32) -> f64 {
    (f64::from(width) / f64::from(COLS)).min(f64::from(height) / f64::from(ROWS * 3))
}

/// Pixel bounds `(x0, y0, x1, y1)` of code cell `i`, and of its inner part (inset by `inset`
/// cells on each side).
fn cell_rect(width: u32, height: u32, i: u32, inset: f64) -> (i64, i64, i64, i64) {
    let cell = cell_size(width, height);
    let left = (f64::from(width) - f64::from(COLS) * cell) / 2.0;
    let top = f64::from(height) - f64::from(ROWS) * cell;
    let (col, row) = (f64::from(i % COLS), f64::from(i / COLS));
    let at = |origin: f64, n: f64| (origin + n * cell).round() as i64;
    (
        at(left, col + inset),
        at(top, row + inset),
        at(left, col + 1.0 - inset),
        at(top, row + 1.0 - inset),
    )
}

fn crc8(bytes: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &b in bytes {
        crc ^= b;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The 44 cell values for a counter: marker, counter (MSB first), CRC-8 of the counter.
fn code_bits(counter: u32) -> Vec<bool> {
    let mut bits = MARKER.to_vec();
    bits.extend((0..32).rev().map(|i| counter >> i & 1 == 1));
    let crc = crc8(&counter.to_be_bytes());
    bits.extend((0..8).rev().map(|i| crc >> i & 1 == 1));
    bits
}

fn rgb(r: u8, g: u8, b: u8) -> (u8, u8, u8) {
    rgb_to_yuv(r, g, b)
}

/// 3x5 digits, one row per entry, bit 2 = left column.
const DIGITS: [[u8; 5]; 10] = [
    [7, 5, 5, 5, 7],
    [2, 6, 2, 2, 7],
    [7, 1, 7, 4, 7],
    [7, 1, 7, 1, 7],
    [5, 5, 7, 1, 1],
    [7, 4, 7, 1, 7],
    [7, 4, 7, 5, 7],
    [7, 1, 1, 1, 1],
    [7, 5, 7, 5, 7],
    [7, 5, 7, 1, 7],
];

/// Draws `n` in digits `px` pixels per font dot, on a black box, at (x, y).
fn draw_number(frame: &mut VideoFrame, n: u32, x: i64, y: i64, px: i64) {
    let text = n.to_string();
    let w = text.len() as i64 * 4 * px + px;
    frame.fill_rect(x, y, w, 7 * px, BLACK);
    for (i, ch) in text.bytes().enumerate() {
        let glyph = DIGITS[usize::from(ch - b'0')];
        let gx = x + px + i as i64 * 4 * px;
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..3 {
                if bits >> (2 - col) & 1 == 1 {
                    frame.fill_rect(gx + col * px, y + px + row as i64 * px, px, px, WHITE);
                }
            }
        }
    }
}

/// A position bouncing between 0 and `span` over time.
fn bounce(t: u32, step: u32, span: u32) -> i64 {
    if span == 0 {
        return 0;
    }
    let p = (u64::from(t) * u64::from(step)) % (2 * u64::from(span));
    (if p > u64::from(span) {
        2 * u64::from(span) - p
    } else {
        p
    }) as i64
}

impl PatternSource {
    /// The camera test card at `width`x`height` (each clamped to 2..=8192) and `fps`
    /// (clamped to 1..=1000).
    pub fn new(width: u32, height: u32, fps: u32) -> Self {
        Self::with_look(width, height, fps, Look::Camera)
    }

    /// A different-looking card for screen share (a desktop with windows and a cursor).
    pub fn screen(width: u32, height: u32, fps: u32) -> Self {
        Self::with_look(width, height, fps, Look::Screen)
    }

    fn with_look(width: u32, height: u32, fps: u32, look: Look) -> Self {
        let (width, height) = (width.clamp(2, MAX_SIDE), height.clamp(2, MAX_SIDE));
        let background = match look {
            Look::Camera => camera_background(width, height),
            Look::Screen => screen_background(width, height),
        };
        PatternSource {
            width,
            height,
            fps: fps.clamp(1, 1000),
            look,
            background,
            counter: 0,
        }
    }

    /// Draws frame number `counter` (what `next_frame` yields as its `counter`-th frame).
    pub fn frame_at(&self, counter: u32) -> VideoFrame {
        let mut frame = self.background.clone();
        let w = i64::from(self.width);
        let cell = (cell_size(self.width, self.height) as i64).max(1);
        let content_h = content_height(self.width, self.height);
        match self.look {
            Look::Camera => {
                // The ball bounces across the ramp band, crossing the picture in two seconds.
                let band_top = content_h * 3 / 5;
                let r = ((content_h - band_top) * 2 / 5).max(1);
                let span = (w - 2 * r).max(0) as u32;
                let step = (span / (2 * self.fps)).max(1);
                let cx = r + bounce(counter, step, span);
                let cy = (band_top + content_h) / 2;
                let colour = rgb(255, 140, 0);
                for dy in -r..=r {
                    for dx in -r..=r {
                        if dx * dx + dy * dy <= r * r {
                            frame.put(cx + dx, cy + dy, colour);
                        }
                    }
                }
                draw_number(&mut frame, counter, cell / 2, cell / 2, (cell / 4).max(1));
            }
            Look::Screen => {
                // A cursor wandering over the desktop and a progress bar that fills and restarts.
                let size = (cell * 3 / 4).max(2);
                let span_x = (w - size).max(0) as u32;
                let span_y = (content_h - cell - size).max(0) as u32;
                let x = bounce(counter, (span_x / (3 * self.fps)).max(1), span_x);
                let y = cell + bounce(counter, (span_y / (2 * self.fps)).max(1), span_y);
                for i in 0..size {
                    frame.fill_rect(x, y + i, size - i, 1, WHITE);
                }
                let bar_w = w - 2 * cell;
                let done = bar_w * i64::from(counter % (self.fps * 10)) / i64::from(self.fps * 10);
                let bar_y = content_h - cell;
                frame.fill_rect(cell, bar_y, bar_w, cell / 3, rgb(70, 74, 90));
                frame.fill_rect(cell, bar_y, done, cell / 3, rgb(60, 160, 255));
                draw_number(&mut frame, counter, w - 6 * cell, 0, (cell / 8).max(1));
            }
        }
        draw_code(&mut frame, counter);
        frame
    }
}

/// Height of the picture above the code strip.
fn content_height(width: u32, height: u32) -> i64 {
    cell_rect(width, height, 0, 0.0).1
}

fn draw_code(frame: &mut VideoFrame, counter: u32) {
    let (w, h) = (frame.width, frame.height);
    if cell_size(w, h) < 2.0 {
        return;
    }
    let top = content_height(w, h);
    frame.fill_rect(0, top, i64::from(w), i64::from(h) - top, BLACK);
    for (i, bit) in code_bits(counter).into_iter().enumerate() {
        if bit {
            let (x0, y0, x1, y1) = cell_rect(w, h, i as u32, 0.0);
            frame.fill_rect(x0, y0, x1 - x0, y1 - y0, WHITE);
        }
    }
}

fn camera_background(width: u32, height: u32) -> VideoFrame {
    let mut frame = VideoFrame::black(width, height);
    let w = i64::from(width);
    let content_h = content_height(width, height);
    let bars = [
        (191, 191, 191),
        (191, 191, 0),
        (0, 191, 191),
        (0, 191, 0),
        (191, 0, 191),
        (191, 0, 0),
        (0, 0, 191),
    ];
    let band_top = content_h * 3 / 5;
    for (i, &(r, g, b)) in bars.iter().enumerate() {
        let (x, next) = (w * i as i64 / 7, w * (i as i64 + 1) / 7);
        frame.fill_rect(x, 0, next - x, band_top, rgb(r, g, b));
    }
    for i in 0..8i64 {
        let (x, next) = (w * i / 8, w * (i + 1) / 8);
        let level = (i * 255 / 7) as u8;
        frame.fill_rect(
            x,
            band_top,
            next - x,
            content_h - band_top,
            rgb(level, level, level),
        );
    }
    frame
}

fn screen_background(width: u32, height: u32) -> VideoFrame {
    let mut frame = VideoFrame::black(width, height);
    let w = i64::from(width);
    let cell = (cell_size(width, height) as i64).max(1);
    let content_h = content_height(width, height);
    frame.fill_rect(0, 0, w, content_h, rgb(30, 34, 42));
    frame.fill_rect(0, 0, w, cell, rgb(60, 64, 80));
    // Two windows with title bars and lines of "text".
    let windows = [
        (
            w / 16,
            cell * 2,
            w * 7 / 16,
            content_h * 5 / 8,
            rgb(0, 120, 215),
        ),
        (w / 2, cell * 3, w * 7 / 16, content_h / 2, rgb(200, 60, 90)),
    ];
    for (x, y, ww, wh, title) in windows {
        frame.fill_rect(x, y, ww, wh, rgb(236, 236, 236));
        frame.fill_rect(x, y, ww, cell / 2, title);
        let line = (cell / 4).max(1);
        let mut ly = y + cell;
        let mut n = 0;
        while ly + line < y + wh - line {
            let len = ww * (5 + (n * 7) % 4) / 10;
            frame.fill_rect(x + cell / 3, ly, len, line, rgb(90, 90, 90));
            ly += line * 3;
            n += 1;
        }
    }
    frame
}

impl VideoSource for PatternSource {
    fn fps(&self) -> u32 {
        self.fps
    }

    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn next_frame(&mut self) -> Option<VideoFrame> {
        let frame = self.frame_at(self.counter);
        self.counter = self.counter.wrapping_add(1);
        Some(frame)
    }
}

/// Reads back the frame counter [`PatternSource`] drew, also after lossy H.264 coding or
/// uniform downscaling; `None` if this is not a pattern frame (or is too damaged to read).
pub fn read_pattern_counter(frame: &VideoFrame) -> Option<u32> {
    frame.validate().ok()?;
    if cell_size(frame.width, frame.height) < 4.0 {
        return None;
    }
    let mut bits = Vec::with_capacity((COLS * ROWS) as usize);
    for i in 0..COLS * ROWS {
        let (x0, y0, x1, y1) = cell_rect(frame.width, frame.height, i, 0.25);
        let mean = frame.mean_luma(x0 as usize, y0 as usize, x1 as usize, y1 as usize)?;
        bits.push(match mean {
            m if m < 96.0 => false,
            m if m > 160.0 => true,
            _ => return None,
        });
    }
    if bits[..4] != MARKER {
        return None;
    }
    let counter = bits[4..36]
        .iter()
        .fold(0u32, |acc, &b| acc << 1 | u32::from(b));
    (bits == code_bits(counter)).then_some(counter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_frames_at_many_sizes() {
        for (w, h) in [(320, 240), (640, 360), (160, 120), (1280, 720), (101, 77)] {
            for source in [
                PatternSource::new(w, h, 30),
                PatternSource::screen(w, h, 30),
            ] {
                for n in [0, 1, 12345, u32::MAX] {
                    assert_eq!(
                        read_pattern_counter(&source.frame_at(n)),
                        Some(n),
                        "{w}x{h}"
                    );
                }
            }
        }
    }

    #[test]
    fn odd_requests_are_clamped_not_fatal() {
        for (w, h, fps) in [(0, 0, 0), (2, 2, 1), (7, 3, u32::MAX), (9000, 4, 30)] {
            let mut source = PatternSource::screen(w, h, fps);
            let (sw, sh) = source.size();
            let frame = source.next_frame().expect("patterns never end");
            assert_eq!((frame.width, frame.height), (sw, sh));
            assert!(frame.validate().is_ok());
            let mut camera = PatternSource::new(w, h, fps);
            assert!(camera.next_frame().is_some());
        }
    }

    /// Nearest-neighbour resize of the luma plane (chroma left grey): what a careless
    /// simulcast downscaler does, the worst case for the strip's edges.
    fn resize(frame: &VideoFrame, w: u32, h: u32) -> VideoFrame {
        let mut out = VideoFrame::black(w, h);
        for y in 0..h {
            for x in 0..w {
                let sx = ((f64::from(x) + 0.5) * f64::from(frame.width) / f64::from(w)) as usize;
                let sy = ((f64::from(y) + 0.5) * f64::from(frame.height) / f64::from(h)) as usize;
                out.y[(y * w + x) as usize] = frame.y[sy * frame.width as usize + sx];
            }
        }
        out
    }

    #[test]
    fn downscaled_frames_still_read() {
        let source = PatternSource::new(1280, 720, 30);
        for (w, h) in [(640, 360), (320, 180), (426, 240), (854, 480)] {
            let frame = resize(&source.frame_at(987_654_321), w, h);
            assert_eq!(read_pattern_counter(&frame), Some(987_654_321), "{w}x{h}");
        }
    }

    #[test]
    fn other_pictures_are_not_pattern_frames() {
        assert_eq!(read_pattern_counter(&VideoFrame::black(320, 240)), None);
        let mut white = VideoFrame::black(320, 240);
        white.y.fill(235);
        assert_eq!(read_pattern_counter(&white), None);
        let mut malformed = VideoFrame::black(320, 240);
        malformed.y.truncate(10);
        assert_eq!(read_pattern_counter(&malformed), None);
    }
}
