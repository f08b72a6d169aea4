//! The contract's enums, with the values `@volcengine/rtc` gives them.

use crate::macros::contract_enum;

contract_enum! {
    /// Which media of a stream a call is about.
    pub enum MediaType as "MediaType": u8 {
        /// Audio only.
        Audio("AUDIO") = 1,
        /// Video only.
        Video("VIDEO") = 2,
        /// Audio and video.
        AudioAndVideo("AUDIO_AND_VIDEO") = 3,
    }
}

impl MediaType {
    /// Whether this includes audio.
    pub fn has_audio(self) -> bool {
        matches!(self, MediaType::Audio | MediaType::AudioAndVideo)
    }

    /// Whether this includes video.
    pub fn has_video(self) -> bool {
        matches!(self, MediaType::Video | MediaType::AudioAndVideo)
    }

    /// The media type of `audio` and `video` together, if either is set.
    pub fn from_parts(audio: bool, video: bool) -> Option<Self> {
        match (audio, video) {
            (true, true) => Some(MediaType::AudioAndVideo),
            (true, false) => Some(MediaType::Audio),
            (false, true) => Some(MediaType::Video),
            (false, false) => None,
        }
    }
}

contract_enum! {
    /// A user's main (camera and microphone) or screen stream.
    pub enum StreamIndex as "StreamIndex": u8 {
        /// Camera and microphone.
        Main("STREAM_INDEX_MAIN") = 0,
        /// Screen share.
        Screen("STREAM_INDEX_SCREEN") = 1,
    }
}

contract_enum! {
    /// The state of the SDK's connection to the server.
    pub enum ConnectionState as "ConnectionState": u8 {
        /// Not connected yet.
        Start("CONNECTION_START") = 0,
        /// Disconnected.
        Disconnected("CONNECTION_STATE_DISCONNECTED") = 1,
        /// Connecting for the first time.
        Connecting("CONNECTION_STATE_CONNECTING") = 2,
        /// Connected.
        Connected("CONNECTION_STATE_CONNECTED") = 3,
        /// Connection lost; reconnecting.
        Reconnecting("CONNECTION_STATE_RECONNECTING") = 4,
        /// Reconnected.
        Reconnected("CONNECTION_STATE_RECONNECTED") = 5,
        /// Lost for longer than the reconnect budget.
        Lost("CONNECTION_STATE_LOST") = 6,
    }
}

contract_enum! {
    /// Why a user left a room, as others see it.
    pub enum UserOfflineReason as "UserOfflineReason": u8 {
        /// The user left.
        Quit("QUIT") = 0,
        /// The user's connection was lost past the grace period.
        Dropped("DROPPED") = 1,
        /// The user became invisible.
        SwitchToInvisible("SWITCH_TO_INVISIBLE") = 2,
        /// The server removed the user (kick, ban, dismiss).
        KickedByAdmin("KICKED_BY_ADMIN") = 3,
    }
}

contract_enum! {
    /// Why a stream stopped, as subscribers see it.
    pub enum StreamRemoveReason as "StreamRemoveReason": u8 {
        /// The publisher unpublished.
        Unpublish("STREAM_REMOVE_REASON_UNPUBLISH") = 0,
        /// Publishing failed.
        PublishFailed("STREAM_REMOVE_REASON_PUBLISH_FAILED") = 1,
        /// Keeping the stream alive failed.
        KeepLiveFailed("STREAM_REMOVE_REASON_KEEP_LIVE_FAILED") = 2,
        /// The publisher disconnected.
        ClientDisconnected("STREAM_REMOVE_REASON_CLIENT_DISCONNECTED") = 3,
        /// The publisher republished.
        Republish("STREAM_REMOVE_REASON_REPUBLISH") = 4,
        /// Any other reason (the publisher left, was removed or became invisible).
        Other("STREAM_REMOVE_REASON_OTHER") = 5,
        /// The publisher's publish privilege expired.
        TokenPrivilegeExpired("STREAM_REMOVE_REASON_TOKEN_PRIVILEGE_EXPIRED") = 6,
    }
}

