//! The signalling protocol: one WebSocket per client, JSON text frames.
//!
//! - request  `{"id": 7, "method": "joinRoom", "params": {...}}`
//! - response `{"id": 7, "result": {...}}` or `{"id": 7, "error": {"code", "message"}}`
//! - event    `{"event": "onUserJoined", "data": {...}}`
//!
//! The method and event lists below are the only place either is spelled out; docs/protocol.md
//! describes them and the TypeScript twin is generated from them.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::clip::clip_quoted;

use crate::RtcError;
use crate::fallback::*;
use crate::forward::*;
use crate::live_transcoding::*;
use crate::macros::{events, requests};
use crate::media::*;
use crate::message::*;
use crate::public_stream::*;
use crate::room::*;
use crate::subtitle::*;

/// Protocol version; part of the WebSocket path so incompatible clients fail loudly.
pub const PROTOCOL_VERSION: u32 = 1;
/// The WebSocket path clients connect to. Query: `appId` (optional; when given, joins with a
/// token for another app fail with INVALID_TOKEN).
pub const SIGNAL_PATH: &str = "/signal/v1";

requests! {
    /// Join a room.
    "joinRoom" => JoinRoom(JoinRoomParams) -> JoinRoomResult,
    /// Leave the room; a no-op outside one.
    "leaveRoom" => LeaveRoom(Empty) -> Empty,
    /// Replace the room token before it expires.
    "updateToken" => UpdateToken(UpdateTokenParams) -> Empty,
    /// Become visible or invisible to others.
    "setUserVisibility" => SetUserVisibility(SetUserVisibilityParams) -> Empty,
    /// Publish camera and/or microphone.
    "publishStream" => PublishStream(MediaParams) -> Empty,
    /// Stop publishing camera and/or microphone.
    "unpublishStream" => UnpublishStream(MediaParams) -> Empty,
    /// Publish the screen share.
    "publishScreen" => PublishScreen(MediaParams) -> Empty,
    /// Stop publishing the screen share.
    "unpublishScreen" => UnpublishScreen(MediaParams) -> Empty,
    /// Offer (or re-offer) the publisher transport; answered with the SFU's answer.
    "publisherOffer" => PublisherOffer(PublisherOfferParams) -> SdpAnswer,
    /// Answer the latest `onSubscriberOffer`.
    "subscriberAnswer" => SubscriberAnswer(SubscriberAnswerParams) -> Empty,
    /// Receive a user's camera and/or microphone.
    "subscribeStream" => SubscribeStream(SubscribeParams) -> Empty,
    /// Stop receiving a user's camera and/or microphone.
    "unsubscribeStream" => UnsubscribeStream(SubscribeParams) -> Empty,
    /// Receive a user's screen share.
    "subscribeScreen" => SubscribeScreen(SubscribeParams) -> Empty,
    /// Stop receiving a user's screen share.
    "unsubscribeScreen" => UnsubscribeScreen(SubscribeParams) -> Empty,
    /// Pause everything subscribed (of the media type) without unsubscribing.
    "pauseAllSubscribedStream" => PauseAllSubscribedStream(MediaParams) -> Empty,
    /// Resume what `pauseAllSubscribedStream` paused.
    "resumeAllSubscribedStream" => ResumeAllSubscribedStream(MediaParams) -> Empty,
    /// Choose the simulcast layer received of a user's video.
    "setRemoteSimulcastStreamType" => SetRemoteSimulcastStreamType(SimulcastParams) -> Empty,
    /// Turn subscribe fallback on or off for this client's downlink.
    "setSubscribeFallbackOption" => SetSubscribeFallbackOption(FallbackOptionParams) -> Empty,
    /// Set whose video this client keeps longest under fallback.
    "setRemoteUserPriority" => SetRemoteUserPriority(UserPriorityParams) -> Empty,
    /// Tell the room that capture started or stopped.
    "setCaptureState" => SetCaptureState(CaptureStateParams) -> Empty,
    /// Send a text message to one user in the room; answered once delivered.
    "sendUserMessage" => SendUserMessage(UserMessageParams) -> Empty,
    /// Send bytes (base64) to one user in the room.
    "sendUserBinaryMessage" => SendUserBinaryMessage(UserMessageParams) -> Empty,
    /// Send a text message to everyone else in the room.
    "sendRoomMessage" => SendRoomMessage(MessageParams) -> Empty,
    /// Send bytes (base64) to everyone else in the room.
    "sendRoomBinaryMessage" => SendRoomBinaryMessage(MessageParams) -> Empty,
    /// Log in to messaging outside rooms.
    "login" => Login(LoginParams) -> Empty,
    /// Log out of messaging outside rooms.
    "logout" => Logout(Empty) -> Empty,
    /// Replace the login token.
    "updateLoginToken" => UpdateLoginToken(LoginTokenParams) -> Empty,
    /// Whether a user is logged in.
    "getPeerOnlineStatus" => GetPeerOnlineStatus(PeerParams) -> PeerStatus,
    /// Send a text message to a logged-in user, outside rooms.
    "sendUserMessageOutsideRoom" => SendUserMessageOutsideRoom(UserMessageParams) -> Empty,
    /// Send bytes (base64) to a logged-in user, outside rooms.
    "sendUserBinaryMessageOutsideRoom" => SendUserBinaryMessageOutsideRoom(UserMessageParams) -> Empty,
    /// Set where server messages go.
    "setServerParams" => SetServerParams(ServerParams) -> Empty,
    /// Send a text message to the app's business server; answered with its response.
    "sendServerMessage" => SendServerMessage(MessageParams) -> ServerMessageResult,
    /// Send bytes (base64) to the app's business server.
    "sendServerBinaryMessage" => SendServerBinaryMessage(MessageParams) -> ServerMessageResult,
    /// Forward this user's streams into other rooms; answered with each room's state.
    "startForwardStreamToRooms" => StartForwardStreamToRooms(ForwardStreamParams) -> ForwardStreamStates,
    /// Replace the set of target rooms (add, keep with a new token, drop).
    "updateForwardStreamToRooms" => UpdateForwardStreamToRooms(ForwardStreamParams) -> ForwardStreamStates,
    /// Stop forwarding into every room.
    "stopForwardStreamToRooms" => StopForwardStreamToRooms(Empty) -> ForwardStreamStates,
    /// Stop sending media into every target room, staying there.
    "pauseForwardStreamToAllRooms" => PauseForwardStreamToAllRooms(Empty) -> ForwardStreamStates,
    /// Send media into every target room again.
    "resumeForwardStreamToAllRooms" => ResumeForwardStreamToAllRooms(Empty) -> ForwardStreamStates,
    /// Composite users of rooms into a public stream under an id (`REPEAT_PUSH` when that id
    /// is pushed already); the layout is checked first.
    "startPushPublicStream" => StartPushPublicStream(PublicStreamPushParams) -> Empty,
    /// Change a public stream's parameters; what is left out stays.
    "updatePublicStreamParam" => UpdatePublicStreamParam(PublicStreamPushParams) -> Empty,
    /// Stop a public stream.
    "stopPushPublicStream" => StopPushPublicStream(PublicStreamIdParams) -> Empty,
    /// Composite users of the room and push the result over RTMP (`onStreamMixingEvent`
    /// tells how it goes).
    "startLiveTranscoding" => StartLiveTranscoding(LiveTranscodeConfig) -> Empty,
    /// Change live transcoding's layout or video; the URL and audio stay.
    "updateLiveTranscoding" => UpdateLiveTranscoding(LiveTranscodeConfig) -> Empty,
    /// Stop live transcoding.
    "stopLiveTranscoding" => StopLiveTranscoding(Empty) -> Empty,
    /// Turn subtitles on for this client: what each speaker in the room says arrives as
    /// `onSubtitleMessageReceived`.
    "startSubtitle" => StartSubtitle(StartSubtitleParams) -> Empty,
    /// Set the language the speakers speak.
    "updateSubtitleConfig" => UpdateSubtitleConfig(UpdateSubtitleParams) -> Empty,
    /// Turn subtitles off for this client.
    "stopSubtitle" => StopSubtitle(Empty) -> Empty,
}

