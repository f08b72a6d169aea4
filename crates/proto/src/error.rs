//! The error contract: [`ErrorCode`], [`AudioMixingError`] and the [`RtcError`] every failed
//! call carries. This is the one list of codes; the server, both SDKs and the docs take it
//! from here.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::macros::contract_enum;

contract_enum! {
    /// Why a call failed or a session ended, as the contract names it.
    pub enum ErrorCode as "ErrorCode": string {
        /// `destroyEngine` was given something that is not a live engine.
        InvalidEngine("INVALID_ENGINE") = "INVALID_ENGINE",
        /// A parameter is malformed (ids, sizes, frames, unknown methods).
        InvalidParams("INVALID_PARAMS") = "INVALID_PARAMS",
        /// The join token is invalid or expired.
        InvalidToken("INVALID_TOKEN") = "INVALID_TOKEN",
        /// The join was refused for another reason, named in the message.
        JoinRoomFailed("JOIN_ROOM_FAILED") = "JOIN_ROOM_FAILED",
        /// `updateToken` was given an invalid token.
        UpdateTokenWithInvalidToken("UPDATE_TOKEN_WITH_INVALID_TOKEN") = "UPDATE_TOKEN_WITH_INVALID_TOKEN",
        /// `updateToken` was called outside a room.
        UpdateTokenBeforeJoin("UPDATE_TOKEN_BEFORE_JOIN") = "UPDATE_TOKEN_BEFORE_JOIN",
        /// `joinRoom` was called while already in the room.
        RepeatJoin("REPEAT_JOIN") = "REPEAT_JOIN",
        /// `startPushPublicStream` was called for a public stream already pushed.
        RepeatPush("REPEAT_PUSH") = "REPEAT_PUSH",
        /// `startPlayPublicStream` was called for a public stream already played.
        RepeatPlay("REPEAT_PLAY") = "REPEAT_PLAY",
        /// An invisible user tried to publish.
        NoPublishPermission("NO_PUBLISH_PERMISSION") = "NO_PUBLISH_PERMISSION",
        /// The stream named does not exist.
        StreamNotExist("STREAM_NOT_EXIST") = "STREAM_NOT_EXIST",
        /// The call needs a joined room or a live connection.
        NotConnectedYet("NOT_CONNECTED_YET") = "NOT_CONNECTED_YET",
        /// The server's OpenAPI removed this user from the room.
        KickedOut("KICKED_OUT") = "KICKED_OUT",
        /// The server's OpenAPI dismissed the room.
        RoomDismiss("ROOM_DISMISS") = "ROOM_DISMISS",
        /// The token expired while in the room.
        TokenExpired("TOKEN_EXPIRED") = "TOKEN_EXPIRED",
        /// The same user id joined the room elsewhere; this session was removed.
        DuplicateLogin("DUPLICATE_LOGIN") = "DUPLICATE_LOGIN",
        /// `takeLocalSnapshot` named a stream that is not captured.
        InvokedBeforeCapture("INVOKED_BEFORE_CAPTURE") = "INVOKED_BEFORE_CAPTURE",
        /// The same capture was started twice.
        RepeatCapture("REPEAT_CAPTURE") = "REPEAT_CAPTURE",
        /// Video capture could not start.
        GetVideoTrackFailed("GET_VIDEO_TRACK_FAILED") = "GET_VIDEO_TRACK_FAILED",
        /// Audio capture could not start.
        GetAudioTrackFailed("GET_AUDIO_TRACK_FAILED") = "GET_AUDIO_TRACK_FAILED",
        /// Screen capture could not start.
        GetScreenTrackFailed("GET_SCREEN_TRACK_FAILED") = "GET_SCREEN_TRACK_FAILED",
        /// Internal capture was used on a source set to external.
        StreamTypeNotMatch("STREAM_TYPE_NOT_MATCH") = "STREAM_TYPE_NOT_MATCH",
        /// The render container does not exist.
        CantFindDom("CANT_FIND_DOM") = "CANT_FIND_DOM",
        /// The playback device id is invalid.
        InvalidDeviceId("INVALID_DEVICE_ID") = "INVALID_DEVICE_ID",
        /// The platform cannot do what was asked.
        NotSupported("NOT_SUPPORTED") = "NOT_SUPPORTED",
        /// No ICE server could be allocated for the join.
        IceServerWrong("ICE_SERVER_WRONG") = "ICE_SERVER_WRONG",
        /// An audio mixing resource could not be loaded.
        LoadResourcesFailed("LOAD_RESOURCES_FAILED") = "LOAD_RESOURCES_FAILED",
        /// No signalling answer arrived in time (60 s by default).
        TimeOut("TIME_OUT") = "TIME_OUT",
        /// Publishing failed, for the reason in the message.
        PublishFailed("PUBLISH_FAILED") = "PUBLISH_FAILED",
        /// The operation was interrupted by leaving the room.
        OperationCancel("OPERATION_CANCEL") = "OPERATION_CANCEL",
        /// `startCloudProxy` was called after joining.
        StartCloudProxyAfterJoin("START_CLOUD_PROXY_AFTER_JOIN") = "START_CLOUD_PROXY_AFTER_JOIN",
        /// `stopCloudProxy` was called before leaving.
        StopCloudProxyBeforeLeave("STOP_CLOUD_PROXY_BEFORE_LEAVE") = "STOP_CLOUD_PROXY_BEFORE_LEAVE",
        /// Anything else; the message says what.
        UnexpectedError("UNEXPECTED_ERROR") = "UNEXPECTED_ERROR",
        /// An audio device test is already running.
        RepeatDeviceTest("REPEAT_DEVICE_TEST") = "REPEAT_DEVICE_TEST",
        /// The audio device record test could not start.
        AudioDeviceTestFailed("AUDIO_DEVICE_TEST_FAILED") = "AUDIO_DEVICE_RECORD_FAILED",
        /// `login` was refused: the user id is already logged in.
        AlreadyLogin("ALREADY_LOGIN") = "ALREADY_LOGIN",
        /// `login` failed, for the reason in the message.
        LoginFailed("LOGIN_FAILED") = "LOGIN_FAILED",
        /// A messaging call was made before `login`.
        NotLogin("NOT_LOGIN") = "NOT_LOGIN",
        /// The same user id logged in elsewhere; this login was ended.
        RtmDuplicateLogin("RTM_DUPLICATE_LOGIN") = "RTM_DUPLICATE_LOGIN",
        /// The login token was refused on reconnect.
        RtmTokenError("RTM_TOKEN_ERROR") = "RTM_TOKEN_ERROR",
        /// A message was not confirmed in time.
        UserMessageTimeout("USER_MESSAGE_TIMEOUT") = "USER_MESSAGE_TIMEOUT",
        /// The connection broke while a message was in flight.
        UserMessageBroken("USER_MESSAGE_BROKEN") = "USER_MESSAGE_BROKEN",
        /// The message's receiver is not there.
        UserMessageNoReceiver("USER_MESSAGE_NO_RECEIVER") = "USER_MESSAGE_NO_RECEIVER",
        /// The business server could not be reached.
        UserMessageSendToServerError("USER_MESSAGE_SEND_TO_SERVER_ERROR") = "USER_MESSAGE_SEND_TO_SERVER_ERROR",
        /// The business server answered with a status other than 200.
        UserMessageServerResponseError("USER_MESSAGE_SERVER_RESPONSE_ERROR") = "USER_MESSAGE_SERVER_RESPONSE_ERROR",
        /// An in-room message was sent before joining.
        UserMessageNotJoin("USER_MESSAGE_NOT_JOIN") = "USER_MESSAGE_NOT_JOIN",
        /// An outside-room or server message was sent before `login`.
        UserMessageNotLogin("USER_MESSAGE_NOT_LOGIN") = "USER_MESSAGE_NOT_LOGIN",
        /// A server message was sent before `setServerParams`.
        UserMessageServerParamsNotset("USER_MESSAGE_SERVER_PARAMS_NOTSET") = "USER_MESSAGE_SERVER_PARAMS_NOTSET",
        /// A message failed for an unknown reason.
        UserMessageUnknown("USER_MESSAGE_UNKNOWN") = "USER_MESSAGE_UNKNOWN",
        /// Reconnecting failed and will not be retried.
        ReconnectFailed("RECONNECT_FAILED") = "RECONNECT_FAILED",
        /// Subtitles are already on.
        SubtitleAlreadyOn("SUBTITLE_ALREADY_ON") = "SUBTITLE_ALREADY_ON",
        /// Subtitles are off: `updateSubtitleConfig` needs them on.
        SubtitleNotTurnedOn("SUBTITLE_NOT_TURNED_ON") = "SUBTITLE_NOT_TURNED_ON",
        /// Subtitle post-processing failed.
        SubtitleErrPostprocess("SUBTITLE_ERR_POSTPROCESS") = "SUBTITLE_ERR_POSTPROCESS",
        /// The subtitle service could not be reached.
        SubtitleErrConnectionError("SUBTITLE_ERR_CONNECTION_ERROR") = "SUBTITLE_ERR_CONNECTION_ERROR",
        /// The subtitle service did not answer in time.
        SubtitleErrProcessError("SUBTITLE_ERR_PROCESS_ERROR") = "SUBTITLE_ERR_PROCESS_ERROR",
        /// The subtitle service reported an unknown error.
        SubtitleErrUnknown("SUBTITLE_ERR_UNKNOWN") = "SUBTITLE_ERR_UNKNOWN",
        /// A cross-room forwarding call came in the wrong order.
        UnexpectedInvokeForwardStream("UNEXPECTED_INVOKE_FORWARD_STREAM") = "UNEXPECTED_INVOKE_FORWARD_STREAM",
        /// The room is banned.
        RoomForbidden("ROOM_FORBIDDEN") = "ROOM_FORBIDDEN",
        /// The user is banned.
        UserForbidden("USER_FORBIDDEN") = "USER_FORBIDDEN",
    }
}

