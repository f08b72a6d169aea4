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
//! sides as ordinary room events, and the protocol needs nothing new. A user's room messages
//! are said in the other room by its mirror, and a message to a mirror is said to its user
//! by the sender's mirror; a user turning invisible or visible has its mirror do the same.
//! Each room thus holds every user of the whole room once, its own or a mirror, and counts
//! them so in its limit and its online users; the one thing a room knows of links is that
//! their observers (`chorus-span-...`) are no users: never counted, never refused, and told
//! of an invisible user's leave, which the room tells no one else. What the link does not
//! carry yet is listed in docs/architecture.md. A shard's room sends no webhooks: the home
//! sends them for every user, the shard's own through their mirrors, so each event is sent
//! once.
//!
//! **Admission.** The home is the one place that admits a user of the room ([`admission`]),
//! so the room's limit holds for the whole room with no window. Before a shard's room takes
//! a user of its own, the shard joins the user's mirror to the home's room: that join is the
//! request for a place. The user's own join waits for it and goes on at the shard only once
//! the home admitted the mirror, which the link's bridge then runs as the user's; a refusal
//! at the home (JOIN_ROOM_FAILED "full", a ban) is the user's answer, and no trace of them
//! is left in either room. So the first user opening a shard of a full room is refused, and
//! two joins racing for the last place through two nodes meet in the home's room, which
//! admits one at a time. The cost is one join at the home before a shard user's join; the
//! ordinary path (a room not spanning, or a join at the home) is untouched. While a link is
//! settling after a failure the shard admits its users itself, as the home may be gone.
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
//!
//! **When the home dies.** A link fails when a bridge's connection or transport does, or
//! when the registry stops listing the home (asked each second: a home cut off rather than
//! killed may leave connections open). Its mirrors are then *held*, not removed
//! ([`mirrored`]): each drops its connection without leaving, so its room keeps the user for
//! the reconnect grace (20 s by default) like any user whose connection dropped. The
//! shard's users see nobody leave, and their subscriptions to a held user stay, without
//! media. Held rather than removed at once because the shard cannot tell a dead home from a
//! passing break, a leave-then-join would tell the apps of a departure that did not happen,
//! and a held place is what makes a return silent: the home's users reconnect (the SDKs
//! do), and their join takes over their held place as a resume (`resumed: true`; the place
//! subscribed to nothing, so the resume subscribes as the join asks), their SDKs republish,
//! and media flows again to the subscriptions that stayed. Those who do not come back leave
//! when the grace ends, as DROPPED users do. The SDKs' rosters hide a rejoin for 10 s for
//! the same reason; the grace here is the one the room gives every dropped user.
//!
//! The shard then finds the room's home ([`succession`]). While Redis still lists the home
//! it links again (a passing failure, or a death not noticed yet), for up to
//! [`RELINK_PATIENCE`]. Once the home's registration lapses (within 3 s of its death) the
//! shard's node claims the room by compare-and-set on the dead node's name. The winner's
//! shard becomes the room's home: its link ends, the node renews the claim and sends the
//! room's webhooks, and the room goes on with its users untouched. Every other shard finds
//! the winner named and links to it as its new home; the new link's mirrors take over the
//! places it held. Held places keep their side of the link, so a new link does not take
//! the other side's held users for its own. A home user whose place is held here and who
//! reconnects through this node waits for the link to settle and is served by the room's
//! home, wherever it is by then (here, if this node won).
//!
//! Not covered: a home user who reconnects through a shard's node while the link is
//! healthy meets their own mirror there (DUPLICATE_LOGIN removes the mirror, and the user
//! joins the shard as one of its own); a takeover restores auto-subscriptions, not manual
//! ones; a shard that gives its link up leaves its held users to lapse.

mod admission;
mod bridge;
mod client;
mod layers;
mod mirror;
mod mirrored;
mod succession;
mod wanted_route;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use self::admission::Admissions;
use self::mirrored::{Claims, Mirrored};
use self::succession::Succession;
pub(crate) use admission::Admission;
pub(crate) use wanted_route::{PATH as WANTED_LAYERS_PATH, answer as wanted_layers};

use super::{Cluster, Node};
use crate::ctx::Ctx;
use crate::room::RoomKey;

