//! Cluster mode: many `chorus serve` nodes share one Redis. This module is the node's view of
//! the cluster and nothing else: its registration and heartbeat ([`registry`]), where each room
//! lives ([`placement`]), and how a request for a room that lives elsewhere gets there
//! ([`relay`] for signalling, with its client's address vouched for by [`client_addr`],
//! [`api_forward`] for the OpenAPI), and outside-room messaging
//! between nodes ([`logins`]), and draining a node ([`drain`]). It reads the room directory to
//! report its load and keep its claims, and never changes a room.
//!
//! Each room lives on one node, claimed atomically in Redis (`SET NX`) by the node that first
//! routes a join for it, on the least loaded live node. A client may connect to any node: the
//! node it reached relays its signalling WebSocket, frame for frame, to the room's node, and
//! its media goes straight to the room's node, whose SFU put its own candidates in the SDP.
//!
//! Relay, not redirect: a redirect would need a message the vendor's contract does not have,
//! so neither the Web SDK (a drop-in for `@volcengine/rtc`) nor apps built on it could follow
//! it, and a browser would need a second TLS name per node. Signalling is a few small frames a
//! second per client, so the extra hop costs one loopback or LAN round trip per request and
//! little CPU (the join-latency figure in docs/architecture.md), while media, the bulk, never
//! takes it. Relayed connections reach the room's node from the relaying node's address; the
//! relaying node vouches for its client's own ([`client_addr`]), which the room's node counts
//! the connection against instead.
//!
//! Without Redis nothing here runs: the embedded default is one node with in-memory state.
//! When Redis is unreachable, rooms already on a node keep working (their joins, messages,
//! media and OpenAPI calls never ask Redis), and new cross-node work fails with a clear error
//! until Redis answers again, when the heartbeat registers the node and claims its rooms anew.

mod api_forward;
mod bans;
mod client_addr;
mod drain;
mod logins;
mod placement;
mod registry;
mod relay;
mod settings;
mod span;

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

pub(crate) use api_forward::{Forwarded, forward_api};
pub(crate) use client_addr::{HEADER as RELAYED_FOR, RelayKey, Unvouched};
pub(crate) use drain::move_clients_off;
pub(crate) use logins::{QUEUE as LOGIN_QUEUE, spawn_logins};
pub(crate) use registry::{NODE_TTL, spawn_heartbeat};
pub(crate) use relay::{DRAINING, Liveness, Upstream, pipe};
pub(crate) use span::{Admission, WANTED_LAYERS_PATH, wanted_layers};

/// How long one Redis command may take before the work that needed it fails.
const REDIS_TIMEOUT: Duration = Duration::from_millis(800);

/// The cluster part of the configuration.
#[derive(Debug, Clone)]
pub(crate) struct ClusterSettings {
    /// `redis://host:port[/db]`, or `rediss://` over TLS.
    pub(crate) redis_url: String,
    /// The CA certificates (PEM) a `rediss://` Redis is checked against instead of the
    /// system's roots.
    pub(crate) redis_ca_file: Option<std::path::PathBuf>,
    /// This node's name in the cluster.
    pub(crate) node_id: String,
    /// The base URL other nodes reach this one at (`http://10.0.0.2:8080`).
    pub(crate) advertise_url: String,
    /// TLS for calls to other nodes' OpenAPI over https://.
    pub(crate) tls: chorus_tls::ClientTls,
    /// Signs and checks relayed clients' addresses (see [`client_addr`]).
    pub(crate) relay_key: RelayKey,
    /// Rooms that span nodes: the home's user count past which clients reaching this node
    /// for its room are served by a shard here (see [`span`]). None: never.
    pub(crate) span_max_users_per_node: Option<u64>,
}

/// Why cluster work failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ClusterError {
    /// Redis refused or failed a command, or cannot be reached.
    #[error("the cluster directory (Redis) failed: {0}")]
    Redis(#[from] redis::RedisError),
    /// The CA file for a `rediss://` Redis cannot be read.
    #[error("redis-ca-file {path}: {reason}")]
    RedisCa {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Redis did not answer in time.
    #[error("the cluster directory (Redis) did not answer within {} ms", REDIS_TIMEOUT.as_millis())]
    Timeout,
    /// No node has a live registration (not even this one, so Redis lost it).
    #[error("no live node is registered in the cluster directory")]
    NoNode,
    /// The room's node could not be reached.
    #[error("the node serving this room ({node}) cannot be reached: {reason}")]
    Unreachable {
        /// The node.
        node: String,
        /// Why.
        reason: String,
    },
    /// The room's node answered, and refused the connection (over its connection caps, for
    /// one): it is alive, so waiting for the room to move elsewhere would not help.
    #[error("the node serving this room ({node}) refused the connection: {status} {reason}")]
    Refused {
        /// The node.
        node: String,
        /// The HTTP status it answered with.
        status: u16,
        /// What it said, trimmed.
        reason: String,
    },
    /// The room is served by another node.
    #[error("the room is served by node {}", .0.id)]
    Elsewhere(Node),
}

/// A live node as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    /// Its name.
    pub(crate) id: String,
    /// Its base URL.
    pub(crate) url: String,
}