events! {
    /// A visible user joined (or was there when you joined).
    "onUserJoined" => UserJoined(UserJoinedEvent),
    /// A visible user left.
    "onUserLeave" => UserLeave(UserLeaveEvent),
    /// A user published camera and/or microphone.
    "onUserPublishStream" => UserPublishStream(StreamPublishedEvent),
    /// A user stopped publishing camera and/or microphone.
    "onUserUnpublishStream" => UserUnpublishStream(StreamUnpublishedEvent),
    /// A user published a screen share.
    "onUserPublishScreen" => UserPublishScreen(StreamPublishedEvent),
    /// A user stopped publishing a screen share.
    "onUserUnpublishScreen" => UserUnpublishScreen(StreamUnpublishedEvent),
    /// The SFU (re)offers the subscriber transport; answer with `subscriberAnswer`.
    "onSubscriberOffer" => SubscriberOffer(SubscriberOfferEvent),
    /// A subscribed video fell back (lower layer or audio only) or recovered.
    "onSimulcastSubscribeFallback" => SimulcastSubscribeFallback(RemoteStreamSwitch),
    /// A user started capturing video.
    "onUserStartVideoCapture" => UserStartVideoCapture(UserCaptureEvent),
    /// A user stopped capturing video.
    "onUserStopVideoCapture" => UserStopVideoCapture(UserCaptureEvent),
    /// A user started capturing audio.
    "onUserStartAudioCapture" => UserStartAudioCapture(UserCaptureEvent),
    /// A user stopped capturing audio.
    "onUserStopAudioCapture" => UserStopAudioCapture(UserCaptureEvent),
    /// The server ended something for this client (kick, dismiss, ban, duplicate login,
    /// token expiry).
    "onError" => Error(ErrorEvent),
    /// The room token expires in 30 seconds.
    "onTokenWillExpire" => TokenWillExpire(TokenWillExpireEvent),
    /// The token's publish privilege ends in 30 seconds.
    "onTokenPublishPrivilegeWillExpire" => TokenPublishPrivilegeWillExpire(PublishPrivilegeExpiryEvent),
    /// The token's publish privilege ended; what it covered was unpublished.
    "onTokenPublishPrivilegeDidExpired" => TokenPublishPrivilegeDidExpired(PublishPrivilegeExpiryEvent),
    /// The token's subscribe privilege ends in 30 seconds.
    "onTokenSubscribePrivilegeWillExpire" => TokenSubscribePrivilegeWillExpire(SubscribePrivilegeExpiryEvent),
    /// The token's subscribe privilege ended (or a new token lacks it); nothing is received
    /// until a token grants it again.
    "onTokenSubscribePrivilegeDidExpired" => TokenSubscribePrivilegeDidExpired(SubscribePrivilegeExpiryEvent),
    /// The OpenAPI banned a user's video in the room, or lifted the ban.
    "onVideoStreamBanned" => VideoStreamBanned(StreamBannedEvent),
    /// The OpenAPI banned a user's audio in the room, or lifted the ban.
    "onAudioStreamBanned" => AudioStreamBanned(StreamBannedEvent),
    /// A text message from a user in the room.
    "onUserMessageReceived" => UserMessageReceived(MessageEvent),
    /// Bytes (base64) from a user in the room.
    "onUserBinaryMessageReceived" => UserBinaryMessageReceived(MessageEvent),
    /// A text message to the whole room.
    "onRoomMessageReceived" => RoomMessageReceived(MessageEvent),
    /// Bytes (base64) to the whole room.
    "onRoomBinaryMessageReceived" => RoomBinaryMessageReceived(MessageEvent),
    /// A text message outside rooms.
    "onUserMessageReceivedOutsideRoom" => UserMessageReceivedOutsideRoom(MessageEvent),
    /// Bytes (base64) outside rooms.
    "onUserBinaryMessageReceivedOutsideRoom" => UserBinaryMessageReceivedOutsideRoom(MessageEvent),
    /// Forwarding into some rooms changed state after the call that started it (refused,
    /// removed there, the token expired there).
    "onForwardStreamStateChanged" => ForwardStreamStateChanged(ForwardStreamStates),
    /// Forwarding into some rooms connected, ended, was interrupted or recovered.
    "onForwardStreamEvent" => ForwardStreamEvent(ForwardStreamEvents),
    /// Subtitles started, stopped, failed or changed settings.
    "onSubtitleStateChanged" => SubtitleStateChanged(SubtitleStateEvent),
    /// Subtitles of the room's speakers.
    "onSubtitleMessageReceived" => SubtitleMessageReceived(SubtitleMessages),
    /// Live transcoding started, failed, was updated or stopped.
    "onStreamMixingEvent" => StreamMixingEvent(StreamMixingEvent),
}

