//! Rooms that span nodes: a room whose node (its *home*) is full goes on growing on other
//! nodes, each running a *shard* of it linked to the home, so one room may hold more users
//! than one node serves. This module decides when a client is served by a shard, and runs
//! the link between a shard and its home. It never changes how a room or the SFU works: a
//! link is made of ordinary clients of the two rooms, speaking the signalling protocol and
//! WebRTC (str0m in RTP mode, no codecs) like the load test's synthetic clients.
//!
//! **Placement.** A room's home is the node Redis names for it (`placement`), as before. With
//! `span-max-users-per-node` set, a client that reaches another node for the room while the
//! home serves that many users or more (its registered load, renewed every heartbeat) is
//! served where it is: that node opens a shard of the room, and every later client reaching
//! it for the room joins the shard. Why by the home's load and not the room's: what runs out
//! is a node's CPU and bandwidth, which every room on it shares; and a client is served by
//! the node it reached, so a load balancer in front of the nodes spreads a big room as it
//! spreads rooms. Below the threshold clients are relayed to the home as before: one node is
//! cheaper than two while it has room.
//!
//! **Room state.** The home's room stays the one authority for the users it holds; a shard
//! is a room of its own on its node, and the link makes each room hold the other's users:
//! every user of one is a *mirror* user in the other, joined under the same user id by the
//! link, publishing what the user publishes. So joins, leaves, publishes and media reach both
//! sides as ordinary room events, and the protocol and the rooms need nothing new. A user's
//! room messages are said in the other room by its mirror, and a message to a mirror is said
//! to its user by the sender's mirror. Room state the link does not carry yet (kicks and bans
//! across the two, visibility) is listed in docs/architecture.md. A shard's room sends no
//! webhooks: the home sends them for every user, the shard's own through their mirrors, so
//! each event is sent once.
//!
//! **Media.** A link is two *bridges*, one each way ([`bridge`]): an observer, a hidden
//! member of one room that subscribes once to each track of that room's own users, and one
//! [`mirror`] per such user in the other room, which publishes the observer's packets as
//! that user's tracks. The other room's SFU fans them out to its subscribers, so a track
//! crosses between two nodes once whatever the number of its subscribers there (the
//! `chorus_cluster_span_tracks` gauge counts them). RTCP is carried hop by hop: each str0m
//! peer answers and asks NACKs on its own leg; a keyframe request (PLI/FIR) a subscriber's
//! SFU sends to a mirror goes up the observer's leg to the publisher. Simulcast: the observer
//! receives a video at the highest layer the mirror's subscribers chose ([`layers`]); the
//! mirror publishes that one layer.
//!
//! A link lives while its shard has users of its own: when the last leaves, the mirrors
//! leave both rooms and the shard room ends. Each room's membership events say which users
//! are whose: a bridge mirrors the users its observer sees except those the other bridge of
//! the same link put there, so no user is reflected back.

mod bridge;
mod client;
mod layers;
mod mirror;
mod wanted_route;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, watch};

pub(crate) use wanted_route::{PATH as WANTED_LAYERS_PATH, answer as wanted_layers};

use super::{Cluster, Node};
use crate::ctx::Ctx;
use crate::room::RoomKey;

/// How long a shard waits for its first user of its own before it gives up its link.
const FIRST_USER_PATIENCE: Duration = Duration::from_secs(15);
/// How long a shard keeps its link after its last user of its own left (one may rejoin).
const LAST_USER_GRACE: Duration = Duration::from_secs(3);
/// How many times a failed link is started again before the shard gives it up.
const RESTARTS: u32 = 5;
/// How long a link's clients are given to leave their rooms when it ends.
const LEAVE_PATIENCE: Duration = Duration::from_secs(3);
/// The pause before a failed link starts again.
const RESTART_PAUSE: Duration = Duration::from_secs(1);

/// The rooms this node runs a shard of.
#[derive(Debug, Default)]
pub(crate) struct Shards {
    rooms: Mutex<HashSet<RoomKey>>,
}

impl Shards {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<RoomKey>> {
        // A poisoned set is still a set: a panic elsewhere must not stop placement here.
        self.rooms
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The users one link's bridges mirror, each with its mirror: so neither bridge reflects
/// the other's users back, and a message to a user reaches the user's mirror.
#[derive(Debug, Clone, Default)]
pub(super) struct Mirrored(Arc<Mutex<HashMap<String, mpsc::Sender<mirror::ToMirror>>>>);

impl Mirrored {
    /// Claims `user` for a bridge's mirror; false when the other bridge already mirrors it.
    fn claim(&self, user: &str, mirror: &mpsc::Sender<mirror::ToMirror>) -> bool {
        match self.lock().entry(user.to_owned()) {
            Entry::Occupied(_) => false,
            Entry::Vacant(free) => {
                free.insert(mirror.clone());
                true
            }
        }
    }

