//! One WebRTC transport: the str0m `Rtc` of a client's publisher or subscriber side, and what
//! the SFU remembers about it (tracks, SSRC routes, m-line slots, the offer in flight).
//!
//! Every server `Rtc` is built here the same way: ICE-lite (clients are always the
//! controlling agent; the server only answers checks), RTP mode (packets are forwarded, never
//! depacketized), Opus, H.264 constrained baseline and VP8 with NACK/RTX, TWCC and RTCP
//! reports, one UDP host candidate and one passive ICE-TCP candidate. One DTLS certificate
//! is made at start and shared by every transport: generating one per client would cost a
//! key generation per join for nothing.
//!
//! Must not depend on the socket loop; the router drives these.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use chorus_media::{RtcSetup, SFU_INITIAL_ESTIMATE};
use chorus_proto::TrackKind;
use str0m::change::SdpPendingOffer;
use str0m::config::{CryptoProvider, DtlsCert};
use str0m::format::PayloadParams;
use str0m::media::{Mid, Pt, Rid};
use str0m::net::TcpType;
use str0m::rtp::Ssrc;
use str0m::{Candidate, IceCreds, Rtc, RtcConfig};

use super::PeerId;
use super::fallback::Downlink;
use super::forward::{Continuation, Layer, PtMap};
use super::ids::SourceId;
use super::keyframe::Codec;
use super::source::Feed;
use super::workers::ufrag_prefix;

/// Builds the server's `Rtc`s.
#[derive(Clone)]
pub(super) struct RtcFactory {
    crypto: Arc<CryptoProvider>,
    cert: DtlsCert,
    candidates: Vec<Candidate>,
    /// The start of every ICE ufrag: names the worker whose transports these are.
    ufrag_prefix: String,
}

impl RtcFactory {
    /// A factory whose transports advertise `udp` and, if given, `tcp` (passive).
    pub(super) fn new(udp: SocketAddr, tcp: Option<SocketAddr>) -> Result<Self, String> {
        let crypto = str0m::crypto::from_feature_flags();
        let cert = crypto
            .dtls_provider
            .generate_certificate()
            .ok_or("the crypto provider cannot make a DTLS certificate")?;
        let mut candidates =
            vec![Candidate::host(udp, "udp").map_err(|e| format!("UDP candidate: {e}"))?];
        if let Some(tcp) = tcp {
            let candidate = Candidate::builder()
                .tcp()
                .host(tcp)
                .tcptype(TcpType::Passive)
                .build()
                .map_err(|e| format!("TCP candidate: {e}"))?;
            candidates.push(candidate);
        }
        Ok(RtcFactory {
            crypto: Arc::new(crypto),
            cert,
            candidates,
            ufrag_prefix: ufrag_prefix(0),
        })
    }

    /// The same factory for worker `worker`'s transports: their ICE ufrags name it.
    pub(super) fn for_worker(mut self, worker: usize) -> Self {
        self.ufrag_prefix = ufrag_prefix(worker);
        self
    }

    fn config(&self, estimate: bool) -> RtcConfig {
        // Chorus's codecs (H.264 preferred, then VP8), ICE-lite, RTP mode: chorus-media's.
        let setup = RtcSetup::sfu();
        let setup = if estimate {
            setup.estimating(SFU_INITIAL_ESTIMATE)
        } else {
            setup
        };
        let mut creds = IceCreds::new();
        creds.ufrag.insert_str(0, &self.ufrag_prefix);
        setup
            .config()
            .set_local_ice_credentials(creds)
            .set_crypto_provider(self.crypto.clone())
            .set_dtls_cert(self.cert.clone())
    }

    /// A new `Rtc` with the server's settings and candidates, and its local ICE ufrag. With
    /// `estimate`, it estimates the bandwidth of what it sends (for subscribe fallback).
    pub(super) fn build(&self, now: Instant, estimate: bool) -> (Rtc, String) {
        let mut rtc = self.config(estimate).build(now);
        for candidate in &self.candidates {
            rtc.add_local_candidate(candidate.clone());
        }
        let ufrag = rtc.direct_api().local_ice_credentials().ufrag;
        (rtc, ufrag)
    }
}

/// One transport and what the SFU knows about it.
pub(super) struct Transport {
    pub(super) rtc: Rtc,
    pub(super) peer: PeerId,
    pub(super) side: Side,
    /// ICE and DTLS are up.
    pub(super) connected: bool,
    /// When it was made: a transport not connected in time has failed.
    pub(super) created: Instant,
    /// When str0m next wants a timeout.
    pub(super) timeout: Instant,
    /// Packets were queued on it since it was last drained.
    pub(super) dirty: bool,
    /// When each packet queued on it since its last flush was read (for the latency metric).
    pub(super) read_times: Vec<Instant>,
}

impl Transport {
    /// A transport for `peer` on `side`.
    pub(super) fn new(rtc: Rtc, peer: PeerId, side: Side, now: Instant) -> Self {
        Transport {
            rtc,
            peer,
            side,
            connected: false,
            created: now,
            timeout: now,
            dirty: false,
            read_times: Vec::new(),
        }
    }

    /// The publisher state, if this is a publisher transport.
    pub(super) fn publishing(&mut self) -> Option<&mut Publishing> {
        match &mut self.side {
            Side::Publisher(p) => Some(p),
            Side::Subscriber(_) => None,
        }
    }

    /// The subscriber state, if this is a subscriber transport.
    pub(super) fn subscribing(&mut self) -> Option<&mut Subscribing> {
        match &mut self.side {
            Side::Subscriber(s) => Some(s),
            Side::Publisher(_) => None,
        }
    }
}

