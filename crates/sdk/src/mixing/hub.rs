//! The mixing state an engine shares between the app's [`super::AudioMixingManager`] and its
//! audio capture thread: every mixing id (a file, preloaded or playing, or a PCM buffer), the
//! rules of the contract's `AudioMixingError`s, and the per-frame work (render what plays,
//! scale it by its volumes, sum it into the captured frame through a limiter).
//!
//! One mutex guards it; it is taken once per 20 ms frame by the capture thread and briefly by
//! app calls, never across a decode or an await. Events go out on the engine's event channel,
//! which never blocks. Knows nothing of rooms or transports.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chorus_media::{AudioFrame, ClipPlayer, DecodedAudio, Limiter, PcmQueue, mix_into};
use chorus_proto::{AudioMixingError, AudioMixingState, AudioMixingType};
use tokio::sync::mpsc::{UnboundedSender, WeakUnboundedSender};

use super::entry::{BufferMix, FileMix, Mix, Volumes, buffer_id, file_id, publishes};
use super::{AudioMixingConfig, MixingError};
use crate::event::EngineEvent;

/// Highest volume: four times the original, as for every volume call.
pub(super) const MAX_VOLUME: i32 = crate::media::MAX_VOLUME as i32;
/// The pitch range in semitones.
pub(super) const PITCH_RANGE: std::ops::RangeInclusive<i32> = -12..=12;

#[derive(Default)]
struct State {
    mixes: BTreeMap<i32, Mix>,
    limiter: Limiter,
    bus: Vec<f32>,
    one: Vec<f32>,
    work: Vec<f32>,
}

/// What [`MixingHub::prepare_start`] found on an id.
pub(super) enum StartPlan {
    /// The file preloaded on this id: play it.
    Preloaded,
    /// Nothing loaded: decode the file first.
    Decode,
}

/// An engine's mixing state, shared; cheap to clone.
#[derive(Clone)]
pub(crate) struct MixingHub {
    state: Arc<Mutex<State>>,
    /// Weak, so that the engine's event stream still ends with its tasks (after
    /// `destroy_engine`) although the engine keeps the hub.
    events: WeakUnboundedSender<EngineEvent>,
}