/// Why a frame could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// Not JSON, or not an object of the expected shape.
    Malformed(String),
    /// No such method.
    UnknownMethod(String),
    /// No such event.
    UnknownEvent(String),
    /// The parameters do not fit the method.
    BadParams {
        /// The method (or event) name.
        method: &'static str,
        /// What did not fit.
        reason: String,
    },
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::Malformed(why) => write!(f, "malformed frame: {why}"),
            FrameError::UnknownMethod(m) => write!(
                f,
                "unknown method {m:?}; methods are {}",
                Request::METHODS.join(", ")
            ),
            FrameError::UnknownEvent(e) => write!(f, "unknown event {e:?}"),
            FrameError::BadParams { method, reason } => {
                write!(f, "bad params for {method}: {reason}")
            }
        }
    }
}

impl std::error::Error for FrameError {}

/// A request with its id, as a client sends it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestFrame {
    /// Chosen by the client; echoed in the response.
    pub id: u64,
    /// The method and its parameters.
    #[serde(flatten)]
    pub request: Request,
}

/// A frame the server could not take as a request; answered with INVALID_PARAMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRequest {
    /// The request id, when one could be read.
    pub id: Option<u64>,
    /// What was wrong.
    pub error: FrameError,
}

#[derive(Deserialize)]
struct RawRequest<'a> {
    id: Option<u64>,
    #[serde(borrow)]
    method: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    params: Option<&'a RawValue>,
}

