//! The directory: which task runs which room, and the bans of each app.
//!
//! The one lock here is taken per join, per room start and end, and per OpenAPI call, never
//! per message or packet. Bans live here canonically so they outlast rooms; each room gets a
//! copy of those that concern it when it starts, and every later change as a command.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

use super::ban::{BanScope, Bans};
use super::core::{Room, RoomSettings};
use super::{Command, HookSink, RoomHandle, RoomKey, task};
use crate::metrics::Metrics;
use crate::sfu::Sfu;

/// Bound of each room's inbox: senders wait when a room falls this far behind.
const ROOM_INBOX: usize = 4096;

/// Shared handle to the directory.
#[derive(Clone)]
pub(crate) struct Directory {
    state: Arc<Mutex<State>>,
    settings: RoomSettings,
    metrics: Metrics,
    hooks: Option<HookSink>,
    sfu: Sfu,
}

/// One app's bans: (room, scope) -> until; room is None for app-wide user bans.
type AppBans = HashMap<(Option<Arc<str>>, BanScope), u64>;

#[derive(Default)]
struct State {
    rooms: HashMap<RoomKey, RoomHandle>,
    bans: HashMap<Arc<str>, AppBans>,
    /// Rooms started without webhooks: shards of rooms spanning nodes, whose users' events
    /// the room's home node sends (a shard's own users are mirrored there).
    quiet: HashSet<RoomKey>,
}

impl Directory {
    /// With `hooks`, every room emits webhook hooks into it.
    pub(crate) fn new(
        settings: RoomSettings,
        metrics: Metrics,
        hooks: Option<HookSink>,
        sfu: Sfu,
    ) -> Self {
        Directory {
            state: Arc::default(),
            settings,
            metrics,
            hooks,
            sfu,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent across a panic elsewhere: every update is one insert or
        // remove, so a poisoned lock is still safe to use.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The room's task, started if the room is not running.
    pub(crate) fn route(&self, key: &RoomKey) -> RoomHandle {
        let mut state = self.lock();
        if let Some(handle) = state.rooms.get(key) {
            return handle.clone();
        }
        let mut bans = Bans::default();
        if let Some(app_bans) = state.bans.get(&key.app_id) {
            for ((room, scope), until) in app_bans {
                if room.is_none() || room.as_ref() == Some(&key.room_id) {
                    bans.set(scope.clone(), *until);
                }
            }
        }
        let (tx, rx) = mpsc::channel(ROOM_INBOX);
        let handle = RoomHandle { tx };
        state.rooms.insert(key.clone(), handle.clone());
        self.metrics.rooms.inc();
        let mut room = Room::new(key.room_id.to_string(), self.settings.clone(), bans);
        if self.hooks.is_some() && !state.quiet.contains(key) {
            room.enable_hooks();
        }
        tokio::spawn(task::run(room, rx, key.clone(), self.clone()));
        handle
    }

    /// Whether the room, when it starts, sends no webhooks (`quiet`) or does as usual.
    pub(crate) fn set_quiet(&self, key: &RoomKey, quiet: bool) {
        let mut state = self.lock();
        if quiet {
            state.quiet.insert(key.clone());
        } else {
            state.quiet.remove(key);
        }
    }

    /// The rooms running here (for the cluster heartbeat, once a second).
    pub(crate) fn room_keys(&self) -> Vec<RoomKey> {
        self.lock().rooms.keys().cloned().collect()
    }

    /// The room's task, if the room is running.
    pub(crate) fn get(&self, key: &RoomKey) -> Option<RoomHandle> {
        self.lock().rooms.get(key).cloned()
    }

    /// Called by an empty room's task: forgets the room unless commands are waiting for it.
    /// After this returns true no new sender can reach the task.
    pub(crate) fn retire(&self, key: &RoomKey, inbox: &mpsc::Receiver<Command>) -> bool {
        let mut state = self.lock();
        if !inbox.is_empty() {
            return false;
        }
        state.rooms.remove(key);
        self.metrics.rooms.dec();
        true
    }

    /// Called by a room's task that can no longer run its room (it panicked): forgets the
    /// room at once, so the next join starts a fresh one. While a task runs, the entry under
    /// its key is its own: another task gets the key only after this one retired.
    pub(crate) fn forget(&self, key: &RoomKey) {
        if self.lock().rooms.remove(key).is_some() {
            self.metrics.rooms.dec();
        }
    }

    /// Records a ban and returns the running rooms it concerns, to be told.
    pub(crate) fn ban(
        &self,
        app_id: &Arc<str>,
        room_id: Option<&Arc<str>>,
        scope: BanScope,
        until: Option<u64>,
    ) -> Vec<RoomHandle> {
        let mut state = self.lock();
        let app_bans = state.bans.entry(app_id.clone()).or_default();
        let entry = (room_id.cloned(), scope);
        match until {
            Some(until) => app_bans.insert(entry, until),
            None => app_bans.remove(&entry),
        };
        state
            .rooms
            .iter()
            .filter(|(key, _)| {
                key.app_id == *app_id && room_id.is_none_or(|room| key.room_id == *room)
            })
            .map(|(_, handle)| handle.clone())
            .collect()
    }

    /// Forgets bans that have ended, so the table does not grow without bound.
    pub(crate) fn prune_bans(&self, now: u64) {
        let mut state = self.lock();
        for app_bans in state.bans.values_mut() {
            app_bans.retain(|_, until| *until > now);
        }
        state.bans.retain(|_, app_bans| !app_bans.is_empty());
    }

    /// How many rooms run.
    pub(crate) fn room_count(&self) -> usize {
        self.lock().rooms.len()
    }

    /// How long a room keeps a user whose connection dropped.
    pub(crate) fn reconnect_grace(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.settings.grace)
    }
}

impl Directory {
    /// The server's metrics.
    pub(crate) fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The media plane rooms drive.
    pub(crate) fn sfu(&self) -> &Sfu {
        &self.sfu
    }

    /// Where rooms put webhook hooks, when webhooks are on.
    pub(crate) fn hooks(&self) -> Option<&HookSink> {
        self.hooks.as_ref()
    }
}
