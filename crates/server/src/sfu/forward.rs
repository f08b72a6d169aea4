//! The forwarding decision: for one incoming packet of a source, whether each subscriber gets
//! it and with which sequence number and timestamp.
//!
//! Hot-path budget, per packet: no allocation by our code, no lock, no await, no log above
//! debug. Everything here is plain data owned by the SFU task; time is an argument (`at`, the
//! packet's arrival), so every rule is testable without sockets or clocks.
//!
//! Each subscriber m-line fed from a source is a [`Lane`]. A lane forwards one simulcast layer
//! at a time and rewrites sequence numbers and timestamps into one continuous output stream,
//! whatever happens upstream: the first packet, a pause and resume, a layer switch. Video
//! starts (and switches layer) only on the first packet of a keyframe of the layer it wants,
//! so a subscriber's decoder never gets a frame it cannot decode; until then the lane asks
//! for one ([`Lane::wants_keyframe`]) and the SFU relays that to the publisher, throttled per
//! layer ([`KeyframeThrottle`]).
//!
//! Must not depend on str0m's `Rtc` or the socket loop: it decides, the task applies.

use std::time::{Duration, Instant};

use super::fallback::Cap;
use super::keyframe::Codec;

/// Most simulcast layers per video source.
pub(super) const MAX_LAYERS: usize = 3;

/// A layer index: 0 is the lowest.
pub(super) type Layer = u8;

/// What the forwarder needs to know of one incoming packet.
#[derive(Debug, Clone, Copy)]
pub(super) struct Incoming {
    /// Extended (64-bit, never wrapping) sequence number of the publisher's stream.
    pub(super) seq: u64,
    /// RTP timestamp as sent.
    pub(super) ts: u32,
    /// Simulcast layer; 0 without simulcast.
    pub(super) layer: Layer,
    /// First packet of a keyframe (always true for audio).
    pub(super) keyframe: bool,
    /// When it was read from the socket.
    pub(super) at: Instant,
}

/// A forwarded packet's new sequence number (extended) and timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Rewritten {
    /// Extended sequence number for str0m's `RtpWrite` (its upper bits are the SRTP ROC).
    pub(super) seq: u64,
    /// RTP timestamp.
    pub(super) ts: u32,
}

/// Maps one input run (packets of one upstream stream since the last restart) onto one
/// continuous output stream.
#[derive(Debug, Clone)]
struct Rewriter {
    clock_rate: u32,
    /// Output = input + offset, wrapping; set at each restart.
    seq_offset: u64,
    ts_offset: u32,
    /// Input packets older than the run's first are dropped: their output numbers belong to
    /// whatever was sent before the restart.
    run_start: u64,
    /// The highest output sequence number sent, with its timestamp and arrival.
    last: Option<(u64, u32, Instant)>,
    /// Where the output starts before anything was sent.
    initial_seq: u64,
    initial_ts: u32,
}

impl Rewriter {
    fn new(clock_rate: u32, initial_seq: u16, initial_ts: u32) -> Self {
        Rewriter {
            clock_rate,
            seq_offset: 0,
            ts_offset: 0,
            run_start: 0,
            last: None,
            initial_seq: u64::from(initial_seq),
            initial_ts,
        }
    }

    /// Starts a new input run at `p`: its output continues right after the last packet sent,
    /// its timestamp advanced by the wall time that passed (at least one tick), so a
    /// receiver's jitter buffer sees a stream that simply went on.
    fn restart(&mut self, p: &Incoming) {
        let (next_seq, next_ts) = match self.last {
            None => (self.initial_seq, self.initial_ts),
            Some((seq, ts, at)) => {
                let elapsed = p.at.saturating_duration_since(at);
                let ticks = (elapsed.as_micros() * u128::from(self.clock_rate) / 1_000_000)
                    .clamp(1, u128::from(u32::MAX / 2));
                // Clamped above, so this fits.
                (seq + 1, ts.wrapping_add(ticks as u32))
            }
        };
        self.seq_offset = next_seq.wrapping_sub(p.seq);
        self.ts_offset = next_ts.wrapping_sub(p.ts);
        self.run_start = p.seq;
    }