impl MixingHub {
    /// Mixing state whose events go to `events`.
    pub(crate) fn new(events: UnboundedSender<EngineEvent>) -> Self {
        MixingHub {
            state: Arc::default(),
            events: events.downgrade(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn emit(&self, id: i32, state: AudioMixingState, error: AudioMixingError) {
        self.send(EngineEvent::AudioMixingStateChanged {
            mix_id: id,
            state,
            error,
        });
    }

    /// Sends `event` to the app, unless its event stream has ended.
    fn send(&self, event: EngineEvent) {
        if let Some(events) = self.events.upgrade() {
            let _ = events.send(event);
        }
    }

    /// Reports `code` on `id` (state FAILED) and returns it as an error.
    pub(super) fn fail(&self, id: i32, code: AudioMixingError, message: String) -> MixingError {
        self.emit(id, AudioMixingState::Failed, code);
        MixingError { code, message }
    }

    /// Mixes what plays into `frame` (a captured 20 ms frame, about to be encoded) and advances
    /// everything that plays, locally or published. Leaves `frame` untouched when nothing is
    /// published.
    pub(crate) fn mix(&self, frame: &mut AudioFrame) {
        let mut guard = self.lock();
        let state = &mut *guard;
        if state.mixes.is_empty() {
            return;
        }
        let frames = frame.samples_per_channel();
        let frame_ms = frame.duration().as_millis() as u64;
        let mut progress = Vec::new();
        state.bus.clear();
        state.bus.resize(frames * 2, 0.0);
        state.one.resize(frames * 2, 0.0);
        let mut any = false;
        let mut finished = Vec::new();
        for (&id, mix) in state.mixes.iter_mut() {
            let (kind, volumes) = match mix {
                Mix::File(f) => {
                    let Some(player) = f.player.as_mut().filter(|_| !f.paused) else {
                        continue;
                    };
                    player.render(&mut state.one);
                    if player.finished() {
                        finished.push(id);
                    } else if f.progress_every > 0 {
                        f.since_progress += frame_ms;
                        if f.since_progress >= f.progress_every {
                            f.since_progress = 0;
                            progress.push((id, player.position_ms()));
                        }
                    }
                    (f.kind, f.volumes)
                }
                Mix::Buffer(b) => {
                    b.queue.render(&mut state.one);
                    (b.kind, b.volumes)
                }
            };
            // Local playout: the native SDK has no playback device, so it goes nowhere.
            if publishes(kind) {
                let gain = volumes.publish as f32 / 100.0;
                for (b, s) in state.bus.iter_mut().zip(&state.one) {
                    *b += gain * s;
                }
                any = true;
            }
        }
        if any {
            mix_into(frame, &state.bus, &mut state.limiter, &mut state.work);
        }
        for (id, position_ms) in progress {
            self.send(EngineEvent::AudioMixingPlayingProgress {
                mix_id: id,
                position_ms,
            });
        }
        for id in finished {
            if let Some(Mix::File(f)) = state.mixes.get_mut(&id) {
                f.player = None;
                if !f.preloaded {
                    state.mixes.remove(&id);
                }
            }
            self.emit(id, AudioMixingState::Finished, AudioMixingError::Ok);
        }
    }

    /// Keeps `clip` (decoded from `path`, track `track`) on `id` as preloaded; a file playing
    /// on `id` stops first.
    pub(super) fn preloaded(
        &self,
        id: i32,
        path: &Path,
        clip: DecodedAudio,
        track: usize,
    ) -> Result<(), MixingError> {
        let mut state = self.lock();
        if let Some(Mix::Buffer(_)) = state.mixes.get(&id) {
            return Err(self.fail(id, AudioMixingError::IdTypeNotMatch, buffer_id(id)));
        }
        let was_playing = matches!(state.mixes.get(&id), Some(Mix::File(f)) if f.player.is_some());
        state.mixes.insert(
            id,
            Mix::File(Box::new(FileMix {
                path: path.to_path_buf(),
                clip: Arc::new(clip),
                track,
                preloaded: true,
                player: None,
                paused: false,
                kind: AudioMixingType::PlayoutAndPublish,
                volumes: Volumes::default(),
                pitch: 0,
                progress_every: 0,
                since_progress: 0,
            })),
        );
        drop(state);
        if was_playing {
            self.emit(id, AudioMixingState::Stopped, AudioMixingError::Ok);
        }
        self.emit(id, AudioMixingState::Preloaded, AudioMixingError::Ok);
        Ok(())
    }

    /// Whether `id` may start `path`, and whether it must be decoded first.
    pub(super) fn prepare_start(&self, id: i32, path: &Path) -> Result<StartPlan, MixingError> {
        match self.lock().mixes.get(&id) {
            Some(Mix::Buffer(_)) => Err(self.fail(id, AudioMixingError::IdTypeNotMatch, buffer_id(id))),
            Some(Mix::File(f)) if f.preloaded && f.path != path => Err(self.fail(
                id,
                AudioMixingError::LoadConflict,
                format!(
                    "mixing id {id} holds the preloaded {}; unload_audio_mixing({id}) before playing another file on it",
                    f.path.display()
                ),
            )),
            Some(Mix::File(f)) if f.preloaded => Ok(StartPlan::Preloaded),
            _ => Ok(StartPlan::Decode),
        }
    }

    /// Starts playing on `id`: the preloaded clip, or `decoded` (from `path`).
    pub(super) fn start(
        &self,
        id: i32,
        path: &Path,
        decoded: Option<DecodedAudio>,
        plays: u32,
        config: &AudioMixingConfig,
    ) -> Result<(), MixingError> {
        let position_ms = config.position_ms;
        let mut state = self.lock();
        let restarted;
        let entry = match (state.mixes.remove(&id), decoded) {
            (Some(Mix::File(mut f)), None) => {
                restarted = f.player.is_some();
                f.paused = false;
                f
            }
            (old, Some(clip)) => {
                restarted = matches!(&old, Some(Mix::File(f)) if f.player.is_some());
                Box::new(FileMix {
                    path: path.to_path_buf(),
                    clip: Arc::new(clip),
                    track: 0,
                    preloaded: false,
                    player: None,
                    paused: false,
                    kind: config.mixing_type,
                    volumes: Volumes::default(),
                    pitch: 0,
                    progress_every: 0,
                    since_progress: 0,
                })
            }
            (old, None) => {
                // The preload went away while deciding; put back whatever was there.
                if let Some(old) = old {
                    state.mixes.insert(id, old);
                }
                return Err(self.fail(
                    id,
                    AudioMixingError::StartFailed,
                    format!("mixing id {id}: the preloaded file was unloaded meanwhile"),
                ));
            }
        };
        let mut entry = entry;
        let mut player = ClipPlayer::new(entry.clip.clone(), plays);
        player.set_pitch(entry.pitch);
        if position_ms > 0 && !player.seek(position_ms) {
            let duration = player.duration_ms();
            state.mixes.insert(id, Mix::File(entry));
            return Err(self.fail(
                id,
                AudioMixingError::StartFailed,
                format!("mixing id {id}: start position {position_ms} ms is past the end ({duration} ms)"),
            ));
        }
        entry.kind = config.mixing_type;
        entry.progress_every = config.progress_interval_ms;
        entry.since_progress = 0;
        entry.player = Some(player);
        state.mixes.insert(id, Mix::File(entry));
        drop(state);
        if restarted {
            self.emit(id, AudioMixingState::Stopped, AudioMixingError::Ok);
        }
        self.emit(id, AudioMixingState::Playing, AudioMixingError::Ok);
        Ok(())
    }

    /// Stops the file on `id` and unloads it, preloaded or not (as the vendor's SDKs do).
    pub(super) fn stop(&self, id: i32) -> Result<(), MixingError> {
        let mut state = self.lock();
        match state.mixes.get_mut(&id) {
            Some(Mix::File(_)) => {
                state.mixes.remove(&id);
                drop(state);
                self.emit(id, AudioMixingState::Stopped, AudioMixingError::Ok);
                Ok(())
            }
            Some(Mix::Buffer(_)) => {
                Err(self.fail(id, AudioMixingError::IdTypeNotMatch, buffer_id(id)))
            }
            None => Err(self.not_found(id)),
        }
    }

    /// Pauses (`true`) or resumes the file playing on `id`.
    pub(super) fn pause(&self, id: i32, pause: bool) -> Result<(), MixingError> {
        let changed = self.with_player(id, |f| {
            let changed = f.paused != pause;
            f.paused = pause;
            Ok(changed)
        })?;
        if changed {
            let state = if pause {
                AudioMixingState::Paused
            } else {
                AudioMixingState::Playing
            };
            self.emit(id, state, AudioMixingError::Ok);
        }
        Ok(())
    }

    /// Forgets `id` entirely (a file, played or not, or a buffer).
    pub(super) fn unload(&self, id: i32) -> Result<(), MixingError> {
        match self.lock().mixes.remove(&id) {
            Some(_) => {
                self.emit(id, AudioMixingState::Stopped, AudioMixingError::Ok);
                Ok(())
            }
            None => Err(self.not_found(id)),
        }
    }

    /// Sets a volume of `id` (0..=400 percent) for local playout, what is published, or both.
    pub(super) fn set_volume(
        &self,
        id: i32,
        volume: i32,
        kind: AudioMixingType,
    ) -> Result<(), MixingError> {
        if !(0..=MAX_VOLUME).contains(&volume) {
            return Err(self.fail(
                id,
                AudioMixingError::InvalidVolume,
                format!("a mixing volume is 0 to {MAX_VOLUME} (100 is the original), not {volume}"),
            ));
        }
        let mut state = self.lock();
        let volumes = match state.mixes.get_mut(&id) {
            Some(Mix::File(f)) => &mut f.volumes,
            Some(Mix::Buffer(b)) => &mut b.volumes,
            None => {
                drop(state);
                return Err(self.not_found(id));
            }
        };
        if kind != AudioMixingType::Publish {
            volumes.playout = volume;
        }
        if kind != AudioMixingType::Playout {
            volumes.publish = volume;
        }
        Ok(())
    }

    /// The volume of `id` for local playout or for what is published (PLAYOUT_AND_PUBLISH:
    /// the published one).
    pub(super) fn volume(&self, id: i32, kind: AudioMixingType) -> Result<i32, MixingError> {
        let state = self.lock();
        let volumes = match state.mixes.get(&id) {
            Some(Mix::File(f)) => f.volumes,
            Some(Mix::Buffer(b)) => b.volumes,
            None => {
                drop(state);
                return Err(self.not_found(id));
            }
        };
        Ok(match kind {
            AudioMixingType::Playout => volumes.playout,
            _ => volumes.publish,
        })
    }

    /// The length of the file on `id` (preloaded or playing), in ms.
    pub(super) fn duration(&self, id: i32) -> Result<u64, MixingError> {
        self.with_file(id, |f| Ok(f.clip.duration_ms()))
    }

    /// Where the file playing on `id` is, in ms.
    pub(super) fn position(&self, id: i32) -> Result<u64, MixingError> {
        self.with_player(id, |f| Ok(f.player.as_ref().map_or(0, |p| p.position_ms())))
    }

    /// Moves the file playing on `id` to `ms`.
    pub(super) fn set_position(&self, id: i32, ms: u64) -> Result<(), MixingError> {
        let moved = self.with_player(id, |f| {
            Ok(f.player
                .as_mut()
                .is_some_and(|p| p.seek(ms))
                .then_some(())
                .ok_or(f.clip.duration_ms()))
        })?;
        moved.map_err(|duration| {
            self.fail(
                id,
                AudioMixingError::SetPositionFailed,
                format!("mixing id {id}: {ms} ms is past the end of the file ({duration} ms)"),
            )
        })
    }

    /// Shifts the pitch of the file on `id` by `semitones` (-12..=12).
    pub(super) fn set_pitch(&self, id: i32, semitones: i32) -> Result<(), MixingError> {
        if !PITCH_RANGE.contains(&semitones) {
            return Err(self.fail(
                id,
                AudioMixingError::InvalidPitch,
                format!("a mixing pitch is -12 to 12 semitones, not {semitones}"),
            ));
        }
        self.with_file(id, |f| {
            f.pitch = semitones;
            if let Some(p) = f.player.as_mut() {
                p.set_pitch(semitones);
            }
            Ok(())
        })
    }

    /// The file on `id`: its path, selected track and the number of tracks it has.
    pub(super) fn file_tracks(&self, id: i32) -> Result<(PathBuf, usize, usize), MixingError> {
        self.with_file(id, |f| Ok((f.path.clone(), f.track, f.clip.tracks)))
    }

    /// Replaces the clip on `id` with `clip` (another track of the same file), keeping where
    /// playback is.
    pub(super) fn replace_track(
        &self,
        id: i32,
        clip: DecodedAudio,
        track: usize,
    ) -> Result<(), MixingError> {
        self.with_file(id, |f| {
            f.clip = Arc::new(clip);
            f.track = track;
            if let Some(old) = f.player.take() {
                let position = old.position_ms();
                let mut player = ClipPlayer::new(f.clip.clone(), 0);
                player.set_pitch(f.pitch);
                player.seek(position);
                f.player = Some(player);
            }
            Ok(())
        })
    }

    /// Turns PCM buffer mixing on for `id`.
    pub(super) fn enable_buffer(&self, id: i32, kind: AudioMixingType) -> Result<(), MixingError> {
        let mut state = self.lock();
        match state.mixes.get_mut(&id) {
            Some(Mix::File(_)) => {
                drop(state);
                return Err(self.fail(id, AudioMixingError::IdTypeNotMatch, file_id(id)));
            }
            Some(Mix::Buffer(b)) => b.kind = kind,
            None => {
                state.mixes.insert(
                    id,
                    Mix::Buffer(BufferMix {
                        queue: PcmQueue::new(),
                        kind,
                        volumes: Volumes::default(),
                    }),
                );
            }
        }
        drop(state);
        self.emit(id, AudioMixingState::PcmEnabled, AudioMixingError::Ok);
        Ok(())
    }

    /// Queues PCM on the buffer `id`.
    pub(super) fn push_buffer(
        &self,
        id: i32,
        samples: &[i16],
        channels: u16,
        rate: u32,
    ) -> Result<(), MixingError> {
        let mut state = self.lock();
        match state.mixes.get_mut(&id) {
            Some(Mix::Buffer(b)) => {
                b.queue.push(samples, channels, rate);
                Ok(())
            }
            Some(Mix::File(_)) => {
                drop(state);
                Err(self.fail(id, AudioMixingError::IdTypeNotMatch, file_id(id)))
            }
            None => {
                drop(state);
                Err(self.not_found(id))
            }
        }
    }

    /// Turns PCM buffer mixing off for `id`, dropping what is queued.
    pub(super) fn disable_buffer(&self, id: i32) -> Result<(), MixingError> {
        let mut state = self.lock();
        match state.mixes.get(&id) {
            Some(Mix::Buffer(_)) => {
                state.mixes.remove(&id);
                drop(state);
                self.emit(id, AudioMixingState::PcmDisabled, AudioMixingError::Ok);
                Ok(())
            }
            Some(Mix::File(_)) => {
                drop(state);
                Err(self.fail(id, AudioMixingError::IdTypeNotMatch, file_id(id)))
            }
            None => {
                drop(state);
                Err(self.not_found(id))
            }
        }
    }

    /// Runs `f` on the file on `id` (preloaded or playing).
    fn with_file<T>(
        &self,
        id: i32,
        f: impl FnOnce(&mut FileMix) -> Result<T, MixingError>,
    ) -> Result<T, MixingError> {
        let mut state = self.lock();
        match state.mixes.get_mut(&id) {
            Some(Mix::File(file)) => f(file),
            Some(Mix::Buffer(_)) => {
                drop(state);
                Err(self.fail(id, AudioMixingError::IdTypeNotMatch, buffer_id(id)))
            }
            None => {
                drop(state);
                Err(self.not_found(id))
            }
        }
    }

    /// Runs `f` on the file playing (or paused) on `id`.
    fn with_player<T>(
        &self,
        id: i32,
        f: impl FnOnce(&mut FileMix) -> Result<T, MixingError>,
    ) -> Result<T, MixingError> {
        let mut state = self.lock();
        match state.mixes.get_mut(&id) {
            Some(Mix::File(file)) if file.player.is_some() => f(file),
            Some(Mix::Buffer(_)) => {
                drop(state);
                Err(self.fail(id, AudioMixingError::IdTypeNotMatch, buffer_id(id)))
            }
            _ => {
                drop(state);
                Err(self.not_playing(id))
            }
        }
    }

    fn not_found(&self, id: i32) -> MixingError {
        self.fail(
            id,
            AudioMixingError::IdNotFound,
            format!(
                "no mixing has id {id}: preload or start a file, or enable a buffer, on it first"
            ),
        )
    }

    fn not_playing(&self, id: i32) -> MixingError {
        self.fail(
            id,
            AudioMixingError::IdNotFound,
            format!("nothing plays on mixing id {id}: start_audio_mixing first"),
        )
    }
}
