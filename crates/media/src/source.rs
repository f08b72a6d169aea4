//! The capture-source traits. A source is a pull-based producer of frames with no notion of
//! time: the caller paces it (a tokio interval in the SDK, a loop in a test), which keeps this
//! crate free of runtimes and makes sources deterministic.

use crate::{AudioFrame, VideoFrame};

/// Something that yields 20 ms audio frames at [`SAMPLE_RATE`](crate::SAMPLE_RATE)
/// (a capture source).
pub trait AudioSource: Send {
    /// Channels of every frame this source yields (1 or 2).
    fn channels(&self) -> u16;
    /// The next 20 ms frame, or `None` once the source has ended.
    fn next_frame(&mut self) -> Option<AudioFrame>;
}

/// Something that yields video frames at a fixed rate.
pub trait VideoSource: Send {
    /// Frames per second the source is meant to be played at.
    fn fps(&self) -> u32;
    /// Width and height of every frame, in pixels.
    fn size(&self) -> (u32, u32);
    /// The next frame, or `None` once the source has ended.
    fn next_frame(&mut self) -> Option<VideoFrame>;
}
