//! Stream statistics as the app sees them (`onLocalStreamStats`, `onRemoteStreamStats`, whose
//! figures are [`StreamStats`]), made from str0m's per-m-line counters: cumulative bytes become a bitrate over the interval
//! between two reports. Pure arithmetic with time as an argument; no I/O.

use std::collections::HashMap;
use std::time::Instant;

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
