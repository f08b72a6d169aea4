//! Peers: registering them, the events the SFU sends their sessions, and what happens when a
//! transport fails or a peer closes. Part of [`Router`].
//!
//! Events never wait: a full channel keeps them in order in the peer's outbox, retried each
//! tick, so a session that reads slowly cannot stall the forwarding task.

use tokio::sync::mpsc::{self, error::TrySendError};
use tracing::info;

use super::forward::{Continuation, Flow};
use super::ids::{SourceId, TransportId};
use super::peer::Peer;
use super::router::Router;
use super::transport::Side;
use super::{ForwardMode, PeerEvent, PeerId, SfuError, Source};

impl Router {
    /// Registers a peer (again: a re-open keeps its transports, with new events). A new peer
    /// beyond `max_peers` is refused.
    pub(super) fn open(
        &mut self,
        peer: PeerId,
        events: mpsc::Sender<PeerEvent>,
    ) -> Result<(), SfuError> {
        let full = self.peers.len() >= self.max_peers;
        match self.peers.get_mut(&peer) {
            Some(existing) => {
                existing.events = events;
                existing.outbox.clear();
            }
            None if full => return Err(SfuError::Full(self.max_peers)),
            None => {
                self.peers.insert(peer, Peer::new(events));
                self.metrics.peers.inc();
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
            state.outbox.push_back(event);
            return;
        }
        match state.events.try_send(event) {
            Ok(()) | Err(TrySendError::Closed(_)) => {}
            Err(TrySendError::Full(event)) => {
                state.outbox.push_back(event);
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
