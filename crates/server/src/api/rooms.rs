//! Room actions: KickUser, DismissRoom, BanRoomUser, UpdateBanRoomUserRule, BanUserStream,
//! UnbanUserStream, GetRoomOnlineUsers.

use std::sync::Arc;

use chorus_proto::openapi::{
    BanRoomUser, BanUserStream, DismissRoom, Done, GetRoomOnlineUsers, KickUser, RoomOnlineUsers,
    UnbanUserStream,
};
use tokio::sync::oneshot;

use super::caller::Caller;
use super::failure::{ActionResult, ApiFailure, result};
use super::input::{app, body, id};
use crate::clock::now_ms;
use crate::ctx::Ctx;
use crate::room::{BanScope, Command, RoomKey};

fn room_key(ctx: &Caller<'_>, app_id: &str, room_id: &str) -> Result<RoomKey, ApiFailure> {
    app(ctx, app_id)?;
    id("RoomId", room_id)?;
    Ok(RoomKey {
        app_id: app_id.into(),
        room_id: room_id.into(),
    })
}

/// Sends a command that answers through a oneshot and waits for the answer; a room that is
/// not running answers `idle`.
async fn ask<T>(
    ctx: &Ctx,
    key: &RoomKey,
    idle: T,
    make: impl FnOnce(oneshot::Sender<T>) -> Command,
) -> T {
    let Some(handle) = ctx.directory.get(key) else {
        return idle;
    };
    let (tx, rx) = oneshot::channel();
    if handle.send(make(tx)).await.is_err() {
        return idle;
    }
    rx.await.unwrap_or(idle)
}

pub(super) async fn kick_user(ctx: &Caller<'_>, bytes: &[u8]) -> ActionResult {
    let req: KickUser = body(bytes)?;
    let key = room_key(ctx, &req.app_id, &req.room_id)?;
    id("UserId", &req.user_id)?;
    ask(ctx, &key, false, |done| Command::Kick {
        user_id: req.user_id,
        done,
    })
    .await;
    result(Done::success())
}

pub(super) async fn dismiss_room(ctx: &Caller<'_>, bytes: &[u8]) -> ActionResult {
    let req: DismissRoom = body(bytes)?;
    let key = room_key(ctx, &req.app_id, &req.room_id)?;
    ask(ctx, &key, (), |done| Command::Dismiss { done }).await;
    result(Done::success())
}

/// BanRoomUser (`update` false) and UpdateBanRoomUserRule (`update` true). An interval of 0
/// removes without banning, or, for an update, lifts the ban.
pub(super) async fn ban_room_user(ctx: &Caller<'_>, bytes: &[u8], update: bool) -> ActionResult {
    let req: BanRoomUser = body(bytes)?;
    app(ctx, &req.app_id)?;
    let app_id: Arc<str> = req.app_id.as_str().into();
    let room_id: Option<Arc<str>> = req.room_id.as_deref().map(Into::into);
    if let Some(room) = &room_id {
        id("RoomId", room)?;
    }
    if let Some(user) = &req.user_id {
        id("UserId", user)?;
    }
    let scope = match (&room_id, req.user_id) {
        (Some(_), Some(user)) => BanScope::RoomUser(user),
        (Some(_), None) => BanScope::Room,
        (None, Some(user)) => BanScope::User(user),
        (None, None) => return Err(ApiFailure::invalid("give RoomId, UserId or both")),
    };
    let interval_ms = req.forbidden_interval.saturating_mul(1000);
    let until = now_ms().saturating_add(interval_ms);
    let rooms = match (interval_ms, update) {
        // Kick only: nothing to remember.
        (0, false) => ctx
            .directory
            .ban(&app_id, room_id.as_ref(), scope.clone(), Some(0)),
        (0, true) => ctx
            .directory
            .ban(&app_id, room_id.as_ref(), scope.clone(), None),
        _ => ctx
            .directory
            .ban(&app_id, room_id.as_ref(), scope.clone(), Some(until)),
    };
    for handle in rooms {
        let command = if interval_ms == 0 && update {
            Command::Lift {
                scope: scope.clone(),
            }
        } else {
            Command::Ban {
                scope: scope.clone(),
                until,
            }
        };
        // A room that ended meanwhile has nobody to remove.
        let _ = handle.send(command).await;
    }
    // A kick only (interval 0, not an update) leaves nothing to record.
    if let Some(cluster) = &ctx.cluster
        && (interval_ms > 0 || update)
    {
        let until = (interval_ms > 0).then_some(until);
        cluster
            .record_ban(&app_id, room_id.as_deref(), &scope, until)
            .await
            .map_err(|e| ApiFailure::cluster_ban(&e))?;
    }
    result(Done::success())
}

/// The shortest and the longest timed stream ban, in seconds (the vendor's bounds).
const STREAM_BAN_SECS: (u64, u64) = (10, 259_200);

/// BanUserStream: the user may not publish the video and/or audio named, for
/// `ForbiddenInterval` seconds (taken into the vendor's bounds) or, without one, until
/// UnbanUserStream. A room nobody is in has nobody to ban: it succeeds and does nothing.
pub(super) async fn ban_user_stream(ctx: &Caller<'_>, bytes: &[u8]) -> ActionResult {
    let req: BanUserStream = body(bytes)?;
    let key = room_key(ctx, &req.app_id, &req.room_id)?;
    id("UserId", &req.user_id)?;
    if !req.video && !req.audio {
        return Err(ApiFailure::invalid("set Video, Audio or both to true"));
    }
    let until = match req.forbidden_interval.unwrap_or(0) {
        0 => u64::MAX,
        secs => {
            let secs = secs.clamp(STREAM_BAN_SECS.0, STREAM_BAN_SECS.1);
            now_ms().saturating_add(secs * 1000)
        }
    };
    ask(ctx, &key, false, |done| Command::BanStream {
        user_id: req.user_id,
        video: req.video,
        audio: req.audio,
        until,
        done,
    })
    .await;
    result(Done::success())
}

/// UnbanUserStream: the user may publish the video and/or audio named again.
pub(super) async fn unban_user_stream(ctx: &Caller<'_>, bytes: &[u8]) -> ActionResult {
    let req: UnbanUserStream = body(bytes)?;
    let key = room_key(ctx, &req.app_id, &req.room_id)?;
    id("UserId", &req.user_id)?;
    if !req.video && !req.audio {
        return Err(ApiFailure::invalid("set Video, Audio or both to true"));
    }
    ask(ctx, &key, false, |done| Command::UnbanStream {
        user_id: req.user_id,
        video: req.video,
        audio: req.audio,
        done,
    })
    .await;
    result(Done::success())
}

pub(super) async fn online_users(ctx: &Caller<'_>, bytes: &[u8]) -> ActionResult {
    let req: GetRoomOnlineUsers = body(bytes)?;
    let key = room_key(ctx, &req.app_id, &req.room_id)?;
    let users = ask(ctx, &key, RoomOnlineUsers::default(), |reply| {
        Command::OnlineUsers { reply }
    })
    .await;
    result(users)
}
