//! Latency summaries: percentiles by nearest rank over every sample, no histogram buckets.

use std::time::Duration;

/// p50, p90, p99 and max of a set of samples.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Summary {
    pub(crate) count: usize,
    pub(crate) p50: Duration,
    pub(crate) p90: Duration,
    pub(crate) p99: Duration,
    pub(crate) max: Duration,
}

impl Summary {
    /// Summarises `samples` (sorted in place). `None` when there are none.
    pub(crate) fn of(samples: &mut [Duration]) -> Option<Summary> {
        samples.sort_unstable();
        let max = *samples.last()?;
        let rank = |p: f64| {
            // Nearest rank: the smallest sample at or above fraction p of all samples.
            let n = samples.len();
            let k = ((p * n as f64).ceil() as usize).clamp(1, n);
            samples[k - 1]
        };
        Some(Summary {
            count: samples.len(),
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            max,
        })
    }

    /// One line of text: `p50 0.21 ms  p90 ...`.
    pub(crate) fn line(&self) -> String {
        format!(
            "p50 {}  p90 {}  p99 {}  max {}",
            ms(self.p50),
            ms(self.p90),
            ms(self.p99),
            ms(self.max)
        )
    }

    /// The figures in microseconds, for the JSON line.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "count": self.count,
            "p50_us": micros(self.p50),
            "p90_us": micros(self.p90),
            "p99_us": micros(self.p99),
            "max_us": micros(self.max),
        })
    }
}

/// `d` as milliseconds with three decimals.
pub(crate) fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// `d` in whole microseconds.
pub(crate) fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// `onUserJoined` events a set of rooms produces when every user joins once and stays: in a
/// room of n, each joiner is told about everyone already there and everyone already there
/// about the joiner, n(n-1) in all.
pub(crate) fn expected_user_joined(users: usize, room_size: usize) -> u64 {
    let full = users / room_size;
    let rest = users % room_size;
    let pairs = |n: usize| (n * n.saturating_sub(1)) as u64;
    full as u64 * pairs(room_size) + pairs(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let s = Summary::of(&mut samples).expect("samples are not empty");
        assert_eq!(s.p50, Duration::from_millis(50));
        assert_eq!(s.p90, Duration::from_millis(90));
        assert_eq!(s.p99, Duration::from_millis(99));
        assert_eq!(s.max, Duration::from_millis(100));
        assert!(Summary::of(&mut []).is_none());
        let mut one = [Duration::from_millis(7)];
        assert_eq!(
            Summary::of(&mut one).map(|s| s.p50),
            Some(Duration::from_millis(7))
        );
    }

    #[test]
    fn user_joined_counts_pairs_per_room() {
        assert_eq!(expected_user_joined(100, 50), 2 * 50 * 49);
        assert_eq!(expected_user_joined(53, 50), 50 * 49 + 3 * 2);
        assert_eq!(expected_user_joined(1, 50), 0);
    }
}