/// Which side of a client a transport is.
pub(super) enum Side {
    /// The client offers and sends.
    Publisher(Publishing),
    /// The server offers and sends.
    Subscriber(Subscribing),
}

/// A publisher transport's tracks and how its packets find their source.
#[derive(Default)]
pub(super) struct Publishing {
    pub(super) tracks: Vec<PublishedTrack>,
    /// SSRC -> source and layer, learnt on each SSRC's first packet.
    pub(super) routes: Vec<Route>,
    /// Payload type -> codec, from the negotiated codecs.
    pub(super) codecs: Vec<(Pt, Codec)>,
}

impl Publishing {
    /// Where packets of `ssrc` go, if known.
    pub(super) fn route(&self, ssrc: Ssrc) -> Option<Route> {
        self.routes.iter().find(|r| r.ssrc == ssrc).copied()
    }

    /// The codec of payload type `pt`.
    pub(super) fn codec(&self, pt: Pt) -> Option<Codec> {
        self.codecs.iter().find(|(p, _)| *p == pt).map(|(_, c)| *c)
    }

    /// The track on `mid`.
    pub(super) fn track(&self, mid: Mid) -> Option<&PublishedTrack> {
        self.tracks.iter().find(|t| t.mid == mid)
    }
}

/// One m-line of a publisher transport.
pub(super) struct PublishedTrack {
    pub(super) mid: Mid,
    pub(super) source: SourceId,
    pub(super) kind: TrackKind,
    /// Simulcast rids with their layers; empty without simulcast.
    pub(super) rids: Vec<(Rid, Layer)>,
}

impl PublishedTrack {
    /// The layer of packets carrying `rid` (layer 0 without simulcast); `None` for a rid
    /// the offer did not name.
    pub(super) fn layer_of(&self, rid: Option<Rid>) -> Option<Layer> {
        match rid {
            None if self.rids.is_empty() => Some(0),
            None => None,
            Some(rid) => self.rids.iter().find(|(r, _)| *r == rid).map(|(_, l)| *l),
        }
    }

    /// The rid carrying `layer`.
    pub(super) fn rid_of(&self, layer: Layer) -> Option<Rid> {
        self.rids.iter().find(|(_, l)| *l == layer).map(|(r, _)| *r)
    }
}

/// Where an SSRC's packets go.
#[derive(Debug, Clone, Copy)]
pub(super) struct Route {
    pub(super) ssrc: Ssrc,
    pub(super) source: SourceId,
    pub(super) layer: Layer,
    pub(super) video: bool,
}

/// A subscriber transport's m-lines and the offer in flight.
#[derive(Default)]
pub(super) struct Subscribing {
    /// M-lines by slot number; a slot is never removed, only freed and reused.
    pub(super) slots: Vec<Slot>,
    /// The offer waiting for the client's answer.
    pub(super) pending: Option<PendingOffer>,
    /// The downlink's estimate and subscribe fallback's clocks.
    pub(super) downlink: Downlink,
}

impl Subscribing {
    /// The slot whose m-line is `mid`.
    pub(super) fn slot_of_mid(&self, mid: Mid) -> Option<usize> {
        self.slots.iter().position(|s| s.mid == Some(mid))
    }
}

/// One m-line of a subscriber transport.
pub(super) struct Slot {
    pub(super) kind: TrackKind,
    /// Known once offered.
    pub(super) mid: Option<Mid>,
    /// What the room wants on it.
    pub(super) wanted: Option<Feed>,
    /// What the client has agreed to (the last accepted answer).
    pub(super) applied: Option<Feed>,
    /// The send stream and payload types, once negotiated.
    pub(super) tx: Option<(Ssrc, PtMap)>,
    /// Where the send stream's numbering stands after the last lane on it.
    pub(super) continuation: Option<Continuation>,
}

impl Slot {
    /// An m-line still to be offered.
    pub(super) fn new(kind: TrackKind) -> Self {
        Slot {
            kind,
            mid: None,
            wanted: None,
            applied: None,
            tx: None,
            continuation: None,
        }
    }

    /// Free to carry another source: nothing wanted and nothing agreed.
    pub(super) fn is_free(&self) -> bool {
        self.wanted.is_none() && self.applied.is_none()
    }
}

/// An offer sent to the client, with what each changed slot will carry once answered.
pub(super) struct PendingOffer {
    pub(super) pending: SdpPendingOffer,
    /// (slot, feed after the answer, whether the offer added its m-line).
    pub(super) changes: Vec<(usize, Option<Feed>, bool)>,
}

/// Which subscriber payload type carries each codec on the m-line `mid` of `rtc`.
pub(super) fn negotiated_pts(rtc: &Rtc, mid: Mid) -> PtMap {
    let mut map = PtMap::default();
    let Some(media) = rtc.media(mid) else {
        return map;
    };
    let params = rtc.codec_config().params();
    for pt in media.remote_pts() {
        let codec = params
            .iter()
            .find(|p| p.pt() == *pt)
            .and_then(|p| Codec::from_str0m(p.spec().codec));
        if let Some(codec) = codec
            && map.get(codec).is_none()
        {
            map.set(codec, **pt);
        }
    }
    map
}

/// Payload type -> codec for every codec the SFU forwards, from `params`.
pub(super) fn codec_table(params: &[PayloadParams]) -> Vec<(Pt, Codec)> {
    params
        .iter()
        .filter_map(|p| Codec::from_str0m(p.spec().codec).map(|c| (p.pt(), c)))
        .collect()
}
