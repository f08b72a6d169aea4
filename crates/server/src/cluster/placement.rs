//! Where each room lives: `chorus:room:<app>:<room>` holds the id of the node that runs it.
//! The first join routed for a room claims it atomically (`SET NX`) for the least loaded live
//! node; the owner renews the claim with its heartbeat while the room runs. A claim naming a
//! node whose registration has expired is stale and is taken over by compare-and-set, so a
//! room whose node died is placed anew when its users come back.

use rand::Rng;

use super::registry::{HEARTBEAT, Loaded};
use super::{Cluster, ClusterError, Node, timed};
use crate::room::RoomKey;

/// How long a claim outlives its last renewal; several heartbeats, so one slow beat loses
/// nothing.
const ROOM_TTL_MS: u64 = 5 * HEARTBEAT.as_millis() as u64;

/// Sets KEYS[1] to ARGV[1] unless another node holds it; renews the TTL. 1 if held now.
const KEEP: &str = "local v = redis.call('GET', KEYS[1]) \
    if v == false or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end \
    return 0";

/// Moves KEYS[1] from ARGV[1] (a dead node) to ARGV[2]. 1 if moved.
const TAKE_OVER: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then \
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0";

/// Tries before a contended claim gives up (each loss means another node just won).
const ATTEMPTS: usize = 4;

pub(super) fn room_key(key: &RoomKey) -> String {
    // App ids are exactly 24 characters, so the first ':' after them splits unambiguously.
    format!("chorus:room:{}:{}", key.app_id, key.room_id)
}

/// The least loaded node that is not draining: fewest users, then fewest rooms; ties
/// broken at random so that rooms created within one heartbeat (before loads are renewed)
/// spread out.
fn least_loaded(nodes: &[Loaded]) -> Option<&Loaded> {
    let open = || nodes.iter().filter(|n| !n.draining);
    let min = open().map(|n| (n.peers, n.rooms)).min()?;
    let tied: Vec<&Loaded> = open().filter(|n| (n.peers, n.rooms) == min).collect();
    tied.get(rand::rng().random_range(0..tied.len())).copied()
}

impl Cluster {
    fn this_node(&self) -> Node {
        Node {
            id: self.settings.node_id.clone(),
            url: self.settings.advertise_url.clone(),
        }
    }

    async fn owner_id(&self, key: &str) -> Result<Option<String>, ClusterError> {
        let mut conn = self.conn();
        timed(redis::cmd("GET").arg(key).query_async(&mut conn)).await
    }

    /// The live node that runs the room, if any.
    pub(crate) async fn owner(&self, key: &RoomKey) -> Result<Option<Node>, ClusterError> {
        match self.owner_id(&room_key(key)).await? {
            Some(id) if id == self.settings.node_id => Ok(Some(self.this_node())),
            Some(id) => self.node(&id).await,
            None => Ok(None),
        }
    }

    /// The node that runs the room: its live owner, or, if it has none, the least loaded
    /// live node, which is claimed for it now.
    pub(crate) async fn place(&self, key: &RoomKey) -> Result<Node, ClusterError> {
        let redis_key = room_key(key);
        for _ in 0..ATTEMPTS {
            let stale = match self.owner_id(&redis_key).await? {
                Some(id) if id == self.settings.node_id => return Ok(self.this_node()),
                Some(id) => match self.node(&id).await? {
                    Some(node) => return Ok(node),
                    None => Some(id),
                },
                None => None,
            };
            let nodes = self.live_nodes().await?;
            let target = least_loaded(&nodes)
                .ok_or(ClusterError::NoNode)?
                .node
                .clone();
            if self.claim(&redis_key, stale.as_deref(), &target.id).await? {
                return Ok(target);
            }
        }
        Err(ClusterError::Timeout)
    }

    /// Claims the room for this node, which is about to run it. Fails with
    /// [`ClusterError::Elsewhere`] when a live node holds it.
    pub(crate) async fn claim_here(&self, key: &RoomKey) -> Result<(), ClusterError> {
        let redis_key = room_key(key);
        for _ in 0..ATTEMPTS {
            let stale = match self.owner_id(&redis_key).await? {
                Some(id) if id == self.settings.node_id => return Ok(()),
                Some(id) => match self.node(&id).await? {
                    Some(node) => return Err(ClusterError::Elsewhere(node)),
                    None => Some(id),
                },
                None => None,
            };
            if self
                .claim(&redis_key, stale.as_deref(), &self.settings.node_id)
                .await?
            {
                return Ok(());
            }
        }
        Err(ClusterError::Timeout)
    }

    /// Sets the claim to `node` if it is free (`stale` None) or still names the dead `stale`.
    async fn claim(
        &self,
        redis_key: &str,
        stale: Option<&str>,
        node: &str,
    ) -> Result<bool, ClusterError> {
        let mut conn = self.conn();
        match stale {
            None => {
                let set: Option<String> = timed(
                    redis::cmd("SET")
                        .arg(redis_key)
                        .arg(node)
                        .arg("NX")
                        .arg("PX")
                        .arg(ROOM_TTL_MS)
                        .query_async(&mut conn),
                )
                .await?;
                Ok(set.is_some())
            }
            Some(dead) => {
                let moved: i64 = timed(
                    redis::cmd("EVAL")
                        .arg(TAKE_OVER)
                        .arg(1)
                        .arg(redis_key)
                        .arg(dead)
                        .arg(node)
                        .arg(ROOM_TTL_MS)
                        .query_async(&mut conn),
                )
                .await?;
                Ok(moved == 1)
            }
        }
    }

    /// Renews this node's claims on the rooms it runs, in one round trip; claims lost while
    /// Redis was away are taken again unless another node took them meanwhile.
    pub(super) async fn keep_claims(&self, rooms: &[RoomKey]) -> Result<(), ClusterError> {
        // A shard's room is claimed by its home.
        let rooms: Vec<&RoomKey> = rooms.iter().filter(|key| !self.is_shard(key)).collect();
        if rooms.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for key in rooms {
            pipe.cmd("EVAL")
                .arg(KEEP)
                .arg(1)
                .arg(room_key(key))
                .arg(&self.settings.node_id)
                .arg(ROOM_TTL_MS);
        }
        let mut conn = self.conn();
        let held: Vec<i64> = timed(pipe.query_async(&mut conn)).await?;
        let lost = held.iter().filter(|h| **h == 0).count();
        if lost > 0 {
            // Two nodes run the same room until one of them empties; joins go to the owner.
            tracing::warn!(
                node = self.node_id(),
                lost,
                "another node holds the claim on rooms this node runs"
            );
        }
        Ok(())
    }
}
