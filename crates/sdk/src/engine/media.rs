//! The engine's media methods: capture, external sources, subscriptions, remote frame
//! streams and snapshots. Each checks what it can locally, opens sources off the runtime's
//! workers, and hands the rest to the media conductor or (for room-level calls) to the server.

use std::collections::HashMap;
use std::time::Duration;

use chorus_media::{AudioFrame, VideoFrame};
use chorus_proto::{
    ErrorCode, MediaParams, MediaType, Request, RtcError, SimulcastParams, SimulcastStreamType,
    StreamIndex, SubscribeParams, TrackKind, VideoSourceType,
};

use super::RtcEngine;
use crate::event::StreamStats;
use crate::media::{
    AudioCaptureSource, AudioSourceType, AudioVolume, EncodedMedia, MediaCall, MediaStream,
    MirrorType, SeiRequest, Snapshot, VideoCaptureSource, check_volume, open_audio, open_video,
};
use crate::validate::check_user_id;

/// The most repeats of an SEI message (the vendor's limit, whatever the frame rate).
const MAX_SEI_REPEAT: u32 = 30;

/// How the pictures carry queued SEI messages (the vendor's `SEICountPerFrame`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeiCountPerFrame {
    /// One message per picture: queued messages take turns, each for its repeats.
    #[default]
    Single,
    /// Every queued message in each picture.
    Multi,
}

/// How long a snapshot waits for the first picture of a capture that just started.
const FIRST_PICTURE_WAIT: Duration = Duration::from_secs(1);

/// Runs blocking work (file probing, colour conversion) off the runtime's workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, RtcError> + Send + 'static,
) -> Result<T, RtcError> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        Err(RtcError::new(
            ErrorCode::UnexpectedError,
            format!("a worker thread failed: {e}"),
        ))
    })
}

impl RtcEngine {
    /// Starts capturing audio for the main stream from `source` (a tone, a file, or, in
    /// vain, a device). In a room, others get `onUserStartAudioCapture`, and with
    /// auto-publish (the join's default) the audio is published.
    ///
    /// Fails with `REPEAT_CAPTURE` when audio is captured already; `GET_AUDIO_TRACK_FAILED`
    /// when the source cannot be used (no such file, not audio, any device);
    /// `STREAM_TYPE_NOT_MATCH` after [`RtcEngine::set_audio_source_type`]`(External)`;
    /// `INVALID_PARAMS` for a tone out of range.
    pub async fn start_audio_capture(&self, source: AudioCaptureSource) -> Result<(), RtcError> {
        self.check_live()?;
        let source = blocking(move || open_audio(source)).await?;
        self.media_call(|reply| MediaCall::StartAudio(source, reply))
            .await
    }

    /// Stops capturing audio (a no-op when none is captured); in a room, others get
    /// `onUserStopAudioCapture`. What is published stays published, silent. After
    /// `set_audio_source_type(External)`: `STREAM_TYPE_NOT_MATCH`.
    pub async fn stop_audio_capture(&self) -> Result<(), RtcError> {
        self.media_call(MediaCall::StopAudio).await
    }

    /// Starts capturing video for the main stream from `source` (a test pattern, a y4m
    /// file, or, in vain, a device). In a room, others get `onUserStartVideoCapture`, and
    /// with auto-publish the video is published.
    ///
    /// Fails with `REPEAT_CAPTURE` when video is captured already; `GET_VIDEO_TRACK_FAILED`
    /// when the source cannot be used; `STREAM_TYPE_NOT_MATCH` after
    /// [`RtcEngine::set_video_source_type`]`(Main, External)`; `INVALID_PARAMS` for a pattern
    /// of unsupported size or rate.
    pub async fn start_video_capture(&self, source: VideoCaptureSource) -> Result<(), RtcError> {
        self.start_video(StreamIndex::Main, source).await
    }

    /// Stops capturing video for the main stream (a no-op when none is captured).
    pub async fn stop_video_capture(&self) -> Result<(), RtcError> {
        self.media_call(|reply| MediaCall::StopVideo(StreamIndex::Main, reply))
            .await
    }

