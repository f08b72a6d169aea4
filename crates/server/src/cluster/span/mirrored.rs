//! Which users a link mirrors, and which way: each user is claimed by one side of the link
//! (the home's users into the shard, or the shard's into the home), so neither bridge
//! reflects the other's users back, and a message to a user reaches the user's mirror.
//!
//! When a link fails its mirrors are *held*: each drops its connection without leaving, so
//! its room keeps the user for the reconnect grace like any user whose connection dropped,
//! and the claim stays with its side for as long. A later link (to the same home, or to the
//! room's new home) then puts the user back on the same side: its mirror, or the user itself
//! reconnecting, takes over the held place silently. Without that, the other side, seeing
//! the held user in its own room, would take it for one of its own and mirror it back.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc;
use tokio::time::{Duration, Instant};

use super::mirror::ToMirror;

/// A side of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    /// The home's users, mirrored into the shard.
    Down,
    /// The shard's users, mirrored into the home.
    Up,
}

#[derive(Debug)]
enum Claim {
    Running {
        mirror: mpsc::Sender<ToMirror>,
    },
    /// Its link failed; its room keeps it until `until` (see the module's doc).
    Held {
        side: Side,
        until: Instant,
    },
}

/// The claims of one link, kept across its attempts.
#[derive(Debug, Clone)]
pub(super) struct Claims {
    users: Arc<Mutex<HashMap<String, Claim>>>,
    /// How long a room keeps a user whose connection dropped.
    grace: Duration,
}

impl Claims {
    pub(super) fn new(grace: Duration) -> Claims {
        Claims {
            users: Arc::default(),
            grace,
        }
    }

    /// The two sides' views for one attempt of the link, which hold together when it fails.
    pub(super) fn attempt(&self) -> (Mirrored, Mirrored) {
        let holding = Arc::new(AtomicBool::new(false));
        let view = |side| Mirrored {
            claims: self.clone(),
            side,
            holding: holding.clone(),
        };
        (view(Side::Down), view(Side::Up))
    }

    /// Whether `user` is one of the home's users whose place in the shard is held (the
    /// link failed and no new link put their mirror back yet). A running mirror does not
    /// count: its own join reaches this node too, and must be served here.
    pub(super) fn held_from_home(&self, user: &str) -> bool {
        let now = Instant::now();
        matches!(self.lock().get(user),
            Some(Claim::Held { side, until }) if *side == Side::Down && *until > now)
    }

    /// Claims `user` for the shard's side before its mirror joins the home (see
    /// `admission`); false when either side mirrors it already, or the home's holds it.
    pub(super) fn claim_up(&self, user: &str, mirror: &mpsc::Sender<ToMirror>) -> bool {
        let (_, up) = self.attempt();
        up.claim(user, mirror)
    }

    /// Drops the claim on `user` if `mirror` still holds it.
    pub(super) fn release_if(&self, user: &str, mirror: &mpsc::Sender<ToMirror>) {
        let mut users = self.lock();
        if let Some(Claim::Running { mirror: held }) = users.get(user)
            && held.same_channel(mirror)
        {
            users.remove(user);
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Claim>> {
        // A poisoned map is still a map: a panic elsewhere must not stop the link here.
        self.users
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One side's view of a link's claims, for one attempt.
#[derive(Debug, Clone)]
pub(super) struct Mirrored {
    claims: Claims,
    side: Side,
    holding: Arc<AtomicBool>,
}

impl Mirrored {
    /// Claims `user` for this side's mirror; false when the other side mirrors it or holds
    /// it.
    pub(super) fn claim(&self, user: &str, mirror: &mpsc::Sender<ToMirror>) -> bool {
        let now = Instant::now();
        let mut users = self.claims.lock();
        let free = match users.entry(user.to_owned()) {
            Entry::Vacant(_) => true,
            Entry::Occupied(taken) => match taken.get() {
                Claim::Running { .. } => false,
                Claim::Held { side, until } => *side == self.side || *until <= now,
            },
        };
        if free {
            let claim = Claim::Running {
                mirror: mirror.clone(),
            };
            users.insert(user.to_owned(), claim);
        }
        free
    }

    /// This side's mirror of `user` ended: the user left, or the link ended (then held if
    /// the link failed).
    pub(super) fn release(&self, user: &str) {
        let mut users = self.claims.lock();
        if self.holding() {
            let until = Instant::now() + self.claims.grace;
            users.insert(
                user.to_owned(),
                Claim::Held {
                    side: self.side,
                    until,
                },
            );
        } else {
            users.remove(user);
        }
    }

    /// The running mirror of `user`, on either side.
    pub(super) fn mirror_of(&self, user: &str) -> Option<mpsc::Sender<ToMirror>> {
        match self.claims.lock().get(user) {
            Some(Claim::Running { mirror, .. }) => Some(mirror.clone()),
            _ => None,
        }
    }

    /// The link failed: its mirrors drop their connections rather than leave.
    pub(super) fn hold(&self) {
        self.holding.store(true, Ordering::SeqCst);
    }

    /// Whether the link failed, so a mirror ending now drops its connection (the room keeps
    /// its user for the reconnect grace) rather than leaving.
    pub(super) fn holding(&self) -> bool {
        self.holding.load(Ordering::SeqCst)
    }
}