contract_enum! {
    /// Why an audio mixing operation failed, reported through `onAudioMixingStateChanged`.
    pub enum AudioMixingError as "AudioMixingError": u8 {
        /// Mixing is fine.
        Ok("AUDIO_MIXING_ERROR_OK") = 0,
        /// Preloading failed: file missing or longer than 20 s.
        PreloadFailed("AUDIO_MIXING_ERROR_PRELOAD_FAILED") = 1,
        /// Mixing could not start: file missing or unreadable.
        StartFailed("AUDIO_MIXING_ERROR_START_FAILED") = 2,
        /// The mixing id is unknown.
        IdNotFound("AUDIO_MIXING_ERROR_ID_NOT_FOUND") = 3,
        /// The position could not be set.
        SetPositionFailed("AUDIO_MIXING_ERROR_SET_POSITION_FAILED") = 4,
        /// The volume is outside 0..=400.
        InvalidVolume("AUDIO_MIXING_ERROR_INVALID_VOLUME") = 5,
        /// The file differs from the preloaded one; unload first.
        LoadConflict("AUDIO_MIXING_ERROR_LOAD_CONFLICT") = 6,
        /// The id's stream type does not fit this operation.
        IdTypeNotMatch("AUDIO_MIXING_ERROR_ID_TYPE_NOT_MATCH") = 7,
        /// The pitch is out of range.
        InvalidPitch("AUDIO_MIXING_ERROR_ID_TYPE_INVALID_PITCH") = 8,
        /// The audio track index is invalid.
        InvalidAudioTrack("AUDIO_MIXING_ERROR_INVALID_AUDIO_TRACK") = 9,
    }
}

