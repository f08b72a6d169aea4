//! The SFU's Prometheus metrics, and the local tallies the hot path writes instead.
//!
//! Per packet the task only bumps plain integers in a [`Tally`]; once per loop iteration the
//! tally is added to the shared atomics here. So the forwarding path takes no lock (the
//! stock histogram of prometheus-client takes one per observation) and touches shared cache
//! lines once per batch, not once per packet.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::{MetricType, TypedMetric};
use prometheus_client::registry::Registry;

/// Upper bounds of the latency buckets, in microseconds: sub-millisecond resolution, since
/// forwarding should take tens of microseconds.
const BOUNDS_US: [u64; 15] = [
    10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1_000, 2_000, 5_000, 10_000,
];
/// One bucket per bound, plus +Inf.
const BUCKETS: usize = BOUNDS_US.len() + 1;

/// The SFU's metrics; cheap to clone. Registered in the server's one registry.
#[derive(Debug, Clone, Default)]
pub(crate) struct SfuMetrics {
    /// RTP packets forwarded to subscribers (one per copy).
    pub(crate) forwarded_packets: Counter,
    /// RTP payload bytes forwarded to subscribers.
    pub(crate) forwarded_bytes: Counter,
    /// Datagrams dropped because no transport claimed them.
    pub(crate) unrouted: Counter,
    /// Publisher and subscriber transports open.
    pub(crate) transports: Gauge,
    /// Sessions with a place on the SFU (counted against max-media-sessions).
    pub(crate) peers: Gauge,
    /// ICE-TCP connections refused at the cap (two per media session).
    pub(crate) ice_tcp_refused: Counter,
    /// Time in the SFU from reading a packet to handing its forwarded copy to the socket.
    pub(crate) latency: LatencyHistogram,
}

impl SfuMetrics {
    /// Registers every metric under `sfu_` in `registry`.
    pub(crate) fn register(&self, registry: &mut Registry) {
        let sfu = registry.sub_registry_with_prefix("sfu");
        sfu.register(
            "forwarded_packets",
            "RTP packets forwarded to subscribers, one per copy",
            self.forwarded_packets.clone(),
        );
        sfu.register(
            "forwarded_bytes",
            "RTP payload bytes forwarded to subscribers",
            self.forwarded_bytes.clone(),
        );
        sfu.register(
            "unrouted_datagrams",
            "Datagrams no media transport claimed (dropped)",
            self.unrouted.clone(),
        );
        sfu.register(
            "transports",
            "Media transports open (publisher and subscriber)",
            self.transports.clone(),
        );
        sfu.register(
            "peers",
            "Sessions with a place on the SFU, counted against max-media-sessions",
            self.peers.clone(),
        );
        sfu.register(
            "ice_tcp_refused",
            "ICE-TCP connections refused at the cap, two per media session",
            self.ice_tcp_refused.clone(),
        );
        sfu.register(
            "forward_latency_seconds",
            "From reading an RTP packet off the socket to handing its forwarded copy to the socket",
            self.latency.clone(),
        );
    }

    /// Adds what the task tallied since the last flush, and clears the tally.
    pub(crate) fn flush(&self, tally: &mut Tally) {
        if tally.packets != 0 {
            self.forwarded_packets.inc_by(tally.packets);
            self.forwarded_bytes.inc_by(tally.bytes);
        }
        if tally.unrouted != 0 {
            self.unrouted.inc_by(tally.unrouted);
        }
        if tally.latency_count != 0 {
            self.latency.add(tally);
        }
        *tally = Tally::default();
    }
}

/// What the task counts between flushes: plain integers, no atomics.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    pub(crate) packets: u64,
    pub(crate) bytes: u64,
    pub(crate) unrouted: u64,
    latency_buckets: [u64; BUCKETS],
    latency_sum_ns: u64,
    latency_count: u64,
}

impl Tally {
    /// Records one forwarding latency.
    pub(crate) fn observe(&mut self, latency: Duration) {
        let us = latency.as_micros();
        let bucket = BOUNDS_US
            .iter()
            .position(|&b| us <= u128::from(b))
            .unwrap_or(BOUNDS_US.len());
        self.latency_buckets[bucket] += 1;
        self.latency_sum_ns += u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.latency_count += 1;
    }
}

/// A latency histogram fed in bulk from [`Tally`]s, exposed in seconds.
#[derive(Debug, Clone, Default)]
pub(crate) struct LatencyHistogram {
    inner: Arc<HistogramInner>,
}

#[derive(Debug, Default)]
struct HistogramInner {
    buckets: [AtomicU64; BUCKETS],
    sum_ns: AtomicU64,
    count: AtomicU64,
}

impl LatencyHistogram {
    fn add(&self, tally: &Tally) {
        for (bucket, &n) in self.inner.buckets.iter().zip(&tally.latency_buckets) {
            if n != 0 {
                bucket.fetch_add(n, Ordering::Relaxed);
            }
        }
        self.inner
            .sum_ns
            .fetch_add(tally.latency_sum_ns, Ordering::Relaxed);
        self.inner
            .count
            .fetch_add(tally.latency_count, Ordering::Relaxed);
    }
}

impl TypedMetric for LatencyHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for LatencyHistogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let mut buckets = [(0.0, 0); BUCKETS];
        for (i, slot) in buckets.iter_mut().enumerate() {
            let bound = BOUNDS_US
                .get(i)
                .map_or(f64::MAX, |&us| us as f64 / 1_000_000.0);
            *slot = (bound, self.inner.buckets[i].load(Ordering::Relaxed));
        }
        let sum = self.inner.sum_ns.load(Ordering::Relaxed) as f64 / 1e9;
        let count = self.inner.count.load(Ordering::Relaxed);
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_reach_the_exposition() {
        let metrics = SfuMetrics::default();
        let mut registry = Registry::with_prefix("chorus");
        metrics.register(&mut registry);
        let mut tally = Tally {
            packets: 3,
            bytes: 300,
            ..Tally::default()
        };
        tally.observe(Duration::from_micros(15));
        tally.observe(Duration::from_micros(700));
        tally.observe(Duration::from_millis(50));
        metrics.flush(&mut tally);
        assert_eq!(tally.packets, 0);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).expect("encodes");
        assert!(
            text.contains("chorus_sfu_forwarded_packets_total 3"),
            "{text}"
        );
        assert!(
            text.contains("chorus_sfu_forwarded_bytes_total 300"),
            "{text}"
        );
        assert!(
            text.contains("chorus_sfu_forward_latency_seconds_bucket{le=\"2e-5\"} 1")
                || text.contains("chorus_sfu_forward_latency_seconds_bucket{le=\"0.00002\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("chorus_sfu_forward_latency_seconds_bucket{le=\"+Inf\"} 3"),
            "{text}"
        );
        assert!(
            text.contains("chorus_sfu_forward_latency_seconds_count 3"),
            "{text}"
        );
    }
}
