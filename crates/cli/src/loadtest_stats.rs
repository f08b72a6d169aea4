//! The load test's arithmetic: what subscribers measure per RTP stream (loss, RFC 3550
//! jitter), the server's CPU time from /proc, and quantiles from a Prometheus histogram.
//! Pure functions and plain data, so each is unit-tested.

use std::collections::HashMap;
use std::time::Instant;

/// One received RTP stream, as a subscriber sees it.
#[derive(Debug, Clone, Default)]
pub(crate) struct StreamStats {
    first_seq: u64,
    max_seq: u64,
    received: u64,
    /// RFC 3550 interarrival jitter, in seconds.
    jitter: f64,
    last: Option<(Instant, f64)>,
}

impl StreamStats {
    /// Records a packet: its extended sequence number, when it arrived and its media time
    /// in seconds.
    pub(crate) fn record(&mut self, seq: u64, arrival: Instant, media_secs: f64) {
        if self.received == 0 {
            self.first_seq = seq;
            self.max_seq = seq;
        }
        self.first_seq = self.first_seq.min(seq);
        self.max_seq = self.max_seq.max(seq);
        self.received += 1;
        if let Some((last_arrival, last_media)) = self.last {
            let transit_change = arrival.checked_duration_since(last_arrival).map_or_else(
                || -(last_arrival.duration_since(arrival).as_secs_f64()),
                |d| d.as_secs_f64(),
            ) - (media_secs - last_media);
            self.jitter += (transit_change.abs() - self.jitter) / 16.0;
        }
        self.last = Some((arrival, media_secs));
    }

    /// Packets the sequence numbers say were sent.
    pub(crate) fn expected(&self) -> u64 {
        if self.received == 0 {
            0
        } else {
            self.max_seq - self.first_seq + 1
        }
    }
}

/// What one subscriber received, summed over its streams.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Reception {
    pub(crate) packets: u64,
    pub(crate) bytes: u64,
    pub(crate) expected: u64,
    pub(crate) streams: usize,
    /// Sum of the streams' jitter, in seconds.
    pub(crate) jitter_sum: f64,
    /// The largest stream jitter, in seconds.
    pub(crate) jitter_max: f64,
}

impl Reception {
    /// The summary of `streams`, with `bytes` received in all.
    pub(crate) fn of(streams: &HashMap<u32, StreamStats>, bytes: u64) -> Self {
        let mut r = Reception {
            bytes,
            streams: streams.len(),
            ..Reception::default()
        };
        for s in streams.values() {
            r.packets += s.received;
            r.expected += s.expected();
            r.jitter_sum += s.jitter;
            r.jitter_max = r.jitter_max.max(s.jitter);
        }
        r
    }

    /// Adds another subscriber's summary.
    pub(crate) fn add(&mut self, other: &Reception) {
        self.packets += other.packets;
        self.bytes += other.bytes;
        self.expected += other.expected;
        self.streams += other.streams;
        self.jitter_sum += other.jitter_sum;
        self.jitter_max = self.jitter_max.max(other.jitter_max);
    }
}

/// A process's user + system CPU time in seconds, from the text of /proc/PID/stat.
pub(crate) fn cpu_seconds(stat: &str) -> Option<f64> {
    // The command name (field 2) may hold spaces; fields after its ')' are plain.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // USER_HZ, which /proc reports in, is 100 on Linux.
    Some((utime + stime) / 100.0)
}

/// The machine's busy CPU time in seconds (all cores), from the text of /proc/stat.
pub(crate) fn machine_busy_seconds(stat: &str) -> Option<f64> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    let busy: f64 = fields
        .iter()
        .enumerate()
        .filter(|(i, _)| !matches!(i, 3 | 4) && *i < 8)
        .map(|(_, v)| v)
        .sum();
    Some(busy / 100.0)
}

