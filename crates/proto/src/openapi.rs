//! Bodies of the server OpenAPI, in the vendor's conventions: `POST /?Action=..&Version=..`,
//! PascalCase JSON, and every answer wrapped in [`ApiResponse`].

use serde::{Deserialize, Serialize};

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
