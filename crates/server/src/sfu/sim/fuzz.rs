//! The forwarding path under hostile media: a fuzz driver that decodes raw bytes into a
//! session of actions on the in-memory [`Net`] and checks the router's invariants after each.
//!
//! Alice publishes audio and three-layer simulcast video; Bob and Carol subscribe to both,
//! their endpoints keeping whole RTP packets. Alice's endpoint then writes packets the input
//! describes (SRTP stays valid: str0m encrypts them): any payload type, sequence and timestamp
//! jumps, marker, header extensions, payload bytes, and streams on SSRCs never negotiated.
//! Subscribers send keyframe requests (for their streams or for made-up SSRCs) and
//! application feedback, pause and resume, switch layers and leave; time moves on.
//!
//! After each action, checked (a panic is the finding):
//! - every packet a subscriber gets carries a payload Alice wrote on that track's kind;
//! - on one outgoing SSRC, a sequence number never carries two different payloads, unless
//!   Alice herself sent two payloads under one sequence number on that kind;
//! - a paused track gets no packet Alice wrote after the pause;
//! - nothing at all is sent to a subscriber that left.
//!
//! The input format, one action after another (a read past the end gives zeros):
//!
//! | first byte % 8 | action | then |
//! |---|---|---|
//! | 0 | RTP from Alice | flags u8, seq step i16, ts step i32, pt u8, length u16, payload |
//! | 1 | RTP on an SSRC never negotiated | ssrc u32, video u8, length u16, payload |
//! | 2 | keyframe request | subscriber u8, kind u8 |
//! | 3 | PLI for any SSRC, or app feedback of `flags / 2` bytes | subscriber u8, ssrc u32, flags u8 |
//! | 4 | time passes | milliseconds u8 |
//! | 5 | layer switch | subscriber u8, layer u8 |
//! | 6 | pause or resume a kind | subscriber u8, flags u8 |
//! | 7 | a subscriber leaves | subscriber u8 |
//!
//! RTP flags: bit 0 video, bits 1-2 layer (3 = no rid), bit 3 marker, bit 4 nackable,
//! bits 5-7 pick header extension values. pt: below 128 sent as is, else the negotiated one.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chorus_proto::{SimulcastStreamType, StreamIndex, TrackKind};
use str0m::format::Codec;
use str0m::media::{ExtensionValues, KeyframeRequestKind, Mid, Pt, Rid};
use str0m::rtp::{RtpWrite, SeqNo, Ssrc, VideoOrientation};

use super::super::test_client::payload_type;
use super::super::{Command, ForwardMode, PeerId, Source};
use super::{Net, Side};

/// The publisher.
const ALICE: PeerId = PeerId(1);
/// The subscribers, each with the user id Alice's tracks are offered to it under.
const SUBSCRIBERS: [PeerId; 2] = [PeerId(2), PeerId(3)];
/// Alice's simulcast layers, lowest first.
const RIDS: [&str; 3] = ["q", "h", "f"];
/// Actions read from one input at most: keeps one run short for the fuzzer.
const MAX_ACTIONS: usize = 200;
/// Simulated time one input may spend at most.
const MAX_TIME: Duration = Duration::from_secs(4);
/// The largest payload written: a full-size RTP packet on a 1500-byte path.
pub(super) const MAX_PAYLOAD: usize = 1150;
/// Simulated time for the transports to connect at the start.
const CONNECT: Duration = Duration::from_secs(5);

/// Runs the session `data` describes; panics when an invariant breaks. Returns how many
/// packets reached subscribers (and were checked).
pub(crate) fn run(data: &[u8]) -> usize {
    let mut session = Session::new();
    let mut input = Input { data, at: 0 };
    let mut actions = 0;
    while input.at < data.len() && actions < MAX_ACTIONS && session.elapsed() < MAX_TIME {
        session.apply(&mut input);
        session.check();
        actions += 1;
    }
    // What is still on its way arrives and is checked too.
    session.pass(Duration::from_millis(50));
    session.check();
    session.checked
}

/// The input bytes, read front to back; past the end every read gives zeros.
struct Input<'a> {
    data: &'a [u8],
    at: usize,
}

impl Input<'_> {
    fn u8(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// A payload: a length (at most [`MAX_PAYLOAD`]) and that many bytes, the input's while
    /// it lasts and a filler after, so that a short input can still send a full packet.
    fn payload(&mut self) -> Arc<[u8]> {
        let len = usize::from(self.u16()) % (MAX_PAYLOAD + 1);
        let start = self.at.min(self.data.len());
        let end = (start + len).min(self.data.len());
        let mut payload = self.data[start..end].to_vec();
        payload.resize(len, 0x5a);
        self.at += len;
        payload.into()
    }
}

