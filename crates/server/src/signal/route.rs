//! Cluster mode's edge: reads a connection's first frame and, when it joins a room another
//! node runs (or is placed on now), relays the connection there; everything else becomes an
//! ordinary session here. A session that later joins a room another node runs, holding
//! nothing here, is moved there the same way (`relay`). Only a valid token leads to a cluster lookup, so a stranger cannot
//! make this node ask Redis anything. A relayed connection's request carries its client's
//! address, vouched for by the relaying node (`cluster::client_addr`); it is the address this
//! node counts the connection against, and the one it vouches for in turn when it relays.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use axum::http::HeaderMap;
use chorus_proto::{ErrorCode, Request, RequestFrame, ServerFrame};
use tokio::time::Instant;

use super::auth::{TokenFor, check_room_token};
use super::session;
use crate::clock::now_secs;
use crate::cluster::{self, Admission, ClusterError, Node};
use crate::conn_caps::{ConnectionSlot, Refused};
use crate::ctx::{Ctx, MoveOff};
use crate::room::RoomKey;

/// Where a connection is served.
enum Destination {
    Here,
    /// Here, by a shard of a room, once its home admitted the user.
    Shard(ShardJoin),
    /// On this node.
    Node(Node),
}

/// A join served by a shard of its room.
struct ShardJoin {
    key: RoomKey,
    /// The room's home, when the shard is to be opened.
    open: Option<Node>,
    /// The join's request id, user and visibility.
    id: u64,
    user: String,
    visible: bool,
}

/// Where a connection comes from, and its place under the connection caps.
pub(super) struct Client {
    /// The client's address.
    pub(super) addr: Option<SocketAddr>,
    /// The place it holds.
    pub(super) slot: Option<Arc<ConnectionSlot>>,
}

/// For a connection relayed by a node that vouched for its client's address: that address,
/// and a place counted against it (refused when that address is at its cap, as the listener
/// refuses). For any other: `client` as it is.
pub(super) fn relayed_client(
    ctx: &Ctx,
    headers: &HeaderMap,
    client: Client,
) -> Result<Client, Refused> {
    let (Some(cluster), Some(vouching)) = (&ctx.cluster, headers.get(cluster::RELAYED_FOR)) else {
        return Ok(client);
    };
    let peer = client.addr;
    let addr = match vouching.to_str().map(|v| cluster.vouched(v)) {
        Ok(Ok(addr)) => addr,
        Ok(Err(why)) => {
            tracing::debug!(?peer, %why, "a relayed client's address was not taken");
            return Ok(client);
        }
        Err(_) => return Ok(client),
    };
    tracing::debug!(client = %addr, ?peer, "relayed connection");
    let slot = match client.slot {
        Some(slot) => Some(slot.moved_to(addr.ip()).inspect_err(|refused| {
            ctx.metrics.connection_refused(refused.label());
            tracing::debug!(client = %addr, %refused, "relayed connection refused");
        })?),
        None => None,
    };
    Ok(Client {
        addr: Some(addr),
        slot,
    })
}

/// Serves one signalling connection in cluster mode; `client` is where it comes from.
pub(super) async fn serve(
    mut socket: WebSocket,
    ctx: Arc<Ctx>,
    app_id: Option<String>,
    client: Option<SocketAddr>,
) {
    let first = match tokio::time::timeout(ctx.config.join_timeout, socket.recv()).await {
        Ok(Some(Ok(Message::Text(text)))) => text.to_string(),
        // Not a request: the session answers whatever comes next as usual.
        Ok(Some(Ok(Message::Binary(_) | Message::Ping(_) | Message::Pong(_)))) => {
            return session::run(socket, ctx, app_id, None, client).await;
        }
        _ => return,
    };
    // A room's node that cannot be reached may have just died: its registration lapses
    // within the node TTL and the room is then placed on a live node. Waiting that out makes
    // a node's death a slower join rather than a failed one for the clients that reconnect.
    let give_up = Instant::now() + cluster::NODE_TTL + Duration::from_secs(1);
    let mut place = destination(&ctx, app_id.as_deref(), &first).await;
    loop {
        let node = match place {
            Destination::Here => {
                return session::run(socket, ctx, app_id, Some(first), client).await;
            }
            Destination::Shard(join) => {
                if let Some(cluster) = &ctx.cluster {
                    if let Some(home) = join.open {
                        cluster.open_shard(&ctx, join.key.clone(), home);
                    }
                    // The home admits every user of the room: a refusal there is the answer.
                    let asked = cluster.admit(&ctx, &join.key, &join.user, join.visible);
                    if let Admission::Refused(error) = asked.await {
                        tracing::debug!(room = %join.key.room_id, user = join.user, %error,
                            "the room's home refused a shard's user");
                        let text = ServerFrame::error_json(Some(join.id), &error);
                        let _ = socket.send(Message::Text(text.into())).await;
                        let _ = socket.send(Message::Close(None)).await;
                        return;
                    }
                }
                return session::run(socket, ctx, app_id, Some(first), client).await;
            }
            Destination::Node(node) => node,
        };
        let Some(cluster) = &ctx.cluster else {
            return;
        };
        match cluster
            .connect_upstream_for(&node, app_id.as_deref(), client)
            .await
        {
            Ok(upstream) => return pipe(socket, &ctx, upstream, first).await,
            Err(error @ ClusterError::Refused { .. }) => {
                return refuse(socket, &node, &error, &first).await;
            }
            Err(_) if Instant::now() < give_up => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                place = destination(&ctx, app_id.as_deref(), &first).await;
            }
            Err(error) => return refuse(socket, &node, &error, &first).await,
        }
    }
}

