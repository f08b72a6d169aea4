//! Simulcast across a link: the layer a bridge's observer receives of a user's video follows
//! the highest layer the subscribers of that user's mirror, in the other room, chose. A
//! publisher's layers stay on its node; what crosses the link is one layer per track, the
//! one the far room's most demanding subscriber wants, and the mirror publishes it as a
//! single-layer track that the far SFU forwards to every subscriber there.
//!
//! **Why one layer and not each.** Carrying every wanted layer would let the far SFU give
//! each subscriber its own layer and fall back locally under congestion. str0m (0.25) could
//! send it: a mirror could offer simulcast rids and write each layer's packets on its rid.
//! But the SFU gives a subscriber one lane per track at one chosen layer, so each wanted
//! layer would need an observer of its own (a member, a transport, a subscription each) or
//! a new kind of subscription in the SFU. Following the highest wanted layer needs neither,
//! and costs the link one track's worth whatever the subscribers ask. The price: a far
//! subscriber that asks a lower layer than another one gets the higher one, and the far
//! SFU's congestion fallback has no lower layer to step down to (it can only stop video).
//!
//! **How the choice travels.** A room answers which layer its receivers want of each
//! publisher's video ([`Command::WantedLayers`], a query: the highest any receiver chose,
//! HIGH by default, paused receivers not counted). [`watch_wanted`] asks the room of the
//! bridge's mirrors a few times a second and publishes the answer: the shard's room
//! directly, when the users come from the home; the home's room over HTTP
//! ([`wanted_route`](super::wanted_route)), when they are the shard's own. The bridge's
//! observer then asks each user's video at that layer with `setRemoteSimulcastStreamType`,
//! an ordinary request, so the SFU it subscribes on switches layer at a keyframe as for any
//! subscriber, and the mirror's packets change with it. A track that no one receives on the
//! far side is asked at the lowest layer: it still crosses (a subscriber may come), as
//! cheaply as it can. When the far room cannot be asked (the home unreachable), the last
//! answer stands.
//!
//! Polled rather than pushed so the rooms and the SFU need only a query, and so the
//! observer's socket loop never waits on a room or a node: the polling runs in a task of
//! its own, from the bridge's first video on. A bridge whose users only watch or talk (most
//! of a big room's shard) never asks.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chorus_proto::SimulcastStreamType;
use tokio::sync::{oneshot, watch};

use super::super::Node;
use super::client::{SpanError, link_token};
use super::wanted_route;
use crate::ctx::Ctx;
use crate::room::{Command, RoomKey};

/// How often the mirrors' room is asked what its subscribers want: a new choice crosses
/// the link within this, plus a keyframe.
const POLL: Duration = Duration::from_millis(250);

/// The highest layer wanted of each publisher's video, by user id.
pub(super) type Wanted = HashMap<String, SimulcastStreamType>;

/// How long the home may take to answer.
const ASK_TIMEOUT: Duration = Duration::from_secs(2);

/// Where the room of a bridge's mirrors runs.
pub(super) enum MirrorsRoom {
    /// On this node.
    Here,
    /// On `node`, asked as the link user `user`.
    On { node: Node, user: String },
}

/// Asks `key`'s room of the bridge's mirrors what its receivers want, every [`POLL`], and
/// publishes the answer on `tx` until no one listens. A room not (yet, or no longer) there
/// wants nothing.
pub(super) async fn watch_wanted(
    ctx: Arc<Ctx>,
    key: RoomKey,
    room: MirrorsRoom,
    tx: watch::Sender<Wanted>,
) {
    let mut every = tokio::time::interval(POLL);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = tx.closed() => return,
            _ = every.tick() => {}
        }
        let wanted = match &room {
            MirrorsRoom::Here => Ok(ask_here(&ctx, &key).await),
            MirrorsRoom::On { node, user } => ask_node(&ctx, &key, node, user).await,
        };
        match wanted {
            Ok(wanted) => {
                tx.send_replace(wanted);
            }
            Err(error) => {
                tracing::debug!(room = %key.room_id, %error, "the far room's layers are unknown");
            }
        }
    }
}