    /// The output numbers for `p` of the current run, or `None` for a packet from before it.
    fn map(&mut self, p: &Incoming) -> Option<Rewritten> {
        if p.seq < self.run_start {
            return None;
        }
        let seq = p.seq.wrapping_add(self.seq_offset);
        let ts = p.ts.wrapping_add(self.ts_offset);
        if self.last.is_none_or(|(last, _, _)| seq > last) {
            self.last = Some((seq, ts, p.at));
        }
        Some(Rewritten { seq, ts })
    }
}

/// Where a lane's output stream stands, so a new lane on the same m-line (and send stream)
/// carries on from it: the receiver sees one stream, not a jump back in sequence numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Continuation {
    seq: u64,
    ts: u32,
    at: Instant,
}

/// Whether a lane's packets flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    /// The m-line stays, nothing is sent.
    Paused,
    /// Packets flow.
    On,
}

/// One subscriber m-line fed from one source: its mode, layer choice and rewriting state.
#[derive(Debug, Clone)]
pub(super) struct Lane {
    video: bool,
    flow: Flow,
    /// Whether the subscriber's m-line is negotiated and its transport connected.
    ready: bool,
    /// The layer the subscriber asked for.
    wanted: Layer,
    /// The layer to forward now: `wanted`, or the nearest one the publisher actually sends.
    target: Layer,
    /// The layer being forwarded; `None` until a keyframe started it.
    current: Option<Layer>,
    /// How far subscribe fallback has lowered this video ([`Cap::NONE`]: not at all).
    cap: Cap,
    /// Whether the current run must restart at the next forwarded packet (after a pause).
    restart: bool,
    rewriter: Rewriter,
}

impl Lane {
    /// A lane for audio or video, starting paused and not ready. `initial_seq` and
    /// `initial_ts` are where its output stream starts (random, per RFC 3550).
    pub(super) fn new(video: bool, initial_seq: u16, initial_ts: u32) -> Self {
        let clock_rate = if video { 90_000 } else { 48_000 };
        Lane {
            video,
            flow: Flow::Paused,
            ready: false,
            wanted: Layer::MAX,
            target: 0,
            current: None,
            cap: Cap::NONE,
            restart: true,
            rewriter: Rewriter::new(clock_rate, initial_seq, initial_ts),
        }
    }

    /// Makes this lane's output carry on after `from` (another lane's last packet).
    pub(super) fn continue_from(&mut self, from: Continuation) {
        self.rewriter.last = Some((from.seq, from.ts, from.at));
    }

    /// Where this lane's output stands, if it sent anything.
    pub(super) fn continuation(&self) -> Option<Continuation> {
        self.rewriter
            .last
            .map(|(seq, ts, at)| Continuation { seq, ts, at })
    }

    /// Sets whether packets flow. Resuming video waits for a keyframe.
    pub(super) fn set_flow(&mut self, flow: Flow) {
        if self.flow != flow && flow == Flow::On {
            self.current = None;
            self.restart = true;
        }
        self.flow = flow;
    }

    /// The current flow.
    pub(super) fn flow(&self) -> Flow {
        self.flow
    }

    /// Marks the subscriber side ready (negotiated and connected) or not. Becoming ready
    /// waits for a keyframe like a resume.
    pub(super) fn set_ready(&mut self, ready: bool) {
        if ready && !self.ready {
            self.current = None;
            self.restart = true;
        }
        self.ready = ready;
    }

    /// Whether the subscriber side is ready.
    pub(super) fn is_ready(&self) -> bool {
        self.ready
    }

    /// Chooses the wanted layer (`Layer::MAX` for "the highest there is").
    pub(super) fn set_wanted(&mut self, wanted: Layer) {
        self.wanted = wanted;
    }