async fn pipe(socket: WebSocket, ctx: &Ctx, upstream: cluster::Upstream, join: String) {
    let config = &ctx.config;
    let live = cluster::Liveness {
        ping_interval: config.ping_interval,
        idle_timeout: config.idle_timeout,
        write_timeout: config.write_timeout,
    };
    let mut moving_off = ctx.lifecycle.moving_off();
    // A relay open when the drain begins is closed with the node's sessions, and counted with
    // them so that the drain waits for it. One opened during the drain carries a client that
    // reached this node all the same (no load balancer in front): it serves it while it can.
    let closes = *moving_off.borrow_and_update() == MoveOff::No;
    let connected = closes.then(|| ctx.lifecycle.connected());
    let drained = async move {
        let begun = moving_off.wait_for(|phase| *phase >= MoveOff::CloseConnections);
        if !closes || begun.await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    ctx.metrics.cluster_relayed.inc();
    cluster::pipe(socket, upstream, join, live, drained).await;
    ctx.metrics.cluster_relayed.dec();
    drop(connected);
}

/// Answers `join` with why its room's node cannot be reached, and closes.
async fn refuse(mut socket: WebSocket, node: &Node, error: &ClusterError, join: &str) {
    tracing::warn!(%error, node = node.id, "cannot relay a join to its room's node");
    let Ok(frame) = RequestFrame::parse(join) else {
        return;
    };
    let room_id = match &frame.request {
        Request::JoinRoom(params) => params.room_id.as_str(),
        _ => "",
    };
    let text = ServerFrame::error_json(Some(frame.id), &error.join_error(room_id));
    let _ = socket.send(Message::Text(text.into())).await;
    let _ = socket.send(Message::Close(None)).await;
}

/// Pipes `socket` (from `client`) to `node`, `join` (a joinRoom frame) first; when `node`
/// cannot be reached, answers the join with why and closes.
pub(super) async fn relay(
    socket: WebSocket,
    ctx: &Ctx,
    app_id: Option<String>,
    node: Node,
    join: String,
    client: Option<SocketAddr>,
) {
    let Some(cluster) = &ctx.cluster else {
        return;
    };
    match cluster
        .connect_upstream_for(&node, app_id.as_deref(), client)
        .await
    {
        Ok(upstream) => pipe(socket, ctx, upstream, join).await,
        Err(error) => refuse(socket, &node, &error, &join).await,
    }
}

/// Where the connection that sent `first` is served.
async fn destination(ctx: &Ctx, engine_app: Option<&str>, first: &str) -> Destination {
    let Some(cluster) = &ctx.cluster else {
        return Destination::Here;
    };
    let Ok(frame) = RequestFrame::parse(first) else {
        return Destination::Here;
    };
    let Request::JoinRoom(params) = &frame.request else {
        return Destination::Here;
    };
    let wanted = TokenFor {
        engine_app,
        room_id: &params.room_id,
        user_id: &params.user_info.user_id,
        code: ErrorCode::InvalidToken,
    };
    let Ok((app_id, _)) = check_room_token(
        &ctx.config.apps,
        params.token.as_deref(),
        &wanted,
        now_secs(),
    ) else {
        // The session refuses it with the usual error.
        return Destination::Here;
    };
    let key = RoomKey {
        app_id: app_id.into(),
        room_id: params.room_id.as_str().into(),
    };
    // A spanning room's home user back through a shard's node rejoins at the home.
    if let Some(home) = cluster.home_of(&key, &params.user_info.user_id).await {
        return Destination::Node(home);
    }
    let shard_join = |key, open| {
        Destination::Shard(ShardJoin {
            key,
            open,
            id: frame.id,
            user: params.user_info.user_id.clone(),
            visible: params.visible.unwrap_or(true),
        })
    };
    if cluster.is_shard(&key) {
        return shard_join(key, None);
    }
    if ctx.directory.get(&key).is_some() {
        return Destination::Here;
    }
    match cluster.place(&key).await {
        Ok(node) if !cluster.is_self(&node) && cluster.shard_here(&node).await => {
            shard_join(key, Some(node))
        }
        Ok(node) if !cluster.is_self(&node) => Destination::Node(node),
        // Placed here, or Redis failed: the join here claims the room or says why not.
        _ => Destination::Here,
    }
}
