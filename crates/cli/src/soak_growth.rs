//! `chorus soak`'s verdict: does a figure (RSS, open descriptors, threads, tasks) keep growing
//! after the warm-up? Pure arithmetic over the samples, no I/O, so it is tested apart from
//! any server.
//!
//! The samples after the warm-up are cut in thirds. A figure grows without bound when its
//! mean rises from the first third to the middle one and the last third's mean is more than
//! [`RATIO`] above the middle's, by more than the figure's own noise floor: a leak rises in
//! each third, while churn around a level (clients coming and going) does not.

/// How far above the middle third the last third's mean may be.
pub(crate) const RATIO: f64 = 1.10;

/// The means of a figure's thirds, and whether it grows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Thirds {
    pub(crate) first: f64,
    pub(crate) middle: f64,
    pub(crate) last: f64,
    pub(crate) grows: bool,
}

/// Judges `samples` (after the warm-up, in time order). `floor` is the smallest rise that
/// counts (a few descriptors or tasks come and go with the clients). None when there are
/// fewer than three samples.
pub(crate) fn judge(samples: &[f64], floor: f64) -> Option<Thirds> {
    if samples.len() < 3 {
        return None;
    }
    let third = samples.len() / 3;
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    let first = mean(&samples[..third]);
    let middle = mean(&samples[third..samples.len() - third]);
    let last = mean(&samples[samples.len() - third..]);
    let grows = middle > first && last > middle * RATIO && last - middle > floor;
    Some(Thirds {
        first,
        middle,
        last,
        grows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_rise_grows() {
        let samples: Vec<f64> = (0..30).map(|i| 100.0 + 10.0 * f64::from(i)).collect();
        let thirds = judge(&samples, 1.0).expect("enough samples");
        assert!(thirds.grows, "{thirds:?}");
    }

    #[test]
    fn churn_around_a_level_does_not_grow() {
        let samples: Vec<f64> = (0..30)
            .map(|i| if i % 2 == 0 { 100.0 } else { 140.0 })
            .collect();
        assert!(!judge(&samples, 1.0).expect("enough samples").grows);
    }

    #[test]
    fn a_rise_that_levels_off_does_not_grow() {
        let samples: Vec<f64> = (0..30).map(|i| f64::from(i.min(12)) * 10.0).collect();
        assert!(!judge(&samples, 1.0).expect("enough samples").grows);
    }

    #[test]
    fn a_rise_below_the_floor_does_not_grow() {
        let samples: Vec<f64> = (0..30).map(|i| 10.0 + f64::from(i) / 10.0).collect();
        assert!(!judge(&samples, 5.0).expect("enough samples").grows);
    }

    #[test]
    fn too_few_samples_say_nothing() {
        assert_eq!(judge(&[1.0, 2.0], 0.0), None);
    }
}
