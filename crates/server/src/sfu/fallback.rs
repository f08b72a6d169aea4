//! Subscribe fallback, the decision: given a subscriber's downlink estimate and the videos it
//! receives, whether to lower one of them a step (a lower simulcast layer, then none: audio
//! only) or to raise one back, one step at a time, with hysteresis.
//!
//! Going down needs the estimate under what the current choice needs for [`DOWN_HOLD`];
//! going up needs it over what the raised choice would need, with [`UP_MARGIN`] to spare,
//! for [`UP_HOLD`], and never sooner than [`UP_AFTER_DOWN`] after a step down, so an estimate
//! that wavers around one layer's rate does not flap. Lower-priority users are lowered first
//! and raised last; among equals, the biggest stream is lowered first and the smallest raised
//! first.
//!
//! Pure: time, the estimate and the videos are arguments, the decision is a value; the
//! router (`downlink.rs`) gathers the inputs and applies the step. Must not depend on str0m.

use std::time::{Duration, Instant};

use chorus_proto::{RemoteUserPriority, SubscribeFallbackOption};

use super::forward::{Layer, MAX_LAYERS};

/// How long the estimate must stay under the need before a step down.
pub(super) const DOWN_HOLD: Duration = Duration::from_millis(1000);
/// How long the estimate must stay over the raised need before a step up.
pub(super) const UP_HOLD: Duration = Duration::from_millis(2000);
/// The shortest time from a step down to a step up.
pub(super) const UP_AFTER_DOWN: Duration = Duration::from_millis(4000);
/// How long after the first estimate no step down is taken: the estimator starts from a
/// guess and overshoots both ways while it finds the path.
pub(super) const STARTUP_GRACE: Duration = Duration::from_millis(4000);
/// How long after a step up no step down is taken: the estimate starts from what was
/// acknowledged before the step and needs a moment to see the new rate.
pub(super) const UP_SETTLE: Duration = Duration::from_millis(3000);
/// Headroom a step up needs: the estimate over the raised need times this.
pub(super) const UP_MARGIN: f64 = 1.25;
/// How often, while a video is lowered, the estimator is made to probe for what raising
/// everything back needs: an estimate held near what is sent cannot find a recovered path by
/// itself (it grows only so far above the rate it sees acknowledged).
pub(super) const REPROBE_EVERY: Duration = Duration::from_millis(4000);
/// How long the estimate must cover what is sent now, with no step taken, before a step up
/// is tried without the estimate to back it: with little or nothing flowing (audio only, and
/// no audio), the estimator has nothing to probe with and would never see a recovered path.
/// Doubled after each trial that is undone within [`TRIAL_WINDOW`], up to 8 times as long.
pub(super) const TRIAL_AFTER: Duration = Duration::from_secs(10);
/// A step down this soon after a trial undoes it.
pub(super) const TRIAL_WINDOW: Duration = Duration::from_secs(5);
/// What the subscriber's audio and RTCP are taken to need besides the videos, in bit/s.
pub(super) const AUDIO_ALLOWANCE: u64 = 64_000;

/// How far fallback has lowered one video.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cap {
    /// At most this layer ([`Layer::MAX`]: not lowered).
    Layer(Layer),
    /// No video: audio only.
    Off,
}

impl Cap {
    /// Not lowered.
    pub(super) const NONE: Cap = Cap::Layer(Layer::MAX);
}

/// One video the subscriber receives, as the decision sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Video {
    /// Its publisher's priority for this subscriber.
    pub(super) priority: RemoteUserPriority,
    /// The layer the subscriber wants, within what the publisher sends.
    pub(super) top: Layer,
    /// What each layer of the publisher's stream carries, in bit/s (0: not seen).
    pub(super) rates: [u64; MAX_LAYERS],
    /// How far it is lowered now.
    pub(super) cap: Cap,
}

impl Video {
    /// The layer sent under `cap`, `None` for no video.
    pub(super) fn layer_under(&self, cap: Cap) -> Option<Layer> {
        match cap {
            Cap::Off => None,
            Cap::Layer(l) => Some(l.min(self.top)),
        }
    }

    /// What it needs under `cap`, in bit/s.
    fn need_under(&self, cap: Cap) -> u64 {
        self.layer_under(cap)
            .and_then(|l| self.rates.get(usize::from(l)).copied())
            .unwrap_or(0)
    }

