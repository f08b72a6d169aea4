//! Video: I420 frames and snapshots, the H.264 codec and its SEI messages, the test pattern,
//! y4m files.

pub(crate) mod frame;
pub(crate) mod h264;
pub(crate) mod pattern;
pub(crate) mod sei;
pub(crate) mod y4m;
