//! The conductor's captures: starting, stopping and feeding the pipelines of each stream, and the
//! rules of internal versus external sources (REPEAT_CAPTURE, STREAM_TYPE_NOT_MATCH). Part of
//! the conductor's task; split out only to keep the room and transport logic apart from it.

use std::sync::mpsc::{SyncSender, TrySendError};

use chorus_media::{AudioFrame, AudioSource, FRAME_SAMPLES, VideoFrame, VideoSource};
use chorus_proto::{ErrorCode, RtcError, StreamIndex, TrackKind};

use super::{Conductor, PUSH_QUEUE, err, slot_of};
use crate::media::capture::{self, Capture, Input};

/// A stream's capture: internal from a source, or external from pushed frames.
pub(super) struct Slot<F> {
    pub(super) internal: bool,
    pub(super) capture: Option<Capture>,
    /// The pipeline's input, when external.
    pub(super) pushed: Option<SyncSender<F>>,
}

impl<F> Slot<F> {
    pub(super) fn new() -> Self {
        Slot {
            internal: true,
            capture: None,
            pushed: None,
        }
    }

    pub(super) fn capturing(&self) -> bool {
        self.capture.as_ref().is_some_and(|c| !c.has_ended())
    }

    /// Stops whatever runs; whether something did.
    pub(super) fn stop(&mut self) -> bool {
        self.pushed = None;
        self.capture.take().is_some_and(|c| !c.has_ended())
    }
}

impl Conductor {
    pub(super) fn start_audio(&mut self, source: Box<dyn AudioSource>) -> Result<(), RtcError> {
        if !self.audio.internal {
            return Err(err(
                ErrorCode::StreamTypeNotMatch,
                "the audio source type is External: push frames with push_external_audio_frame, or set it to Internal first",
            ));
        }
        if self.audio.capturing() {
            return Err(err(
                ErrorCode::RepeatCapture,
                "audio is being captured already; stop_audio_capture first",
            ));
        }
        let input = Input::Source(source);
        let capture = capture::start_audio(
            input,
            StreamIndex::Main,
            self.frames_tx.clone(),
            self.mixing.clone(),
            self.outlets.volumes().clone(),
        )
        .map_err(|e| {
            err(
                ErrorCode::GetAudioTrackFailed,
                format!("cannot start the capture thread: {e}"),
            )
        })?;
        self.audio.capture = Some(capture);
        self.capture_changed(StreamIndex::Main, TrackKind::Audio, true);
        Ok(())
    }

    pub(super) fn stop_audio(&mut self) -> Result<(), RtcError> {
        if !self.audio.internal {
            return Err(err(
                ErrorCode::StreamTypeNotMatch,
                "the audio source type is External: there is no internal capture to stop",
            ));
        }
        if self.audio.stop() {
            self.capture_changed(StreamIndex::Main, TrackKind::Audio, false);
        }
        Ok(())
    }

    pub(super) fn start_video(
        &mut self,
        index: StreamIndex,
        source: Box<dyn VideoSource>,
    ) -> Result<(), RtcError> {
        let slot = &self.video[slot_of(index)];
        if !slot.internal {
            return Err(err(
                ErrorCode::StreamTypeNotMatch,
                format!(
                    "the video source type of stream {index:?} is External: push frames with push_external_video_frame, or set it to Internal first"
                ),
            ));
        }
        if slot.capturing() {
            return Err(err(
                ErrorCode::RepeatCapture,
                format!("stream {index:?} is capturing video already; stop its capture first"),
            ));
        }
        self.start_video_pipeline(index, Input::Source(source))
    }

    fn start_video_pipeline(
        &mut self,
        index: StreamIndex,
        input: capture::VideoInput,
    ) -> Result<(), RtcError> {
        let picture = self.pictures[slot_of(index)].clone();
        *picture
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        let capture = capture::start_video(
            input,
            index,
            self.frames_tx.clone(),
            self.keyframes.of(index).clone(),
            picture,
            self.seis[slot_of(index)].clone(),
            self.encoders[slot_of(index)].clone(),
        )
        .map_err(|e| {
            err(
                ErrorCode::GetVideoTrackFailed,
                format!("cannot start the capture thread: {e}"),
            )
        })?;
        self.video[slot_of(index)].capture = Some(capture);
        self.capture_changed(index, TrackKind::Video, true);
        Ok(())
    }

