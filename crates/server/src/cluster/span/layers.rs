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
//! **How the choice travels.** The room of the mirrors runs on this node in the link's
//! *down* direction (the home's users mirrored into the shard): [`watch_wanted`] asks that
//! room a few times a second which layer each publisher's receivers want
//! ([`Command::WantedLayers`]) and publishes the answer; the bridge's observer, in the
//! home's room, asks each user's video at that layer with `setRemoteSimulcastStreamType`,
//! an ordinary request, so the home's SFU switches layer at a keyframe as it does for any
//! subscriber, and the mirror's packets change with it. A track that no one receives on
//! the far side is asked at the lowest layer: it still crosses (a subscriber may come), as
//! cheaply as it can. In the *up* direction (the shard's users mirrored into the home) the
//! mirrors' room runs on the home's node, whose choices this node does not see: those
//! tracks cross at the SFU's default, the highest layer.
//!
//! Polled rather than pushed so the room and the SFU need only a query, and so the
//! observer's socket loop never waits on the room: the polling runs in a task of its own.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chorus_proto::SimulcastStreamType;
use tokio::sync::{oneshot, watch};

use crate::ctx::Ctx;
use crate::room::{Command, RoomKey};

/// How often the mirrors' room is asked what its subscribers want: a new choice crosses
/// the link within this, plus a keyframe.
const POLL: Duration = Duration::from_millis(250);

/// The highest layer wanted of each publisher's video, by user id.
pub(super) type Wanted = HashMap<String, SimulcastStreamType>;

/// Asks `key`'s room on this node what its receivers want, every [`POLL`], and publishes
/// the answer on `tx` until no one listens. A room not (yet, or no longer) here wants
/// nothing.
pub(super) async fn watch_wanted(ctx: Arc<Ctx>, key: RoomKey, tx: watch::Sender<Wanted>) {
    let mut every = tokio::time::interval(POLL);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = tx.closed() => return,
            _ = every.tick() => {}
        }
        let wanted = match ctx.directory.get(&key) {
            Some(room) => {
                let (reply, answer) = oneshot::channel();
                match room.send(Command::WantedLayers { reply }).await {
                    Ok(()) => answer.await.unwrap_or_default(),
                    Err(_) => Wanted::new(),
                }
            }
            None => Wanted::new(),
        };
        tx.send_replace(wanted);
    }
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
