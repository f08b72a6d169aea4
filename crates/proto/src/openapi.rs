//! Bodies of the server OpenAPI, in the vendor's conventions: `POST /?Action=..&Version=..`,
//! PascalCase JSON, and every answer wrapped in [`ApiResponse`].

use serde::{Deserialize, Serialize};

mod public_stream;
pub use public_stream::*;

/// The API versions Chorus answers to.
pub const API_VERSIONS: &[&str] = &[
    "2020-12-01",
    "2022-06-01",
    "2023-06-01",
    "2023-07-20",
    "2023-11-01",
];
/// The service name in responses and in the request signature scope.
pub const SERVICE: &str = "rtc";
/// The region Chorus reports, and the default region clients sign for.
pub const DEFAULT_REGION: &str = "cn-north-1";

/// The envelope of every answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiResponse<T> {
    /// Who answered what.
    pub response_metadata: ResponseMetadata,
    /// The action's result; absent on error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<T>,
}

/// Identifies the request and carries its error, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResponseMetadata {
    /// Unique per request.
    pub request_id: String,
    /// The action asked for.
    pub action: String,
    /// The version asked for.
    pub version: String,
    /// Always `rtc`.
    pub service: String,
    /// The server's region.
    pub region: String,
    /// Set when the request failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

/// Why an OpenAPI request failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiError {
    /// A vendor-style error code, e.g. `InvalidParameter`, `SignatureDoesNotMatch`.
    pub code: String,
    /// What went wrong and what to do.
    pub message: String,
}

/// The result of actions that only act: `{"Message": "success"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Done {
    /// Always `success`.
    pub message: String,
}

impl Done {
    /// The one success value.
    pub fn success() -> Self {
        Done {
            message: "success".into(),
        }
    }
}

/// `KickUser`: remove one user from a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KickUser {
    /// The app.
    pub app_id: String,
    /// The room.
    pub room_id: String,
    /// The user to remove.
    pub user_id: String,
}

/// `DismissRoom`: remove everyone from a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DismissRoom {
    /// The app.
    pub app_id: String,
    /// The room.
    pub room_id: String,
}

/// `BanRoomUser` and `UpdateBanRoomUserRule`: room and user bans one user in the room, room
/// alone bans the room, user alone bans the user everywhere in the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BanRoomUser {
    /// The app.
    pub app_id: String,
    /// The room, if the ban is about one room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
    /// The user, if the ban is about one user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Seconds the ban lasts from now. 0: remove only (`BanRoomUser`) or lift the ban
    /// (`UpdateBanRoomUserRule`).
    #[serde(default)]
    pub forbidden_interval: u64,
}

/// `BanUserStream`: stop one user in a room publishing their video and/or audio, for
/// `ForbiddenInterval` seconds or until `UnbanUserStream`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BanUserStream {
    /// The app.
    pub app_id: String,
    /// The room.
    pub room_id: String,
    /// The user whose streams are banned.
    pub user_id: String,
    /// Ban the video (false: leave it as it is).
    #[serde(default)]
    pub video: bool,
    /// Ban the audio (false: leave it as it is).
    #[serde(default)]
    pub audio: bool,
    /// Seconds the ban lasts: absent or 0 until `UnbanUserStream`; else at least 10 and at
    /// most 259200 (three days), values beyond taken to the nearest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forbidden_interval: Option<u64>,
}

/// `UnbanUserStream`: let one user in a room publish their video and/or audio again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UnbanUserStream {
    /// The app.
    pub app_id: String,
    /// The room.
    pub room_id: String,
    /// The user whose streams are let again.
    pub user_id: String,
    /// Lift the video ban.
    #[serde(default)]
    pub video: bool,
    /// Lift the audio ban.
    #[serde(default)]
    pub audio: bool,
}

/// `GetRoomOnlineUsers` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRoomOnlineUsers {
    /// The app.
    pub app_id: String,
    /// The room.
    pub room_id: String,
}

/// `GetRoomOnlineUsers` result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoomOnlineUsers {
    /// Whether anyone is in the room.
    pub room_exists: bool,
    /// Everyone, visible or not.
    pub total_user: u64,
    /// Visible users' ids.
    pub visible_user_list: Vec<String>,
    /// How many are invisible.
    pub total_invisible_user: u64,
    /// Invisible users' ids.
    pub invisible_user_list: Vec<String>,
}

/// `SendUnicast`: a message from the business server to one logged-in user, outside rooms.
/// The user gets `onUserMessageReceivedOutsideRoom` (or its binary twin) from `From`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendUnicast {
    /// The app.
    pub app_id: String,
    /// Who the message is from, as the receiver sees it.
    pub from: String,
    /// The receiver.
    pub to: String,
    /// Whether `Message` is base64 of binary data.
    #[serde(default)]
    pub binary: bool,
    /// The text, or base64 of the bytes when `Binary`.
    pub message: String,
}

/// `SendRoomUnicast`: a message from the business server to one user in a room, who gets
/// `onUserMessageReceived` (or its binary twin) from `From`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendRoomUnicast {
    /// The app.
    pub app_id: String,
    /// The room.
    pub room_id: String,
    /// Who the message is from, as the receiver sees it.
    pub from: String,
    /// The receiver.
    pub to: String,
    /// Whether `Message` is base64 of binary data.
    #[serde(default)]
    pub binary: bool,
    /// The text, or base64 of the bytes when `Binary`.
    pub message: String,
}