/// How long a shard waits for its first user of its own before it gives up its link.
const FIRST_USER_PATIENCE: Duration = Duration::from_secs(15);
/// How long a shard keeps its link after its last user of its own left (one may rejoin).
const LAST_USER_GRACE: Duration = Duration::from_secs(3);
/// How long a shard goes on linking again to a home that is still registered before it
/// gives the link up: longer than a dead node's registration lasts.
const RELINK_PATIENCE: Duration = Duration::from_secs(15);
/// How long a link's clients are given to leave their rooms when it ends.
const LEAVE_PATIENCE: Duration = Duration::from_secs(3);
/// The pause before a failed link starts again, and how long a new link must hold before
/// its home's users reaching this node are sent there.
const RESTART_PAUSE: Duration = Duration::from_secs(1);
/// How often a link asks the registry whether its home is still live (a home cut off
/// rather than killed may leave its connections open).
const LIVENESS_CHECK: Duration = Duration::from_secs(1);
/// How long a join of a home's user that reached this node waits for a failed link to
/// settle on the room's home.
const SETTLE_PATIENCE: Duration = Duration::from_secs(15);

/// Where a shard's link stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LinkState {
    /// Linked to this home.
    Linked(Node),
    /// The link failed; it is finding the room's home.
    Settling,
}

/// A shard's link, as the rest of the node sees it.
#[derive(Debug, Clone)]
struct ShardLink {
    state: watch::Receiver<LinkState>,
    claims: Claims,
    admissions: Admissions,
}

/// The rooms this node runs a shard of.
#[derive(Debug, Default)]
pub(crate) struct Shards {
    rooms: Mutex<HashMap<RoomKey, ShardLink>>,
}

