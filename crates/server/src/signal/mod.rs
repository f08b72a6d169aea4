//! The WebSocket edge: upgrade, framing, and the session task that turns each client's
//! requests into room commands and room output into frames. Depends on `room`; nothing
//! depends on it.

mod auth;
mod route;
mod session;

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chorus_proto::MAX_FRAME_BYTES;
use serde::Deserialize;

use crate::conn_caps::ConnectionSlot;
use crate::ctx::Ctx;
use crate::listener::PeerAddr;

#[derive(Deserialize)]
pub(crate) struct ConnectQuery {
    #[serde(rename = "appId")]
    app_id: Option<String>,
}

/// `GET /signal/v1`: upgrades to the signalling WebSocket.
pub(crate) async fn upgrade(
    ws: WebSocketUpgrade,
    State(ctx): State<Arc<Ctx>>,
    Query(query): Query<ConnectQuery>,
    slot: Option<Extension<Arc<ConnectionSlot>>>,
    peer: Option<Extension<PeerAddr>>,
    headers: HeaderMap,
) -> Response {
    let client = route::Client {
        addr: peer.map(|Extension(PeerAddr(addr))| addr),
        slot: slot.map(|Extension(slot)| slot),
    };
    let route::Client { addr: client, slot } = match route::relayed_client(&ctx, &headers, client) {
        Ok(client) => client,
        // Refused as the listener refuses a connection over the caps.
        Err(_) => {
            return (StatusCode::SERVICE_UNAVAILABLE, "too many connections\n").into_response();
        }
    };
    // A small read buffer keeps idle connections cheap. Writes gather up to 16 KiB until the
    // session flushes, so a burst (a join's snapshot, a backlog of messages) leaves in a few
    // syscalls rather than one per frame. Frames larger than the contract allows close the
    // connection with "message too big".
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(16 * 1024)
        .on_upgrade(move |socket| async move {
            // The connection keeps its place under the caps for as long as the session lives.
            let _slot = slot;
            if ctx.cluster.is_some() {
                route::serve(socket, ctx, query.app_id, client).await;
            } else {
                session::run(socket, ctx, query.app_id, None, client).await;
            }
        })
}
