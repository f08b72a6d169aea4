//! The packet path, the SFU's hot path: an RTP packet from a publisher's transport is routed
//! to its source once, parsed once ([`Packet`]), queued once per other worker that wants it
//! (`relay.rs`) and copied onto each lane's send stream here. Part of [`Router`]; the
//! decision per lane is `forward.rs`'s.
//!
//! Budget per packet (as `forward.rs` states it): our code allocates nothing (the payload is
//! one `Arc` shared by every copy and relay), takes no lock and logs nothing above trace.

use std::time::Instant;

use chorus_proto::TrackKind;
use str0m::media::{ExtensionValues, Pt};
use str0m::rtp::{RtpPacket, RtpWrite, SeqNo, Ssrc};
use tracing::debug;

use super::forward::Incoming;
use super::ids::{SourceId, TransportId};
use super::keyframe::starts_keyframe;
use super::relay::{Packet, RelayMsg};
use super::router::Router;
use super::source::PACKET_OVERHEAD;
use super::transport::Route;

impl Router {
    /// The hot path: one RTP packet from a publisher, to every lane that wants it, here and
    /// on other workers.
    pub(super) fn forward_rtp(&mut self, id: TransportId, packet: RtpPacket, now: Instant) {
        let ssrc = packet.header.ssrc;
        let Some(publishing) = self.transport_mut(id).and_then(|t| t.publishing()) else {
            return;
        };
        let route = match publishing.route(ssrc) {
            Some(route) => route,
            None => match self.learn_route(id, ssrc) {
                Some(route) => route,
                None => return,
            },
        };
        let Some(transport) = self.transport_mut(id) else {
            return;
        };
        let Some(codec) = transport
            .publishing()
            .and_then(|p| p.codec(packet.header.payload_type))
        else {
            return;
        };
        let Some(source) = self.sources.get_mut(route.source) else {
            return;
        };
        if let Some(seen) = source.seen.get_mut(usize::from(route.layer)) {
            *seen = Some(now);
        }
        if let Some(bytes) = source.bytes.get_mut(usize::from(route.layer)) {
            *bytes += packet.payload.len() as u64 + PACKET_OVERHEAD;
        }
        if source.lanes.is_empty() && source.relay_to == 0 {
            return;
        }
        let relay_to = source.relay_to;
        let key = source.key;
        let layers = source.layer_count();
        // Only what the subscriber's receiver uses; str0m sets mid, TWCC and send time.
        let ext = &packet.header.ext_vals;
        let out = Packet {
            seq: *packet.seq_no,
            ts: packet.header.timestamp,
            layer: route.layer,
            keyframe: !route.video || starts_keyframe(codec, &packet.payload),
            marker: packet.header.marker,
            video: route.video,
            codec,
            audio_level: ext.audio_level,
            voice_activity: ext.voice_activity,
            video_orientation: ext.video_orientation,
            payload: packet.payload,
            at: now,
        };
        if relay_to != 0 {
            for worker in 0..self.workers {
                if relay_to & (1 << worker) != 0 {
                    let msg = RelayMsg::Packet {
                        source: key,
                        layers,
                        packet: out.clone(),
                    };
                    self.relay(worker, msg);
                }
            }
        }
        self.feed_lanes(route.source, &out);
    }

    /// Queues a copy of `packet` on each lane of `source` that takes it.
    pub(super) fn feed_lanes(&mut self, id: SourceId, packet: &Packet) {
        let Some(source) = self.sources.get_mut(id) else {
            return;
        };
        let incoming = Incoming {
            seq: packet.seq,
            ts: packet.ts,
            layer: packet.layer,
            keyframe: packet.keyframe,
            at: packet.at,
        };
        let ext = ExtensionValues {
            audio_level: packet.audio_level,
            voice_activity: packet.voice_activity,
            video_orientation: packet.video_orientation,
            ..ExtensionValues::default()
        };
        let bytes = packet.payload.len() as u64;
        for entry in &mut source.lanes {
            let Some(out) = entry.lane.on_packet(&incoming) else {
                continue;
            };
            let Some((tx_ssrc, pts)) = entry.tx else {
                continue;
            };
            let Some(pt) = pts.get(packet.codec) else {
                continue;
            };
            let Some(Some(sub)) = self.transports.get_mut(entry.sub.0 as usize) else {
                continue;
            };
            let mut api = sub.rtc.direct_api();
            let Some(stream) = api.stream_tx(&tx_ssrc) else {
                continue;
            };
            let write = RtpWrite::new(
                Pt::from(pt),
                SeqNo::from(out.seq),
                out.ts,
                packet.at,
                packet.payload.clone(),
            )
            .marker(packet.marker)
            .nackable(packet.video)
            .ext_vals(ext.clone());
            stream.write_rtp(write);
            if !sub.dirty {
                sub.dirty = true;
                self.dirty.push(entry.sub);
            }
            sub.read_times.push(packet.at);
            self.copies_this_turn += 1;
            self.tally.packets += 1;
            self.tally.bytes += bytes;
        }
    }

    /// Finds out which track and layer a new SSRC carries (once per SSRC).
    fn learn_route(&mut self, id: TransportId, ssrc: Ssrc) -> Option<Route> {
        let transport = self.transport_mut(id)?;
        let (mid, rid) = {
            let mut api = transport.rtc.direct_api();
            let stream = api.stream_rx(&ssrc)?;
            (stream.mid(), stream.rid())
        };
        let publishing = transport.publishing()?;
        let track = publishing.track(mid)?;
        let route = Route {
            ssrc,
            source: track.source,
            layer: track.layer_of(rid)?,
            video: track.kind == TrackKind::Video,
        };
        debug!(%mid, ?rid, %ssrc, layer = route.layer, "new publisher stream");
        publishing.routes.push(route);
        Some(route)
    }
}
