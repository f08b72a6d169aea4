//! Message actions: SendUnicast (to a logged-in user, outside rooms), SendRoomUnicast and
//! BatchSendRoomUnicast (to users in a room), SendBroadcast (to everyone in a room).
//!
//! Delivery goes through the same paths as users' own messages: the login registry for
//! SendUnicast, the room's task (`Command::ServerMessage`) for the rest, so a server message
//! is ordered with everything else the receiver gets. A receiver who is not there is an
//! error the caller can act on (404 `UserNotLoggedIn`, `UserNotInRoom`, `RoomNotExist`).

use axum::http::StatusCode;
use chorus_proto::openapi::{
    BatchSendRoomUnicast, BatchSent, Done, MAX_BATCH_RECEIVERS, SendBroadcast, SendRoomUnicast,
    SendUnicast,
};
use tokio::sync::oneshot;

use super::caller::Caller;
use super::failure::{ActionResult, ApiFailure, result};
use super::input::{app, body, id};
use crate::ctx::Ctx;
use crate::room::{Command, Payload, RoomKey};

fn room_key(
    ctx: &Caller<'_>,
    app_id: &str,
    room_id: &str,
    from: &str,
) -> Result<RoomKey, ApiFailure> {
    app(ctx, app_id)?;
    id("RoomId", room_id)?;
    id("From", from)?;
    Ok(RoomKey {
        app_id: app_id.into(),
        room_id: room_id.into(),
    })
}

/// Checks the message against the 64 KB limit (of the decoded bytes when binary).
fn payload(message: String, binary: bool) -> Result<Payload, ApiFailure> {
    Payload::checked(message, binary).map_err(ApiFailure::invalid)
}

fn absent(code: &'static str, message: String) -> ApiFailure {
    ApiFailure {
        status: StatusCode::NOT_FOUND,
        code,
        message,
    }
}

/// Hands the message to the room; `None` if the room is not running, else the receivers that
/// were in it.
async fn to_room(
    ctx: &Ctx,
    key: &RoomKey,
    from: String,
    to: Option<Vec<String>>,
    payload: Payload,
) -> Option<Vec<String>> {
    let handle = ctx.directory.get(key)?;
    let (done, present) = oneshot::channel();
    let command = Command::ServerMessage {
        from,
        to,
        payload,
        done,
    };
    handle.send(command).await.ok()?;
    present.await.ok()
}

pub(super) async fn send_unicast(ctx: &Caller<'_>, bytes: &[u8]) -> ActionResult {
    let req: SendUnicast = body(bytes)?;
    app(ctx, &req.app_id)?;
    id("From", &req.from)?;
    id("To", &req.to)?;
    let payload = payload(req.message, req.binary)?;
    // In cluster mode, kept for the user's node in case they are not logged in here.
    let spare = ctx.cluster.is_some().then(|| payload.clone());
    let mut delivered = ctx
        .logins
        .server_message(
            req.app_id.as_str().into(),
            req.from.clone(),
            req.to.clone(),
            payload,
        )
        .await;
    // Not logged in here: perhaps on another node of the cluster.
    if let (Some(cluster), Some(payload)) = (&ctx.cluster, spare)
        && !delivered
    {
        delivered = cluster
            .send_outside(&req.app_id, req.from, req.to.clone(), payload)
            .await
            .map_err(|e| ApiFailure::cluster(&e))?;
    }
    if !delivered {
        return Err(absent(
            "UserNotLoggedIn",
            format!(
                "user {} is not logged in (or stopped reading); SendUnicast reaches only users who called login",
                req.to
            ),
        ));
    }
    result(Done::success())
}

pub(super) async fn send_room_unicast(ctx: &Caller<'_>, bytes: &[u8]) -> ActionResult {
    let req: SendRoomUnicast = body(bytes)?;
    let key = room_key(ctx, &req.app_id, &req.room_id, &req.from)?;
    id("To", &req.to)?;
    let payload = payload(req.message, req.binary)?;
    let present = to_room(ctx, &key, req.from, Some(vec![req.to.clone()]), payload).await;
    if present.is_none_or(|p| p.is_empty()) {
        return Err(absent(
            "UserNotInRoom",
            format!("user {} is not in room {}", req.to, req.room_id),
        ));
    }
    result(Done::success())
}

pub(super) async fn batch_send_room_unicast(ctx: &Caller<'_>, bytes: &[u8]) -> ActionResult {
    let req: BatchSendRoomUnicast = body(bytes)?;
    let key = room_key(ctx, &req.app_id, &req.room_id, &req.from)?;
    if req.to.is_empty() || req.to.len() > MAX_BATCH_RECEIVERS {
        return Err(ApiFailure::invalid(format!(
            "To must list 1 to {MAX_BATCH_RECEIVERS} users; it lists {}",
            req.to.len()
        )));
    }
    let mut to = Vec::with_capacity(req.to.len());
    for user in req.to {
        id("To", &user)?;
        // Each receiver gets the message once, however often they are listed.
        if !to.contains(&user) {
            to.push(user);
        }
    }
    let payload = payload(req.message, req.binary)?;
    let present = to_room(ctx, &key, req.from, Some(to.clone()), payload)
        .await
        .unwrap_or_default();
    if present.is_empty() {
        return Err(absent(
            "UserNotInRoom",
            format!("none of the users in To is in room {}", req.room_id),
        ));
    }
    to.retain(|user| !present.contains(user));
    result(BatchSent {
        message: "success".into(),
        absent_user_list: to,
    })
}

pub(super) async fn send_broadcast(ctx: &Caller<'_>, bytes: &[u8]) -> ActionResult {
    let req: SendBroadcast = body(bytes)?;
    let key = room_key(ctx, &req.app_id, &req.room_id, &req.from)?;
    let payload = payload(req.message, req.binary)?;
    let present = to_room(ctx, &key, req.from, None, payload).await;
    if present.is_none_or(|p| p.is_empty()) {
        return Err(absent(
            "RoomNotExist",
            format!(
                "room {} has nobody to receive the broadcast (no one is in it)",
                req.room_id
            ),
        ));
    }
    result(Done::success())
}