    /// The wanted layer.
    pub(super) fn wanted(&self) -> Layer {
        self.wanted
    }

    /// The layer to aim for: the wanted one, lowered by fallback's cap.
    pub(super) fn capped_wanted(&self) -> Layer {
        match self.cap {
            Cap::Layer(l) => self.wanted.min(l),
            Cap::Off => 0,
        }
    }

    /// Sets how far fallback lowers this video. Video cut ([`Cap::Off`]) stops flowing at
    /// once; coming back waits for a keyframe like a resume.
    pub(super) fn set_cap(&mut self, cap: Cap) {
        if self.cap == Cap::Off && cap != Cap::Off {
            self.current = None;
            self.restart = true;
        }
        self.cap = cap;
    }

    /// How far fallback lowers this video.
    pub(super) fn cap(&self) -> Cap {
        self.cap
    }

    /// Sets the layer to forward now (see [`choose_layer`]). A change takes effect at the next
    /// keyframe of the new layer; until then the current one keeps flowing.
    pub(super) fn set_target(&mut self, target: Layer) {
        self.target = target;
    }

    /// The layer being forwarded, if any.
    pub(super) fn current(&self) -> Option<Layer> {
        self.current
    }

    /// The layer this lane needs a keyframe of, if it is waiting for one.
    pub(super) fn wants_keyframe(&self) -> Option<Layer> {
        let waiting = self.video && self.ready && self.flow == Flow::On && self.cap != Cap::Off;
        (waiting && self.current != Some(self.target)).then_some(self.target)
    }

    /// Decides one packet: its rewritten numbers if this lane forwards it.
    pub(super) fn on_packet(&mut self, p: &Incoming) -> Option<Rewritten> {
        if self.flow != Flow::On || !self.ready {
            return None;
        }
        if self.video && self.cap == Cap::Off {
            return None;
        }
        if !self.video {
            if self.restart {
                self.restart = false;
                self.rewriter.restart(p);
            }
            return self.rewriter.map(p);
        }
        if p.layer == self.target && p.keyframe && (self.current != Some(p.layer) || self.restart) {
            self.current = Some(p.layer);
            self.restart = false;
            self.rewriter.restart(p);
        }
        if self.current != Some(p.layer) || self.restart {
            return None;
        }
        self.rewriter.map(p)
    }
}

/// The layer to forward given the one `wanted` (`Layer::MAX`: the highest) and the layers the
/// publisher sent recently (`active`, bit i for layer i, of `count` layers): the wanted one if
/// active, else the nearest active one below it, else the nearest above, else the wanted one
/// (nothing is flowing; wait for it).
pub(super) fn choose_layer(wanted: Layer, count: u8, active: u8) -> Layer {
    let top = count.clamp(1, MAX_LAYERS as u8) - 1;
    let wanted = wanted.min(top);
    let is_active = |l: Layer| active & (1 << l) != 0;
    if is_active(wanted) {
        return wanted;
    }
    if let Some(below) = (0..wanted).rev().find(|&l| is_active(l)) {
        return below;
    }
    if let Some(above) = (wanted + 1..=top).find(|&l| is_active(l)) {
        return above;
    }
    wanted
}

/// Keyframe requests to a publisher, at most one per layer per interval: many subscribers
/// losing packets at once must not make the publisher send keyframes back to back.
#[derive(Debug, Clone, Default)]
pub(super) struct KeyframeThrottle {
    last: [Option<Instant>; MAX_LAYERS],
}

impl KeyframeThrottle {
    /// The shortest time between two requests for one layer.
    pub(super) const INTERVAL: Duration = Duration::from_millis(250);

    /// Whether a request for `layer` may go out at `now`; if so, it counts as sent.
    pub(super) fn allow(&mut self, layer: Layer, now: Instant) -> bool {
        let Some(slot) = self.last.get_mut(usize::from(layer)) else {
            return false;
        };
        if slot.is_some_and(|t| now.saturating_duration_since(t) < Self::INTERVAL) {
            return false;
        }
        *slot = Some(now);
        true
    }
}