impl ErrorCode {
    /// The `onError` codes with which the server removes a client from its room: the client
    /// is out of the room when it hears one, and must join again to be back.
    pub const REMOVED_FROM_ROOM: &'static [ErrorCode] = &[
        ErrorCode::KickedOut,
        ErrorCode::RoomDismiss,
        ErrorCode::DuplicateLogin,
        ErrorCode::TokenExpired,
        ErrorCode::RoomForbidden,
        ErrorCode::UserForbidden,
    ];

    /// Whether the server sends this code when it removes a client from its room
    /// ([`ErrorCode::REMOVED_FROM_ROOM`]).
    pub fn removes_from_room(self) -> bool {
        Self::REMOVED_FROM_ROOM.contains(&self)
    }
}

/// The codes of the veRTC SDK's `ErrorCode` outside the contract, which no server or native
/// part raises: they name failures of the vendor's own transport (data channels, its
/// signalling channel, Electron capture) or of checks Chorus makes under another code. They
/// are not [`ErrorCode`] variants, since nothing sends them; only the Web SDK's `ErrorCode`
/// carries them (see `typescript.rs`), so that apps which compare against them keep compiling
/// and comparing. The Web SDK itself raises two: `WTN_PUSH_FAILED` and `WTN_PLAY_FAILED`
/// (web/src/room/wtn.ts).
pub const UNRAISED_VENDOR_ERROR_CODES: &[&str] = &[
    "INVOKED_BEFORE_JOIN_ROOM",
    "REPEAT_PUBLISH",
    "PUBLISH_BEFORE_JOIN",
    "UNPUBLISH_BEFORE_JOIN",
    "SUBSCRIBE_BEFORE_JOIN",
    "UNSUBSCRIBE_BEFORE_JOIN",
    "EMPTY_STREAM",
    "IM_BEFORE_JOIN",
    "USER_NOT_EXIST",
    "ALREADY_IN_ROOM",
    "TOKEN_NO_PUBLISH_PERMISSION",
    "TOKEN_NO_SUBSCRIBE_PERMISSION",
    "NO_PERMISSION",
    "INTERRUPT",
    "ESTABLISH_DATACHANNEL_FAILED",
    "SIGNALING_CHANNEL_NOT_OPEN",
    "REFUSE_OPERATION_IN_DISCONNECT",
    "ADD_TRANSCEIVER_FAILED",
    "UPDATE_TRACK_FAILED",
    "UNPUBLISH_FAILED",
    "SUBSCRIBE_FAILED",
    "UNSUBSCRIBE_FAILED",
    "USER_MESSAGE_NO_RELAYPATH",
    "USER_MESSAGE_EXCEED_QPS",
    "USER_MESSAGE_INIT",
    "USER_MESSAGE_NO_CONNECTION",
    "START_PUBLIC_STREAM_BEFORE_JOIN",
    "ERR_ELECTRON_IS_NULL",
    "ELECTRON_DESKTOP_CAPTURER_GET_SOURCES_ERROR",
    "SET_SIMULCAST_FAILED",
    "MIXING_OLD_AND_NEW_APIS",
    "WTN_PUSH_FAILED",
    "WTN_PLAY_FAILED",
    "NOT_ALLOWED_IN_RTS_ROOM",
    "NOT_ALLOWED_IN_RESTRICTED_MODE",
];

/// A failed call: the contract's code and a message that says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RtcError {
    /// The contract's code.
    pub code: ErrorCode,
    /// What went wrong and what to do about it.
    pub message: String,
}

impl RtcError {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        RtcError {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for RtcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for RtcError {}
