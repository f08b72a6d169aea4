//! chorus-proto: the contract between Chorus clients and the Chorus server.
//!
//! The error codes and enums of the veRTC contract, the signalling messages and the OpenAPI
//! bodies, each declared once. Pure data: serde only, no I/O, no async. The server, the native
//! SDK and (through the generated TypeScript) the Web SDK all speak through these types.

#![warn(clippy::unwrap_used)]

mod macros;

mod clip;
mod enums;
mod error;
mod fallback;
mod forward;
mod limits;
mod live_transcoding;
mod media;
mod message;
pub mod openapi;
mod public_stream;
mod room;
mod signal;
mod subtitle;
mod typescript;

pub use clip::{CLIP_CHARS, clip, clip_quoted};
pub use enums::*;
pub use error::{AudioMixingError, ErrorCode, RtcError, UNRAISED_VENDOR_ERROR_CODES};
pub use fallback::*;
pub use forward::*;
pub use limits::*;
pub use live_transcoding::*;
pub use media::*;
pub use message::*;
pub use public_stream::*;
pub use room::*;
pub use signal::{
    BadRequest, Event, FrameError, PROTOCOL_VERSION, Request, RequestFrame, SIGNAL_PATH,
    ServerFrame,
};
pub use subtitle::*;
pub use typescript::typescript_module;
