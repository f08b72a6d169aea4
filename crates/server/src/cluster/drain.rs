//! Draining a node of the cluster (SIGTERM in `chorus serve`): the node hands its rooms back
//! and moves its clients off rather than waiting for its rooms to empty on their own.
//!
//! In order: the node registers as draining at once (not at its next heartbeat), so no room
//! is placed on it; it releases its rooms' claims, so the next join for each places it on
//! another node; then every signalling session closes its connection with code 1012
//! (service restart) and a reason saying so, and once all have (or after [`CLOSING`]),
//! leaves its room: in that order no client hears of another leaving. The clients this node
//! relays to rooms on other nodes are closed the same way (see `relay`), and the drain waits
//! for them too; their rooms' nodes keep their sessions through the reconnect grace, so they
//! resume there. The SDKs reconnect at
//! once; the reconnect reaches another node (a load balancer has seen `/healthz` answer 503
//! since the drain began) or this one, which relays it to the room's new node, and there the
//! client rejoins and republishes as after any reconnect that could not resume. The
//! heartbeat keeps no claims while draining. Without Redis nothing here runs: one node has nowhere to move
//! its clients, so it waits for its rooms to empty.

use std::time::Duration;

use super::{Cluster, ClusterError, timed};
use crate::ctx::{Ctx, MoveOff};
use crate::room::RoomKey;

/// How long the sessions have to close their clients' connections before they all leave
/// their rooms (each closing waits up to a second for its client to take the close).
const CLOSING: Duration = Duration::from_secs(2);

/// Deletes KEYS[1] if it still names ARGV[1]: a claim is released only by its holder.
const RELEASE: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then \
    return redis.call('DEL', KEYS[1]) end return 0";

impl Cluster {
    /// Releases this node's claims on `rooms`, in one round trip; returns how many it held.
    async fn release_claims(&self, rooms: &[RoomKey]) -> Result<usize, ClusterError> {
        if rooms.is_empty() {
            return Ok(0);
        }
        let mut pipe = redis::pipe();
        for key in rooms {
            pipe.cmd("EVAL")
                .arg(RELEASE)
                .arg(1)
                .arg(super::placement::room_key(key))
                .arg(self.node_id());
        }
        let mut conn = self.conn();
        let released: Vec<i64> = timed(pipe.query_async(&mut conn)).await?;
        Ok(released.iter().filter(|r| **r == 1).count())
    }
}

/// Starts moving this node's clients to the rest of the cluster: marks the node draining
/// (joins for new rooms are refused here, and placed elsewhere), tells the cluster, hands
/// the rooms back, closes every client's connection with a reason to reconnect, then has
/// every session leave its room. Returns once they were told to leave; the rooms empty as
/// they do. Does nothing outside cluster mode.
pub(crate) async fn move_clients_off(ctx: &Ctx) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    ctx.lifecycle.start_draining();
    // After a beat under way (which might renew the claims), before the next (which sees
    // the drain and renews nothing).
    let beat = cluster.beat.lock().await;
    let rooms = ctx.directory.room_keys();
    let peers = ctx.metrics.participants.get().max(0) as u64;
    if let Err(error) = cluster.register(rooms.len() as u64, peers, true).await {
        tracing::warn!(%error, "could not register as draining; the next heartbeat tries again");
    }
    match cluster.release_claims(&rooms).await {
        Ok(released) => tracing::info!(
            node = cluster.node_id(),
            released,
            "draining: rooms handed back to the cluster, moving clients off"
        ),
        // The claims then lapse on their own, the heartbeat no longer renewing them.
        Err(error) => tracing::warn!(%error, "draining: could not release room claims"),
    }
    drop(beat);
    // Every client's connection closes before anyone leaves a room, so that no client hears
    // of another leaving; a client that does not read is waited for no longer than this.
    ctx.lifecycle.move_off(MoveOff::CloseConnections);
    let deadline = tokio::time::Instant::now() + CLOSING;
    while ctx.lifecycle.connected_count() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    ctx.lifecycle.move_off(MoveOff::LeaveRooms);
}
