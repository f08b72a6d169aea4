//! Audio mixing: files and PCM an app pushes, mixed into the published microphone stream
//! (`AudioMixingManager`, the veRTC `IAudioMixingManager`). Every call reports its outcome on
//! the event stream as `onAudioMixingStateChanged` (`EngineEvent::AudioMixingStateChanged`)
//! and returns it too: a [`MixingError`] carries the contract's `AudioMixingError`. Where
//! asked, a playing file's position comes as `onAudioMixingPlayingProgress`.
//!
//! Mixing rides on the main audio pipeline: each captured (or pushed) 20 ms frame gets what
//! plays summed in, through a limiter, before it is encoded; so a file plays while audio is
//! captured, and its position and `finished` follow that clock. This SDK has no playback
//! device: PLAYOUT mixing plays (position, events) but is heard by no one, and only PUBLISH and
//! PLAYOUT_AND_PUBLISH reach the room. Files are decoded whole on a blocking thread (wav, mp3,
//! ogg/vorbis, flac; a preload holds at most 20 s) and resampled as they play.

mod entry;
mod hub;

use std::fmt;
use std::path::{Path, PathBuf};

use chorus_media::{DecodedAudio, MediaError, decode_file};
use chorus_proto::{AudioMixingError, AudioMixingType, ErrorCode, RtcError};

pub(crate) use hub::MixingHub;
use hub::StartPlan;

/// The longest file `preload_audio_mixing` keeps (the vendor's limit).
const PRELOAD_MAX_MS: u64 = 20_000;
/// The longest file `start_audio_mixing` plays (bounds the memory a decoded file takes).
const START_MAX_MS: u64 = 10 * 60 * 1000;

/// A failed mixing call: the contract's `AudioMixingError` (also sent with
/// `onAudioMixingStateChanged`, state FAILED) and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixingError {
    /// Which error.
    pub code: AudioMixingError,
    /// What happened and what to do.
    pub message: String,
}

impl fmt::Display for MixingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "audio mixing error {} ({:?}): {}",
            self.code.value(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for MixingError {}

/// How `start_audio_mixing` plays a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioMixingConfig {
    /// Where it is heard: locally, in the room, or both.
    pub mixing_type: AudioMixingType,
    /// How many times it plays; 0 or less loops for ever.
    pub play_count: i32,
    /// Where in the file to start, in milliseconds.
    pub position_ms: u64,
    /// How often to report the position (`onAudioMixingPlayingProgress`), in milliseconds;
    /// 0 (the default) never.
    pub progress_interval_ms: u64,
}

impl Default for AudioMixingConfig {
    /// Once, from the start, heard locally and in the room.
    fn default() -> Self {
        AudioMixingConfig {
            mixing_type: AudioMixingType::PlayoutAndPublish,
            play_count: 1,
            position_ms: 0,
            progress_interval_ms: 0,
        }
    }
}

/// PCM for [`AudioMixingManager::push_audio_mixing_buffer`]: checked when made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixingPcm {
    samples: Vec<i16>,
    channels: u16,
    sample_rate: u32,
}

impl MixingPcm {
    /// Interleaved `samples` of `channels` (1 or 2) at `sample_rate` Hz (8 000 to 192 000;
    /// resampled to 48 kHz for mixing). `INVALID_PARAMS` otherwise.
    pub fn new(samples: Vec<i16>, channels: u16, sample_rate: u32) -> Result<Self, RtcError> {
        let ch = usize::from(channels);
        if !(1..=2).contains(&ch)
            || !(8_000..=192_000).contains(&sample_rate)
            || !samples.len().is_multiple_of(ch)
        {
            return Err(RtcError::new(
                ErrorCode::InvalidParams,
                format!(
                    "mixing PCM is 1 or 2 interleaved channels at 8000 to 192000 Hz; got {} samples of {channels} channels at {sample_rate} Hz",
                    samples.len()
                ),
            ));
        }
        Ok(MixingPcm {
            samples,
            channels,
            sample_rate,
        })
    }
}