    /// Starts capturing the screen stream's video from `source` (the pattern is a
    /// screen-like card). Publish it with [`RtcEngine::publish_screen`]; auto-publish covers
    /// the main stream only. Fails as [`RtcEngine::start_video_capture`] does.
    pub async fn start_screen_capture(&self, source: VideoCaptureSource) -> Result<(), RtcError> {
        self.start_video(StreamIndex::Screen, source).await
    }

    /// Stops capturing the screen stream's video.
    pub async fn stop_screen_capture(&self) -> Result<(), RtcError> {
        self.media_call(|reply| MediaCall::StopVideo(StreamIndex::Screen, reply))
            .await
    }

    async fn start_video(
        &self,
        index: StreamIndex,
        source: VideoCaptureSource,
    ) -> Result<(), RtcError> {
        self.check_live()?;
        let screen = index == StreamIndex::Screen;
        let source = blocking(move || open_video(source, screen)).await?;
        self.media_call(|reply| MediaCall::StartVideo(index, source, reply))
            .await
    }

    /// Chooses where the video of stream `index` comes from: the SDK's capture (Internal,
    /// the default) or frames the app pushes with [`RtcEngine::push_external_video_frame`]
    /// (External). Switching stops what was captured before.
    pub async fn set_video_source_type(
        &self,
        index: StreamIndex,
        source_type: VideoSourceType,
    ) -> Result<(), RtcError> {
        self.media_call(|reply| MediaCall::SetVideoSourceType(index, source_type, reply))
            .await
    }

    /// Sets the bitrate and frame rate the video encoder of stream `index` aims at, for
    /// captured and pushed video alike, from the next picture on; a `None` leaves that choice
    /// to the SDK (a bitrate for the picture size; the source's rate, or 30 for pushed video).
    /// The frame rate paces a captured source; pushed pictures go out as they are pushed.
    /// `INVALID_PARAMS` for a bitrate outside 50 to 10000 kbit/s or a rate outside 1 to 60.
    pub async fn set_video_encoder_config(
        &self,
        index: StreamIndex,
        config: crate::VideoEncoderConfig,
    ) -> Result<(), RtcError> {
        config.check()?;
        self.media_call(|reply| MediaCall::SetVideoEncoderConfig(index, config, reply))
            .await
    }

    /// Chooses where the main stream's audio comes from: the SDK's capture (Internal, the
    /// default) or frames the app pushes with [`RtcEngine::push_external_audio_frame`].
    /// Switching stops what was captured before.
    pub async fn set_audio_source_type(
        &self,
        source_type: AudioSourceType,
    ) -> Result<(), RtcError> {
        self.media_call(|reply| MediaCall::SetAudioSourceType(source_type, reply))
            .await
    }

    /// Pushes one I420 picture (packed planes) for stream `index`, after
    /// `set_video_source_type(index, External)`; the first push counts as starting
    /// capture. The app paces the pushes; pictures pushed faster than they can be encoded
    /// are dropped. Fails with `STREAM_TYPE_NOT_MATCH` while the source type is Internal, and
    /// `INVALID_PARAMS` for planes that do not match the size.
    pub async fn push_external_video_frame(
        &self,
        index: StreamIndex,
        frame: VideoFrame,
    ) -> Result<(), RtcError> {
        self.media_call(|reply| MediaCall::PushVideo(index, frame, reply))
            .await
    }

    /// Pushes one 20 ms audio frame (48 kHz, 1 or 2 channels, 960 samples per channel) for
    /// the main stream, after `set_audio_source_type(External)`; the app paces the pushes.
    /// Fails with `STREAM_TYPE_NOT_MATCH` while the source type is Internal, and
    /// `INVALID_PARAMS` for a frame of another length.
    pub async fn push_external_audio_frame(&self, frame: AudioFrame) -> Result<(), RtcError> {
        self.media_call(|reply| MediaCall::PushAudio(frame, reply))
            .await
    }

    async fn subscription(
        &self,
        user_id: &str,
        media: MediaType,
        make: fn(SubscribeParams) -> Request,
    ) -> Result<(), RtcError> {
        self.check_live()?;
        check_user_id(user_id)?;
        let params = SubscribeParams {
            user_id: user_id.to_owned(),
            media_type: media,
        };
        self.call(make(params)).await.map(drop)
    }