/// What Alice has sent on one of her streams.
#[derive(Default)]
struct Sent {
    seq: u64,
    ts: u32,
    /// The payload last sent under each sequence number.
    payloads: HashMap<u16, Arc<[u8]>>,
}

/// What one subscriber was sent and may be sent.
#[derive(Default)]
struct Seen {
    left: bool,
    /// Datagrams the router had sent it when it left.
    carried_at_leave: u64,
    /// Per kind (audio, video): paused since this many payloads had been written.
    paused_at: [Option<usize>; 2],
    /// The payload each (SSRC, sequence number) carried.
    seqs: HashMap<(Ssrc, u16), Arc<[u8]>>,
}

/// One fuzz session on the net.
struct Session {
    net: Net,
    start: Instant,
    mids: [Mid; 2],
    pts: [Pt; 2],
    /// Per stream Alice writes on: (kind, layer; 3 for no rid).
    sent: HashMap<(usize, u8), Sent>,
    /// Per kind, each payload written, with the index of its first write.
    written: [HashMap<Arc<[u8]>, usize>; 2],
    /// Per kind, whether Alice sent two payloads under one sequence number.
    reused: [bool; 2],
    seen: HashMap<PeerId, Seen>,
    /// SSRCs made up so far, not to declare twice.
    foreign: HashSet<u32>,
    /// Packets subscribers received, all checked.
    checked: usize,
}

fn kind_of(video: bool) -> TrackKind {
    if video {
        TrackKind::Video
    } else {
        TrackKind::Audio
    }
}

impl Session {
    /// Alice publishing, Bob and Carol subscribed to both kinds, all connected.
    fn new() -> Self {
        let mut net = Net::new(Duration::from_secs(30), 7);
        let mids = net.publish(ALICE, &[(TrackKind::Audio, &[]), (TrackKind::Video, &RIDS)]);
        let mids = [mids[0], mids[1]];
        let alice = net.endpoint_mut(ALICE, Side::Publisher);
        // Only what the input says is written.
        alice.media = None;
        let pts = [
            payload_type(&mut alice.rtc, mids[0], Codec::Opus),
            payload_type(&mut alice.rtc, mids[1], Codec::H264),
        ];
        for peer in SUBSCRIBERS {
            net.rtp_subscriber(peer);
            net.forward(peer, ALICE, TrackKind::Audio, "alice", ForwardMode::On);
            net.forward(peer, ALICE, TrackKind::Video, "alice", ForwardMode::On);
        }
        net.run_until(CONNECT, "everyone connecting", |n| {
            n.endpoint(ALICE, Side::Publisher).connected
                && SUBSCRIBERS
                    .iter()
                    .all(|p| n.endpoint(*p, Side::Subscriber).connected)
        });
        let start = net.now;
        Session {
            net,
            start,
            mids,
            pts,
            sent: HashMap::new(),
            written: [HashMap::new(), HashMap::new()],
            reused: [false; 2],
            seen: SUBSCRIBERS.iter().map(|p| (*p, Seen::default())).collect(),
            foreign: HashSet::new(),
            checked: 0,
        }
    }

    fn elapsed(&self) -> Duration {
        self.net.now - self.start
    }

    /// A subscriber still in the room, picked by `b`.
    fn subscriber(&self, b: u8) -> Option<PeerId> {
        let peer = SUBSCRIBERS[usize::from(b) % SUBSCRIBERS.len()];
        (!self.seen[&peer].left).then_some(peer)
    }