impl RequestFrame {
    /// Parses a client's text frame. Missing `params` read as `{}`.
    pub fn parse(text: &str) -> Result<Self, BadRequest> {
        let raw: RawRequest<'_> = serde_json::from_str(text).map_err(|e| BadRequest {
            id: None,
            error: FrameError::Malformed(clip_quoted(&e.to_string())),
        })?;
        let bad = |error| BadRequest { id: raw.id, error };
        let id = raw
            .id
            .ok_or_else(|| bad(FrameError::Malformed("missing \"id\"".into())))?;
        let method = raw
            .method
            .as_deref()
            .ok_or_else(|| bad(FrameError::Malformed("missing \"method\"".into())))?;
        let params = match raw.params.map(RawValue::get) {
            None | Some("null") => "{}",
            Some(p) => p,
        };
        let request = Request::parse(method, params).map_err(bad)?;
        Ok(RequestFrame { id, request })
    }

    /// The frame's JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("requests are plain data and always serialize")
    }
}

/// A frame from the server, as a client reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerFrame {
    /// The answer to request `id` (`None` when the request's id could not be read).
    Response {
        /// The request's id.
        id: Option<u64>,
        /// The result object, or the error.
        outcome: Result<serde_json::Value, RtcError>,
    },
    /// A pushed event.
    Event(Event),
}

#[derive(Deserialize)]
struct RawServerFrame<'a> {
    id: Option<u64>,
    result: Option<serde_json::Value>,
    error: Option<RtcError>,
    #[serde(borrow)]
    event: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
}

impl ServerFrame {
    /// Parses a server's text frame.
    pub fn parse(text: &str) -> Result<Self, FrameError> {
        let raw: RawServerFrame<'_> = serde_json::from_str(text)
            .map_err(|e| FrameError::Malformed(clip_quoted(&e.to_string())))?;
        if let Some(name) = raw.event.as_deref() {
            let data = raw.data.map(RawValue::get).unwrap_or("{}");
            return Event::parse(name, data).map(ServerFrame::Event);
        }
        let outcome = match (raw.result, raw.error) {
            (_, Some(error)) => Err(error),
            (Some(result), None) => Ok(result),
            (None, None) => {
                return Err(FrameError::Malformed(
                    "neither \"result\", \"error\" nor \"event\"".into(),
                ));
            }
        };
        Ok(ServerFrame::Response {
            id: raw.id,
            outcome,
        })
    }