contract_enum! {
    /// The kind of room, which tunes media defaults.
    pub enum RoomProfileType as "RoomProfileType": u8 {
        /// One-to-one or small-group calls.
        Communication("communication") = 0,
        /// Group chat.
        Chat("chat") = 5,
        /// Large chat room.
        ChatRoom("chatRoom") = 6,
        /// Co-hosted live streams.
        CoHost("coHost") = 9,
        /// Meetings.
        Meeting("meeting") = 16,
        /// Classes.
        ClassRoom("classRoom") = 18,
    }
}

contract_enum! {
    /// Whether a room carries media or only messages.
    pub enum RoomMode as "RoomMode": u8 {
        /// Audio, video and messages.
        Rtc("ROOM_MODE_RTC") = 0,
        /// Messages only.
        RtsOnly("ROOM_MODE_RTS_ONLY") = 1,
    }
}

contract_enum! {
    /// Where a stream's video comes from.
    pub enum VideoSourceType as "VideoSourceType": u8 {
        /// Frames pushed by the app.
        External("VIDEO_SOURCE_TYPE_EXTERNAL") = 0,
        /// The SDK's own capture.
        Internal("VIDEO_SOURCE_TYPE_INTERNAL") = 1,
    }
}

contract_enum! {
    /// How video fills its container.
    pub enum VideoRenderMode as "VideoRenderMode": u8 {
        /// Fill, cropping what overflows.
        Hidden("RENDER_MODE_HIDDEN") = 0,
        /// Fit inside, letterboxed.
        Fit("RENDER_MODE_FIT") = 1,
        /// Stretch to fill.
        Fill("RENDER_MODE_FILL") = 2,
    }
}

contract_enum! {
    /// Whether a peer is logged in to the messaging service.
    pub enum UserOnlineStatus as "USER_ONLINE_STATUS": u8 {
        /// Not logged in.
        Offline("OFFLINE") = 0,
        /// Logged in.
        Online("ONLINE") = 1,
        /// Logged in but not reachable.
        Unreachable("UNREACHABLE") = 2,
    }
}

contract_enum! {
    /// Where mixed audio goes.
    pub enum AudioMixingType as "AudioMixingType": u8 {
        /// Played locally only.
        Playout("PLAYOUT") = 0,
        /// Sent to the room only.
        Publish("PUBLISH") = 1,
        /// Both.
        PlayoutAndPublish("PLAYOUT_AND_PUBLISH") = 2,
    }
}

contract_enum! {
    /// The state of one audio mixing.
    pub enum AudioMixingState as "AudioMixingState": u8 {
        /// Preloaded.
        Preloaded("AUDIO_MIXING_STATE_PRELOADED") = 0,
        /// Playing.
        Playing("AUDIO_MIXING_STATE_PLAYING") = 1,
        /// Paused.
        Paused("AUDIO_MIXING_STATE_PAUSED") = 2,
        /// Stopped.
        Stopped("AUDIO_MIXING_STATE_STOPPED") = 3,
        /// Failed.
        Failed("AUDIO_MIXING_STATE_FAILED") = 4,
        /// Played to the end.
        Finished("AUDIO_MIXING_STATE_FINISHED") = 5,
        /// PCM buffer mixing on.
        PcmEnabled("AUDIO_MIXING_STATE_PCM_ENABLED") = 6,
        /// PCM buffer mixing off.
        PcmDisabled("AUDIO_MIXING_STATE_PCM_DISABLED") = 7,
    }
}

contract_enum! {
    /// Which media of a source a public stream takes.
    pub enum PublicStreamType as "PublicStreamType": u8 {
        /// Audio and video.
        AudioAndVideo("AUDIO_AND_VIDEO") = 0,
        /// Audio only.
        AudioOnly("AUDIO_ONLY") = 1,
        /// Video only.
        VideoOnly("VIDEO_ONLY") = 2,
    }
}

