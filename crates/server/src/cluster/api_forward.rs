//! The OpenAPI on any node: a call about a room another node runs is sent on, as received
//! (method, path, query, headers, body), to that node, and its answer is returned unchanged.
//! This node has checked the signature first (so strangers cannot make it ask Redis); the
//! room's node checks it again, against its own replay guard, and the caller's signature
//! covers what it sees. A forwarded call carries [`FORWARDED`] and is always answered where
//! it lands, so calls never loop.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use axum::response::Response;

use super::ClusterError;
use crate::ctx::Ctx;
use crate::room::RoomKey;

/// Marks a call forwarded by another node.
const FORWARDED: &str = "x-chorus-forwarded";

/// What became of a call.
pub(crate) enum Forwarded {
    /// It is answered here: the room runs here, on no node, or the call names no room.
    Local,
    /// The room's node answered; this is its response.
    Answered(Response),
    /// The room's node could not be found or reached.
    Failed(ClusterError),
}

/// The app and room a call names: `AppId` and `RoomId` in the JSON body, or in the query
/// of a GET.
fn named_room(uri: &Uri, body: &[u8]) -> Option<RoomKey> {
    let (app, room) = if body.is_empty() {
        let mut app = None;
        let mut room = None;
        for (name, value) in form_urlencoded::parse(uri.query()?.as_bytes()) {
            match &*name {
                "AppId" => app = Some(value.into_owned()),
                "RoomId" => room = Some(value.into_owned()),
                _ => {}
            }
        }
        (app?, room?)
    } else {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        (
            value.get("AppId")?.as_str()?.to_owned(),
            value.get("RoomId")?.as_str()?.to_owned(),
        )
    };
    Some(RoomKey {
        app_id: app.into(),
        room_id: room.into(),
    })
}

/// Sends the call to the room's node when another node runs the room.
pub(crate) async fn forward_api(
    ctx: &Ctx,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Forwarded {
    let Some(cluster) = &ctx.cluster else {
        return Forwarded::Local;
    };
    if headers.contains_key(FORWARDED) {
        return Forwarded::Local;
    }
    let Some(key) = named_room(uri, body) else {
        return Forwarded::Local;
    };
    // A room running here is served here, with or without Redis; but a shard's room is
    // the home's to act on, whose answer counts every user, the shard's through mirrors.
    if ctx.directory.get(&key).is_some() && !cluster.is_shard(&key) {
        return Forwarded::Local;
    }
    let node = match cluster.owner(&key).await {
        Ok(Some(node)) if !cluster.is_self(&node) => node,
        Ok(_) => return Forwarded::Local,
        Err(error) => return Forwarded::Failed(error),
    };
    let url = format!(
        "{}{}",
        node.url.trim_end_matches('/'),
        uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut request = cluster.http.request(method.clone(), url);
    for (name, value) in headers {
        // Hop-by-hop and length headers are the client library's to set.
        if matches!(
            name.as_str(),
            "content-length" | "connection" | "transfer-encoding" | "keep-alive" | "upgrade"
        ) {
            continue;
        }
        request = request.header(name, value);
    }
    request = request.header(
        HeaderName::from_static(FORWARDED),
        HeaderValue::from_str(cluster.node_id()).unwrap_or(HeaderValue::from_static("1")),
    );
    let unreachable = |reason: String| {
        Forwarded::Failed(ClusterError::Unreachable {
            node: node.id.clone(),
            reason,
        })
    };
    let answer = match request.body(body.to_vec()).send().await {
        Ok(answer) => answer,
        Err(e) => return unreachable(e.to_string()),
    };
    let status = answer.status();
    let content_type = answer
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .cloned();
    let bytes = match answer.bytes().await {
        Ok(bytes) => bytes,
        Err(e) => return unreachable(e.to_string()),
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    if let Some(content_type) = content_type {
        response
            .headers_mut()
            .insert(axum::http::header::CONTENT_TYPE, content_type);
    }
    Forwarded::Answered(response)
}
