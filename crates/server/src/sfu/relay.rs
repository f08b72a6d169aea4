//! Forwarding across workers: a source published on one worker, subscribed to on others.
//! Part of [`Router`].
//!
//! The worker of a subscriber keeps a source for each publisher it forwards from, as it would
//! for a local one, but with no upstream transport: its packets come from the publisher's
//! worker as [`RelayMsg::Packet`]s, already routed, parsed and stamped with their arrival, and
//! feed the lanes exactly as a local packet does. In the other direction go
//! [`RelayMsg::Interest`] (this worker has lanes for a source, or no longer has) and
//! [`RelayMsg::Keyframe`] (a lane here needs one). The publisher's worker sends a packet to
//! each worker whose interest it holds, once per packet and worker however many lanes are
//! there.
//!
//! The router only queues these in [`Router::relay_out`], one queue per worker; the shell
//! sends each queue as one batch per turn over a bounded channel, so the hot path takes no
//! lock and the channel is touched once per turn and worker, not per packet. Interest is said
//! again every [`INTEREST_REFRESH`], and a packet nobody here wants is answered with "not
//! wanted", so a worker that restarted (or a batch dropped on a full channel) heals by
//! itself on both sides.

use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::media::KeyframeRequestKind;
use str0m::rtp::VideoOrientation;

use super::Source;
use super::forward::Layer;
use super::ids::SourceId;
use super::keyframe::Codec;
use super::router::Router;
use super::workers::worker_of;

/// How often a worker repeats which remote sources it wants.
pub(super) const INTEREST_REFRESH: Duration = Duration::from_secs(1);

/// One forwarded packet, as every lane takes it: parsed once where it arrived.
#[derive(Debug, Clone)]
pub(super) struct Packet {
    /// Extended sequence number of the publisher's stream.
    pub(super) seq: u64,
    pub(super) ts: u32,
    pub(super) layer: Layer,
    pub(super) keyframe: bool,
    pub(super) marker: bool,
    pub(super) video: bool,
    pub(super) codec: Codec,
    pub(super) audio_level: Option<i8>,
    pub(super) voice_activity: Option<bool>,
    pub(super) video_orientation: Option<VideoOrientation>,
    pub(super) payload: Arc<[u8]>,
    /// When it was read from the publisher's socket.
    pub(super) at: Instant,
}

/// What one worker tells another.
#[derive(Debug)]
pub(super) enum RelayMsg {
    /// A packet of `source`, which has `layers` simulcast layers.
    Packet {
        source: Source,
        layers: u8,
        packet: Packet,
    },
    /// Worker `worker` wants `source`'s packets, or no longer does.
    Interest {
        source: Source,
        worker: usize,
        wanted: bool,
    },
    /// A lane on the sending worker needs a keyframe of `layer` of `source`.
    Keyframe {
        source: Source,
        layer: Layer,
        kind: KeyframeRequestKind,
    },
}

impl Router {
    /// Queues `msg` for worker `worker`.
    pub(super) fn relay(&mut self, worker: usize, msg: RelayMsg) {
        if let Some(queue) = self.relay_out.get_mut(worker) {
            queue.push(msg);
        }
    }

    /// One message from another worker.
    pub(super) fn handle_relay(&mut self, msg: RelayMsg, now: Instant) {
        match msg {
            RelayMsg::Packet {
                source,
                layers,
                packet,
            } => {
                let id = self.sources.id_of(&source);
                let told = id
                    .and_then(|id| self.sources.get_mut(id))
                    .is_some_and(|s| s.told);
                match id {
                    Some(id) if told => self.feed_remote(id, layers, &packet, now),
                    // Not wanted here (this worker restarted since it asked, say): said so,
                    // until the publisher's worker hears it.
                    _ => {
                        let to = worker_of(source.publisher, self.workers);
                        let worker = self.worker;
                        let msg = RelayMsg::Interest {
                            source,
                            worker,
                            wanted: false,
                        };
                        self.relay(to, msg);
                    }
                }
            }
            RelayMsg::Interest {
                source,
                worker,
                wanted,
            } => {
                let bit = 1u64 << (worker % 64);
                if wanted {
                    let id = self.sources.get_or_insert(source);
                    if let Some(state) = self.sources.get_mut(id) {
                        state.relay_to |= bit;
                    }
                } else if let Some(id) = self.sources.id_of(&source) {
                    if let Some(state) = self.sources.get_mut(id) {
                        state.relay_to &= !bit;
                    }
                    self.sources.collect(id);
                }
            }
            RelayMsg::Keyframe {
                source,
                layer,
                kind,
            } => {
                if let Some(id) = self.sources.id_of(&source) {
                    self.request_keyframe(id, layer, kind, now);
                }
            }
        }
    }

    fn feed_remote(&mut self, id: SourceId, layers: u8, packet: &Packet, now: Instant) {
        let Some(source) = self.sources.get_mut(id) else {
            return;
        };
        source.remote_layers = layers;
        if let Some(seen) = source.seen.get_mut(usize::from(packet.layer)) {
            *seen = Some(now);
        }
        if let Some(bytes) = source.bytes.get_mut(usize::from(packet.layer)) {
            *bytes += packet.payload.len() as u64 + super::source::PACKET_OVERHEAD;
        }
        self.feed_lanes(id, packet);
    }

    /// Tells the publishers' workers which of their sources this worker now wants or no
    /// longer wants; with `all`, repeats every wanted one too.
    pub(super) fn sync_interest(&mut self, all: bool) {
        if self.workers <= 1 {
            return;
        }
        let me = self.worker;
        let workers = self.workers;
        let mut changes = std::mem::take(&mut self.interest_scratch);
        changes.clear();
        for (id, state) in self.sources.iter_mut() {
            if worker_of(state.key.publisher, workers) == me {
                continue;
            }
            let wanted = !state.lanes.is_empty();
            if wanted != state.told || (all && wanted) {
                state.told = wanted;
                changes.push((id, state.key, wanted));
            }
        }
        for &(id, source, wanted) in &changes {
            let to = worker_of(source.publisher, workers);
            self.relay(
                to,
                RelayMsg::Interest {
                    source,
                    worker: me,
                    wanted,
                },
            );
            if !wanted {
                self.sources.collect(id);
            }
        }
        self.interest_scratch = changes;
    }
}
