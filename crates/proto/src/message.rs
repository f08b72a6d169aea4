//! Bodies of the messaging methods and events: in-room messages, outside-room messages after
//! `login`, and messages to the app's business server. Binary messages travel as standard
//! base64 in `message`; the 64 KB limit applies to the decoded bytes.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::UserOnlineStatus;

/// Parameters of `sendUserMessage`, `sendUserBinaryMessage` and their outside-room twins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UserMessageParams {
    /// The receiver.
    pub user_id: String,
    /// The text, or base64 of the bytes for the binary methods.
    pub message: String,
}

/// Parameters of `sendRoomMessage`, `sendRoomBinaryMessage`, `sendServerMessage` and
/// `sendServerBinaryMessage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MessageParams {
    /// The text, or base64 of the bytes for the binary methods.
    pub message: String,
}

/// A received message: every message event carries this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MessageEvent {
    /// The sender (for messages sent through the OpenAPI, its `From`).
    pub user_id: String,
    /// The text, or base64 of the bytes for the binary events.
    pub message: String,
}

/// `login` parameters: a token made with room id "".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LoginParams {
    /// The login token.
    pub token: String,
    /// Who logs in.
    pub user_id: String,
}

/// `updateLoginToken` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LoginTokenParams {
    /// The new login token.
    pub token: String,
}

/// `getPeerOnlineStatus` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PeerParams {
    /// The peer.
    pub user_id: String,
}

/// `getPeerOnlineStatus` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PeerStatus {
    /// The peer.
    pub user_id: String,
    /// Whether they are logged in.
    pub status: UserOnlineStatus,
}

/// `setServerParams` parameters: where server messages go, and the signature the business
/// server checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ServerParams {
    /// Passed to the business server in the `X-Chorus-Signature` header.
    pub signature: String,
    /// The business server's URL (http).
    pub url: String,
}

/// `sendServerMessage` / `sendServerBinaryMessage` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ServerMessageResult {
    /// The business server's response body.
    pub response: String,
}