/// An engine's audio mixing (`RtcEngine::get_audio_mixing_manager`). Cheap to clone; all
/// clones share the engine's mixing.
#[derive(Clone)]
pub struct AudioMixingManager {
    hub: MixingHub,
}

impl fmt::Debug for AudioMixingManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AudioMixingManager").finish_non_exhaustive()
    }
}

/// Decodes `path` off the runtime's workers.
async fn decode(path: PathBuf, track: usize, max_ms: u64) -> Result<DecodedAudio, MediaError> {
    tokio::task::spawn_blocking(move || decode_file(&path, track, max_ms))
        .await
        .unwrap_or_else(|e| {
            Err(MediaError::Decode(format!(
                "the decoding thread failed: {e}"
            )))
        })
}

impl AudioMixingManager {
    pub(crate) fn new(hub: MixingHub) -> Self {
        AudioMixingManager { hub }
    }

    /// Decodes `path` (at most 20 s of audio) and keeps it on `id` for a quick start; a file
    /// playing on `id` stops. Then `PRELOADED`. Fails with `PRELOAD_FAILED` for a file that is
    /// missing, cannot be decoded or is longer than 20 s; `ID_TYPE_NOT_MATCH` on a buffer's id.
    pub async fn preload_audio_mixing(
        &self,
        id: i32,
        path: impl AsRef<Path>,
    ) -> Result<(), MixingError> {
        let path = path.as_ref().to_path_buf();
        match decode(path.clone(), 0, PRELOAD_MAX_MS).await {
            Ok(clip) => self.hub.preloaded(id, &path, clip, 0),
            Err(e) => Err(self.hub.fail(
                id,
                AudioMixingError::PreloadFailed,
                format!("cannot preload {}: {e} (preloading takes wav, mp3, ogg or flac of at most 20 s)", path.display()),
            )),
        }
    }

    /// Forgets whatever is on `id` (stopping it); then `STOPPED`. `ID_NOT_FOUND` when nothing is.
    pub fn unload_audio_mixing(&self, id: i32) -> Result<(), MixingError> {
        self.hub.unload(id)
    }

    /// Plays `path` on `id` as `config` says: the file preloaded on `id`, or the file decoded
    /// now. Playing again on an id that plays restarts it (`STOPPED`, then `PLAYING`). Fails
    /// with `START_FAILED` for a file that cannot be opened or decoded (or a start position past
    /// its end), `LOAD_CONFLICT` when `id` holds another preloaded file, `ID_TYPE_NOT_MATCH` on a
    /// buffer's id.
    pub async fn start_audio_mixing(
        &self,
        id: i32,
        path: impl AsRef<Path>,
        config: AudioMixingConfig,
    ) -> Result<(), MixingError> {
        let path = path.as_ref().to_path_buf();
        let decoded = match self.hub.prepare_start(id, &path)? {
            StartPlan::Preloaded => None,
            StartPlan::Decode => {
                Some(decode(path.clone(), 0, START_MAX_MS).await.map_err(|e| {
                    self.hub.fail(
                        id,
                        AudioMixingError::StartFailed,
                        format!("cannot play {}: {e}", path.display()),
                    )
                })?)
            }
        };
        let plays = u32::try_from(config.play_count).unwrap_or(0);
        self.hub.start(id, &path, decoded, plays, &config)
    }

    /// Stops the file on `id` and unloads it (preloaded or not, as the vendor's SDKs do);
    /// then `STOPPED`. `ID_NOT_FOUND` when no file is on `id`.
    pub fn stop_audio_mixing(&self, id: i32) -> Result<(), MixingError> {
        self.hub.stop(id)
    }

    /// Pauses the file playing on `id`; then `PAUSED`.
    pub fn pause_audio_mixing(&self, id: i32) -> Result<(), MixingError> {
        self.hub.pause(id, true)
    }

    /// Resumes the file paused on `id`; then `PLAYING`.
    pub fn resume_audio_mixing(&self, id: i32) -> Result<(), MixingError> {
        self.hub.pause(id, false)
    }

