//! The test card: a moving, colourful pattern with a frame counter drawn so that it can be read
//! back after lossy H.264.

use crate::{VideoFrame, VideoSource};

/// An endless test card (colour bars, a moving element, a machine-readable frame counter).
pub struct PatternSource {
    width: u32,
    height: u32,
    fps: u32,
}

impl PatternSource {
    /// The camera test card.
    pub fn new(width: u32, height: u32, fps: u32) -> Self {
        PatternSource { width, height, fps }
    }

    /// A different-looking card for screen share.
    pub fn screen(width: u32, height: u32, fps: u32) -> Self {
        PatternSource { width, height, fps }
    }
}

impl VideoSource for PatternSource {
    fn fps(&self) -> u32 {
        self.fps
    }

    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn next_frame(&mut self) -> Option<VideoFrame> {
        todo!()
    }
}

/// Reads back the frame counter [`PatternSource`] drew; `None` if this is not a pattern frame.
pub fn read_pattern_counter(frame: &VideoFrame) -> Option<u32> {
    let _ = frame;
    todo!()
}