contract_enum! {
    /// Whether forwarding to a room succeeded.
    pub enum ForwardStreamState as "ForwardStreamState": u8 {
        /// Forwarding.
        Success("FORWARD_STREAM_STATE_SUCCESS") = 0,
        /// Not forwarding; see the error.
        Failure("FORWARD_STREAM_STATE_FAILURE") = 1,
    }
}

contract_enum! {
    /// Why forwarding to a room failed.
    pub enum ForwardStreamError as "ForwardStreamError": u16 {
        /// No error.
        Ok("FORWARD_STREAM_ERROR_OK") = 0,
        /// The target room's token is invalid.
        InvalidToken("FORWARD_STREAM_ERROR_INVALID_TOKEN") = 1202,
        /// The server refused.
        Response("FORWARD_STREAM_ERROR_RESPONSE") = 1203,
        /// Removed from the target room.
        RemoteKicked("FORWARD_STREAM_ERROR_REMOTE_KICKED") = 1204,
        /// Not supported.
        NotSupport("FORWARD_STREAM_ERROR_NOT_SUPPORT") = 1205,
    }
}

contract_enum! {
    /// What subtitles carry.
    pub enum SubtitleMode as "SUBTITLE_MODE": u8 {
        /// Recognised speech.
        AsrOnly("ASR_ONLY") = 0,
        /// Recognised speech and its translation.
        AsrAndTranslation("ASR_AND_TRANSLATION") = 1,
    }
}

contract_enum! {
    /// A change in subtitle state.
    pub enum SubtitleEventType as "SubtitleEventType": u8 {
        /// Subtitles started.
        Started("STARTED") = 0,
        /// Subtitles stopped.
        Stopped("STOPPED") = 1,
        /// Subtitles failed.
        Error("ERROR") = 2,
        /// Subtitle settings changed.
        Updated("UPDATED") = 3,
    }
}

contract_enum! {
    /// Why the SDK reconnects.
    pub enum ReconnectReason as "ReconnectReason": string {
        /// ICE failed.
        IceFailed("ICE_FAILED") = "iceFailed",
        /// The room moved to another node.
        NodeChange("NODE_CHANGE") = "nodeChange",
        /// Joining took too long.
        JoinTimeout("JOIN_TIMEOUT") = "joinTimeout",
        /// The server asked for it.
        NotifyReconnect("NOTIFY_RECONNECT") = "notifyReconnect",
    }
}

contract_enum! {
    /// A step of live transcoding (the vendor's `StreamMixingEventType`).
    pub enum StreamMixingEventType as "StreamMixingEventType": u8 {
        /// A start was asked for.
        Start("START") = 1,
        /// Pushing to the CDN started.
        StartSuccess("START_SUCCESS") = 2,
        /// Pushing to the CDN failed, at the start or later.
        StartFailed("START_FAILED") = 3,
        /// An update was asked for.
        Update("UPDATE") = 4,
        /// The update is in effect.
        UpdateSuccess("UPDATE_SUCCESS") = 5,
        /// The update was refused.
        UpdateFailed("UPDATE_FAILED") = 6,
        /// A stop was asked for.
        Stop("STOP") = 7,
        /// Pushing stopped.
        StopSuccess("STOP_SUCCESS") = 8,
        /// Stopping failed.
        StopFailed("STOP_FAILED") = 9,
    }
}

contract_enum! {
    /// Why live transcoding failed (the vendor's `StreamMixingEventErrorCode`).
    pub enum StreamMixingErrorCode as "StreamMixingEventErrorCode": u16 {
        /// No error.
        Ok("ERR_OK") = 0,
        /// A parameter is invalid.
        ParamInvalid("ERR_PARAM_INVALID") = 1,
        /// The composite produced no media in time.
        FrameTimeout("ERR_FRAME_TIMEOUT") = 2,
        /// Compositing or encoding failed.
        Postprocess("ERR_POSTPROCESS") = 3,
        /// The RTMP server could not be reached, refused the stream or dropped it.
        PushCdn("ERR_PUSH_CDN") = 4,
        /// Anything else.
        Unknown("ERR_UNKNOWN") = 9999,
    }
}
