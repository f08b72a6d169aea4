//! Peers: registering them, the events the SFU sends their sessions, and what happens when a
//! transport fails or a peer closes. Part of [`Router`].
//!
//! Events never wait: a full channel keeps them in order in the peer's outbox, retried each
//! tick, so a session that reads slowly cannot stall the forwarding task. That outbox is
//! bounded too ([`MAX_QUEUED_EVENTS`]): a queued subscriber offer is superseded by a newer
//! one (a transport has one offer in flight, so an older offer not yet seen belongs to a
//! transport that has since failed), and past the bound the oldest event is dropped, with a
//! warning: the session is then not reading at all, and its own bounds will end it.

use std::collections::VecDeque;

use tokio::sync::mpsc::{self, error::TrySendError};

use tracing::{info, warn};

use super::forward::{Continuation, Flow};
use super::ids::{SourceId, TransportId};
use super::peer::Peer;
use super::router::Router;
use super::transport::Side;
use super::{ForwardMode, PeerEvent, PeerId, SfuError, Source};

/// Most events kept for one peer beyond what its channel holds.
pub(super) const MAX_QUEUED_EVENTS: usize = 64;

/// Queues `event` in `outbox`, within [`MAX_QUEUED_EVENTS`].
fn queue(peer: PeerId, outbox: &mut VecDeque<PeerEvent>, event: PeerEvent) {
    if matches!(event, PeerEvent::SubscriberOffer(_)) {
        outbox.retain(|e| !matches!(e, PeerEvent::SubscriberOffer(_)));
    }
    if outbox.len() >= MAX_QUEUED_EVENTS {
        outbox.pop_front();
        warn!(
            peer = peer.0,
            "session not taking media events; dropped the oldest"
        );
    }
    outbox.push_back(event);
}

impl Router {
    /// Registers a peer (again: a re-open keeps its transports, with new events). A new peer
    /// beyond `max_peers` (counted over every worker) is refused.
    pub(super) fn open(
        &mut self,
        peer: PeerId,
        events: mpsc::Sender<PeerEvent>,
    ) -> Result<(), SfuError> {
        match self.peers.get_mut(&peer) {
            Some(existing) => {
                existing.events = events;
                existing.outbox.clear();
            }
            None => {
                // The gauge is the one count every worker shares: take a place in it, and
                // give it back if there was none.
                let before = self.metrics.peers.inc();
                if before >= i64::try_from(self.max_peers).unwrap_or(i64::MAX) {
                    self.metrics.peers.dec();
                    return Err(SfuError::Full(self.max_peers));
                }
                self.peers.insert(peer, Peer::new(events));
            }
        }
        Ok(())
    }

    /// Sends `event` to `peer`'s session without waiting: kept in order in an outbox while
    /// the channel is full, dropped if the session is gone.
    pub(super) fn emit(&mut self, peer: PeerId, event: PeerEvent) {
        let Some(state) = self.peers.get_mut(&peer) else {
            return;
        };
        if !state.outbox.is_empty() {
            queue(peer, &mut state.outbox, event);
            return;
        }
        match state.events.try_send(event) {
            Ok(()) | Err(TrySendError::Closed(_)) => {}
            Err(TrySendError::Full(event)) => {
                queue(peer, &mut state.outbox, event);
                self.undelivered.push(peer);
            }
        }
    }

    pub(super) fn retry_events(&mut self) {
        let peers = std::mem::take(&mut self.undelivered);
        for peer in peers {
            let Some(state) = self.peers.get_mut(&peer) else {
                continue;
            };
            while let Some(event) = state.outbox.pop_front() {
                match state.events.try_send(event) {
                    Ok(()) => {}
                    Err(TrySendError::Closed(_)) => state.outbox.clear(),
                    Err(TrySendError::Full(event)) => {
                        state.outbox.push_front(event);
                        break;
                    }
                }
            }
            if !state.outbox.is_empty() {
                self.undelivered.push(peer);
            }
        }
    }

    /// A transport failed: it is dropped, its peer told, and a subscriber transport remade
    /// with the same forwards at the next tick (the server is the offerer there, so only it
    /// can start over; the client answers the new offer).
    pub(super) fn fail(&mut self, id: TransportId, reason: String) {
        let Some(transport) = self.remove_transport(id) else {
            return;
        };
        let peer = transport.peer;
        info!(peer = peer.0, %reason, "media transport failed");
        match transport.side {
            Side::Publisher(publishing) => {
                for track in &publishing.tracks {
                    self.detach_upstream(track.source, id);
                }
                if let Some(state) = self.peers.get_mut(&peer) {
                    state.publisher = None;
                }
            }
            Side::Subscriber(subscribing) => {
                let mut restore = Vec::new();
                for (slot, s) in subscribing.slots.iter().enumerate() {
                    let Some(feed) = &s.wanted else {
                        continue;
                    };
                    let (mode, _) = self.remove_lane(&feed.source, id, slot);
                    restore.push((feed.clone(), mode));
                }
                if let Some(state) = self.peers.get_mut(&peer) {
                    state.subscriber = None;
                    state.restore = restore;
                }
            }
        }
        self.emit(peer, PeerEvent::TransportFailed { reason });
    }

