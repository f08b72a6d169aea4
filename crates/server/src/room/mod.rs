//! The control plane: rooms, participants, permissions and bans.
//!
//! Each room is a task that owns a sans-IO [`core::Room`] and talks to the rest through two
//! small enums on bounded channels: [`Command`] in, [`Outbound`] out to each session. The
//! [`Directory`] maps (app, room) to the room's task and keeps the app's bans. Nothing here
//! knows about WebSockets or HTTP; `signal` and `api` depend on this module, never the reverse.
//!
//! When webhooks are on, rooms also emit [`Hook`]s (joins, leaves, streams, the room's start
//! and end) that the room task hands to a [`HookSink`] without ever waiting; who delivers them,
//! and how, is the `webhook` module's business.

mod admin;
mod ban;
mod core;
mod directory;
mod forward;
mod forwarded;
#[cfg(feature = "fuzzing")]
mod fuzz_driver;
mod grant;
mod membership;
mod messages;
mod outbox;
mod participant;
mod stream_bans;
mod streams;
mod subscriptions;
mod task;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chorus_proto::{
    MediaType, SimulcastStreamType, StreamIndex, StreamRemoveReason, TrackKind, UserOfflineReason,
    openapi::RoomOnlineUsers,
};
use prometheus_client::metrics::counter::Counter;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot};

pub(crate) use ban::BanScope;
pub(crate) use core::RoomSettings;
pub(crate) use directory::Directory;
pub(crate) use forward::{ForwardOp, ForwardTarget, Relay};
// A command-sequence driver with invariant checks, for `crate::fuzz_entry` alone.
#[cfg(feature = "fuzzing")]
pub(crate) use fuzz_driver::run as run_fuzz_commands;
pub(crate) use grant::{Grant, Millis};
pub(crate) use membership::{JoinArgs, is_link_client, is_own_client};
pub(crate) use messages::Payload;
pub(crate) use outbox::{DirectWrite, Outbound, Outbox, PushError, SessionLink, open_outbox};
pub(crate) use participant::SessionId;
pub(crate) use subscriptions::{SubscribeArgs, SubscribeOp};

/// Names one room: rooms of different apps never meet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct RoomKey {
    pub(crate) app_id: Arc<str>,
    pub(crate) room_id: Arc<str>,
}

/// A command for a room task.
#[derive(Debug)]
pub(crate) enum Command {
    /// A session's request, answered through its link.
    Session {
        link: SessionLink,
        request: SessionRequest,
    },
    /// A session's connection is gone.
    Dropped { session: SessionId },
    /// Another room of the app about a forward, with the forwarder's session link (when
    /// that room still had it).
    Relay {
        session: SessionId,
        link: Option<SessionLink>,
        relay: Relay,
    },
    /// Remove a user (OpenAPI KickUser); answers whether they were there.
    Kick {
        user_id: String,
        done: oneshot::Sender<bool>,
    },
    /// Remove everyone (OpenAPI DismissRoom).
    Dismiss { done: oneshot::Sender<()> },
    /// Ban (and remove) whoever `scope` covers until `until`.
    Ban { scope: BanScope, until: Millis },
    /// Lift a ban.
    Lift { scope: BanScope },
    /// Ban a user's video and/or audio until `until` (OpenAPI BanUserStream); answers whether
    /// they are in the room.
    BanStream {
        user_id: String,
        video: bool,
        audio: bool,
        until: Millis,
        done: oneshot::Sender<bool>,
    },
    /// Lift a user's stream bans (OpenAPI UnbanUserStream); answers whether they are in the
    /// room.
    UnbanStream {
        user_id: String,
        video: bool,
        audio: bool,
        done: oneshot::Sender<bool>,
    },
    /// Who is here (OpenAPI GetRoomOnlineUsers).
    OnlineUsers {
        reply: oneshot::Sender<RoomOnlineUsers>,
    },
    /// For each publisher whose video someone here receives, the highest layer they chose
    /// (a spanning room's link asks that layer of the publisher's node).
    WantedLayers {
        reply: oneshot::Sender<std::collections::HashMap<String, SimulcastStreamType>>,
    },
    /// A message from the OpenAPI, as `from`, to `to` (everyone when `None`); answers the
    /// receivers that were in the room.
    ServerMessage {
        from: String,
        to: Option<Vec<String>>,
        payload: Payload,
        done: oneshot::Sender<Vec<String>>,
    },
}

