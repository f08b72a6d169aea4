//! Bodies of cross-room forwarding: a user in one room publishes its streams into other rooms
//! of the same app (co-hosting across rooms), each target room joined with its own token.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ForwardStreamError, ForwardStreamState, macros::contract_enum};

contract_enum! {
    /// What happened to the forwarding into one room (the native SDK's
    /// `onForwardStreamEvent`).
    pub enum ForwardStreamEventType as "ForwardStreamEventType": u8 {
        /// Forwarding into the room ended (stopped, dropped by an update, or ended there).
        Disconnected("FORWARD_STREAM_EVENT_DISCONNECTED") = 0,
        /// The room took the forwarded streams.
        Connected("FORWARD_STREAM_EVENT_CONNECTED") = 1,
        /// Forwarding is interrupted: the forwarder's connection dropped.
        Interrupt("FORWARD_STREAM_EVENT_INTERRUPT") = 2,
        /// Forwarding is back after an interruption.
        Recover("FORWARD_STREAM_EVENT_RECOVER") = 3,
    }
}

/// One target room of a forwarding: its id and a token for it (same app, that room, this
/// user, with the publish privilege).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ForwardStreamInfo {
    /// The target room.
    pub room_id: String,
    /// The "001" token for the target room.
    pub token: String,
}

/// `startForwardStreamToRooms` / `updateForwardStreamToRooms` parameters: the whole set of
/// target rooms (an update adds, keeps and drops rooms to match it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ForwardStreamParams {
    /// The target rooms.
    pub forward_stream_infos: Vec<ForwardStreamInfo>,
}

/// How forwarding into one room stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ForwardStreamStateInfo {
    /// The target room.
    pub room_id: String,
    /// Forwarding or not.
    pub state: ForwardStreamState,
    /// Why not, when not.
    pub error: ForwardStreamError,
}

/// The result of every forwarding method, and `onForwardStreamStateChanged`: the state of
/// each room concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ForwardStreamStates {
    /// One entry per room.
    pub infos: Vec<ForwardStreamStateInfo>,
}

/// One room's forwarding event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ForwardStreamEventInfo {
    /// The target room.
    pub room_id: String,
    /// What happened.
    pub event: ForwardStreamEventType,
}

/// `onForwardStreamEvent`: what happened to forwarding into some rooms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ForwardStreamEvents {
    /// One entry per room.
    pub infos: Vec<ForwardStreamEventInfo>,
}
