//! The home's answer to its shards about simulcast: `GET /cluster/span/wanted` says which
//! layer the receivers in a room of this node want of each publisher's video, so a shard
//! whose users are mirrored here asks its own SFU for that layer of their tracks (see
//! [`layers`](super::layers)). Only a link's client asks: the caller shows a room token of a
//! link user (`chorus-span-...`), signed as a link's joins are with the key Chorus derives
//! from the app's for its own clients (`own_users`), so the route tells nothing to anyone but
//! a node serving the app.
//!
//! An HTTP route rather than a signalling request: it is node-to-node business, not part
//! of the protocol clients speak, and it leaves the protocol (and the Web SDK's generated
//! types) as they are.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chorus_proto::{ErrorCode, RtcError};
use chorus_token::Claims;

use super::layers::ask_here;
use crate::ctx::Ctx;
use crate::own_users;
use crate::room::{RoomKey, is_link_client};

/// Where the route is served.
pub(crate) const PATH: &str = "/cluster/span/wanted";

/// Answers a shard's question: the room's wanted layers by publisher, as JSON
/// (`{"alice":"low"}`); an empty object when the room has no receivers or does not run
/// here. A missing, forged or expired token, or one of no link user or not signed as Chorus's
/// own, is refused with the contract's `{code, message}`.
pub(crate) async fn answer(State(ctx): State<Arc<Ctx>>, headers: HeaderMap) -> Response {
    let key = match authorized(&ctx, &headers) {
        Ok(key) => key,
        Err(error) => return (StatusCode::UNAUTHORIZED, Json(error)).into_response(),
    };
    Json(ask_here(&ctx, &key).await).into_response()
}

/// The room the bearer token names, if it is a link user's and valid now.
fn authorized(ctx: &Ctx, headers: &HeaderMap) -> Result<RoomKey, RtcError> {
    let refused = |message: String| RtcError::new(ErrorCode::InvalidToken, message);
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| refused("send a link's room token as `Authorization: Bearer`".into()))?;
    let claims = Claims::parse(token).map_err(|e| refused(format!("unreadable token: {e}")))?;
    let app_key = ctx
        .config
        .apps
        .key(claims.app_id())
        .ok_or_else(|| refused(format!("the app {} is not served here", claims.app_id())))?;
    if !is_link_client(claims.user_id()) {
        return Err(refused("only a spanning room's link may ask".into()));
    }
    // Signed with the key of the server's own clients, which only a node (or the app's back
    // end) can make.
    claims
        .verify(
            &own_users::signing_key(app_key, claims.user_id()),
            crate::clock::now_secs(),
        )
        .map_err(|e| match e {
            chorus_token::VerifyError::Expired { .. } => {
                RtcError::new(ErrorCode::TokenExpired, "the link's token expired")
            }
            e => refused(format!("the token does not verify: {e}")),
        })?;
    Ok(RoomKey {
        app_id: claims.app_id().into(),
        room_id: claims.room_id().into(),
    })
}