/// Which subscriber payload type carries each codec; `None` where the subscriber did not
/// negotiate it (its packets are then dropped: the SFU does not transcode).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct PtMap([Option<u8>; Codec::COUNT]);

impl PtMap {
    /// Records the subscriber's payload type for `codec`.
    pub(super) fn set(&mut self, codec: Codec, pt: u8) {
        self.0[codec.index()] = Some(pt);
    }

    /// The subscriber's payload type for `codec`.
    pub(super) fn get(&self, codec: Codec) -> Option<u8> {
        self.0[codec.index()]
    }
}

/// The layer order of a simulcast offer, by rid naming convention: `q`/`h`/`f` (quarter,
/// half, full), `l`/`m`/`h` (low, mid, high) or numbers (lowest first); any other names keep
/// the order of the offer, read as lowest first. Returns each rid's layer, in offer order.
pub(super) fn layer_order<'a>(rids: impl Iterator<Item = &'a str> + Clone) -> Vec<Layer> {
    fn rank(conv: &[&str], rid: &str) -> Option<usize> {
        conv.iter().position(|c| c.eq_ignore_ascii_case(rid))
    }
    let count = rids.clone().count();
    let by_rank = |ranks: Vec<usize>| -> Vec<Layer> {
        // Dense layers from sparse ranks: {h, f} are layers 0 and 1.
        let mut sorted = ranks.clone();
        sorted.sort_unstable();
        ranks
            .iter()
            .map(|r| sorted.iter().position(|s| s == r).unwrap_or(0) as Layer)
            .collect()
    };
    const QHF: &[&str] = &["q", "h", "f"];
    const LMH: &[&str] = &["l", "m", "h"];
    for conv in [QHF, LMH] {
        let ranks: Option<Vec<usize>> = rids.clone().map(|r| rank(conv, r)).collect();
        if let Some(ranks) = ranks {
            // "h" alone fits both: either way it is the only layer.
            let distinctive = rids.clone().any(|r| !r.eq_ignore_ascii_case("h")) || count == 1;
            if distinctive {
                return by_rank(ranks);
            }
        }
    }
    let numbers: Option<Vec<usize>> = rids.clone().map(|r| r.parse().ok()).collect();
    if let Some(numbers) = numbers {
        return by_rank(numbers);
    }
    (0..count).map(|i| i as Layer).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64, base: Instant) -> Instant {
        base + Duration::from_millis(ms)
    }

    fn pkt(seq: u64, ts: u32, layer: Layer, keyframe: bool, at: Instant) -> Incoming {
        Incoming {
            seq,
            ts,
            layer,
            keyframe,
            at,
        }
    }

    fn on_video_lane() -> Lane {
        let mut lane = Lane::new(true, 1000, 5000);
        lane.set_ready(true);
        lane.set_flow(Flow::On);
        lane.set_wanted(Layer::MAX);
        lane.set_target(0);
        lane
    }

    #[test]
    fn audio_is_continuous_from_the_initial_numbers() {
        let t0 = Instant::now();
        let mut lane = Lane::new(false, 100, 7);
        lane.set_ready(true);
        lane.set_flow(Flow::On);
        let a = lane.on_packet(&pkt(50_000, 960_000, 0, true, t0));
        let b = lane.on_packet(&pkt(50_001, 960_960, 0, true, at(20, t0)));
        assert_eq!(a, Some(Rewritten { seq: 100, ts: 7 }));
        assert_eq!(b, Some(Rewritten { seq: 101, ts: 967 }));
    }

    #[test]
    fn nothing_flows_until_ready_and_on() {
        let t0 = Instant::now();
        let mut lane = Lane::new(false, 0, 0);
        assert_eq!(lane.on_packet(&pkt(1, 0, 0, true, t0)), None);
        lane.set_flow(Flow::On);
        assert_eq!(lane.on_packet(&pkt(2, 0, 0, true, t0)), None);
        lane.set_ready(true);
        assert!(lane.on_packet(&pkt(3, 0, 0, true, t0)).is_some());
    }

    #[test]
    fn pause_and_resume_keep_numbers_continuous_and_time_moving() {
        let t0 = Instant::now();
        let mut lane = Lane::new(false, 10, 0);
        lane.set_ready(true);
        lane.set_flow(Flow::On);
        assert_eq!(
            lane.on_packet(&pkt(1, 0, 0, true, t0)).map(|r| r.seq),
            Some(10)
        );
        lane.set_flow(Flow::Paused);
        assert_eq!(lane.on_packet(&pkt(2, 960, 0, true, at(20, t0))), None);
        lane.set_flow(Flow::On);
        // One second later upstream: output seq goes on by one, timestamp by a second.
        let r = lane.on_packet(&pkt(51, 48_960, 0, true, at(1000, t0)));
        assert_eq!(
            r,
            Some(Rewritten {
                seq: 11,
                ts: 48_000
            })
        );
    }

    #[test]
    fn reordered_packets_keep_their_order_and_stale_ones_are_dropped() {
        let t0 = Instant::now();
        let mut lane = on_video_lane();
        assert_eq!(
            lane.on_packet(&pkt(10, 0, 0, true, t0)).map(|r| r.seq),
            Some(1000)
        );
        assert_eq!(
            lane.on_packet(&pkt(12, 0, 0, false, t0)).map(|r| r.seq),
            Some(1002)
        );
        // A retransmitted 11 fills the gap.
        assert_eq!(
            lane.on_packet(&pkt(11, 0, 0, false, t0)).map(|r| r.seq),
            Some(1001)
        );
        // 9 predates the start.
        assert_eq!(lane.on_packet(&pkt(9, 0, 0, false, t0)), None);
    }

    #[test]
    fn video_waits_for_a_keyframe() {
        let t0 = Instant::now();
        let mut lane = on_video_lane();
        assert_eq!(lane.wants_keyframe(), Some(0));
        assert_eq!(lane.on_packet(&pkt(1, 0, 0, false, t0)), None);
        assert!(lane.on_packet(&pkt(2, 3000, 0, true, t0)).is_some());
        assert_eq!(lane.wants_keyframe(), None);
        assert!(lane.on_packet(&pkt(3, 6000, 0, false, t0)).is_some());
    }

    #[test]
    fn resume_waits_for_a_keyframe_again() {
        let t0 = Instant::now();
        let mut lane = on_video_lane();
        assert!(lane.on_packet(&pkt(1, 0, 0, true, t0)).is_some());
        lane.set_flow(Flow::Paused);
        lane.set_flow(Flow::On);
        assert_eq!(lane.wants_keyframe(), Some(0));
        assert_eq!(lane.on_packet(&pkt(2, 3000, 0, false, at(33, t0))), None);
        let r = lane.on_packet(&pkt(3, 6000, 0, true, at(66, t0)));
        assert_eq!(r.map(|r| r.seq), Some(1001));
    }

    #[test]
    fn layer_switch_happens_on_a_keyframe_of_the_target() {
        let t0 = Instant::now();
        let mut lane = on_video_lane();
        lane.set_target(2);
        // Layer 2 starts.
        let first = lane.on_packet(&pkt(500, 90_000, 2, true, t0));
        assert_eq!(
            first,
            Some(Rewritten {
                seq: 1000,
                ts: 5000
            })
        );
        assert!(lane.on_packet(&pkt(501, 90_000, 2, false, t0)).is_some());
        // Other layers are ignored.
        assert_eq!(lane.on_packet(&pkt(70, 12_345, 0, true, t0)), None);
        // Switch down: layer 2 keeps flowing until layer 0 has a keyframe.
        lane.set_target(0);
        assert_eq!(lane.wants_keyframe(), Some(0));
        assert!(
            lane.on_packet(&pkt(502, 93_000, 2, false, at(33, t0)))
                .is_some()
        );
        assert_eq!(lane.on_packet(&pkt(71, 15_345, 0, false, at(33, t0))), None);
        let switched = lane.on_packet(&pkt(72, 18_345, 0, true, at(66, t0)));
        // Continuous: 1000, 1001, 1002, then 1003; time goes on by the 33 ms that passed.
        assert_eq!(
            switched,
            Some(Rewritten {
                seq: 1003,
                ts: 8000 + 2970
            })
        );
        assert_eq!(lane.current(), Some(0));
        assert_eq!(
            lane.on_packet(&pkt(503, 96_000, 2, false, at(66, t0))),
            None
        );
        assert_eq!(lane.wants_keyframe(), None);
    }

    #[test]
    fn a_new_lane_can_carry_on_an_old_one() {
        let t0 = Instant::now();
        let mut old = Lane::new(false, 500, 0);
        old.set_ready(true);
        old.set_flow(Flow::On);
        old.on_packet(&pkt(1, 0, 0, true, t0));
        let mut new = Lane::new(false, 9, 9);
        new.continue_from(old.continuation().expect("it sent"));
        new.set_ready(true);
        new.set_flow(Flow::On);
        let r = new.on_packet(&pkt(77, 12_345, 0, true, at(20, t0)));
        assert_eq!(r, Some(Rewritten { seq: 501, ts: 960 }));
    }

    #[test]
    fn sequence_numbers_cross_the_16_bit_wrap() {
        let t0 = Instant::now();
        let mut lane = Lane::new(false, 65_534, 0);
        lane.set_ready(true);
        lane.set_flow(Flow::On);
        let seqs: Vec<u64> = (0..4)
            .filter_map(|i| lane.on_packet(&pkt(7 + i, 0, 0, true, t0)))
            .map(|r| r.seq)
            .collect();
        // Extended numbers go on past 65535; str0m carries the low 16 bits and the ROC.
        assert_eq!(seqs, vec![65_534, 65_535, 65_536, 65_537]);
    }

    #[test]
    fn choosing_a_layer_falls_back_to_what_flows() {
        // Three layers, all active.
        assert_eq!(choose_layer(Layer::MAX, 3, 0b111), 2);
        assert_eq!(choose_layer(1, 3, 0b111), 1);
        // High wanted, only low and mid flowing.
        assert_eq!(choose_layer(2, 3, 0b011), 1);
        // Low wanted but only high flowing.
        assert_eq!(choose_layer(0, 3, 0b100), 2);
        // Nothing flows yet: wait for the wanted one.
        assert_eq!(choose_layer(1, 3, 0), 1);
        // No simulcast.
        assert_eq!(choose_layer(Layer::MAX, 1, 0b1), 0);
        assert_eq!(choose_layer(Layer::MAX, 0, 0), 0);
    }

    #[test]
    fn keyframe_requests_are_throttled_per_layer() {
        let t0 = Instant::now();
        let mut throttle = KeyframeThrottle::default();
        assert!(throttle.allow(0, t0));
        assert!(!throttle.allow(0, at(100, t0)));
        assert!(throttle.allow(1, at(100, t0)));
        assert!(throttle.allow(0, at(250, t0)));
        assert!(!throttle.allow(7, t0));
    }

    #[test]
    fn layer_order_follows_rid_conventions() {
        let order = |rids: &[&str]| layer_order(rids.iter().copied());
        assert_eq!(order(&["f", "h", "q"]), vec![2, 1, 0]);
        assert_eq!(order(&["q", "h", "f"]), vec![0, 1, 2]);
        assert_eq!(order(&["h", "m", "l"]), vec![2, 1, 0]);
        assert_eq!(order(&["h", "f"]), vec![0, 1]);
        assert_eq!(order(&["l", "h"]), vec![0, 1]);
        assert_eq!(order(&["2", "0", "1"]), vec![2, 0, 1]);
        assert_eq!(order(&["hi", "lo"]), vec![0, 1]);
        assert_eq!(order(&["h"]), vec![0]);
    }
}
