//! Publisher → subscriber transit time, measured by the clients alone: every packet a
//! publisher sends carries its send time in its payload, and a subscriber that reads it back
//! on arrival adds the difference to a histogram.
//!
//! This needs nothing from the server, so it measures any SFU alike (Chorus or another one
//! under the same load) and stands next to Chorus's own in-SFU histogram. The clients share
//! one process, so one monotonic clock: no clock offset enters.
//!
//! Depends on nothing of Chorus; pure functions and plain data, unit-tested below.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Where the stamp sits in a payload: after the Opus TOC byte and its padding byte, or after
/// the H.264 FU-A indicator and header, so the codec's own first bytes stay valid.
const OFFSET: usize = 2;
/// The stamp: nanoseconds since [`epoch`], little-endian.
const STAMP_BYTES: usize = 8;

/// Buckets: 10 µs wide to 2 ms, 100 µs to 20 ms, 1 ms to 200 ms, then one overflow bucket.
const FINE: u64 = 200;
const MEDIUM: u64 = 180;
const COARSE: u64 = 180;
const BUCKETS: usize = (FINE + MEDIUM + COARSE + 1) as usize;

/// The process-wide instant stamps count from.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Writes `at` into `payload` as a stamp; a payload too short for one is left as it is.
pub(crate) fn stamp(payload: &mut [u8], at: Instant) {
    let nanos = at.saturating_duration_since(epoch()).as_nanos() as u64;
    if let Some(slot) = payload.get_mut(OFFSET..OFFSET + STAMP_BYTES) {
        slot.copy_from_slice(&nanos.to_le_bytes());
    }
}

/// The time from the stamp in `payload` to `arrival`, if the payload holds a stamp.
pub(crate) fn transit(payload: &[u8], arrival: Instant) -> Option<Duration> {
    let bytes: [u8; STAMP_BYTES] = payload.get(OFFSET..OFFSET + STAMP_BYTES)?.try_into().ok()?;
    let sent = epoch() + Duration::from_nanos(u64::from_le_bytes(bytes));
    arrival.checked_duration_since(sent)
}

/// A histogram of transit times.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Transit {
    counts: Vec<u64>,
}

impl Default for Transit {
    fn default() -> Self {
        Transit {
            counts: vec![0; BUCKETS],
        }
    }
}

/// A bucket's index and its lower and upper bounds in µs.
fn bucket(us: u64) -> usize {
    let i = if us < FINE * 10 {
        us / 10
    } else if us < FINE * 10 + MEDIUM * 100 {
        FINE + (us - FINE * 10) / 100
    } else if us < FINE * 10 + MEDIUM * 100 + COARSE * 1000 {
        FINE + MEDIUM + (us - FINE * 10 - MEDIUM * 100) / 1000
    } else {
        FINE + MEDIUM + COARSE
    };
    i as usize
}

fn bounds(i: usize) -> (f64, f64) {
    let i = i as u64;
    let (lo, width) = if i < FINE {
        (i * 10, 10)
    } else if i < FINE + MEDIUM {
        (FINE * 10 + (i - FINE) * 100, 100)
    } else if i < FINE + MEDIUM + COARSE {
        (FINE * 10 + MEDIUM * 100 + (i - FINE - MEDIUM) * 1000, 1000)
    } else {
        (FINE * 10 + MEDIUM * 100 + COARSE * 1000, 0)
    };
    (lo as f64, (lo + width) as f64)
}

impl Transit {
    /// Counts one packet's transit time.
    pub(crate) fn record(&mut self, transit: Duration) {
        let us = u64::try_from(transit.as_micros()).unwrap_or(u64::MAX);
        self.counts[bucket(us)] += 1;
    }

    /// Adds another histogram's counts.
    pub(crate) fn add(&mut self, other: &Transit) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    /// The counts recorded since `earlier`, a previous reading of the same (summed) clients.
    pub(crate) fn since(&self, earlier: &Transit) -> Transit {
        Transit {
            counts: self
                .counts
                .iter()
                .zip(&earlier.counts)
                .map(|(a, b)| a.saturating_sub(*b))
                .collect(),
        }
    }

    /// Packets counted.
    pub(crate) fn samples(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The `q` quantile in µs, interpolated within its bucket; None without samples.
    pub(crate) fn quantile_us(&self, q: f64) -> Option<f64> {
        let total = self.samples();
        if total == 0 {
            return None;
        }
        let rank = q.clamp(0.0, 1.0) * total as f64;
        let mut below = 0.0;
        for (i, &n) in self.counts.iter().enumerate() {
            let n = n as f64;
            if n > 0.0 && below + n >= rank {
                let (lo, hi) = bounds(i);
                if hi <= lo {
                    return Some(lo);
                }
                return Some(lo + (hi - lo) * ((rank - below) / n).clamp(0.0, 1.0));
            }
            below += n;
        }
        Some(bounds(BUCKETS - 1).0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_reads_back_as_the_time_since_it_was_written() {
        // Stamps count from the epoch; one taken before it would read as the epoch itself.
        let sent = epoch() + Duration::from_micros(10);
        let mut payload = vec![0x7c, 0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0x10];
        stamp(&mut payload, sent);
        assert_eq!(&payload[..2], &[0x7c, 0x81], "the codec's bytes stay");
        assert_eq!(payload[10], 0x10);
        let got = transit(&payload, sent + Duration::from_micros(1234)).expect("a stamp");
        let off = got.as_secs_f64() - 0.001_234;
        assert!(off.abs() < 2e-9, "read back {got:?}");
        assert_eq!(transit(&payload[..5], sent), None, "too short for a stamp");
    }

    #[test]
    fn quantiles_fall_in_the_bucket_of_the_samples() {
        let mut h = Transit::default();
        for _ in 0..98 {
            h.record(Duration::from_micros(105));
        }
        h.record(Duration::from_micros(5_050));
        h.record(Duration::from_millis(90));
        let p50 = h.quantile_us(0.5).expect("samples");
        assert!((100.0..=110.0).contains(&p50), "p50 {p50}");
        let p99 = h.quantile_us(0.99).expect("samples");
        assert!((5_000.0..=5_100.0).contains(&p99), "p99 {p99}");
        let max = h.quantile_us(1.0).expect("samples");
        assert!((90_000.0..=91_000.0).contains(&max), "max {max}");
        let mut later = h.clone();
        later.record(Duration::from_millis(300));
        let d = later.since(&h);
        assert_eq!(d.samples(), 1);
        assert_eq!(d.quantile_us(0.5), Some(bounds(BUCKETS - 1).0));
    }

    #[test]
    fn bucket_bounds_hold_their_values() {
        for us in [
            0, 9, 10, 1_999, 2_000, 19_999, 20_000, 199_999, 200_000, 10_000_000,
        ] {
            let (lo, hi) = bounds(bucket(us));
            assert!(lo <= us as f64, "{us} below {lo}");
            assert!(hi > us as f64 || hi == lo, "{us} above {hi}");
        }
    }
}