    /// One step down from its cap, if `option` allows one.
    fn lower(&self, option: SubscribeFallbackOption) -> Option<Cap> {
        match (self.layer_under(self.cap), option) {
            (_, SubscribeFallbackOption::Disable) | (None, _) => None,
            (Some(l), _) if l > 0 => Some(Cap::Layer(l - 1)),
            (Some(_), SubscribeFallbackOption::AudioOnly) => Some(Cap::Off),
            (Some(_), SubscribeFallbackOption::VideoStreamLow) => None,
        }
    }

    /// One step up from its cap, if it is lowered; reaching the top lifts the cap.
    fn raise(&self) -> Option<Cap> {
        match self.layer_under(self.cap) {
            None => Some(if self.top == 0 {
                Cap::NONE
            } else {
                Cap::Layer(0)
            }),
            Some(l) if self.cap != Cap::NONE && l < self.top => Some(if l + 1 >= self.top {
                Cap::NONE
            } else {
                Cap::Layer(l + 1)
            }),
            Some(_) if self.cap != Cap::NONE => Some(Cap::NONE),
            Some(_) => None,
        }
    }
}

/// Why a step was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Why {
    /// The estimate fell under the need.
    Bandwidth,
    /// The estimate recovered.
    Recovered,
    /// Fallback was turned off (or narrowed), lifting what it no longer allows.
    Lifted,
}

/// One step: video `index` (of the slice given) goes from `before` to `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Step {
    pub(super) index: usize,
    pub(super) before: Cap,
    pub(super) after: Cap,
    pub(super) why: Why,
}

/// One subscriber's downlink: the option, the latest estimate and the hysteresis clocks.
#[derive(Debug, Clone, Default)]
pub(super) struct Downlink {
    estimate: Option<u64>,
    /// When the first estimate came.
    first_at: Option<Instant>,
    /// Since when the estimate has been under the need.
    short_since: Option<Instant>,
    /// Since when the estimate has been over the raised need.
    ample_since: Option<Instant>,
    last_down: Option<Instant>,
    /// When the estimator was last made to probe.
    last_reprobe: Option<Instant>,
    /// Since when the estimate has covered what is sent (no shortfall).
    covered_since: Option<Instant>,
    /// When the last step of any kind was taken.
    last_step: Option<Instant>,
    /// When the last step up was taken.
    last_up: Option<Instant>,
    /// When the last trial step up was taken.
    last_trial: Option<Instant>,
    /// Trials undone in a row.
    failed_trials: u32,
}

impl Downlink {
    /// Records the latest estimate of the path, in bit/s, made at `now`.
    pub(super) fn on_estimate(&mut self, bps: u64, now: Instant) {
        self.estimate = Some(bps);
        self.first_at.get_or_insert(now);
    }

    /// A downlink whose estimator started at `first` (for tests that start past the grace).
    #[cfg(test)]
    pub(super) fn started_at(first: Option<Instant>) -> Self {
        Downlink {
            first_at: first,
            ..Downlink::default()
        }
    }

    /// The latest estimate, if any.
    pub(super) fn estimate(&self) -> Option<u64> {
        self.estimate
    }

    /// What `videos` need as they are capped now, audio included, in bit/s.
    pub(super) fn need(videos: &[Video]) -> u64 {
        AUDIO_ALLOWANCE + videos.iter().map(|v| v.need_under(v.cap)).sum::<u64>()
    }

    /// What `videos` would need with no cap, in bit/s, with the headroom a step up asks
    /// for: the rate worth probing for.
    pub(super) fn full_need(videos: &[Video]) -> u64 {
        let need = AUDIO_ALLOWANCE + videos.iter().map(|v| v.need_under(Cap::NONE)).sum::<u64>();
        (need as f64 * UP_MARGIN) as u64
    }

    /// The bitrate to ask the estimator for at `now` (str0m's "desired"): what `videos`
    /// would need with nothing lowered, with margin. While something is lowered, every
    /// [`REPROBE_EVERY`] it dips under the estimate for one call: str0m probes when the
    /// desired rate rises above the estimate, so the next call's rise makes it probe.
    pub(super) fn desired(&mut self, now: Instant, videos: &[Video]) -> u64 {
        let full = Self::full_need(videos);
        let lowered = videos.iter().any(|v| v.cap != Cap::NONE);
        let due = self
            .last_reprobe
            .is_none_or(|t| now.saturating_duration_since(t) >= REPROBE_EVERY);
        match self.estimate {
            Some(estimate) if lowered && due && estimate < full => {
                self.last_reprobe = Some(now);
                estimate / 2
            }
            _ => full,
        }
    }

