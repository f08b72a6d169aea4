//! chorus-compositor: public streams. The server composites users of rooms into one stream
//! under a public stream id, which anyone with a token of the app plays without joining.
//!
//! The core is sans IO ([`Compositor`]): a validated [`Layout`] (from the vendor's
//! `PublicStreamConfig`), each source's latest decoded picture composited onto one canvas at
//! the output rate (a stalled source keeps its last picture; one not publishing shows the
//! background), and each source's audio mixed through a limiter every 20 ms. Time is an input,
//! so it is tested with made-up frames and clocks.
//!
//! The shell is [`PublicStreamWorker`]: on a thread and runtime of its own, it receives the
//! sources through the native SDK (joined invisibly to their rooms) and publishes the
//! composite into the public stream's own room, where players receive it.
//!
//! This crate depends on chorus-media for pictures, audio and DSP and on chorus-proto for the
//! wire shapes, and on chorus-sdk for the worker's media; it must not depend on the server, so the server drives it and never the reverse.

#![warn(clippy::unwrap_used)]

mod audio;
mod compositor;
mod image;
mod layout;
mod video;
mod worker;

pub use audio::{AudioMixer, MAX_QUEUED_MS};
pub use chorus_sdk::{EncodedMedia, MediaStream};
pub use compositor::{Compositor, Output};
pub use image::{ImageError, MAX_IMAGE_PIXELS, decode_image};
pub use layout::{
    DEFAULT_FPS, DEFAULT_HEIGHT, DEFAULT_KBPS, DEFAULT_WIDTH, Layout, LayoutError,
    MAX_BACKGROUND_IMAGE_URL, Region, RenderMode, SourceKey,
};
pub use video::VideoCompositor;
pub use worker::{Mint, OutputTap, PublicStreamWorker, WorkerConfig};
