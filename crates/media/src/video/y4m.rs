//! YUV4MPEG2 (y4m) files: raw 4:2:0 video as a capture source, and a writer for tests.

use std::path::Path;

use crate::{MediaError, VideoFrame, VideoSource};

/// A 4:2:0 y4m file played as a video source at the header's frame rate.
pub struct Y4mSource {
    width: u32,
    height: u32,
    fps: u32,
}

impl Y4mSource {
    /// Opens `path`. Fails for a missing file or a non-4:2:0 one.
    pub fn open(path: &Path) -> Result<Self, MediaError> {
        let _ = path;
        todo!()
    }

    /// Whether to start again at the end of the file (default: off).
    pub fn looping(self, on: bool) -> Self {
        let _ = on;
        todo!()
    }
}

impl VideoSource for Y4mSource {
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

/// Writes `frames` (all the same size) as a C420jpeg y4m file at `fps`.
pub fn write_y4m(path: &Path, frames: &[VideoFrame], fps: u32) -> Result<(), MediaError> {
    let _ = (path, frames, fps);
    todo!()
}