/// The wanted layers of `key`'s room on this node.
pub(super) async fn ask_here(ctx: &Ctx, key: &RoomKey) -> Wanted {
    let Some(room) = ctx.directory.get(key) else {
        return Wanted::new();
    };
    let (reply, answer) = oneshot::channel();
    match room.send(Command::WantedLayers { reply }).await {
        Ok(()) => answer.await.unwrap_or_default(),
        Err(_) => Wanted::new(),
    }
}

/// The wanted layers of `key`'s room on `node`, asked over HTTP as `user`.
async fn ask_node(ctx: &Ctx, key: &RoomKey, node: &Node, user: &str) -> Result<Wanted, SpanError> {
    let cluster = ctx
        .cluster
        .as_ref()
        .ok_or_else(|| SpanError::Signal("not in cluster mode".into()))?;
    let url = format!("{}{}", node.url.trim_end_matches('/'), wanted_route::PATH);
    let failed = |e: reqwest::Error| SpanError::Signal(format!("{url}: {e}"));
    cluster
        .http
        .get(&url)
        .bearer_auth(link_token(ctx, key, user)?)
        .timeout(ASK_TIMEOUT)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(failed)?
        .json::<Wanted>()
        .await
        .map_err(failed)
}

/// The layer a bridge's observer last asked of each user's video.
#[derive(Debug, Default)]
pub(super) struct Asked(HashMap<Arc<str>, SimulcastStreamType>);

impl Asked {
    /// The layers to ask now of the videos of `users` (those the observer receives) given
    /// what the far side `wanted`: each that differs from what was last asked, or was never
    /// asked since the observer subscribed (the room may remember an older choice).
    pub(super) fn changes<'a>(
        &mut self,
        users: impl IntoIterator<Item = &'a Arc<str>>,
        wanted: &Wanted,
    ) -> Vec<(Arc<str>, SimulcastStreamType)> {
        let mut changes = Vec::new();
        for user in users {
            let want = wanted
                .get(&**user)
                .copied()
                .unwrap_or(SimulcastStreamType::Low);
            let asked = self.0.get(user).copied();
            if asked != Some(want) && !changes.iter().any(|(u, _)| u == user) {
                self.0.insert(user.clone(), want);
                changes.push((user.clone(), want));
            }
        }
        changes
    }

    /// The observer subscribed to `user`'s video again, or `user` left: ask again.
    pub(super) fn forget(&mut self, user: &str) {
        self.0.remove(user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_the_highest_wanted_and_the_lowest_when_none_is() {
        let (alice, bob): (Arc<str>, Arc<str>) = ("alice".into(), "bob".into());
        let mut asked = Asked::default();
        let wanted = Wanted::from([("alice".to_owned(), SimulcastStreamType::High)]);
        // Alice's video is wanted at the highest; Bob's by no one: the lowest.
        assert_eq!(
            asked.changes([&alice, &bob], &wanted),
            [
                (alice.clone(), SimulcastStreamType::High),
                (bob.clone(), SimulcastStreamType::Low)
            ]
        );
        assert!(asked.changes([&alice, &bob], &wanted).is_empty());
        let wanted = Wanted::from([
            ("alice".to_owned(), SimulcastStreamType::Mid),
            ("bob".to_owned(), SimulcastStreamType::High),
        ]);
        assert_eq!(
            asked.changes([&alice, &bob], &wanted),
            [
                (alice.clone(), SimulcastStreamType::Mid),
                (bob.clone(), SimulcastStreamType::High)
            ]
        );
        // Bob published again: his new subscription is asked again, as it was.
        asked.forget("bob");
        assert_eq!(
            asked.changes([&alice, &bob], &wanted),
            [(bob.clone(), SimulcastStreamType::High)]
        );
    }
}