/// The value of the sample `name` (with `labels`, e.g. `le="0.0001"`) in a Prometheus text
/// exposition.
pub(crate) fn sample(text: &str, name: &str, labels: &str) -> Option<f64> {
    let key = if labels.is_empty() {
        name.to_owned()
    } else {
        format!("{name}{{{labels}}}")
    };
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(key.as_str())?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

/// The cumulative buckets (upper bound in seconds, count) of histogram `name`.
pub(crate) fn buckets(text: &str, name: &str) -> Vec<(f64, f64)> {
    let prefix = format!("{name}_bucket{{le=\"");
    let mut out: Vec<(f64, f64)> = text
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(prefix.as_str())?;
            let (bound, value) = rest.split_once("\"} ")?;
            let bound = if bound == "+Inf" {
                f64::INFINITY
            } else {
                bound.parse().ok()?
            };
            Some((bound, value.trim().parse().ok()?))
        })
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// The `q` quantile of the observations between two scrapes of the same histogram
/// (`before`, `after`: cumulative buckets), interpolated linearly inside its bucket as
/// Prometheus does. `None` without observations.
pub(crate) fn quantile(before: &[(f64, f64)], after: &[(f64, f64)], q: f64) -> Option<f64> {
    let delta: Vec<(f64, f64)> = after
        .iter()
        .map(|&(bound, count)| {
            let earlier = before.iter().find(|b| b.0 == bound).map_or(0.0, |b| b.1);
            (bound, count - earlier)
        })
        .collect();
    let total = delta.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let mut lower = (0.0, 0.0);
    for &(bound, count) in &delta {
        if count >= rank {
            if bound.is_infinite() {
                // Beyond the last finite bound: the best that can be said is that bound.
                return Some(lower.0);
            }
            let in_bucket = count - lower.1;
            let fraction = if in_bucket > 0.0 {
                (rank - lower.1) / in_bucket
            } else {
                1.0
            };
            return Some(lower.0 + (bound - lower.0) * fraction);
        }
        lower = (bound, count);
    }
    None
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn loss_and_jitter_of_a_stream() {
        let t0 = Instant::now();
        let mut s = StreamStats::default();
        // 20 ms packets arriving exactly on time: no jitter.
        for i in 0..10u64 {
            s.record(100 + i, t0 + Duration::from_millis(20 * i), 0.02 * i as f64);
        }
        assert_eq!(s.expected(), 10);
        assert!(s.jitter < 1e-9);
        // One lost (110), one late by 16 ms.
        s.record(111, t0 + Duration::from_millis(20 * 11 + 16), 0.22);
        assert_eq!(s.expected(), 12);
        assert_eq!(s.received, 11);
        assert!((s.jitter - 0.001).abs() < 1e-6, "{}", s.jitter);
    }

    #[test]
    fn machine_time_from_proc_stat() {
        let stat = "cpu  100 5 50 1000 20 3 2 10 0 0\ncpu0 50 2 25 500 10 1 1 5 0 0\n";
        assert_eq!(machine_busy_seconds(stat), Some(1.7));
        assert_eq!(machine_busy_seconds("intr 1 2 3"), None);
    }

    #[test]
    fn cpu_time_from_proc_stat() {
        let stat = "4242 (chorus serve) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 \
                    20 0 8 0 12345 100000000 5000 18446744073709551615";
        assert_eq!(cpu_seconds(stat), Some(3.0));
        assert_eq!(cpu_seconds("garbage"), None);
    }

    const EXPOSITION: &str = "# HELP x\n\
        chorus_sfu_forwarded_packets_total 1500\n\
        chorus_sfu_forward_latency_seconds_bucket{le=\"0.00001\"} 0\n\
        chorus_sfu_forward_latency_seconds_bucket{le=\"0.00002\"} 50\n\
        chorus_sfu_forward_latency_seconds_bucket{le=\"0.00005\"} 90\n\
        chorus_sfu_forward_latency_seconds_bucket{le=\"+Inf\"} 100\n\
        chorus_sfu_forward_latency_seconds_count 100\n";

    #[test]
    fn samples_and_quantiles_from_an_exposition() {
        assert_eq!(
            sample(EXPOSITION, "chorus_sfu_forwarded_packets_total", ""),
            Some(1500.0)
        );
        assert_eq!(sample(EXPOSITION, "chorus_sfu_missing", ""), None);
        let after = buckets(EXPOSITION, "chorus_sfu_forward_latency_seconds");
        assert_eq!(after.len(), 4);
        let none: Vec<(f64, f64)> = Vec::new();
        let p50 = quantile(&none, &after, 0.5).expect("observations");
        assert!((p50 - 0.00002).abs() < 1e-9, "{p50}");
        let p70 = quantile(&none, &after, 0.7).expect("observations");
        assert!((p70 - 0.000035).abs() < 1e-9, "{p70}");
        // The top 10% are past the last bound: report that bound.
        assert_eq!(quantile(&none, &after, 0.99), Some(0.00005));
        // Nothing new between two equal scrapes.
        assert_eq!(quantile(&after, &after, 0.5), None);
    }
}
