//! Sources: each published track (a publisher's stream and kind) with the lanes that carry it
//! to subscribers, the layers seen lately and the keyframe throttle.
//!
//! A source exists while anyone refers to it: a publisher transport sending it, or a
//! subscriber m-line wanting it (the room may subscribe before the publisher's offer lands).
//! The hot path reaches a source by index from the publisher's SSRC route, never by hashing
//! its key; the key map is for commands.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::media::Mid;
use str0m::rtp::Ssrc;

use super::Source;
use super::forward::{KeyframeThrottle, Lane, Layer, MAX_LAYERS, PtMap, choose_layer};
use super::ids::{SourceId, TransportId};

/// How often each layer's bitrate is measured.
const RATE_WINDOW: Duration = Duration::from_millis(500);

/// Bytes on the wire per packet beyond the payload: RTP header and extensions, SRTP tag,
/// UDP and IP.
pub(super) const PACKET_OVERHEAD: u64 = 60;

/// A layer not seen for this long is taken as stopped (the publisher dropped it).
const LAYER_ACTIVE_WINDOW: Duration = Duration::from_millis(1500);

/// What a subscriber m-line carries: a source, and whose it is for the client's track list.
#[derive(Debug, Clone)]
pub(super) struct Feed {
    pub(super) source: Source,
    pub(super) user_id: Arc<str>,
}

/// The publisher side of a source.
#[derive(Debug, Clone, Copy)]
pub(super) struct Upstream {
    pub(super) transport: TransportId,
    pub(super) mid: Mid,
    /// Simulcast layers (1 without simulcast).
    pub(super) layers: u8,
}

/// One subscriber m-line fed by a source.
#[derive(Debug)]
pub(super) struct LaneEntry {
    pub(super) sub: TransportId,
    pub(super) slot: usize,
    /// The subscriber's send stream and payload types, once negotiated.
    pub(super) tx: Option<(Ssrc, PtMap)>,
    pub(super) lane: Lane,
}

/// One published track and everyone receiving it.
#[derive(Debug)]
pub(super) struct SourceState {
    pub(super) key: Source,
    pub(super) upstream: Option<Upstream>,
    pub(super) lanes: Vec<LaneEntry>,
    /// When each layer last delivered a packet.
    pub(super) seen: [Option<Instant>; MAX_LAYERS],
    pub(super) throttle: KeyframeThrottle,
    /// Bytes each layer delivered since the last measurement.
    pub(super) bytes: [u64; MAX_LAYERS],
    /// Each layer's bitrate, smoothed, in bit/s.
    pub(super) rates: [u64; MAX_LAYERS],
    measured_at: Option<Instant>,
    /// Workers (bit i for worker i) that want this source's packets (`relay.rs`).
    pub(super) relay_to: u64,
    /// For a source published on another worker: whether that worker was told this one
    /// wants it.
    pub(super) told: bool,
    /// For a source published on another worker: its simulcast layers, as relayed.
    pub(super) remote_layers: u8,
}

impl SourceState {
    fn new(key: Source) -> Self {
        SourceState {
            key,
            upstream: None,
            lanes: Vec::new(),
            seen: [None; MAX_LAYERS],
            throttle: KeyframeThrottle::default(),
            bytes: [0; MAX_LAYERS],
            rates: [0; MAX_LAYERS],
            measured_at: None,
            relay_to: 0,
            told: false,
            remote_layers: 1,
        }
    }

    /// The lane feeding `slot` of subscriber transport `sub`.
    pub(super) fn lane_mut(&mut self, sub: TransportId, slot: usize) -> Option<&mut LaneEntry> {
        self.lanes
            .iter_mut()
            .find(|l| l.sub == sub && l.slot == slot)
    }

    /// How many simulcast layers the publisher sends: from its transport here, or as relayed
    /// from its worker.
    pub(super) fn layer_count(&self) -> u8 {
        self.upstream
            .map_or(self.remote_layers, |u| u.layers)
            .max(1)
    }