    /// Sets the volume of `id` in percent of the original (0 to 400) for local playout
    /// (`Playout`), the room (`Publish`) or both. `INVALID_VOLUME` outside 0..=400.
    pub fn set_audio_mixing_volume(
        &self,
        id: i32,
        volume: i32,
        mixing_type: AudioMixingType,
    ) -> Result<(), MixingError> {
        self.hub.set_volume(id, volume, mixing_type)
    }

    /// The volume of `id` for local playout (`Playout`) or the room (the others).
    pub fn get_audio_mixing_volume(
        &self,
        id: i32,
        mixing_type: AudioMixingType,
    ) -> Result<i32, MixingError> {
        self.hub.volume(id, mixing_type)
    }

    /// The length of the file on `id`, in milliseconds.
    pub fn get_audio_mixing_duration(&self, id: i32) -> Result<u64, MixingError> {
        self.hub.duration(id)
    }

    /// Where the file playing on `id` is, in milliseconds.
    pub fn get_audio_mixing_current_position(&self, id: i32) -> Result<u64, MixingError> {
        self.hub.position(id)
    }

    /// Moves the file playing on `id` to `position_ms`. `SET_POSITION_FAILED` past its end.
    pub fn set_audio_mixing_position(&self, id: i32, position_ms: u64) -> Result<(), MixingError> {
        self.hub.set_position(id, position_ms)
    }

    /// Shifts the pitch of the file on `id` by `semitones` (-12 to 12), keeping its speed.
    /// `ID_TYPE_INVALID_PITCH` out of range.
    pub fn set_audio_mixing_pitch(&self, id: i32, semitones: i32) -> Result<(), MixingError> {
        self.hub.set_pitch(id, semitones)
    }

    /// How many audio tracks the file on `id` has.
    pub fn get_audio_track_count(&self, id: i32) -> Result<usize, MixingError> {
        self.hub.file_tracks(id).map(|(_, _, tracks)| tracks)
    }

    /// Plays audio track `index` (from 0) of the file on `id`, where playback is.
    /// `INVALID_AUDIO_TRACK` for a track the file does not have.
    pub async fn select_audio_track(&self, id: i32, index: usize) -> Result<(), MixingError> {
        let (path, current, tracks) = self.hub.file_tracks(id)?;
        if index >= tracks {
            return Err(self.hub.fail(
                id,
                AudioMixingError::InvalidAudioTrack,
                format!(
                    "{} has {tracks} audio track(s); {index} is not one (they count from 0)",
                    path.display()
                ),
            ));
        }
        if index == current {
            return Ok(());
        }
        let clip = decode(path.clone(), index, START_MAX_MS)
            .await
            .map_err(|e| {
                self.hub.fail(
                    id,
                    AudioMixingError::InvalidAudioTrack,
                    format!("track {index} of {}: {e}", path.display()),
                )
            })?;
        self.hub.replace_track(id, clip, index)
    }

    /// Turns on mixing of PCM the app pushes on `id`; then `PCM_ENABLED`.
    /// `ID_TYPE_NOT_MATCH` on a file's id.
    pub fn enable_audio_mixing_buffer(
        &self,
        id: i32,
        mixing_type: AudioMixingType,
    ) -> Result<(), MixingError> {
        self.hub.enable_buffer(id, mixing_type)
    }

    /// Queues `pcm` for mixing on `id` (it plays as the audio pipeline's frames come, up to 2 s
    /// ahead). `ID_NOT_FOUND` unless enabled; `ID_TYPE_NOT_MATCH` on a file's id.
    pub fn push_audio_mixing_buffer(&self, id: i32, pcm: &MixingPcm) -> Result<(), MixingError> {
        self.hub
            .push_buffer(id, &pcm.samples, pcm.channels, pcm.sample_rate)
    }

    /// Turns PCM mixing on `id` off, dropping what is queued; then `PCM_DISABLED`.
    pub fn disable_audio_mixing_buffer(&self, id: i32) -> Result<(), MixingError> {
        self.hub.disable_buffer(id)
    }
}
