//! Prometheus metrics and their `/metrics` endpoint, on the main address or on one of its
//! own. Updated on control-plane events only (joins, room starts, API calls), never per
//! packet; the SFU's packet counters are tallied locally and added once per batch (see
//! `sfu::metrics`). Depends on nothing of the server but `sfu`'s counters.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Fixed labels: counting a request allocates nothing, and every label value is a literal of
/// the server's, so no caller can add series or put text into the exposition.
type StaticLabels = [(&'static str, &'static str); 2];

/// The server's metrics; cheap to clone.
#[derive(Clone)]
pub(crate) struct Metrics {
    registry: Arc<Registry>,
    pub(crate) connections: Gauge,
    pub(crate) rooms: Gauge,
    pub(crate) participants: Gauge,
    /// Per-member entries rooms keep (subscriptions, layer choices): bounded per member.
    pub(crate) room_entries: Gauge,
    /// Bytes of events kept for users in the reconnect grace period.
    pub(crate) missed_bytes: Gauge,
    /// Tokio tasks alive in the server's runtime, read when `/metrics` is rendered: a task
    /// left behind by an ended session shows here as growth.
    tasks: Gauge,
    pub(crate) requests: Family<StaticLabels, Counter>,
    api_requests: Family<StaticLabels, Counter>,
    /// TCP connections refused at a connection cap, by cap.
    connections_refused: Family<[(&'static str, &'static str); 1], Counter>,
    pub(crate) webhooks_delivered: Counter,
    pub(crate) webhooks_failed: Counter,
    pub(crate) webhook_retries: Counter,
    pub(crate) webhooks_dropped: Counter,
    /// Times a room found a client's socket would not take its frames at once and left them
    /// for the client's session to write.
    pub(crate) writes_left_to_session: Counter,
    /// The media plane's counters, registered under `chorus_sfu_`.
    pub(crate) sfu: crate::sfu::SfuMetrics,
    /// Cluster mode: connections relayed to other nodes, and whether Redis answers.
    pub(crate) cluster_relayed: Gauge,
    pub(crate) cluster_redis_up: Gauge,
    /// Rooms that span nodes: tracks relayed between this node and the homes of the rooms
    /// it runs shards of, each way, once per track whatever the subscribers.
    pub(crate) cluster_span_tracks: Gauge,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("chorus");
        let connections = Gauge::default();
        let rooms = Gauge::default();
        let participants = Gauge::default();
        let room_entries = Gauge::default();
        let missed_bytes = Gauge::default();
        let tasks = Gauge::default();
        let requests = Family::<StaticLabels, Counter>::default();
        let api_requests = Family::<StaticLabels, Counter>::default();
        registry.register(
            "connections",
            "Open signalling connections",
            connections.clone(),
        );
        registry.register("rooms", "Rooms running", rooms.clone());
        registry.register(
            "participants",
            "Users in rooms, connected or in grace",
            participants.clone(),
        );
        registry.register(
            "room_entries",
            "Subscriptions and simulcast layer choices rooms keep for their members",
            room_entries.clone(),
        );
        registry.register(
            "missed_bytes",
            "Bytes of events kept for users in the reconnect grace period",
            missed_bytes.clone(),
        );
        registry.register(
            "tasks",
            "Tokio tasks alive in the server's runtime",
            tasks.clone(),
        );
        registry.register(
            "requests",
            "Signalling requests by method and outcome",
            requests.clone(),
        );
        registry.register(
            "api_requests",
            "OpenAPI requests by action and outcome",
            api_requests.clone(),
        );
        let connections_refused = Family::default();
        registry.register(
            "connections_refused",
            "TCP connections refused at a connection cap, by cap (total or per_address)",
            connections_refused.clone(),
        );
        let cluster_relayed = Gauge::default();
        let cluster_redis_up = Gauge::default();
        let cluster_span_tracks = Gauge::default();
        registry.register(
            "cluster_span_tracks",
            "Tracks relayed between this node's room shards and their rooms' home nodes, one per track",
            cluster_span_tracks.clone(),
        );
        registry.register(
            "cluster_relayed",
            "Signalling connections this node relays to the node that runs their room",
            cluster_relayed.clone(),
        );
        registry.register(
            "cluster_redis_up",
            "Cluster mode: 1 while Redis answers the heartbeat, else 0",
            cluster_redis_up.clone(),
        );
        let webhooks_delivered = Counter::default();
        let webhooks_failed = Counter::default();
        let webhook_retries = Counter::default();
        let webhooks_dropped = Counter::default();
        registry.register(
            "webhooks_delivered",
            "Webhook callbacks the receiver answered with 200",
            webhooks_delivered.clone(),
        );
        registry.register(
            "webhooks_failed",
            "Webhook callbacks given up after every attempt failed",
            webhooks_failed.clone(),
        );
        registry.register(
            "webhook_retries",
            "Webhook deliveries repeated after a failed attempt",
            webhook_retries.clone(),
        );
        registry.register(
            "webhooks_dropped",
            "Webhook callbacks dropped because the queue was full",
            webhooks_dropped.clone(),
        );
        let writes_left_to_session = Counter::default();
        registry.register(
            "writes_left_to_session",
            "Times a room found a client's socket would not take its frames at once and left them for the client's session to write",
            writes_left_to_session.clone(),
        );
        let sfu = crate::sfu::SfuMetrics::default();
        sfu.register(&mut registry);
        Metrics {
            registry: Arc::new(registry),
            connections,
            rooms,
            participants,
            room_entries,
            missed_bytes,
            tasks,
            requests,
            api_requests,
            connections_refused,
            webhooks_delivered,
            webhooks_failed,
            webhook_retries,
            webhooks_dropped,
            writes_left_to_session,
            sfu,
            cluster_relayed,
            cluster_redis_up,
            cluster_span_tracks,
        }
    }

    /// The counter of signalling requests by `method` and `outcome`, to keep: looking it up
    /// takes the family's lock, which every session shares.
    pub(crate) fn request_counter(&self, method: &'static str, outcome: &'static str) -> Counter {
        self.requests
            .get_or_create(&[("method", method), ("outcome", outcome)])
            .clone()
    }

    /// Counts an OpenAPI request: `action` is a known action's name or `other`, `outcome`
    /// is `ok` or the error code.
    pub(crate) fn api_request(&self, action: &'static str, outcome: &'static str) {
        self.api_requests
            .get_or_create(&[("action", action), ("outcome", outcome)])
            .inc();
    }

    /// Counts a connection refused at `cap`.
    pub(crate) fn connection_refused(&self, cap: &'static str) {
        self.connections_refused
            .get_or_create(&[("cap", cap)])
            .inc();
    }

    /// The text exposition.
    pub(crate) fn render(&self) -> String {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let alive = runtime.metrics().num_alive_tasks();
            self.tasks.set(i64::try_from(alive).unwrap_or(i64::MAX));
        }
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

/// `GET /metrics`, to merge into a router.
pub(crate) fn routes(metrics: Metrics) -> Router {
    Router::new()
        .route("/metrics", get(text))
        .with_state(metrics)
}

async fn text(State(metrics): State<Metrics>) -> String {
    metrics.render()
}

/// Serves `/metrics` alone on `addr`; returns the bound address and the serving task, which
/// runs until aborted.
pub(crate) async fn listen(
    addr: SocketAddr,
    metrics: Metrics,
) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, routes(metrics)).await {
            tracing::error!(error = %e, "metrics listener stopped");
        }
    });
    Ok((bound, task))
}