impl Shards {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RoomKey, ShardLink>> {
        // A poisoned map is still a map: a panic elsewhere must not stop placement here.
        self.rooms
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Cluster {
    /// Whether this node runs a shard of `key`'s room.
    pub(crate) fn is_shard(&self, key: &RoomKey) -> bool {
        self.shards.lock().contains_key(key)
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

    /// The home of `key`'s room when this node runs a shard of it and `user` is one of the
    /// home's users whose place here is held after the link failed: their join belongs to
    /// the room's home. Waits for the link to settle; None when this node is the room's home
    /// by then, or the user's place is not held here.
    pub(crate) async fn home_of(&self, key: &RoomKey, user: &str) -> Option<Node> {
        let link = self.shards.lock().get(key).cloned()?;
        if !link.claims.held_from_home(user) {
            return None;
        }
        let mut state = link.state;
        let settled = tokio::time::timeout(SETTLE_PATIENCE, async {
            loop {
                if let LinkState::Linked(home) = &*state.borrow_and_update() {
                    return Some(home.clone());
                }
                // Ended: this node holds the room now (or gave the link up).
                state.changed().await.ok()?;
            }
        });
        settled.await.ok().flatten()
    }

    /// Asks the home of `key`'s room, which this node runs a shard of, for a place for
    /// `user` (see [`admission`]) before the shard's room takes them. Not asked while the
    /// link is settling after a failure: the home may be gone, and the shard serves its
    /// users meanwhile as it did before.
    pub(crate) async fn admit(
        &self,
        ctx: &Arc<Ctx>,
        key: &RoomKey,
        user: &str,
        visible: bool,
    ) -> Admission {
        let Some(link) = self.shards.lock().get(key).cloned() else {
            return Admission::NotAsked;
        };
        let LinkState::Linked(home) = link.state.borrow().clone() else {
            return Admission::NotAsked;
        };
        link.admissions
            .ask(ctx, &link.claims, home, key, user, visible)
            .await
    }

    /// Opens a shard of `key`'s room here, linked to its `home`, unless one is open.
    pub(crate) fn open_shard(&self, ctx: &Arc<Ctx>, key: RoomKey, home: Node) {
        let (state_tx, state) = watch::channel(LinkState::Linked(home.clone()));
        let claims = Claims::new(ctx.directory.reconnect_grace());
        let admissions = Admissions::default();
        {
            let mut rooms = self.shards.lock();
            if rooms.contains_key(&key) {
                return;
            }
            let link = ShardLink {
                state,
                claims: claims.clone(),
                admissions: admissions.clone(),
            };
            rooms.insert(key.clone(), link);
        }
        tracing::info!(room = %key.room_id, home = home.id, "opening a shard of the room");
        // The home sends the webhooks of every user, the shard's through their mirrors.
        ctx.directory.set_quiet(&key, true);
        let ctx = ctx.clone();
        tokio::spawn(async move {
            link(&ctx, &key, home, claims, admissions, state_tx).await;
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

/// Runs the link of the shard of `key` to its home while the shard has users of its own.
/// When the link fails its mirrors are held (see [`mirrored`]) and the shard finds the
/// room's home ([`succession`]): the same home, linked again; another node, linked to; or
/// this one, which claimed the room and whose shard is its home from then on, so the link
/// ends and the room goes on here.
async fn link(
    ctx: &Arc<Ctx>,
    key: &RoomKey,
    mut home: Node,
    claims: Claims,
    admissions: Admissions,
    state: watch::Sender<LinkState>,
) {
    let Some(cluster) = &ctx.cluster else {
        return;
    };
    let me = cluster.me();
    let (locals_tx, mut locals) = watch::channel(0usize);
    let mut deadline = Instant::now() + FIRST_USER_PATIENCE;
    // Since when links to this home have kept failing.
    let mut failing_since: Option<Instant> = None;
    loop {
        let (into_shard, into_home) = claims.attempt();
        // Home users into the shard; the shard's own users into the home, counted.
        let down = bridge::Bridge {
            ctx: ctx.clone(),
            key: key.clone(),
            from: home.clone(),
            into: me.clone(),
            observer: format!("chorus-span-{}-in", me.id),
            users_here: false,
            mirrored: into_shard.clone(),
            count: None,
            admitted: None,
        };
        let up = bridge::Bridge {
            ctx: ctx.clone(),
            key: key.clone(),
            from: me.clone(),
            into: home.clone(),
            observer: format!("chorus-span-{}-out", me.id),
            users_here: true,
            mirrored: into_home,
            count: Some(locals_tx.clone()),
            admitted: Some(admissions.clone()),
        };
        let started = Instant::now();
        let (stop_tx, stop) = watch::channel(false);
        let mut down = tokio::spawn(down.run(stop.clone()));
        let mut up = tokio::spawn(up.run(stop));
        let settle = tokio::time::sleep(RESTART_PAUSE);
        tokio::pin!(settle);
        let mut check = tokio::time::interval_at(started + LIVENESS_CHECK, LIVENESS_CHECK);
        check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let emptied = loop {
            let settling = *state.borrow() == LinkState::Settling;
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
                    deadline = Instant::now() + grace;
                }
                () = tokio::time::sleep_until(deadline) => break true,
                // Linked again for a while: the home's users reaching this node go there.
                () = &mut settle, if settling => {
                    state.send_replace(LinkState::Linked(home.clone()));
                }
                _ = check.tick() => {
                    if succession::is_live(cluster, &home).await == Some(false) {
                        tracing::warn!(room = %key.room_id, home = home.id,
                            "the room's home left the cluster");
                        break false;
                    }
                }
            }
        };
        if !emptied {
            // Before the bridges stop: their mirrors drop rather than leave.
            into_shard.hold();
            state.send_replace(LinkState::Settling);
        }
        // Each bridge's mirrors and observer end, briefly waited for.
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
        if emptied {
            return;
        }
        if started.elapsed() > RELINK_PATIENCE {
            failing_since = None; // it held a while: a new run of failures
        }
        let since = *failing_since.get_or_insert(started);
        tokio::time::sleep(RESTART_PAUSE).await;
        match succession::next_home(cluster, key).await {
            Succession::Here => {
                tracing::info!(room = %key.room_id, dead = home.id,
                    "the room's home is gone; this node's shard is its home now");
                return;
            }
            Succession::Home(node) if node.id != home.id => {
                tracing::info!(room = %key.room_id, dead = home.id, home = node.id,
                    "the room has a new home; linking the shard to it");
                home = node;
                failing_since = None;
            }
            Succession::Home(_) if since.elapsed() < RELINK_PATIENCE => {
                tracing::warn!(room = %key.room_id, home = home.id, "a span link failed; linking again");
            }
            Succession::Unknown(error) if since.elapsed() < RELINK_PATIENCE => {
                tracing::warn!(room = %key.room_id, %error, "cannot tell the room's home; linking again");
            }
            _ => {
                tracing::warn!(room = %key.room_id, home = home.id, "giving the span link up");
                return;
            }
        }
    }
}