    /// Decodes one action from `input` and carries it out.
    fn apply(&mut self, input: &mut Input) {
        match input.u8() % 8 {
            0 => {
                let flags = input.u8();
                let seq_step = input.u16() as i16;
                let ts_step = input.u32() as i32;
                let pt = input.u8();
                let payload = input.payload();
                self.rtp(flags, seq_step, ts_step, pt, payload);
            }
            1 => {
                let ssrc = input.u32();
                let video = input.u8() & 1 == 1;
                let payload = input.payload();
                self.foreign_rtp(ssrc, video, payload);
            }
            2 => {
                let (who, kind) = (input.u8(), input.u8());
                if let Some(peer) = self.subscriber(who) {
                    let kind = if kind & 1 == 0 {
                        KeyframeRequestKind::Pli
                    } else {
                        KeyframeRequestKind::Fir
                    };
                    self.keyframe_request(peer, kind);
                }
            }
            3 => {
                let (who, ssrc, flags) = (input.u8(), input.u32(), input.u8());
                if let Some(peer) = self.subscriber(who) {
                    let endpoint = self.net.endpoint_mut(peer, Side::Subscriber);
                    let mut api = endpoint.rtc.direct_api();
                    if flags & 1 == 0 {
                        api.send_pli_feedback(Ssrc::from(ssrc ^ 1), Ssrc::from(ssrc));
                    } else {
                        // Any length, a multiple of four or not.
                        let payload = vec![flags; usize::from(flags >> 1)];
                        api.send_app_specific_feedback(
                            Ssrc::from(ssrc ^ 1),
                            Ssrc::from(ssrc),
                            payload,
                        );
                    }
                }
            }
            4 => {
                let ms = u64::from(input.u8()) + 1;
                self.pass(Duration::from_millis(ms));
            }
            5 => {
                let (who, layer) = (input.u8(), input.u8());
                if let Some(subscriber) = self.subscriber(who) {
                    let layer = match layer % 3 {
                        0 => SimulcastStreamType::Low,
                        1 => SimulcastStreamType::Mid,
                        _ => SimulcastStreamType::High,
                    };
                    self.net.command(Command::SetLayer {
                        subscriber,
                        publisher: ALICE,
                        layer,
                    });
                }
            }
            6 => {
                let (who, flags) = (input.u8(), input.u8());
                if let Some(peer) = self.subscriber(who) {
                    self.pause(peer, flags & 1 == 1, flags & 2 == 2);
                }
            }
            _ => {
                if let Some(peer) = self.subscriber(input.u8()) {
                    self.leave(peer);
                }
            }
        }
    }

    /// Runs the net for `time`, checking what arrives as it goes.
    fn pass(&mut self, time: Duration) {
        let end = self.net.now + time;
        while self.net.now < end {
            self.net.step();
            self.check();
        }
    }

    fn rtp(&mut self, flags: u8, seq_step: i16, ts_step: i32, pt: u8, payload: Arc<[u8]>) {
        let video = flags & 1 == 1;
        let kind = usize::from(video);
        let layer = if video { (flags >> 1) & 3 } else { 3 };
        let rid = RIDS.get(usize::from(layer)).map(|r| Rid::from(*r));
        let pt = if pt < 128 {
            Pt::from(pt)
        } else {
            self.pts[kind]
        };
        let sent = self.sent.entry((kind, layer)).or_insert_with(|| Sent {
            seq: 1000,
            ..Sent::default()
        });
        // One step moves at most half the sequence space, as a receiver can follow.
        sent.seq = sent.seq.saturating_add_signed(i64::from(seq_step)).max(1);
        sent.ts = sent.ts.wrapping_add_signed(ts_step);
        let (seq, ts) = (sent.seq, sent.ts);
        if let Some(before) = sent.payloads.insert(seq as u16, payload.clone())
            && before != payload
        {
            self.reused[kind] = true;
        }
        let count = self.written[kind].len();
        self.written[kind].entry(payload.clone()).or_insert(count);
        let ext = extensions(flags >> 5, ts, self.net.now);
        let now = self.net.now;
        let alice = self.net.endpoint_mut(ALICE, Side::Publisher);
        let mut api = alice.rtc.direct_api();
        let Some(stream) = api.stream_tx_by_mid(self.mids[kind], rid) else {
            return;
        };
        let write = RtpWrite::new(pt, SeqNo::from(seq), ts, now, payload)
            .marker(flags & 8 == 8)
            .nackable(flags & 16 == 16)
            .ext_vals(ext);
        stream.write_rtp(write);
    }

    /// A stream Alice never offered: an SSRC of the input's, on her mid of that kind with a
    /// rid nobody negotiated.
    fn foreign_rtp(&mut self, ssrc: u32, video: bool, payload: Arc<[u8]>) {
        let kind = usize::from(video);
        let count = self.written[kind].len();
        self.written[kind].entry(payload.clone()).or_insert(count);
        // Its sequence numbers are its own: they may meet the real stream's.
        self.reused[kind] = true;
        let mid = self.mids[kind];
        let now = self.net.now;
        let alice = self.net.endpoint_mut(ALICE, Side::Publisher);
        let mut api = alice.rtc.direct_api();
        let known = api.stream_tx(&Ssrc::from(ssrc)).is_some();
        if known && !self.foreign.contains(&ssrc) {
            return;
        }
        self.foreign.insert(ssrc);
        let stream = api.declare_stream_tx(Ssrc::from(ssrc), None, mid, Some(Rid::from("x")));
        let write = RtpWrite::new(
            self.pts[kind],
            SeqNo::from(u64::from(ssrc >> 16)),
            ssrc,
            now,
            payload,
        );
        stream.write_rtp(write);
    }

