//! The node registry: each node writes `chorus:node:<id>` (its URL and load) with a short TTL
//! (and its id into the set `chorus:nodes`) and renews it every [`HEARTBEAT`], together with
//! the claims of the rooms it runs. A node
//! that stops renewing (killed, cut off) disappears from the registry within [`NODE_TTL`], and
//! its room claims are then treated as free (see `placement`). A draining node keeps no
//! claims (see `drain`). When Redis comes back after
//! an outage the heartbeat claims the node's rooms and records its logins again.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;

use super::{Cluster, ClusterError, Node, timed};
use crate::ctx::Ctx;

/// How often a node renews its registration and room claims.
pub(super) const HEARTBEAT: Duration = Duration::from_secs(1);
/// How long a registration outlives its last renewal: a dead node is noticed within this.
pub(crate) const NODE_TTL: Duration = Duration::from_secs(3);

const NODE_PREFIX: &str = "chorus:node:";
/// The set of node ids that registered, live or not: listing nodes reads it rather than
/// scanning the keyspace, which grows with rooms and logins.
const NODES: &str = "chorus:nodes";

/// What a node registers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Record {
    /// Base URL.
    pub(super) url: String,
    /// Rooms it runs.
    pub(super) rooms: u64,
    /// Users in them.
    pub(super) peers: u64,
    /// Draining: serves its rooms until they empty, takes no new ones.
    #[serde(default)]
    pub(super) draining: bool,
    /// This run of the node (see `Cluster::boot`).
    #[serde(default)]
    pub(super) boot: String,
}

/// A live node and its load.
#[derive(Debug, Clone)]
pub(super) struct Loaded {
    pub(super) node: Node,
    pub(super) rooms: u64,
    pub(super) peers: u64,
    pub(super) draining: bool,
}

fn node_key(id: &str) -> String {
    format!("{NODE_PREFIX}{id}")
}

impl Cluster {
    /// Writes this node's registration with its current load.
    /// Returns whether the registration was missing (a new node, or Redis lost it).
    pub(super) async fn register(
        &self,
        rooms: u64,
        peers: u64,
        draining: bool,
    ) -> Result<bool, ClusterError> {
        let record = Record {
            url: self.settings.advertise_url.clone(),
            rooms,
            peers,
            draining,
            boot: self.boot.clone(),
        };
        let json = serde_json::to_string(&record).unwrap_or_default();
        let mut conn = self.conn();
        let ttl = NODE_TTL.as_millis() as u64;
        let mut pipe = redis::pipe();
        pipe.cmd("SET")
            .arg(node_key(&self.settings.node_id))
            .arg(json)
            .arg("PX")
            .arg(ttl)
            .arg("GET")
            .cmd("SADD")
            .arg(NODES)
            .arg(&self.settings.node_id)
            .ignore();
        let (previous,): (Option<String>,) = timed(pipe.query_async(&mut conn)).await?;
        Ok(previous.is_none())
    }

    /// The node `id`, if it is live.
    pub(super) async fn node(&self, id: &str) -> Result<Option<Node>, ClusterError> {
        let mut conn = self.conn();
        let json: Option<String> =
            timed(redis::cmd("GET").arg(node_key(id)).query_async(&mut conn)).await?;
        Ok(json
            .and_then(|j| serde_json::from_str::<Record>(&j).ok())
            .map(|r| Node {
                id: id.to_owned(),
                url: r.url,
            }))
    }

    /// The run (boot) of node `id`, if it is live.
    pub(super) async fn live_boot(&self, id: &str) -> Result<Option<String>, ClusterError> {
        let mut conn = self.conn();
        let json: Option<String> =
            timed(redis::cmd("GET").arg(node_key(id)).query_async(&mut conn)).await?;
        Ok(json
            .and_then(|j| serde_json::from_str::<Record>(&j).ok())
            .map(|r| r.boot))
    }

    /// Every live node and its load.
    pub(super) async fn live_nodes(&self) -> Result<Vec<Loaded>, ClusterError> {
        let mut conn = self.conn();
        let ids: Vec<String> =
            timed(redis::cmd("SMEMBERS").arg(NODES).query_async(&mut conn)).await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = ids.iter().map(|id| node_key(id)).collect();
        let records: Vec<Option<String>> =
            timed(redis::cmd("MGET").arg(&keys).query_async(&mut conn)).await?;
        let mut live = Vec::new();
        let mut gone = Vec::new();
        for (id, json) in ids.into_iter().zip(records) {
            match json.and_then(|j| serde_json::from_str::<Record>(&j).ok()) {
                Some(record) => live.push(Loaded {
                    node: Node {
                        id,
                        url: record.url,
                    },
                    rooms: record.rooms,
                    peers: record.peers,
                    draining: record.draining,
                }),
                None => gone.push(id),
            }
        }
        if !gone.is_empty() {
            // Best effort: a node that comes back adds itself again with its next beat.
            let _ = timed(
                redis::cmd("SREM")
                    .arg(NODES)
                    .arg(&gone)
                    .query_async::<()>(&mut conn),
            )
            .await;
        }
        Ok(live)
    }

    /// Leaves the cluster at once rather than after the TTL.
    pub(crate) async fn deregister(&self) {
        let mut conn = self.conn();
        let mut pipe = redis::pipe();
        pipe.cmd("DEL")
            .arg(node_key(&self.settings.node_id))
            .ignore()
            .cmd("SREM")
            .arg(NODES)
            .arg(&self.settings.node_id)
            .ignore();
        let _ = timed(pipe.query_async::<()>(&mut conn)).await;
    }
}

/// Starts the heartbeat: registration, load, and the claims of this node's rooms, renewed
/// every [`HEARTBEAT`]. While Redis is down it logs once per outage and keeps trying, so the
/// node rejoins (and claims its rooms again) as soon as Redis answers.
pub(crate) fn spawn_heartbeat(ctx: Arc<Ctx>) -> Option<JoinHandle<()>> {
    ctx.cluster.as_ref()?;
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(HEARTBEAT);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failing = false;
        loop {
            tick.tick().await;
            let Some(cluster) = ctx.cluster.as_ref() else {
                return;
            };
            let rooms = ctx.directory.room_keys();
            let peers = ctx.metrics.participants.get().max(0) as u64;
            let beat = async {
                // A drain that begins meanwhile waits for this beat, and a beat after it sees
                // it: no beat renews a claim the drain released, nor unsays "draining".
                let _beat = cluster.beat.lock().await;
                let draining = ctx.is_draining();
                let missing = cluster
                    .register(rooms.len() as u64, peers, draining)
                    .await?;
                if missing {
                    // New here, or Redis came back empty: record this node's logins again.
                    ctx.logins.republish().await;
                }
                if draining {
                    // Handed back when the drain began: the rooms' next joins go elsewhere.
                    return Ok(());
                }
                cluster.keep_claims(&rooms).await
            };
            let beat = beat.await;
            ctx.metrics.cluster_redis_up.set(i64::from(beat.is_ok()));
            match beat {
                Ok(()) if failing => {
                    tracing::info!(
                        node = cluster.node_id(),
                        "cluster directory (Redis) is back"
                    );
                    failing = false;
                }
                Ok(()) => {}
                Err(error) if !failing => {
                    tracing::warn!(node = cluster.node_id(), %error, "cluster heartbeat failed; serving this node's rooms meanwhile");
                    failing = true;
                }
                Err(_) => {}
            }
        }
    }))
}