/// This node's handle on the cluster.
pub(crate) struct Cluster {
    settings: ClusterSettings,
    /// For the pub/sub connection, which is a connection of its own.
    client: redis::Client,
    redis: ConnectionManager,
    http: reqwest::Client,
    /// This run of the node, drawn at start: records it leaves behind (logins) name it, so
    /// those of an earlier run under the same node id count as stale.
    boot: String,
    /// Held by a heartbeat while it runs and by the start of a drain (see `drain`).
    beat: tokio::sync::Mutex<()>,
    /// The rooms this node runs a shard of.
    shards: span::Shards,
}

impl Cluster {
    /// Connects to Redis. Start-up fails when Redis cannot be reached then: a node that never
    /// joined would only serve rooms the others do not know about.
    pub(crate) async fn connect(settings: ClusterSettings) -> Result<Self, ClusterError> {
        let client = redis_client(&settings)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            // Reconnects in the background; a command during an outage fails at once rather
            // than waiting through retries, so callers can answer with a clear error.
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let redis = timed(client.get_connection_manager_with_config(config)).await?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .use_preconfigured_tls((*settings.tls.config()).clone())
            .build()
            .unwrap_or_default();
        let boot = format!("{:016x}", rand::random::<u64>());
        Ok(Cluster {
            settings,
            client,
            redis,
            http,
            boot,
            beat: tokio::sync::Mutex::new(()),
            shards: span::Shards::default(),
        })
    }

    /// This node's name.
    pub(crate) fn node_id(&self) -> &str {
        &self.settings.node_id
    }

    /// Whether `node` is this one.
    pub(crate) fn is_self(&self, node: &Node) -> bool {
        node.id == self.settings.node_id
    }

    /// The client's address a relaying node vouched for in `header` (a [`RELAYED_FOR`] value).
    pub(crate) fn vouched(&self, header: &str) -> Result<std::net::SocketAddr, Unvouched> {
        self.settings
            .relay_key
            .verify(header, crate::clock::now_secs())
    }

    fn conn(&self) -> ConnectionManager {
        // A cheap handle onto the one multiplexed connection.
        self.redis.clone()
    }
}

/// The Redis client for `settings`: over TLS for `rediss://`, trusting `redis-ca-file` when
/// given and the system's roots otherwise.
fn redis_client(settings: &ClusterSettings) -> Result<redis::Client, ClusterError> {
    if !settings.redis_url.starts_with("rediss://") {
        return Ok(redis::Client::open(settings.redis_url.as_str())?);
    }
    // The redis crate builds its TLS configuration on the process's default provider; make
    // that the one the rest of Chorus uses.
    chorus_tls::install_process_provider();
    let root_cert = match &settings.redis_ca_file {
        Some(path) => Some(std::fs::read(path).map_err(|e| ClusterError::RedisCa {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?),
        None => None,
    };
    let certificates = redis::TlsCertificates {
        client_tls: None,
        root_cert,
    };
    Ok(redis::Client::build_with_tls(
        settings.redis_url.as_str(),
        certificates,
    )?)
}

/// Runs a Redis future under [`REDIS_TIMEOUT`].
async fn timed<T>(
    work: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, ClusterError> {
    match tokio::time::timeout(REDIS_TIMEOUT, work).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(ClusterError::Timeout),
    }
}

impl ClusterError {
    /// The join error a client gets when its room cannot be placed or reached.
    pub(crate) fn join_error(&self, room_id: &str) -> chorus_proto::RtcError {
        let message = match self {
            ClusterError::Elsewhere(node) => format!(
                "room {room_id:?} is served by node {} of the cluster; join it on a new connection, which is routed there",
                node.id
            ),
            other => format!(
                "cannot place room {room_id:?} in the cluster: {other}; rooms already running on this node still work, try again shortly"
            ),
        };
        chorus_proto::RtcError::new(chorus_proto::ErrorCode::JoinRoomFailed, message)
    }
}
