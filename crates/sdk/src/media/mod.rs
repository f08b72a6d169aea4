//! Media in the native SDK: capture, two WebRTC transports to the SFU, decoding, snapshots.
//!
//! ```text
//!  capture threads ──EncodedFrame──▶ conductor task ──▶ publisher task (str0m, UDP) ──▶ SFU
//!  (source, pace, encode)            │  ▲                                                │
//!                                    │  └── room views, offers (signalling task)         │
//!  app ◀── MediaStream ◀── Outlets ◀── decoder threads ◀── subscriber task ◀─────────────┘
//! ```
//!
//! - `conductor`: one task owning the media state; follows the room, starts and drops
//!   transports. Its rules are a sans-IO core (`conductor/rules.rs`) under a tokio shell.
//! - `transport`: the shell under one str0m instance (socket, drain, timers), configured
//!   by chorus-media's `RtcSetup::sdk`.
//! - `turn`: a TURN client (UDP, TCP, TLS) whose relayed address is a transport's relay
//!   candidate, from the join answer's servers or the cloud proxy's.
//! - `publisher` / `subscriber`: the two transports' tasks.
//! - `capture` / `receive`: codec work on OS threads, paced or fed by channels.
//! - `outlet`: decoded frames to the app; `stats`: str0m's counters to app figures.
//! - `volume`: capture and playback gains; `level`: the levels sent and received; `mirror`: render mirroring, snapshots.
//! - `inbox`: what the conductor hears; `source`: what can be captured.
//!
//! None of this depends on the signalling machine's internals: it hears of the room through
//! [`crate::room::RoomView`] and makes requests through [`crate::caller::Caller`] like any
//! app call, so the machine's rules (reconnecting, not joined) apply to media requests too.

mod capture;
mod conductor;
mod encoder_target;
mod inbox;
mod level;
mod mirror;
mod outlet;
mod publisher;
mod receive;
mod source;
mod stats;
mod subscriber;
mod transport;
mod turn;
mod volume;

pub(crate) use conductor::{Conductor, Relaying};
pub use encoder_target::VideoEncoderConfig;
pub(crate) use inbox::{MediaCall, MediaInput, Reply, SeiRequest};
pub use level::AudioVolume;
pub use mirror::{MirrorType, Snapshot};
pub(crate) use outlet::Outlets;
pub use outlet::{EncodedMedia, MediaStream};
pub use source::{AudioCaptureSource, AudioSourceType, VideoCaptureSource};
pub(crate) use source::{open_audio, open_video};
pub(crate) use transport::RELAY_ONLY_LIMIT;
pub(crate) use turn::probe as probe_relay;
pub(crate) use volume::MAX_VOLUME;
pub(crate) use volume::check_volume;

// The engine's media methods live beside the engine, in `engine/media.rs`.
