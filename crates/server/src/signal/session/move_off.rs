//! A session's part in moving a draining cluster node's clients off (see `cluster::drain`):
//! first it closes its client's connection with a reason to reconnect, staying in its room;
//! once every session has, it leaves the room. In that order no client hears of another
//! leaving (each is gone before anyone leaves), so the apps see a reconnect and nothing more.

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, close_code};
use tokio::sync::watch;

use super::writer::Writer;
use super::{CLOSE_WRITE, Session};
use crate::ctx::MoveOff;
use crate::room::{Outbound, Outbox};

/// The close reason, with code 1012 (service restart); relayed clients are given the same.
const REASON: &str = crate::cluster::DRAINING;

/// Returns once moving the clients off has reached `phase` (never, if it does not).
pub(super) async fn reached(moving_off: &mut watch::Receiver<MoveOff>, phase: MoveOff) {
    if moving_off.wait_for(|p| *p >= phase).await.is_err() {
        // The lifecycle outlives every session; without it, nothing moves anyone.
        std::future::pending::<()>().await;
    }
}

/// Closes the client's connection, telling it to reconnect (best effort: a client that does
/// not read gets no reason).
pub(super) async fn close(writer: &mut Writer) {
    writer.push(Message::Close(Some(CloseFrame {
        code: close_code::RESTART,
        reason: Utf8Bytes::from_static(REASON),
    })));
    let _ = tokio::time::timeout(CLOSE_WRITE, writer.drain()).await;
}

/// Waits, the client gone, until every session has closed its client's connection, then
/// leaves the room and waits for the room to let go. Until then the session must live and
/// take what the room sends it: a frame the room could not queue would count its user as
/// dropped, kept for the reconnect grace in a room that should empty now.
pub(super) async fn leave(
    session: &mut Session,
    inbox: &mut Outbox,
    moving_off: &mut watch::Receiver<MoveOff>,
) {
    let leave_now = reached(moving_off, MoveOff::LeaveRooms);
    tokio::pin!(leave_now);
    loop {
        tokio::select! {
            () = &mut leave_now => break,
            out = inbox.recv() => if out.is_none() {
                return;
            },
        }
    }
    session.leave_for_good().await;
    let detached = async {
        while let Some(out) = inbox.recv().await {
            if let Outbound::Detached(_) = out {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(CLOSE_WRITE, detached).await;
}