/// A session's request to its room; `id` is the signalling request id to answer.
#[derive(Debug)]
pub(crate) enum SessionRequest {
    Join(JoinArgs),
    Leave {
        id: u64,
    },
    UpdateToken {
        id: u64,
        grant: Grant,
    },
    SetVisible {
        id: u64,
        visible: bool,
    },
    Publish {
        id: u64,
        index: StreamIndex,
        media: MediaType,
    },
    Unpublish {
        id: u64,
        index: StreamIndex,
        media: MediaType,
    },
    UserMessage {
        id: u64,
        to: String,
        payload: Payload,
    },
    RoomMessage {
        id: u64,
        payload: Payload,
    },
    Subscribe {
        id: u64,
        args: SubscribeArgs,
    },
    PauseAll {
        id: u64,
        media: MediaType,
        paused: bool,
    },
    SetLayer {
        id: u64,
        user_id: String,
        layer: SimulcastStreamType,
    },
    CaptureState {
        id: u64,
        kind: TrackKind,
        capturing: bool,
    },
    /// A cross-room forwarding call.
    Forward {
        id: u64,
        op: ForwardOp,
    },
}

/// A room task's inbox.
#[derive(Debug, Clone)]
pub(crate) struct RoomHandle {
    tx: mpsc::Sender<Command>,
}

impl RoomHandle {
    /// Sends `command`; gives it back if the room task has ended.
    pub(crate) async fn send(&self, command: Command) -> Result<(), Command> {
        self.tx.send(command).await.map_err(|e| e.0)
    }
}

/// What happened in a room, as webhooks report it. Plain values: the `webhook` module turns
/// them into the vendor's callbacks. A user resuming within the grace period is no event.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Hook {
    /// The first user joined a room that had nobody in it.
    RoomCreate,
    /// The last user left (dropped users count until their grace period ends).
    RoomDestroy,
    UserJoin {
        user: String,
        visible: bool,
    },
    UserLeave {
        user: String,
        visible: bool,
        reason: UserOfflineReason,
    },
    /// The user became visible (`true`) or invisible.
    Visibility {
        user: String,
        visible: bool,
    },
    Publish {
        user: String,
        index: StreamIndex,
        media: MediaType,
    },
    Unpublish {
        user: String,
        index: StreamIndex,
        media: MediaType,
        reason: StreamRemoveReason,
    },
}

/// A [`Hook`] as it leaves its room: which room, and when (unix milliseconds).
#[derive(Debug)]
pub(crate) struct HookEvent {
    pub(crate) key: RoomKey,
    pub(crate) at: Millis,
    pub(crate) hook: Hook,
}

/// Where rooms put their hooks: a bounded queue that is never waited on. A full queue drops
/// the hook and counts it, so a slow webhook receiver can never slow a room.
#[derive(Debug, Clone)]
pub(crate) struct HookSink {
    tx: mpsc::Sender<HookEvent>,
    dropped: Counter,
    /// Hooks queued or being delivered, so a draining server can wait for them.
    outstanding: Arc<AtomicUsize>,
}

impl HookSink {
    pub(crate) fn new(
        tx: mpsc::Sender<HookEvent>,
        dropped: Counter,
        outstanding: Arc<AtomicUsize>,
    ) -> Self {
        HookSink {
            tx,
            dropped,
            outstanding,
        }
    }

    /// Queues `event`, or drops and counts it if the queue is full.
    pub(crate) fn emit(&self, event: HookEvent) {
        self.outstanding.fetch_add(1, Ordering::Relaxed);
        match self.tx.try_send(event) {
            Ok(()) => {}
            Err(TrySendError::Full(event)) => {
                self.outstanding.fetch_sub(1, Ordering::Relaxed);
                let dropped = self.dropped.inc() + 1;
                // One line per burst, not per hook: a stuck receiver must not flood the log.
                if dropped.is_power_of_two() {
                    tracing::warn!(
                        room = %event.key.room_id,
                        dropped,
                        "webhook queue full; dropping callbacks (is the receiver slow?)"
                    );
                }
            }
            Err(TrySendError::Closed(_)) => {
                self.outstanding.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod bounds_tests;

#[cfg(test)]
mod core_tests;

#[cfg(test)]
mod link_clients_tests;

#[cfg(test)]
mod subscriptions_tests;

#[cfg(test)]
mod subscribe_privilege_tests;

#[cfg(test)]
mod stream_bans_tests;