    fn release(&self, user: &str) {
        self.lock().remove(user);
    }

    /// The mirror of `user`, if either bridge runs one.
    fn mirror_of(&self, user: &str) -> Option<mpsc::Sender<mirror::ToMirror>> {
        self.lock().get(user).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::Sender<mirror::ToMirror>>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Cluster {
    /// Whether this node runs a shard of `key`'s room.
    pub(crate) fn is_shard(&self, key: &RoomKey) -> bool {
        self.shards.lock().contains(key)
    }

    /// Whether a client that reached this node for a room `home` runs is served here, by a
    /// shard: spanning is on and the home serves its maximum or more.
    pub(crate) async fn shard_here(&self, home: &Node) -> bool {
        let Some(max) = self.settings.span_max_users_per_node else {
            return false;
        };
        match self.live_nodes().await {
            Ok(nodes) => nodes.iter().any(|n| n.node.id == home.id && n.peers >= max),
            // Redis failed: relaying says why, as it did before rooms could span.
            Err(_) => false,
        }
    }

    /// Opens a shard of `key`'s room here, linked to its `home`, unless one is open.
    pub(crate) fn open_shard(&self, ctx: &Arc<Ctx>, key: RoomKey, home: Node) {
        if !self.shards.lock().insert(key.clone()) {
            return;
        }
        tracing::info!(room = %key.room_id, home = home.id, "opening a shard of the room");
        // The home sends the webhooks of every user, the shard's through their mirrors.
        ctx.directory.set_quiet(&key, true);
        let ctx = ctx.clone();
        tokio::spawn(async move {
            link(&ctx, &key, home).await;
            if let Some(cluster) = &ctx.cluster {
                cluster.shards.lock().remove(&key);
            }
            ctx.directory.set_quiet(&key, false);
            tracing::info!(room = %key.room_id, "the shard's link ended");
        });
    }

    /// This node as the cluster knows it.
    fn me(&self) -> Node {
        Node {
            id: self.settings.node_id.clone(),
            url: self.settings.advertise_url.clone(),
        }
    }
}

/// Runs the link of the shard of `key` to `home` while the shard has users of its own,
/// starting it again when a bridge fails (its mirrors leave and come back).
async fn link(ctx: &Arc<Ctx>, key: &RoomKey, home: Node) {
    let Some(cluster) = &ctx.cluster else {
        return;
    };
    let me = cluster.me();
    let (locals_tx, mut locals) = watch::channel(0usize);
    let mut deadline = tokio::time::Instant::now() + FIRST_USER_PATIENCE;
    for attempt in 0.. {
        if attempt > 0 {
            tokio::time::sleep(RESTART_PAUSE).await;
        }
        let mirrored = Mirrored::default();
        // Home users into the shard; the shard's own users into the home, counted.
        let down = bridge::Bridge {
            ctx: ctx.clone(),
            key: key.clone(),
            from: home.clone(),
            into: me.clone(),
            observer: format!("chorus-span-{}-in", me.id),
            users_here: false,
            mirrored: mirrored.clone(),
            count: None,
        };
        let up = bridge::Bridge {
            ctx: ctx.clone(),
            key: key.clone(),
            from: me.clone(),
            into: home.clone(),
            observer: format!("chorus-span-{}-out", me.id),
            users_here: true,
            mirrored,
            count: Some(locals_tx.clone()),
        };
        let (stop_tx, stop) = watch::channel(false);
        let mut down = tokio::spawn(down.run(stop.clone()));
        let mut up = tokio::spawn(up.run(stop));
        let emptied = loop {
            tokio::select! {
                _ = &mut down => break false,
                _ = &mut up => break false,
                changed = locals.changed() => {
                    if changed.is_err() {
                        break true;
                    }
                    let grace = match *locals.borrow() {
                        0 => LAST_USER_GRACE,
                        _ => Duration::from_secs(365 * 86_400),
                    };
                    deadline = tokio::time::Instant::now() + grace;
                }
                () = tokio::time::sleep_until(deadline) => break true,
            }
        };
        // Each bridge's mirrors and observer leave their rooms, briefly waited for.
        let _ = stop_tx.send(true);
        let _ = tokio::time::timeout(LEAVE_PATIENCE, async {
            // A handle already awaited in the loop above must not be polled again.
            if !down.is_finished() {
                let _ = (&mut down).await;
            }
            if !up.is_finished() {
                let _ = (&mut up).await;
            }
        })
        .await;
        down.abort();
        up.abort();
        if emptied || attempt + 1 >= RESTARTS {
            return;
        }
        tracing::warn!(room = %key.room_id, home = home.id, "a span bridge failed; linking again");
    }
}
