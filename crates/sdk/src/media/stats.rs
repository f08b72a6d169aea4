//! Stream statistics as the app sees them (`onLocalStreamStats`, `onRemoteStreamStats`, whose
//! figures are [`StreamStats`]), made from str0m's per-m-line counters: cumulative bytes become a bitrate over the interval
//! between two reports; and the book of the latest figures per stream that the stats getters
//! (`get_local_video_stats` ...) read. Arithmetic and a shared map; no I/O.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chorus_proto::{StreamIndex, TrackKind};

pub(crate) use crate::event::StreamStats;

/// Turns cumulative byte counters into bitrates, per key.
#[derive(Debug, Default)]
pub(crate) struct RateMeter<K> {
    last: HashMap<K, (u64, Instant)>,
}

impl<K: std::hash::Hash + Eq> RateMeter<K> {
    /// The bitrate of `key` since its previous report, in kbit/s; 0 for the first report (or
    /// when the counter went backwards, as after a transport restart).
    pub(crate) fn kbps(&mut self, key: K, bytes: u64, at: Instant) -> f64 {
        let rate = match self.last.get(&key) {
            Some(&(before, then)) if bytes >= before && at > then => {
                let secs = (at - then).as_secs_f64();
                (bytes - before) as f64 * 8.0 / 1000.0 / secs
            }
            _ => 0.0,
        };
        self.last.insert(key, (bytes, at));
        rate
    }
}

/// Figures older than this describe a stream that stopped flowing: the getters report its
/// bitrate as 0 (the transports report every 2 s or so, and only what flows).
const STALE: Duration = Duration::from_millis(3500);

/// The latest figures of every sent and received stream, shared by the transports (which
/// write each report) and the engine handle (whose getters read without a round trip).
#[derive(Clone, Default)]
pub(crate) struct StatsBook {
    inner: Arc<Mutex<Book>>,
}

#[derive(Default)]
struct Book {
    local: HashMap<(StreamIndex, TrackKind), (StreamStats, Instant)>,
    remote: HashMap<(String, StreamIndex, TrackKind), (StreamStats, Instant)>,
}

impl std::fmt::Debug for StatsBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StatsBook")
    }
}

/// `stats` as of `now`: a stale report's bitrate is 0.
fn current((stats, at): &(StreamStats, Instant), now: Instant) -> StreamStats {
    let mut stats = stats.clone();
    if now.saturating_duration_since(*at) > STALE {
        stats.bitrate_kbps = 0.0;
    }
    stats
}

impl StatsBook {
    fn lock(&self) -> std::sync::MutexGuard<'_, Book> {
        // Every operation is a single insert, lookup or clear: a panic cannot leave it torn.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes the figures of a sent stream.
    pub(crate) fn set_local(&self, index: StreamIndex, stats: StreamStats, now: Instant) {
        self.lock().local.insert((index, stats.kind), (stats, now));
    }

    /// Notes the figures of a received stream.
    pub(crate) fn set_remote(
        &self,
        user_id: &str,
        index: StreamIndex,
        stats: StreamStats,
        now: Instant,
    ) {
        self.lock()
            .remote
            .insert((user_id.to_owned(), index, stats.kind), (stats, now));
    }

    /// Forgets everything (out of the room).
    pub(crate) fn clear(&self) {
        *self.lock() = Book::default();
    }

    /// The latest figures of the sent `kind` on `index`, if it was sent in this room.
    pub(crate) fn local(
        &self,
        index: StreamIndex,
        kind: TrackKind,
        now: Instant,
    ) -> Option<StreamStats> {
        self.lock()
            .local
            .get(&(index, kind))
            .map(|e| current(e, now))
    }

    /// The latest figures of each user's received `kind` on `index`.
    pub(crate) fn remote(
        &self,
        index: StreamIndex,
        kind: TrackKind,
        now: Instant,
    ) -> HashMap<String, StreamStats> {
        self.lock()
            .remote
            .iter()
            .filter(|((_, i, k), _)| *i == index && *k == kind)
            .map(|((user, _, _), e)| (user.clone(), current(e, now)))
            .collect()
    }
}

/// Milliseconds of a duration, saturating.
pub(crate) fn millis(d: std::time::Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chorus_proto::TrackKind;

    use super::*;

    #[test]
    fn bitrate_is_bytes_over_the_interval() {
        let mut meter = RateMeter::default();
        let t0 = Instant::now();
        assert_eq!(meter.kbps("a", 1_000, t0), 0.0);
        let rate = meter.kbps("a", 51_000, t0 + Duration::from_secs(2));
        assert!((rate - 200.0).abs() < 1e-9, "{rate}");
        // Another key is independent; a counter that restarts reads as 0, not negative.
        assert_eq!(meter.kbps("b", 10, t0 + Duration::from_secs(2)), 0.0);
        assert_eq!(meter.kbps("a", 5, t0 + Duration::from_secs(4)), 0.0);
    }

    #[test]
    fn the_book_keeps_the_latest_and_zeroes_stale_bitrates() {
        let book = StatsBook::default();
        let t = Instant::now();
        let stats = |kbps: f64, packets: u64| StreamStats {
            kind: TrackKind::Video,
            bitrate_kbps: kbps,
            packets,
            packet_loss_rate: 0.0,
            rtt_ms: None,
        };
        assert!(book.local(StreamIndex::Main, TrackKind::Video, t).is_none());
        book.set_local(StreamIndex::Main, stats(500.0, 10), t);
        book.set_local(StreamIndex::Main, stats(600.0, 20), t);
        book.set_remote("bob", StreamIndex::Screen, stats(300.0, 5), t);
        let main = book.local(StreamIndex::Main, TrackKind::Video, t).unwrap();
        assert_eq!((main.bitrate_kbps, main.packets), (600.0, 20));
        assert!(book.local(StreamIndex::Main, TrackKind::Audio, t).is_none());
        assert!(
            book.remote(StreamIndex::Main, TrackKind::Video, t)
                .is_empty()
        );
        let later = t + Duration::from_secs(5);
        let screen = book.remote(StreamIndex::Screen, TrackKind::Video, later);
        assert_eq!(screen["bob"].bitrate_kbps, 0.0, "stale");
        assert_eq!(screen["bob"].packets, 5);
        book.clear();
        assert!(
            book.remote(StreamIndex::Screen, TrackKind::Video, t)
                .is_empty()
        );
    }

    #[test]
    fn stats_serialize_in_camel_case() {
        let stats = StreamStats {
            kind: TrackKind::Video,
            bitrate_kbps: 250.0,
            packets: 9,
            packet_loss_rate: 0.0,
            rtt_ms: None,
        };
        assert_eq!(
            serde_json::to_value(&stats).expect("plain data"),
            serde_json::json!({"kind": "video", "bitrateKbps": 250.0, "packets": 9, "packetLossRate": 0.0})
        );
    }
}
