//! Keyframe requests: a subscriber's PLI or FIR, and a lane waiting for a keyframe, become a
//! request to the publisher of the layer concerned, throttled per source and layer. Part of
//! [`Router`]; how a payload is read as a keyframe is `keyframe.rs`. Off the per-packet path:
//! it runs on a subscriber's request, a negotiation or the tick, never per forwarded packet.

use std::time::Instant;

use str0m::media::{KeyframeRequest, KeyframeRequestKind};
use tracing::debug;

use super::forward::Layer;
use super::ids::{SourceId, TransportId};
use super::relay::RelayMsg;
use super::router::Router;
use super::transport::Side;
use super::workers::worker_of;

impl Router {
    /// A subscriber asks for a keyframe (PLI or FIR) on one of its m-lines: passed on to the
    /// publisher of the layer that lane is on now.
    pub(super) fn on_keyframe_request(
        &mut self,
        id: TransportId,
        request: KeyframeRequest,
        now: Instant,
    ) {
        let Some(subscribing) = self.transport_mut(id).and_then(|t| t.subscribing()) else {
            return;
        };
        let Some(slot) = subscribing.slot_of_mid(request.mid) else {
            return;
        };
        let Some(feed) = subscribing.slots[slot].wanted.clone() else {
            return;
        };
        let Some(source) = self.sources.id_of(&feed.source) else {
            return;
        };
        let layer = self
            .sources
            .get_mut(source)
            .and_then(|s| s.lane_mut(id, slot))
            .and_then(|l| l.lane.current());
        // A lane still waiting for its first keyframe is asked for by the tick already.
        if let Some(layer) = layer {
            self.request_keyframe(source, layer, request.kind, now);
        }
    }

    /// Asks the publisher of `source` for a keyframe on `layer`, unless one was asked for
    /// lately or its stream has not started.
    pub(super) fn request_keyframe(
        &mut self,
        source: SourceId,
        layer: Layer,
        kind: KeyframeRequestKind,
        now: Instant,
    ) {
        let Some(state) = self.sources.get_mut(source) else {
            return;
        };
        let Some(upstream) = state.upstream else {
            // Published on another worker: that worker asks, under its own throttle too.
            let key = state.key;
            let to = worker_of(key.publisher, self.workers);
            if to != self.worker && state.throttle.allow(layer, now) {
                self.relay(
                    to,
                    RelayMsg::Keyframe {
                        source: key,
                        layer,
                        kind,
                    },
                );
            }
            return;
        };
        let Some(Some(transport)) = self.transports.get_mut(upstream.transport.0 as usize) else {
            return;
        };
        let rid = match &transport.side {
            Side::Publisher(p) => p.track(upstream.mid).and_then(|t| t.rid_of(layer)),
            Side::Subscriber(_) => return,
        };
        let mut api = transport.rtc.direct_api();
        let Some(stream) = api.stream_rx_by_mid(upstream.mid, rid) else {
            return;
        };
        if !state.throttle.allow(layer, now) {
            return;
        }
        debug!(mid = %upstream.mid, ?rid, "keyframe request to the publisher");
        stream.request_keyframe(kind);
        self.mark_dirty(upstream.transport);
    }

    /// Asks for the keyframes lanes of `source` are waiting for.
    pub(super) fn kick_keyframes(&mut self, source: SourceId, now: Instant) {
        let Some(state) = self.sources.get_mut(source) else {
            return;
        };
        state.retarget(now);
        let wanted = state.keyframes_wanted();
        for layer in 0..8 {
            if wanted & (1 << layer) != 0 {
                self.request_keyframe(source, layer, KeyframeRequestKind::Pli, now);
            }
        }
    }
}