    /// JSON text of a successful response.
    pub fn ok_json(id: u64, result: &impl Serialize) -> String {
        #[derive(Serialize)]
        struct Succeeded<'a, T> {
            id: u64,
            result: &'a T,
        }
        serde_json::to_string(&Succeeded { id, result })
            .expect("results are plain data and always serialize")
    }

    /// JSON text of a failed response.
    pub fn error_json(id: Option<u64>, error: &RtcError) -> String {
        #[derive(Serialize)]
        struct Failed<'a> {
            id: Option<u64>,
            error: &'a RtcError,
        }
        serde_json::to_string(&Failed { id, error })
            .expect("errors are plain data and always serialize")
    }

    /// JSON text of an event.
    pub fn event_json(event: &Event) -> String {
        serde_json::to_string(event).expect("events are plain data and always serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorCode, MediaType};

    #[test]
    fn request_round_trips() {
        let frame = RequestFrame {
            id: 3,
            request: Request::PublishStream(MediaParams {
                media_type: MediaType::AudioAndVideo,
            }),
        };
        let text = frame.to_json();
        assert_eq!(
            text,
            r#"{"id":3,"method":"publishStream","params":{"mediaType":3}}"#
        );
        assert_eq!(RequestFrame::parse(&text), Ok(frame));
    }

    #[test]
    fn missing_params_read_as_empty() {
        let frame = RequestFrame::parse(r#"{"id":1,"method":"leaveRoom"}"#).unwrap();
        assert_eq!(frame.request, Request::LeaveRoom(Empty {}));
    }

    #[test]
    fn bad_frames_keep_their_id_when_readable() {
        let bad = RequestFrame::parse(r#"{"id":9,"method":"fly"}"#).unwrap_err();
        assert_eq!(bad.id, Some(9));
        assert!(matches!(bad.error, FrameError::UnknownMethod(_)));
        let bad =
            RequestFrame::parse(r#"{"id":9,"method":"publishStream","params":{"mediaType":9}}"#)
                .unwrap_err();
        assert!(matches!(bad.error, FrameError::BadParams { .. }));
        assert_eq!(RequestFrame::parse("nope").unwrap_err().id, None);
    }

    #[test]
    fn server_frames_parse() {
        let err = RtcError::new(ErrorCode::RepeatJoin, "already in room");
        let text = ServerFrame::error_json(Some(4), &err);
        assert_eq!(
            ServerFrame::parse(&text),
            Ok(ServerFrame::Response {
                id: Some(4),
                outcome: Err(err)
            })
        );
        let event = Event::TokenWillExpire(TokenWillExpireEvent { expire_at: 5 });
        let text = ServerFrame::event_json(&event);
        assert_eq!(
            text,
            r#"{"event":"onTokenWillExpire","data":{"expireAt":5}}"#
        );
        assert_eq!(ServerFrame::parse(&text), Ok(ServerFrame::Event(event)));
    }

    #[test]
    fn long_input_is_clipped_in_errors() {
        let long = "x".repeat(10_000);
        let msg = RequestFrame::parse(&format!(r#"{{"id":1,"method":"{long}"}}"#))
            .unwrap_err()
            .error
            .to_string();
        assert!(!msg.contains(&"x".repeat(65)), "{msg}");
    }

    #[test]
    fn long_input_quoted_by_the_json_parser_is_clipped() {
        let long = "x".repeat(10_000);
        for frame in [
            format!(r#"{{"id":"{long}","method":"leaveRoom"}}"#),
            format!(r#"{{"id":1,"method":"joinRoom","params":{{"userInfo":"{long}"}}}}"#),
        ] {
            let msg = RequestFrame::parse(&frame).unwrap_err().error.to_string();
            assert!(!msg.contains(&"x".repeat(65)), "{msg}");
            assert!(msg.chars().count() < 400, "{msg}");
        }
    }
}
