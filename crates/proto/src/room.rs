//! Bodies of the room methods and events: who is in a room, with what, and why they left.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{
    ErrorCode, MediaType, RoomMode, RoomProfileType, StreamRemoveReason, UserOfflineReason,
};

/// A user as the room shows it to others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// `[a-zA-Z0-9_@\-\.]{1,128}`.
    pub user_id: String,
    /// Free text the app attaches, at most 200 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub extra_info: Option<String>,
}

/// How a client wants to behave in a room; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RoomConfig {
    /// Publish the captured streams as soon as joined (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub is_auto_publish: Option<bool>,
    /// Subscribe to others' audio as it is published (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub is_auto_subscribe_audio: Option<bool>,
    /// Subscribe to others' video as it is published (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub is_auto_subscribe_video: Option<bool>,
    /// The kind of room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub room_profile_type: Option<RoomProfileType>,
    /// Media and messages, or messages only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub room_mode: Option<RoomMode>,
}

/// `joinRoom` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct JoinRoomParams {
    /// The "001" access token for this app, room and user.
    pub token: Option<String>,
    /// The room to join.
    pub room_id: String,
    /// Who joins.
    pub user_info: UserInfo,
    /// How to behave in the room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub room_config: Option<RoomConfig>,
    /// Join visible to others (default true); see `setUserVisibility`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub visible: Option<bool>,
}

/// `joinRoom` result. Who is already in the room follows as `onUserJoined` and
/// `onUserPublishStream`/`onUserPublishScreen` events, right after this answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct JoinRoomResult {
    /// The room joined.
    pub room_id: String,
    /// The user joined as.
    pub user_id: String,
    /// True when this join resumed a session whose connection had dropped within the grace
    /// period: others saw no leave and no join.
    pub resumed: bool,
    /// The TURN servers this client may relay its media through, with credentials that
    /// expire no later than the token (empty when the server names none). They go into the
    /// client's `RTCPeerConnection` configuration as they are.
    #[serde(default)]
    pub ice_servers: Vec<IceServer>,
}

/// A TURN (or STUN) server, shaped as WebRTC's `RTCIceServer`.
///
/// The credentials follow the TURN REST convention (coturn's `use-auth-secret`): `username`
/// is `<expiry unix seconds>:<userId>` and `credential` is base64(HMAC-SHA1(shared secret,
/// username)), so the TURN server checks them, and their expiry, without asking Chorus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IceServer {
    /// `turn:host:port?transport=udp|tcp`, `turns:host:port?transport=tcp` or `stun:host:port`.
    pub urls: Vec<String>,
    /// `<expiry>:<userId>`.
    pub username: String,
    /// base64(HMAC-SHA1(secret, username)).
    pub credential: String,
}

/// `updateToken` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UpdateTokenParams {
    /// The new token, for the same app, room and user.
    pub token: String,
}

/// `setUserVisibility` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SetUserVisibilityParams {
    /// Visible to others or not.
    pub visible: bool,
}

/// Parameters of the publish and unpublish methods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MediaParams {
    /// Which media.
    pub media_type: MediaType,
}

/// An empty parameter or result object, `{}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Empty {}

/// `onUserJoined`: a visible user joined, or was already there when you joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UserJoinedEvent {
    /// Who.
    pub user_info: UserInfo,
}

/// `onUserLeave`: a visible user left, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UserLeaveEvent {
    /// Who.
    pub user_info: UserInfo,
    /// Why.
    pub reason: UserOfflineReason,
}

/// `onUserPublishStream` / `onUserPublishScreen`: media newly published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StreamPublishedEvent {
    /// The publisher.
    pub user_id: String,
    /// The media that became available.
    pub media_type: MediaType,
}

/// `onUserUnpublishStream` / `onUserUnpublishScreen`: media no longer published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StreamUnpublishedEvent {
    /// The publisher.
    pub user_id: String,
    /// The media that went away.
    pub media_type: MediaType,
    /// Why.
    pub reason: StreamRemoveReason,
}

/// `onError`: the server ended something for this client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ErrorEvent {
    /// What happened.
    pub error_code: ErrorCode,
    /// In words.
    pub message: String,
    /// For bans: how many seconds the ban lasts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub forbidden_time: Option<u64>,
}

/// `onVideoStreamBanned` / `onAudioStreamBanned`: the OpenAPI's `BanUserStream` banned a
/// user's video or audio in the room (what they published of it was unpublished and they cannot
/// publish it), or `UnbanUserStream` (or the ban's end) lifted it. Everyone in the room hears,
/// the user too; whoever joins while a ban lasts hears of it on joining.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StreamBannedEvent {
    /// The banned (or no longer banned) user.
    pub uid: String,
    /// Whether the stream is banned now.
    pub banned: bool,
}

/// `onTokenWillExpire`: the room token expires soon; call `updateToken`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TokenWillExpireEvent {
    /// When it expires, unix seconds.
    pub expire_at: u64,
}

/// `onTokenPublishPrivilegeWillExpire` / `onTokenPublishPrivilegeDidExpired`: the token's
/// privilege to publish (audio, video, or both) ends soon, or has ended and what it covered was
/// unpublished (`StreamRemoveReason` TOKEN_PRIVILEGE_EXPIRED). `updateToken` with a token that
/// extends it, then publish again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PublishPrivilegeExpiryEvent {
    /// When the privilege ends, unix seconds.
    pub expire_at: u64,
}

/// `onTokenSubscribePrivilegeWillExpire` / `onTokenSubscribePrivilegeDidExpired`: the token's
/// privilege to subscribe ends soon, or has ended (or `updateToken` took it away) and nothing
/// is forwarded any more; the user stays in the room. `updateToken` with a token that grants
/// it again, and what was subscribed (auto-subscriptions included) flows again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SubscribePrivilegeExpiryEvent {
    /// When the privilege ends (or ended), unix seconds.
    pub expire_at: u64,
}
