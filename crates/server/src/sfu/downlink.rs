//! Subscribe fallback, applied: each subscriber transport's downlink estimate (str0m's TWCC
//! estimator, from `Event::EgressBitrateEstimate`), the subscriber's option and priorities,
//! and the videos it receives go into `fallback.rs`'s decision every [`FALLBACK_EVERY`]; a
//! step caps one lane and is told to the subscriber as [`PeerEvent::Fallback`]. Part of
//! [`Router`]; off the per-packet path.
//!
//! The estimator is also told what to look for: the rate the subscriber's full choice
//! needs (so it probes for it, and again now and then while something is lowered) and, while
//! something is lowered, the rate the next step up needs (so str0m pads up to it, within the
//! estimate, and the estimate can grow to it).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chorus_proto::{
    FallbackOrRecoverReason, RemoteStreamSwitch, RemoteUserPriority, StreamIndex,
    SubscribeFallbackOption, TrackKind,
};
use str0m::bwe::Bitrate;
use tracing::debug;

use super::fallback::{Cap, Downlink, Video, Why};
use super::forward::{Flow, Layer};
use super::ids::{SourceId, TransportId};
use super::router::Router;
use super::{PeerEvent, PeerId};

/// How often fallback decides.
pub(super) const FALLBACK_EVERY: Duration = Duration::from_millis(200);

/// Most priorities a peer keeps; later ones for new users are ignored.
pub(super) const MAX_PRIORITIES: usize = 1024;

/// One video lane of a subscriber, gathered for the decision.
struct Gathered {
    sub: TransportId,
    source: SourceId,
    lane: usize,
    slot: usize,
    index: StreamIndex,
    layers: u8,
    video: Video,
}

impl Router {
    /// Sets what fallback may do for `subscriber`; it applies at the next decision.
    pub(super) fn set_fallback(&mut self, subscriber: PeerId, option: SubscribeFallbackOption) {
        if let Some(peer) = self.peers.get_mut(&subscriber) {
            peer.fallback = option;
        }
    }

    /// Sets `user_id`'s priority for `subscriber`.
    pub(super) fn set_priority(
        &mut self,
        subscriber: PeerId,
        user_id: Arc<str>,
        priority: RemoteUserPriority,
    ) {
        let Some(peer) = self.peers.get_mut(&subscriber) else {
            return;
        };
        if peer.priorities.len() < MAX_PRIORITIES || peer.priorities.contains_key(&user_id) {
            peer.priorities.insert(user_id, priority);
        }
    }

    /// A new estimate of the path to the client of transport `id`.
    pub(super) fn on_estimate(&mut self, id: TransportId, bps: u64, now: Instant) {
        if let Some(subscribing) = self.transport_mut(id).and_then(|t| t.subscribing()) {
            tracing::trace!(sub = id.0, bps, "downlink estimate");
            subscribing.downlink.on_estimate(bps, now);
        }
    }

    /// Decides and applies fallback for every subscriber that has it on (or a cap to lift).
    pub(super) fn fallback_tick(&mut self, now: Instant) {
        if now < self.fallback_due {
            return;
        }
        self.fallback_due = now + FALLBACK_EVERY;
        if self
            .peers
            .values()
            .all(|p| p.fallback == SubscribeFallbackOption::Disable)
        {
            // Only caps left from an option since turned off need a look.
            let capped = self
                .sources
                .iter_mut()
                .any(|(_, s)| s.lanes.iter().any(|l| l.lane.cap() != Cap::NONE));
            if !capped {
                return;
            }
        }
        let mut gathered = Vec::new();
        for (id, state) in self.sources.iter_mut() {
            if state.key.kind != TrackKind::Video {
                continue;
            }
            let layers = state.layer_count();
            for (i, entry) in state.lanes.iter().enumerate() {
                if !entry.lane.is_ready() || entry.lane.flow() != Flow::On {
                    continue;
                }
                gathered.push(Gathered {
                    sub: entry.sub,
                    source: id,
                    lane: i,
                    slot: entry.slot,
                    index: state.key.index,
                    layers,
                    video: Video {
                        priority: RemoteUserPriority::Low,
                        top: entry.lane.wanted().min(layers - 1),
                        rates: state.rates,
                        cap: entry.lane.cap(),
                    },
                });
            }
        }
        gathered.sort_by_key(|g| g.sub);
        for group in gathered.chunk_by_mut(|a, b| a.sub == b.sub) {
            self.decide_for(group, now);
        }
    }

    /// One subscriber's decision and its step.
    fn decide_for(&mut self, group: &mut [Gathered], now: Instant) {
        let sub = group[0].sub;
        let Some(transport) = self
            .transports
            .get_mut(sub.0 as usize)
            .and_then(|t| t.as_mut())
        else {
            return;
        };
        let Some(peer) = self.peers.get(&transport.peer) else {
            return;
        };
        let option = peer.fallback;
        let Some(subscribing) = transport.subscribing() else {
            return;
        };
        let mut users: Vec<Arc<str>> = Vec::with_capacity(group.len());
        for g in group.iter_mut() {
            let user = subscribing
                .slots
                .get(g.slot)
                .and_then(|s| s.wanted.as_ref())
                .map(|f| f.user_id.clone())
                .unwrap_or_else(|| Arc::from(""));
            g.video.priority = peer
                .priorities
                .get(&user)
                .copied()
                .unwrap_or(RemoteUserPriority::Low);
            users.push(user);
        }
        let videos: Vec<Video> = group.iter().map(|g| g.video).collect();
        if option == SubscribeFallbackOption::Disable && videos.iter().all(|v| v.cap == Cap::NONE) {
            return;
        }
        let step = subscribing.downlink.decide(now, option, &videos);
        if option != SubscribeFallbackOption::Disable {
            let desired = subscribing.downlink.desired(now, &videos);
            let minimum = Downlink::raised_need(&videos).min(desired);
            transport
                .rtc
                .bwe()
                .set_bitrate(Bitrate::bps(minimum), Bitrate::bps(desired));
        }
        let Some(step) = step else {
            return;
        };
        let g = &group[step.index];
        let estimate = self
            .transport_mut(sub)
            .and_then(|t| t.subscribing())
            .and_then(|s| s.downlink.estimate());
        debug!(
            sub = sub.0,
            user = %users[step.index],
            ?step,
            ?estimate,
            "subscribe fallback step"
        );
        if let Some(state) = self.sources.get_mut(g.source) {
            if let Some(entry) = state.lanes.get_mut(g.lane) {
                entry.lane.set_cap(step.after);
            }
            state.retarget(now);
        }
        self.kick_keyframes(g.source, now);
        let index_of = |cap: Cap| -> u8 {
            let layer: Layer = g.video.layer_under(cap).unwrap_or(0);
            (g.layers - 1).saturating_sub(layer)
        };
        let reason = match step.why {
            Why::Bandwidth => FallbackOrRecoverReason::SubscribeFallbackByBandwidth,
            Why::Recovered => FallbackOrRecoverReason::SubscribeRecoverByBandwidth,
            Why::Lifted => FallbackOrRecoverReason::Unknown,
        };
        let event = RemoteStreamSwitch {
            user_id: users[step.index].to_string(),
            is_screen: g.index == StreamIndex::Screen,
            before_video_index: index_of(step.before),
            after_video_index: index_of(step.after),
            before_enable: step.before != Cap::Off,
            after_enable: step.after != Cap::Off,
            reason,
        };
        if let Some(peer) = self.transport_mut(sub).map(|t| t.peer) {
            self.emit(peer, PeerEvent::Fallback(event));
        }
    }
}
