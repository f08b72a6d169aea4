//! A shard's users are admitted by the room's home: the home is the one place that admits a
//! user of a spanning room, so its limit holds for the whole room with no window. Before a
//! shard's room takes a user of its own, the user's mirror joins the home's room (the
//! mirror's join *is* the request for a place); only once the home admitted it does the
//! user's own join go on at the shard, and a refusal there (JOIN_ROOM_FAILED "full", a ban)
//! is the user's answer. Two joins racing for the last place through two nodes meet in the
//! home's room, which takes one at a time.
//!
//! The mirror joins once the link's bridge watches the shard's room: the home's users see
//! the user from then on, so what the user says must already have a way across.
//! The mirror is claimed for the shard's side before it joins, so the home's bridge does
//! not take it for a home user and mirror it back. Once the user is in the shard's room its
//! bridge adopts the admitted mirror ([`Admissions::take`]) rather than joining another. An
//! admitted mirror nobody adopts (the user's join then failed at the shard, or the user went
//! away) leaves the home's room after [`ADOPT_PATIENCE`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chorus_proto::RtcError;
use tokio::sync::{mpsc, watch};

use super::super::Node;
use super::client::{Signal, SpanError};
use super::mirror::ToMirror;
use super::mirrored::Claims;
use crate::ctx::Ctx;
use crate::room::{RoomKey, is_link_client};

/// How long an admitted mirror waits for its user to be in the shard's room.
const ADOPT_PATIENCE: Duration = Duration::from_secs(10);
/// How long an admission waits for the link's bridge to watch the shard's room.
const READY_PATIENCE: Duration = Duration::from_secs(10);
/// Packets queued for one mirror before more are dropped (as a bridge's own mirrors).
pub(super) const MIRROR_QUEUE: usize = 1024;

/// A mirror the home admitted, waiting for its user to join the shard's room.
pub(super) struct Admitted {
    /// The home it joined.
    pub(super) home: Node,
    /// Its signalling connection, joined.
    pub(super) signal: Signal,
    /// The claim's sender, and the mirror's end of it.
    pub(super) tx: mpsc::Sender<ToMirror>,
    pub(super) rx: mpsc::Receiver<ToMirror>,
    /// Whether it joined visible.
    pub(super) visible: bool,
    /// Which admission this is, so a late reaper leaves a newer one alone.
    ticket: u64,
}

/// The admitted mirrors of one shard, by user.
#[derive(Clone)]
pub(super) struct Admissions {
    waiting: Arc<Mutex<HashMap<String, Admitted>>>,
    tickets: Arc<AtomicU64>,
    /// Whether the bridge that adopts them watches the shard's room: until it does, a user
    /// the home sees could say things no one carries there.
    ready: Arc<watch::Sender<bool>>,
}

impl Default for Admissions {
    fn default() -> Self {
        Admissions {
            waiting: Arc::default(),
            tickets: Arc::default(),
            ready: Arc::new(watch::channel(false).0),
        }
    }
}

impl std::fmt::Debug for Admissions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admissions").finish_non_exhaustive()
    }
}

/// How an admission went.
pub(crate) enum Admission {
    /// The home admitted the user's mirror: the user's join goes on here.
    Admitted,
    /// The home refused it: the user's join gets this answer.
    Refused(RtcError),
    /// The user already has a place in the room (a resume, or a mirror of theirs is here),
    /// or the home could not be asked: the join goes on here as it would without a link.
    NotAsked,
}

impl Admissions {
    /// Asks `home` for a place for `user` (joining `visible` or not), by joining their
    /// mirror there.
    pub(super) async fn ask(
        &self,
        ctx: &Arc<Ctx>,
        claims: &Claims,
        home: Node,
        key: &RoomKey,
        user: &str,
        visible: bool,
    ) -> Admission {
        // The link's own clients (its observer, the home's users' mirrors) hold no place of
        // their own to ask for.
        if is_link_client(user) {
            return Admission::NotAsked;
        }
        let (tx, rx) = mpsc::channel(MIRROR_QUEUE);
        // Claimed first: the home's bridge sees the mirror join and must know it is ours.
        if !claims.claim_up(user, &tx) {
            return Admission::NotAsked;
        }
        // The user is seen at the home as soon as their mirror joins: the bridge that
        // carries what they say and publish must watch the shard's room by then.
        let mut ready = self.ready.subscribe();
        if tokio::time::timeout(READY_PATIENCE, ready.wait_for(|r| *r))
            .await
            .is_err()
        {
            tracing::warn!(room = %key.room_id, "the span link is not ready; asking the home all the same");
        }
        let signal = match Signal::join(ctx, &home, key, user, visible).await {
            Ok((signal, _)) => signal,
            Err(error) => {
                claims.release_if(user, &tx);
                return match error {
                    SpanError::Refused { error, .. } => Admission::Refused(error),
                    other => {
                        tracing::warn!(room = %key.room_id, home = home.id, %other,
                            "cannot ask the room's home for a place; admitting here");
                        Admission::NotAsked
                    }
                };
            }
        };
        let ticket = self.tickets.fetch_add(1, Ordering::Relaxed);
        let admitted = Admitted {
            home,
            signal,
            tx: tx.clone(),
            rx,
            visible,
            ticket,
        };
        if let Some(stale) = self.lock().insert(user.to_owned(), admitted) {
            // An older admission of the same user nobody adopted: its place is this one's.
            tokio::spawn(stale.signal.leave());
        }
        let (this, claims, user) = (self.clone(), claims.clone(), user.to_owned());
        tokio::spawn(async move {
            tokio::time::sleep(ADOPT_PATIENCE).await;
            let unadopted = {
                let mut waiting = this.lock();
                match waiting.get(&user) {
                    Some(a) if a.ticket == ticket => waiting.remove(&user),
                    _ => None,
                }
            };
            if let Some(admitted) = unadopted {
                tracing::debug!(%user, "an admitted mirror was not adopted; giving its place back");
                claims.release_if(&user, &admitted.tx);
                admitted.signal.leave().await;
            }
        });
        Admission::Admitted
    }

    /// The bridge that adopts the admitted mirrors watches the shard's room (`true`), or
    /// stopped (`false`).
    pub(super) fn set_ready(&self, ready: bool) {
        self.ready.send_replace(ready);
    }

    /// The mirror of `user` the home admitted, joined at `home`, for the bridge to run.
    pub(super) fn take(&self, user: &str, home: &Node) -> Option<Admitted> {
        let mut waiting = self.lock();
        match waiting.get(user) {
            Some(a) if a.home.id == home.id => waiting.remove(user),
            _ => None,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Admitted>> {
        // A poisoned map is still a map: a panic elsewhere must not stop admissions here.
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