    /// Removes the lane of `slot` on subscriber `sub` from `source`; returns its mode and
    /// where its output stood.
    pub(super) fn remove_lane(
        &mut self,
        source: &Source,
        sub: TransportId,
        slot: usize,
    ) -> (ForwardMode, Option<Continuation>) {
        let Some(id) = self.sources.id_of(source) else {
            return (ForwardMode::Off, None);
        };
        let mut removed = (ForwardMode::Off, None);
        if let Some(state) = self.sources.get_mut(id)
            && let Some(pos) = state
                .lanes
                .iter()
                .position(|l| l.sub == sub && l.slot == slot)
        {
            let entry = state.lanes.swap_remove(pos);
            let mode = match entry.lane.flow() {
                Flow::On => ForwardMode::On,
                Flow::Paused => ForwardMode::Paused,
            };
            removed = (mode, entry.lane.continuation());
        }
        self.sources.collect(id);
        removed
    }

    /// The publisher transport `transport` no longer feeds `source`.
    pub(super) fn detach_upstream(&mut self, source: SourceId, transport: TransportId) {
        if let Some(state) = self.sources.get_mut(source)
            && state.upstream.is_some_and(|u| u.transport == transport)
        {
            state.upstream = None;
            state.seen = Default::default();
        }
        self.sources.collect(source);
    }

    /// Closes both transports of `peer` and turns off everything forwarded from it.
    pub(super) fn close(&mut self, peer: PeerId) {
        let Some(state) = self.peers.remove(&peer) else {
            return;
        };
        self.metrics.peers.dec();
        if let Some(id) = state.subscriber
            && let Some(mut transport) = self.remove_transport(id)
            && let Some(subscribing) = transport.subscribing()
        {
            for (slot, s) in subscribing.slots.iter().enumerate() {
                if let Some(feed) = &s.wanted {
                    self.remove_lane(&feed.source, id, slot);
                }
            }
        }
        if let Some(id) = state.publisher {
            self.remove_transport(id);
        }
        // Every source of this peer: its subscribers' m-lines go off.
        let mut off = Vec::new();
        for (_, source) in self.sources.iter_mut() {
            if source.key.publisher != peer {
                continue;
            }
            source.upstream = None;
            for entry in source.lanes.drain(..) {
                off.push((entry.sub, entry.slot, entry.lane.continuation()));
            }
        }
        let mut touched = Vec::new();
        for (sub, slot, continuation) in off {
            let Some(subscribing) = self.transport_mut(sub).and_then(|t| t.subscribing()) else {
                continue;
            };
            if let Some(s) = subscribing.slots.get_mut(slot) {
                s.wanted = None;
                s.continuation = continuation.or(s.continuation);
            }
            if !touched.contains(&sub) {
                touched.push(sub);
            }
        }
        let ids: Vec<_> = self
            .sources
            .iter_mut()
            .filter(|(_, s)| s.key.publisher == peer)
            .map(|(id, _)| id)
            .collect();
        for id in ids {
            self.sources.collect(id);
        }
        for sub in touched {
            self.renegotiate(sub);
        }
        // Peers that would restore a forward from this one after a failure: not any more.
        for other in self.peers.values_mut() {
            other.restore.retain(|(f, _)| f.source.publisher != peer);
            other.layers.remove(&peer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chorus_proto::SubscriberOfferEvent;

    fn failed(i: usize) -> PeerEvent {
        PeerEvent::TransportFailed {
            reason: i.to_string(),
        }
    }

    fn offer(sdp: &str) -> PeerEvent {
        PeerEvent::SubscriberOffer(SubscriberOfferEvent {
            sdp: sdp.into(),
            tracks: Vec::new(),
        })
    }

    #[test]
    fn a_peer_keeps_at_most_the_bound_and_the_newest_events() {
        let mut outbox = VecDeque::new();
        for i in 0..1_000 {
            queue(PeerId(1), &mut outbox, failed(i));
        }
        assert_eq!(outbox.len(), MAX_QUEUED_EVENTS);
        assert!(
            matches!(outbox.back(), Some(PeerEvent::TransportFailed { reason }) if reason == "999")
        );
    }

    #[test]
    fn a_newer_subscriber_offer_supersedes_a_queued_one() {
        let mut outbox = VecDeque::new();
        queue(PeerId(1), &mut outbox, offer("old"));
        queue(PeerId(1), &mut outbox, failed(0));
        queue(PeerId(1), &mut outbox, offer("new"));
        let sdps: Vec<_> = outbox
            .iter()
            .map(|e| match e {
                PeerEvent::SubscriberOffer(o) => o.sdp.as_str(),
                PeerEvent::TransportFailed { .. } => "failed",
                PeerEvent::Restarted => "restarted",
                PeerEvent::Fallback(_) => "fallback",
            })
            .collect();
        assert_eq!(sdps, ["failed", "new"]);
    }
}
