//! Public streams on the engine: pushing one (the server composites users of rooms into it)
//! from a room, and playing one without joining any room, with its decoded pictures and audio
//! to the app. Playing joins the public stream's own room (named by
//! [`chorus_proto::public_stream_room`]) invisibly, with a token of the app for the public
//! stream id; its one publisher is the server's compositor.

use chorus_proto::{
    ErrorCode, PublicStreamConfig, PublicStreamIdParams, PublicStreamPushParams, Request,
    RoomConfig, RtcError, StreamIndex, UserInfo, is_valid_public_stream_id, public_stream_room,
};

use super::RtcEngine;
use crate::{AudioFrame, MediaStream, VideoFrame};

fn check_id(id: &str) -> Result<(), RtcError> {
    if is_valid_public_stream_id(id) {
        Ok(())
    } else {
        Err(RtcError::new(
            ErrorCode::InvalidParams,
            format!(
                "publicStreamId must be 1 to {} of a-z A-Z 0-9 _ @ - .",
                chorus_proto::MAX_PUBLIC_STREAM_ID_LEN
            ),
        ))
    }
}

impl RtcEngine {
    /// Starts public stream `id`: the server composites the regions' users (of this app's
    /// rooms) per `param` and publishes the result under `id`. Call in a room. Fails with
    /// `REPEAT_PUSH` when `id` is pushed already, `INVALID_PARAMS` naming any bad parameter.
    pub async fn start_push_public_stream(
        &self,
        id: &str,
        param: PublicStreamConfig,
    ) -> Result<(), RtcError> {
        check_id(id)?;
        let params = PublicStreamPushParams {
            public_stream_id: id.to_owned(),
            param,
        };
        self.call(Request::StartPushPublicStream(params))
            .await
            .map(drop)
    }

    /// Changes public stream `id`'s parameters: what `param` gives replaces what was (regions
    /// as a whole). `STREAM_NOT_EXIST` when `id` is not pushed.
    pub async fn update_public_stream_param(
        &self,
        id: &str,
        param: PublicStreamConfig,
    ) -> Result<(), RtcError> {
        check_id(id)?;
        let params = PublicStreamPushParams {
            public_stream_id: id.to_owned(),
            param,
        };
        self.call(Request::UpdatePublicStreamParam(params))
            .await
            .map(drop)
    }

    /// Stops public stream `id`. `STREAM_NOT_EXIST` when it is not pushed.
    pub async fn stop_push_public_stream(&self, id: &str) -> Result<(), RtcError> {
        check_id(id)?;
        let params = PublicStreamIdParams {
            public_stream_id: id.to_owned(),
        };
        self.call(Request::StopPushPublicStream(params))
            .await
            .map(drop)
    }

    /// Plays public stream `id` without joining a room, as `user_id`, with `token` (of the
    /// app, for room `id` and this user). Frames come on [`RtcEngine::public_stream_video`]
    /// and [`RtcEngine::public_stream_audio`]. `REPEAT_PLAY` when this engine plays `id`
    /// already. An engine plays one public stream, and not while it is in a room.
    pub async fn start_play_public_stream(
        &self,
        token: &str,
        id: &str,
        user_id: &str,
    ) -> Result<(), RtcError> {
        check_id(id)?;
        let room = public_stream_room(id);
        let info = UserInfo {
            user_id: user_id.to_owned(),
            extra_info: None,
        };
        match self
            .join_room(Some(token), &room, info, RoomConfig::default())
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.code == ErrorCode::RepeatJoin
                    && (e.message.contains(&format!("room {room};"))
                        || e.message.contains(&format!("room {room},"))) =>
            {
                Err(RtcError::new(
                    ErrorCode::RepeatPlay,
                    format!("public stream {id:?} is playing already"),
                ))
            }
            Err(e) => Err(e),
        }
    }

    /// Stops playing public stream `id`.
    pub async fn stop_play_public_stream(&self, id: &str) -> Result<(), RtcError> {
        check_id(id)?;
        self.leave_room().await
    }

    /// The decoded pictures of public stream `id` (I420), while it plays.
    pub fn public_stream_video(&self, id: &str) -> MediaStream<VideoFrame> {
        self.remote_video(&public_stream_room(id), StreamIndex::Main)
    }

    /// The decoded audio of public stream `id` (20 ms, 48 kHz), while it plays.
    pub fn public_stream_audio(&self, id: &str) -> MediaStream<AudioFrame> {
        self.remote_audio(&public_stream_room(id), StreamIndex::Main)
    }
}