    /// What `videos` would need after the next step up (the first one recovery would take),
    /// or as they are when nothing is lowered: the rate worth keeping the path busy at.
    pub(super) fn raised_need(videos: &[Video]) -> u64 {
        let need = Self::need(videos);
        Self::next_raise(videos)
            .map(|(i, after)| {
                let v = &videos[i];
                need - v.need_under(v.cap) + v.need_under(after)
            })
            .unwrap_or(need)
    }

    /// The video recovery raises first, with its cap after: the highest priority first,
    /// among equals the smallest stream.
    fn next_raise(videos: &[Video]) -> Option<(usize, Cap)> {
        videos
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.raise().map(|after| (i, after)))
            .max_by_key(|(i, _)| {
                let v = &videos[*i];
                (v.priority, std::cmp::Reverse(v.need_under(v.cap)))
            })
    }

    /// The step to take at `now`, if any. At most one step per call.
    pub(super) fn decide(
        &mut self,
        now: Instant,
        option: SubscribeFallbackOption,
        videos: &[Video],
    ) -> Option<Step> {
        // What the option no longer allows is lifted at once.
        if let Some(index) = videos.iter().position(|v| {
            v.cap != Cap::NONE
                && (option == SubscribeFallbackOption::Disable
                    || (option == SubscribeFallbackOption::VideoStreamLow && v.cap == Cap::Off))
        }) {
            let v = &videos[index];
            let after = match option {
                SubscribeFallbackOption::Disable => Cap::NONE,
                _ => Cap::Layer(0),
            };
            return Some(Step {
                index,
                before: v.cap,
                after,
                why: Why::Lifted,
            });
        }
        if option == SubscribeFallbackOption::Disable {
            self.short_since = None;
            self.ample_since = None;
            return None;
        }
        let estimate = self.estimate?;
        let need = Self::need(videos);

        if estimate < need {
            self.ample_since = None;
            let since = *self.short_since.get_or_insert(now);
            let within = |t: Option<Instant>, d: Duration| {
                t.is_some_and(|t| now.saturating_duration_since(t) < d)
            };
            let settling = within(self.first_at, STARTUP_GRACE) || within(self.last_up, UP_SETTLE);
            if now.saturating_duration_since(since) < DOWN_HOLD || settling {
                return None;
            }
            // The lowest priority first; among equals, the biggest stream.
            let index = videos
                .iter()
                .enumerate()
                .filter(|(_, v)| v.lower(option).is_some())
                .min_by_key(|(_, v)| (v.priority, std::cmp::Reverse(v.need_under(v.cap))))
                .map(|(i, _)| i)?;
            let v = &videos[index];
            let after = v.lower(option)?;
            self.short_since = None;
            self.covered_since = None;
            self.last_down = Some(now);
            self.last_step = Some(now);
            if self
                .last_trial
                .is_some_and(|t| now.saturating_duration_since(t) < TRIAL_WINDOW)
            {
                self.failed_trials = (self.failed_trials + 1).min(3);
                self.last_trial = None;
            }
            return Some(Step {
                index,
                before: v.cap,
                after,
                why: Why::Bandwidth,
            });
        }
        self.short_since = None;
        let covered = *self.covered_since.get_or_insert(now);

        let (index, after) = Self::next_raise(videos)?;
        let v = &videos[index];
        let raised = Self::raised_need(videos);
        if (estimate as f64) < raised as f64 * UP_MARGIN {
            self.ample_since = None;
            // No estimate to back a step up: try one now and then all the same.
            let wait = TRIAL_AFTER * (1 << self.failed_trials);
            let quiet =
                |t: Option<Instant>| t.is_none_or(|t| now.saturating_duration_since(t) >= wait);
            if now.saturating_duration_since(covered) >= wait && quiet(self.last_step) {
                self.last_trial = Some(now);
                self.last_step = Some(now);
                self.last_up = Some(now);
                self.covered_since = None;
                return Some(Step {
                    index,
                    before: v.cap,
                    after,
                    why: Why::Recovered,
                });
            }
            return None;
        }
        let since = *self.ample_since.get_or_insert(now);
        let settled = self
            .last_down
            .is_none_or(|t| now.saturating_duration_since(t) >= UP_AFTER_DOWN);
        if now.saturating_duration_since(since) < UP_HOLD || !settled {
            return None;
        }
        self.ample_since = None;
        self.last_step = Some(now);
        self.last_up = Some(now);
        self.failed_trials = 0;
        Some(Step {
            index,
            before: v.cap,
            after,
            why: Why::Recovered,
        })
    }
}