    /// Receives `user_id`'s camera and/or microphone (`media`); needed only when the join
    /// turned auto-subscribing off (or after unsubscribing). Frames arrive on
    /// [`RtcEngine::remote_audio`] / [`RtcEngine::remote_video`], announced by
    /// `onRemoteAudioFirstFrame` / `onRemoteVideoFirstFrame`. Fails with `STREAM_NOT_EXIST`
    /// when that user does not publish it, or the server's subscribe-privilege error.
    pub async fn subscribe_stream(&self, user_id: &str, media: MediaType) -> Result<(), RtcError> {
        self.subscription(user_id, media, Request::SubscribeStream)
            .await
    }

    /// Stops receiving `user_id`'s camera and/or microphone.
    pub async fn unsubscribe_stream(
        &self,
        user_id: &str,
        media: MediaType,
    ) -> Result<(), RtcError> {
        self.subscription(user_id, media, Request::UnsubscribeStream)
            .await
    }

    /// Receives `user_id`'s screen share, as [`RtcEngine::subscribe_stream`] does.
    pub async fn subscribe_screen(&self, user_id: &str, media: MediaType) -> Result<(), RtcError> {
        self.subscription(user_id, media, Request::SubscribeScreen)
            .await
    }

    /// Stops receiving `user_id`'s screen share.
    pub async fn unsubscribe_screen(
        &self,
        user_id: &str,
        media: MediaType,
    ) -> Result<(), RtcError> {
        self.subscription(user_id, media, Request::UnsubscribeScreen)
            .await
    }

    /// Pauses everything subscribed of `media` without unsubscribing: the server stops
    /// sending until [`RtcEngine::resume_all_subscribed_stream`].
    pub async fn pause_all_subscribed_stream(&self, media: MediaType) -> Result<(), RtcError> {
        let request = Request::PauseAllSubscribedStream(MediaParams { media_type: media });
        self.call(request).await.map(drop)
    }

    /// Resumes what [`RtcEngine::pause_all_subscribed_stream`] paused.
    pub async fn resume_all_subscribed_stream(&self, media: MediaType) -> Result<(), RtcError> {
        let request = Request::ResumeAllSubscribedStream(MediaParams { media_type: media });
        self.call(request).await.map(drop)
    }

    /// Chooses which simulcast layer of `user_id`'s video to receive.
    pub async fn set_remote_simulcast_stream_type(
        &self,
        user_id: &str,
        stream_type: SimulcastStreamType,
    ) -> Result<(), RtcError> {
        self.check_live()?;
        check_user_id(user_id)?;
        let request = Request::SetRemoteSimulcastStreamType(SimulcastParams {
            user_id: user_id.to_owned(),
            stream_type,
        });
        self.call(request).await.map(drop)
    }

    /// The decoded audio of `user_id`'s stream `index`: 20 ms PCM frames at 48 kHz, with
    /// lost packets concealed. Frames flow while the stream is received (subscribed by
    /// auto-subscribe or [`RtcEngine::subscribe_stream`]); the stream ends when the engine is
    /// destroyed. Call before the media arrives to miss none of it.
    pub fn remote_audio(&self, user_id: &str, index: StreamIndex) -> MediaStream<AudioFrame> {
        self.outlets().audio((user_id.to_owned(), index))
    }

    /// The decoded pictures of `user_id`'s stream `index` (I420), as
    /// [`RtcEngine::remote_audio`] does audio.
    pub fn remote_video(&self, user_id: &str, index: StreamIndex) -> MediaStream<VideoFrame> {
        self.outlets().video((user_id.to_owned(), index))
    }

    /// This engine's own media as it is encoded to be sent (H.264 access units and Opus
    /// packets), for recording or relaying it without a second encode. The next picture is a
    /// keyframe. Frames flow while something is captured or pushed, published or not; the
    /// stream ends when the engine is destroyed, and drops the newest frames if its reader
    /// falls behind by about 2 s.
    pub fn local_encoded_media(&self) -> MediaStream<EncodedMedia> {
        self.outlets().encoded()
    }