    /// Bit i set when layer i delivered a packet lately.
    pub(super) fn active_layers(&self, now: Instant) -> u8 {
        self.seen.iter().enumerate().fold(0, |mask, (i, seen)| {
            let active =
                seen.is_some_and(|t| now.saturating_duration_since(t) < LAYER_ACTIVE_WINDOW);
            if active { mask | (1 << i) } else { mask }
        })
    }

    /// Turns the bytes counted into each layer's bitrate, once per [`RATE_WINDOW`]; a layer
    /// that stopped decays to 0.
    pub(super) fn measure(&mut self, now: Instant) {
        let Some(since) = self.measured_at else {
            self.measured_at = Some(now);
            self.bytes = [0; MAX_LAYERS];
            return;
        };
        let elapsed = now.saturating_duration_since(since);
        if elapsed < RATE_WINDOW {
            return;
        }
        let micros = elapsed.as_micros().max(1);
        for (rate, bytes) in self.rates.iter_mut().zip(&mut self.bytes) {
            let now_rate = (u128::from(*bytes) * 8 * 1_000_000 / micros) as u64;
            *rate = if *rate == 0 {
                now_rate
            } else {
                (*rate + now_rate) / 2
            };
            *bytes = 0;
        }
        self.measured_at = Some(now);
    }

    /// Points every lane at the layer it should forward now.
    pub(super) fn retarget(&mut self, now: Instant) {
        let count = self.layer_count();
        let active = self.active_layers(now);
        for entry in &mut self.lanes {
            let target = choose_layer(entry.lane.capped_wanted(), count, active);
            entry.lane.set_target(target);
        }
    }

    /// The layers some lane is waiting for a keyframe of, as a bit set.
    pub(super) fn keyframes_wanted(&self) -> u8 {
        self.lanes
            .iter()
            .filter_map(|l| l.lane.wants_keyframe())
            .fold(0, |mask, layer: Layer| mask | (1 << layer))
    }
}

/// Every source, by index and by key.
#[derive(Debug, Default)]
pub(super) struct Sources {
    table: Vec<Option<SourceState>>,
    free: Vec<u32>,
    by_key: HashMap<Source, SourceId>,
}

impl Sources {
    /// The source of `key`, made if new.
    pub(super) fn get_or_insert(&mut self, key: Source) -> SourceId {
        if let Some(id) = self.by_key.get(&key) {
            return *id;
        }
        let state = SourceState::new(key);
        let id = match self.free.pop() {
            Some(i) => {
                self.table[i as usize] = Some(state);
                SourceId(i)
            }
            None => {
                self.table.push(Some(state));
                SourceId(u32::try_from(self.table.len() - 1).unwrap_or(u32::MAX))
            }
        };
        self.by_key.insert(key, id);
        id
    }

    /// The id of `key`'s source, if it exists.
    pub(super) fn id_of(&self, key: &Source) -> Option<SourceId> {
        self.by_key.get(key).copied()
    }

    /// The source `id`.
    pub(super) fn get_mut(&mut self, id: SourceId) -> Option<&mut SourceState> {
        self.table.get_mut(id.0 as usize)?.as_mut()
    }

    /// Drops the source if nobody refers to it any more: no upstream, no lane, no worker
    /// relayed to, and no worker still to be told this one has stopped wanting it.
    pub(super) fn collect(&mut self, id: SourceId) {
        let unused = self.get_mut(id).is_some_and(|s| {
            s.upstream.is_none() && s.lanes.is_empty() && s.relay_to == 0 && !s.told
        });
        if unused && let Some(state) = self.table[id.0 as usize].take() {
            self.by_key.remove(&state.key);
            self.free.push(id.0);
        }
    }

    /// Every source, for periodic upkeep.
    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = (SourceId, &mut SourceState)> {
        self.table
            .iter_mut()
            .enumerate()
            .filter_map(|(i, s)| s.as_mut().map(|s| (SourceId(i as u32), s)))
    }
}