    fn keyframe_request(&mut self, peer: PeerId, kind: KeyframeRequestKind) {
        let endpoint = self.net.endpoint_mut(peer, Side::Subscriber);
        let Some(offer) = endpoint.offer.as_ref() else {
            return;
        };
        let Some(track) = offer.tracks.iter().find(|t| t.kind == TrackKind::Video) else {
            return;
        };
        let mid = Mid::from(track.mid.as_str());
        if let Some(stream) = endpoint.rtc.direct_api().stream_rx_by_mid(mid, None) {
            stream.request_keyframe(kind);
        }
    }

    fn pause(&mut self, peer: PeerId, video: bool, paused: bool) {
        let kind = usize::from(video);
        let mode = if paused {
            ForwardMode::Paused
        } else {
            ForwardMode::On
        };
        self.net.command(Command::Forward {
            subscriber: peer,
            source: Source {
                publisher: ALICE,
                index: StreamIndex::Main,
                kind: kind_of(video),
            },
            user_id: Arc::from("alice"),
            mode,
        });
        let count = self.written[kind].len();
        if let Some(seen) = self.seen.get_mut(&peer) {
            seen.paused_at[kind] = paused.then_some(seen.paused_at[kind].unwrap_or(count));
        }
    }

    fn leave(&mut self, peer: PeerId) {
        let (done, _) = tokio::sync::oneshot::channel();
        self.net.command(Command::Close { peer, done });
        let carried = self.carried(peer);
        if let Some(seen) = self.seen.get_mut(&peer) {
            seen.left = true;
            seen.carried_at_leave = carried;
        }
    }

    fn carried(&self, peer: PeerId) -> u64 {
        [Side::Publisher, Side::Subscriber]
            .iter()
            .filter_map(|side| self.net.carried.get(&(peer, *side)))
            .sum()
    }

    /// Takes what each subscriber received since the last check and checks it.
    fn check(&mut self) {
        for peer in SUBSCRIBERS {
            let carried = self.carried(peer);
            let endpoint = self.net.endpoint_mut(peer, Side::Subscriber);
            let packets = std::mem::take(&mut endpoint.packets);
            let Some(seen) = self.seen.get_mut(&peer) else {
                continue;
            };
            if seen.left {
                assert_eq!(
                    carried, seen.carried_at_leave,
                    "the router sent to {peer:?} after it left"
                );
            }
            self.checked += packets.len();
            for packet in packets {
                let ssrc = packet.header.ssrc;
                let mid = endpoint.rtc.direct_api().stream_rx(&ssrc).map(|s| s.mid());
                let offer = endpoint.offer.as_ref().expect("media comes after an offer");
                let track = offer
                    .tracks
                    .iter()
                    .find(|t| Some(Mid::from(t.mid.as_str())) == mid)
                    .expect("media arrives on an offered m-line");
                assert_eq!(track.user_id, "alice", "media from someone else");
                let kind = usize::from(track.kind == TrackKind::Video);
                let payload = packet.payload.clone();
                let index = self.written[kind].get(&payload);
                assert!(
                    index.is_some(),
                    "{peer:?} got a {:?} payload Alice never wrote on that kind",
                    track.kind
                );
                if let (Some(since), Some(index)) = (seen.paused_at[kind], index) {
                    assert!(
                        *index < since,
                        "{peer:?} got {:?} written after it paused it",
                        track.kind
                    );
                }
                let key = (ssrc, packet.header.sequence_number);
                if let Some(before) = seen.seqs.insert(key, payload.clone()) {
                    assert!(
                        before == payload || self.reused[kind],
                        "{peer:?} got two payloads under one sequence number on {ssrc:?}"
                    );
                }
            }
        }
    }
}

/// Header extension values picked by `pick` (three bits): none, the usual ones, or odd ones.
fn extensions(pick: u8, ts: u32, now: Instant) -> ExtensionValues {
    let mut ext = ExtensionValues::default();
    if pick & 1 == 1 {
        ext.audio_level = Some(-((ts % 128) as i8));
        ext.voice_activity = Some(ts & 1 == 1);
        ext.abs_send_time = Some(now);
    }
    if pick & 2 == 2 {
        ext.video_orientation = Some(match ts % 4 {
            0 => VideoOrientation::Deg0,
            1 => VideoOrientation::Deg90,
            2 => VideoOrientation::Deg180,
            _ => VideoOrientation::Deg270,
        });
        ext.video_content_type = Some(ts as u8);
        ext.transport_cc = Some(ts as u16);
    }
    if pick & 4 == 4 {
        // A rid and mid of their own: the header lies about which stream this is.
        ext.rid = Some(Rid::from(RIDS[(ts % 3) as usize]));
        ext.rid_repair = Some(Rid::from("f"));
        ext.mid = Some(Mid::from("9"));
        ext.tx_time_offs = Some(ts);
        ext.frame_mark = Some(ts);
    }
    ext
}