    /// The latest captured (or pushed) picture of stream `index`, as RGBA. Waits up to a
    /// second for the first picture of a capture that just started. Fails with
    /// `INVOKED_BEFORE_CAPTURE` when nothing is captured on `index`.
    pub async fn take_local_snapshot(&self, index: StreamIndex) -> Result<Snapshot, RtcError> {
        let slot = self
            .media_call(|reply| MediaCall::LocalPicture(index, reply))
            .await?;
        let deadline = tokio::time::Instant::now() + FIRST_PICTURE_WAIT;
        let picture = loop {
            let latest = slot
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone();
            if let Some(picture) = latest {
                break picture;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(RtcError::new(
                    ErrorCode::InvokedBeforeCapture,
                    format!(
                        "stream {index:?} captures but has produced no picture within {FIRST_PICTURE_WAIT:?}"
                    ),
                ));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        let mirrored = self.outlets().mirrors().local(index);
        let image = blocking(move || Ok(picture.to_rgba())).await?;
        Ok(Snapshot { image, mirrored })
    }

    /// The latest figures of the main stream's sent audio (as in `onLocalStreamStats`,
    /// refreshed about every 2 s), or `None` when none was sent in this room. A stream that
    /// stopped flowing shows a bitrate of 0.
    pub fn get_local_audio_stats(&self) -> Option<StreamStats> {
        self.outlets().stats().local(
            StreamIndex::Main,
            TrackKind::Audio,
            std::time::Instant::now(),
        )
    }

    /// The latest figures of stream `index`'s sent video, as
    /// [`RtcEngine::get_local_audio_stats`] gives the audio's.
    pub fn get_local_video_stats(&self, index: StreamIndex) -> Option<StreamStats> {
        self.outlets()
            .stats()
            .local(index, TrackKind::Video, std::time::Instant::now())
    }

    /// The latest figures of each user's received main-stream audio, by user id (as in
    /// `onRemoteStreamStats`); a stream that stopped flowing (paused, unpublished) shows a
    /// bitrate of 0. Empty out of a room.
    pub fn get_remote_audio_stats(&self) -> HashMap<String, StreamStats> {
        self.outlets().stats().remote(
            StreamIndex::Main,
            TrackKind::Audio,
            std::time::Instant::now(),
        )
    }

    /// The latest figures of each user's received video on stream `index`, by user id, as
    /// [`RtcEngine::get_remote_audio_stats`] gives the audio's.
    pub fn get_remote_video_stats(&self, index: StreamIndex) -> HashMap<String, StreamStats> {
        self.outlets()
            .stats()
            .remote(index, TrackKind::Video, std::time::Instant::now())
    }

    /// Puts `message` into the next `repeat_count + 1` pictures of the H.264 video of stream
    /// `index`, as an SEI unit (user_data_unregistered) that others receive as
    /// `onSEIMessageReceived`, once. Fails with `INVALID_PARAMS` for an empty message or one
    /// over 4096 bytes, a `repeat_count` over 30, or when 120 messages sent in the last 2 s
    /// still wait for pictures; `NOT_CONNECTED_YET` outside a room;
    /// `STREAM_NOT_EXIST` when the stream has no video captured or pushed. A message waits at
    /// most 2 s for a picture.
    pub async fn send_sei_message(
        &self,
        index: StreamIndex,
        message: &[u8],
        repeat_count: u32,
        mode: SeiCountPerFrame,
    ) -> Result<(), RtcError> {
        self.check_live()?;
        if message.is_empty() || message.len() > chorus_media::MAX_SEI_BYTES {
            return Err(RtcError::new(
                ErrorCode::InvalidParams,
                format!(
                    "an SEI message is 1 to {} bytes (got {})",
                    chorus_media::MAX_SEI_BYTES,
                    message.len()
                ),
            ));
        }
        if repeat_count > MAX_SEI_REPEAT {
            return Err(RtcError::new(
                ErrorCode::InvalidParams,
                format!("repeat_count is 0 to {MAX_SEI_REPEAT} (got {repeat_count})"),
            ));
        }
        let request = SeiRequest {
            index,
            payload: message.to_vec(),
            frames: repeat_count + 1,
            multi: mode == SeiCountPerFrame::Multi,
        };
        self.media_call(|reply| MediaCall::SendSei(request, reply))
            .await
    }

    /// The latest received picture of `user_id`'s stream `index`, as RGBA. Fails with
    /// `STREAM_NOT_EXIST` when no video of that stream has been received in this room.
    pub async fn take_remote_snapshot(
        &self,
        user_id: &str,
        index: StreamIndex,
    ) -> Result<Snapshot, RtcError> {
        self.check_live()?;
        let key = (user_id.to_owned(), index);
        let Some(picture) = self.outlets().latest_video(&key) else {
            return Err(RtcError::new(
                ErrorCode::StreamNotExist,
                format!(
                    "no video of {user_id}'s stream {index:?} has been received; subscribe to it and wait for onRemoteVideoFirstFrame"
                ),
            ));
        };
        let mirrored = self.outlets().mirrors().remote(&key);
        let image = blocking(move || Ok(picture.to_rgba())).await?;
        Ok(Snapshot { image, mirrored })
    }

    /// Sets the capture volume of stream `index`, 0 to 400 percent of the amplitude (100, the
    /// default: unchanged; 200: doubled, saturating; 0: silent). It applies to the PCM captured
    /// or pushed, before encoding, so others receive it; mixed audio keeps its own volume.
    /// Fails with `INVALID_PARAMS` above 400.
    pub fn set_capture_volume(&self, index: StreamIndex, volume: u32) -> Result<(), RtcError> {
        self.check_live()?;
        check_volume(volume)?;
        self.outlets().volumes().set_capture(index, volume);
        Ok(())
    }

    /// Sets how loud `user_id`'s audio of stream `index` reaches the app, 0 to 400 percent of
    /// the amplitude as received (100, the default: unchanged), on
    /// [`RtcEngine::remote_audio`]; now or once the stream plays, across rooms. Fails with
    /// `INVALID_PARAMS` above 400 or for an invalid user id.
    pub fn set_playback_volume(
        &self,
        user_id: &str,
        index: StreamIndex,
        volume: u32,
    ) -> Result<(), RtcError> {
        self.check_live()?;
        check_user_id(user_id)?;
        check_volume(volume)?;
        self.outlets()
            .volumes()
            .set_playback((user_id.to_owned(), index), volume);
        Ok(())
    }

    /// The level of the latest 20 ms of local stream `index` as sent (`user_id` `None` or
    /// empty: after the capture volume and mixing) or of `user_id`'s received stream `index`
    /// (as received, before the playback volume): `linear_volume` 0..255 (255: a full-scale
    /// sine) and `nonlinear_volume` -127..0 dB. Both 0 for a stream that does not flow.
    pub fn get_audio_volume(
        &self,
        index: StreamIndex,
        user_id: Option<&str>,
    ) -> Result<AudioVolume, RtcError> {
        self.check_live()?;
        let levels = self.outlets().volumes().levels();
        match user_id {
            None | Some("") => Ok(levels.local(index)),
            Some(user_id) => {
                check_user_id(user_id)?;
                Ok(levels.remote(&(user_id.to_owned(), index)))
            }
        }
    }

    /// Sets how the local camera's pictures are shown (the screen stream is never mirrored):
    /// [`MirrorType::Render`] marks [`RtcEngine::take_local_snapshot`]'s snapshots of the main
    /// stream `mirrored`; what is captured, snapshotted and sent stays unmirrored.
    pub fn set_local_video_mirror_type(&self, mirror: MirrorType) -> Result<(), RtcError> {
        self.check_live()?;
        self.outlets().mirrors().set_local(mirror);
        Ok(())
    }

    /// Sets how `user_id`'s pictures of stream `index` are shown here: [`MirrorType::Render`]
    /// marks [`RtcEngine::take_remote_snapshot`]'s snapshots of it `mirrored`. Fails with
    /// `INVALID_PARAMS` for an invalid user id.
    pub fn set_remote_video_mirror_type(
        &self,
        user_id: &str,
        index: StreamIndex,
        mirror: MirrorType,
    ) -> Result<(), RtcError> {
        self.check_live()?;
        check_user_id(user_id)?;
        self.outlets()
            .mirrors()
            .set_remote((user_id.to_owned(), index), mirror);
        Ok(())
    }
}
