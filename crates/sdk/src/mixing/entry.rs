//! What a mixing id holds: a file (preloaded, playing or paused) or a PCM buffer, with its
//! volumes and settings. Plain data for the hub (`hub.rs`), which owns the rules.

use std::path::PathBuf;
use std::sync::Arc;

use chorus_media::{ClipPlayer, DecodedAudio, PcmQueue};
use chorus_proto::AudioMixingType;

/// A file on an id.
pub(super) struct FileMix {
    pub(super) path: PathBuf,
    pub(super) clip: Arc<DecodedAudio>,
    pub(super) track: usize,
    /// Loaded by `preload_audio_mixing` (kept after it stops or finishes).
    pub(super) preloaded: bool,
    /// Playing or paused when some.
    pub(super) player: Option<ClipPlayer>,
    pub(super) paused: bool,
    pub(super) kind: AudioMixingType,
    pub(super) volumes: Volumes,
    pub(super) pitch: i32,
    /// Report the position every this many ms of playing (0: never), and ms played since the
    /// last report.
    pub(super) progress_every: u64,
    pub(super) since_progress: u64,
}

/// A PCM buffer on an id.
pub(super) struct BufferMix {
    pub(super) queue: PcmQueue,
    pub(super) kind: AudioMixingType,
    pub(super) volumes: Volumes,
}

/// Volumes in percent of the original, for local playout and for what is published.
#[derive(Clone, Copy)]
pub(super) struct Volumes {
    pub(super) playout: i32,
    pub(super) publish: i32,
}

impl Default for Volumes {
    fn default() -> Self {
        Volumes {
            playout: 100,
            publish: 100,
        }
    }
}

/// What an id holds.
pub(super) enum Mix {
    File(Box<FileMix>),
    Buffer(BufferMix),
}

/// Whether mixing of `kind` reaches the room.
pub(super) fn publishes(kind: AudioMixingType) -> bool {
    kind != AudioMixingType::Playout
}

/// The message for a buffer's id used as a file.
pub(super) fn buffer_id(id: i32) -> String {
    format!("mixing id {id} is a PCM buffer, not a file; use another id for files")
}

/// The message for a file's id used as a buffer.
pub(super) fn file_id(id: i32) -> String {
    format!("mixing id {id} is a file, not a PCM buffer; use another id for buffers")
}