/// `BatchSendRoomUnicast`: [`SendRoomUnicast`] to several users of one room at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchSendRoomUnicast {
    /// The app.
    pub app_id: String,
    /// The room.
    pub room_id: String,
    /// Who the message is from, as the receivers see it.
    pub from: String,
    /// The receivers (at most [`MAX_BATCH_RECEIVERS`]).
    pub to: Vec<String>,
    /// Whether `Message` is base64 of binary data.
    #[serde(default)]
    pub binary: bool,
    /// The text, or base64 of the bytes when `Binary`.
    pub message: String,
}

/// Most receivers of one `BatchSendRoomUnicast`, as the vendor documents.
pub const MAX_BATCH_RECEIVERS: usize = 600;

/// `BatchSendRoomUnicast` result: `{"Message": "success"}`, plus the receivers that were not
/// in the room when some were missing (the call fails when all were).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchSent {
    /// Always `success`.
    pub message: String,
    /// Receivers that were not in the room and got nothing; absent when everyone got it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub absent_user_list: Vec<String>,
}

/// `SendBroadcast`: a message from the business server to everyone in a room, who get
/// `onRoomMessageReceived` (or its binary twin) from `From`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendBroadcast {
    /// The app.
    pub app_id: String,
    /// The room.
    pub room_id: String,
    /// Who the message is from, as the receivers see it.
    pub from: String,
    /// Whether `Message` is base64 of binary data.
    #[serde(default)]
    pub binary: bool,
    /// The text, or base64 of the bytes when `Binary`.
    pub message: String,
}

/// The `Version` every webhook callback carries.
pub const WEBHOOK_VERSION: &str = "2020-12-01";

/// The body of a webhook callback, POSTed as JSON to the configured URL. `Signature` is
/// `chorus_sign::webhook_signature` over the other seven fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WebhookCallback {
    /// What happened: a [`WebhookEventType`] name.
    pub event_type: String,
    /// The event's details: [`WebhookEventData`] as a JSON string.
    pub event_data: String,
    /// When it happened: RFC 3339, UTC, e.g. `2024-01-02T03:04:05.678Z`.
    pub event_time: String,
    /// Unique per event and the same on every retry of it: de-duplicate on this.
    pub event_id: String,
    /// The app the room belongs to.
    pub app_id: String,
    /// Always [`WEBHOOK_VERSION`].
    pub version: String,
    /// A random string.
    pub nonce: String,
    /// Lowercase hex SHA-256 of the sorted, concatenated fields and the secret.
    pub signature: String,
}

/// The kinds of webhook callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WebhookEventType {
    /// The first user joined a room that had nobody in it.
    RoomCreate,
    /// The last user (counting those within their reconnect grace period) left.
    RoomDestroy,
    /// A visible user joined.
    UserJoinRoom,
    /// A visible user left (`Reason` says why).
    UserLeaveRoom,
    /// An invisible user joined.
    InvisibleUserJoinRoom,
    /// An invisible user left (`Reason` says why).
    InvisibleUserLeaveRoom,
    /// A user became visible.
    RoleChangeInvisible2Visible,
    /// A user became invisible.
    RoleChangeVisible2Invisible,
    /// A user started publishing media on a stream (`StreamIndex`: 0 main, 1 screen).
    UserPublishStream,
    /// A user stopped publishing media on a stream (`Reason` says why).
    UserUnpublishStream,
}

impl WebhookEventType {
    /// Every kind.
    pub const ALL: &'static [WebhookEventType] = &[
        WebhookEventType::RoomCreate,
        WebhookEventType::RoomDestroy,
        WebhookEventType::UserJoinRoom,
        WebhookEventType::UserLeaveRoom,
        WebhookEventType::InvisibleUserJoinRoom,
        WebhookEventType::InvisibleUserLeaveRoom,
        WebhookEventType::RoleChangeInvisible2Visible,
        WebhookEventType::RoleChangeVisible2Invisible,
        WebhookEventType::UserPublishStream,
        WebhookEventType::UserUnpublishStream,
    ];

    /// The `EventType` string.
    pub const fn as_str(self) -> &'static str {
        match self {
            WebhookEventType::RoomCreate => "RoomCreate",
            WebhookEventType::RoomDestroy => "RoomDestroy",
            WebhookEventType::UserJoinRoom => "UserJoinRoom",
            WebhookEventType::UserLeaveRoom => "UserLeaveRoom",
            WebhookEventType::InvisibleUserJoinRoom => "InvisibleUserJoinRoom",
            WebhookEventType::InvisibleUserLeaveRoom => "InvisibleUserLeaveRoom",
            WebhookEventType::RoleChangeInvisible2Visible => "RoleChangeInvisible2Visible",
            WebhookEventType::RoleChangeVisible2Invisible => "RoleChangeVisible2Invisible",
            WebhookEventType::UserPublishStream => "UserPublishStream",
            WebhookEventType::UserUnpublishStream => "UserUnpublishStream",
        }
    }

    /// The kind whose `EventType` string is `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.as_str() == name)
    }
}

/// What a callback's `EventData` holds. Room events carry `AppId`, `RoomId`, `Timestamp`; user
/// events add `UserId` (and `Reason` when leaving); stream events add `StreamIndex`,
/// `MediaType` (what was added or removed) and, when unpublishing, `Reason`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WebhookEventData {
    /// The app.
    pub app_id: String,
    /// The room.
    pub room_id: String,
    /// The user, for user and stream events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The stream, for stream events: 0 main (camera and microphone), 1 screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_index: Option<crate::StreamIndex>,
    /// The media published or unpublished: 1 audio, 2 video, 3 both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<crate::MediaType>,
    /// Why the user left (`UserOfflineReason`: 0 quit, 1 dropped, 2 switched to invisible,
    /// 3 removed by the server) or the stream ended (`StreamRemoveReason`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<u8>,
    /// When it happened, unix milliseconds.
    pub timestamp: u64,
}