    pub(super) fn stop_video(&mut self, index: StreamIndex) -> Result<(), RtcError> {
        let slot = &mut self.video[slot_of(index)];
        if !slot.internal {
            return Err(err(
                ErrorCode::StreamTypeNotMatch,
                format!(
                    "the video source type of stream {index:?} is External: there is no internal capture to stop"
                ),
            ));
        }
        if slot.stop() {
            self.capture_changed(index, TrackKind::Video, false);
        }
        Ok(())
    }

    pub(super) fn push_audio(&mut self, frame: AudioFrame) -> Result<(), RtcError> {
        if self.audio.internal {
            return Err(err(
                ErrorCode::StreamTypeNotMatch,
                "the audio source type is Internal; set_audio_source_type(External) before pushing frames",
            ));
        }
        let channels = usize::from(frame.channels);
        if !(1..=2).contains(&channels) || frame.samples.len() != FRAME_SAMPLES * channels {
            return Err(err(
                ErrorCode::InvalidParams,
                format!(
                    "an audio frame is 20 ms at 48 kHz: {FRAME_SAMPLES} samples per channel, 1 or 2 channels interleaved; got {} samples for {} channels",
                    frame.samples.len(),
                    frame.channels
                ),
            ));
        }
        if !self.audio.capturing() {
            let (tx, rx) = std::sync::mpsc::sync_channel(PUSH_QUEUE);
            let capture = capture::start_audio(
                Input::Pushed(rx),
                StreamIndex::Main,
                self.frames_tx.clone(),
                self.mixing.clone(),
                self.outlets.volumes().clone(),
            )
            .map_err(|e| {
                err(
                    ErrorCode::GetAudioTrackFailed,
                    format!("cannot start the encoder thread: {e}"),
                )
            })?;
            self.audio.capture = Some(capture);
            self.audio.pushed = Some(tx);
            self.capture_changed(StreamIndex::Main, TrackKind::Audio, true);
        }
        if let Some(tx) = &self.audio.pushed
            && let Err(TrySendError::Disconnected(_)) = tx.try_send(frame)
        {
            self.audio.pushed = None;
        }
        Ok(())
    }

    pub(super) fn push_video(
        &mut self,
        index: StreamIndex,
        frame: VideoFrame,
    ) -> Result<(), RtcError> {
        if self.video[slot_of(index)].internal {
            return Err(err(
                ErrorCode::StreamTypeNotMatch,
                format!(
                    "the video source type of stream {index:?} is Internal; set_video_source_type({index:?}, External) before pushing frames"
                ),
            ));
        }
        let (w, h) = (frame.width as usize, frame.height as usize);
        let chroma = w.div_ceil(2) * h.div_ceil(2);
        if w == 0
            || h == 0
            || frame.y.len() != w * h
            || frame.u.len() != chroma
            || frame.v.len() != chroma
        {
            return Err(err(
                ErrorCode::InvalidParams,
                format!(
                    "a video frame is I420 with packed planes: {w}x{h} needs {} luma and {chroma} bytes per chroma plane",
                    w * h
                ),
            ));
        }
        if !self.video[slot_of(index)].capturing() {
            let (tx, rx) = std::sync::mpsc::sync_channel(PUSH_QUEUE);
            self.start_video_pipeline(index, Input::Pushed(rx))?;
            self.video[slot_of(index)].pushed = Some(tx);
        }
        let slot = &mut self.video[slot_of(index)];
        if let Some(tx) = &slot.pushed
            && let Err(TrySendError::Disconnected(_)) = tx.try_send(frame)
        {
            slot.pushed = None;
        }
        Ok(())
    }
}
