//! One simulated client transport: a str0m `Rtc` in frame mode with no socket, fed datagrams
//! and time by the [`super::Net`]. A publishing endpoint writes made-up audio and video
//! frames on a schedule of the simulated clock (keyframes when asked); every endpoint records
//! the frames and keyframe requests that reach it, with the simulated time they arrived.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chorus_media::every_codec_config;
use chorus_proto::{SubscriberOfferEvent, TrackKind};
use str0m::change::SdpPendingOffer;
use str0m::format::Codec as StrCodec;
use str0m::media::{Frequency, KeyframeRequest, MediaData, MediaTime, Mid, Pt, Rid};
use str0m::net::{Protocol, Receive, Transmit};
use str0m::rtp::RtpPacket;
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};

use super::super::test_client::{
    accept_answer, answer_offer, audio_payload, offer_tracks, payload_type, video_payload,
};

/// What one direction of an endpoint's link does to datagrams.
#[derive(Debug, Clone, Copy, Default)]
pub(in crate::sfu) struct Link {
    /// The share of datagrams dropped, 0.0 to 1.0 (drawn from the net's seeded generator).
    pub(in crate::sfu) loss: f64,
    /// One-way delay.
    pub(in crate::sfu) delay: Duration,
}

/// One client transport on the simulated network.
pub(in crate::sfu) struct Endpoint {
    pub(in crate::sfu) rtc: Rtc,
    pub(in crate::sfu) addr: SocketAddr,
    /// From this endpoint to the server.
    pub(in crate::sfu) up: Link,
    /// From the server to this endpoint.
    pub(in crate::sfu) down: Link,
    pub(in crate::sfu) connected: bool,
    pub(in crate::sfu) disconnected: bool,
    /// Frames received, with the simulated time each arrived.
    pub(in crate::sfu) frames: Vec<(Instant, MediaData)>,
    /// RTP packets received by an endpoint in RTP mode ([`Endpoint::new_rtp_mode`]), for
    /// its owner to take.
    pub(in crate::sfu) packets: Vec<RtpPacket>,
    /// Keyframe requests received, with the simulated time each arrived.
    pub(in crate::sfu) keyframe_requests: Vec<(Instant, KeyframeRequest)>,
    /// The latest subscriber offer answered (a subscribing endpoint).
    pub(in crate::sfu) offer: Option<SubscriberOfferEvent>,
    /// Media written on a schedule (a publishing endpoint).
    pub(in crate::sfu) media: Option<Media>,
    /// Datagrams produced, for the net to carry.
    pub(in crate::sfu) outbox: Vec<Transmit>,
    pending: Option<SdpPendingOffer>,
}

impl Endpoint {
    /// An endpoint at `addr`, made at `now`.
    pub(in crate::sfu) fn new(addr: SocketAddr, now: Instant) -> Self {
        Self::with_rtc(addr, every_codec_config().build(now))
    }

    /// An endpoint at `addr` that receives whole RTP packets ([`Endpoint::packets`]) rather
    /// than frames: what a subscriber sees of media that need not depacketize.
    pub(in crate::sfu) fn new_rtp_mode(addr: SocketAddr, now: Instant) -> Self {
        Self::with_rtc(addr, every_codec_config().set_rtp_mode(true).build(now))
    }

    fn with_rtc(addr: SocketAddr, mut rtc: Rtc) -> Self {
        rtc.add_local_candidate(Candidate::host(addr, "udp").expect("host candidate"));
        Endpoint {
            rtc,
            addr,
            up: Link::default(),
            down: Link::default(),
            connected: false,
            disconnected: false,
            frames: Vec::new(),
            packets: Vec::new(),
            keyframe_requests: Vec::new(),
            offer: None,
            media: None,
            outbox: Vec::new(),
            pending: None,
        }
    }

    /// Offers `tracks`; returns the SDP offer and the track list.
    pub(in crate::sfu) fn publish_offer(
        &mut self,
        tracks: &[(TrackKind, &[&str])],
    ) -> (String, Vec<chorus_proto::PublishedTrack>) {
        let (offer, list, pending) = offer_tracks(&mut self.rtc, tracks);
        self.pending = Some(pending);
        (offer, list)
    }

    /// Applies the server's answer to the publisher offer; starts writing media on the
    /// first audio and video m-lines of `mids` (video with simulcast `rids`).
    pub(in crate::sfu) fn accept_answer(
        &mut self,
        sdp: &str,
        tracks: &[(TrackKind, &[&'static str])],
        mids: &[Mid],
        now: Instant,
    ) {
        let pending = self.pending.take().expect("an offer was made");
        accept_answer(&mut self.rtc, pending, sdp);
        let mut media = Media::new(now);
        for ((kind, rids), mid) in tracks.iter().zip(mids) {
            match kind {
                TrackKind::Audio if media.audio.is_none() => {
                    media.audio = Some((*mid, payload_type(&mut self.rtc, *mid, StrCodec::Opus)));
                }
                TrackKind::Video if media.video.is_none() => {
                    media.video = Some((*mid, payload_type(&mut self.rtc, *mid, StrCodec::H264)));
                    media.rids = rids.to_vec();
                    media.keyframe_due = vec![false; rids.len().max(1)];
                }
                _ => {}
            }
        }
        self.media = Some(media);
    }

    /// Answers a subscriber offer; returns the SDP answer.
    pub(in crate::sfu) fn answer(&mut self, offer: SubscriberOfferEvent) -> String {
        let answer = answer_offer(&mut self.rtc, &offer);
        self.offer = Some(offer);
        answer
    }

    /// The mid the latest subscriber offer gave `kind` from `user`.
    pub(in crate::sfu) fn mid_of(&self, user: &str, kind: TrackKind) -> Mid {
        let offer = self
            .offer
            .as_ref()
            .expect("a subscriber offer was answered");
        let track = offer
            .tracks
            .iter()
            .find(|t| t.kind == kind && t.user_id == user)
            .expect("the track is offered");
        Mid::from(track.mid.as_str())
    }

    /// The frames received on `mid`, in order.
    pub(in crate::sfu) fn frames_on(&self, mid: Mid) -> impl Iterator<Item = &MediaData> + '_ {
        self.frames
            .iter()
            .map(|(_, f)| f)
            .filter(move |f| f.mid == mid)
    }

    /// One datagram from `source` at `now`.
    pub(in crate::sfu) fn receive(&mut self, now: Instant, source: SocketAddr, data: &[u8]) {
        let Ok(receive) = Receive::new(Protocol::Udp, source, self.addr, data) else {
            return;
        };
        let _ = self.rtc.handle_input(Input::Receive(now, receive));
        self.poll(now);
    }

    /// Writes what media is due, runs str0m's timers and collects what it produced.
    pub(in crate::sfu) fn tick(&mut self, now: Instant) {
        if let Some(mut media) = self.media.take() {
            if self.connected {
                media.write_due(self, now);
            }
            self.media = Some(media);
        }
        let _ = self.rtc.handle_input(Input::Timeout(now));
        self.poll(now);
    }

    fn poll(&mut self, now: Instant) {
        loop {
            match self.rtc.poll_output() {
                Ok(Output::Timeout(_)) | Err(_) => return,
                Ok(Output::Transmit(t)) => self.outbox.push(t),
                Ok(Output::Event(event)) => match event {
                    Event::Connected => self.connected = true,
                    Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                        self.disconnected = true;
                    }
                    Event::MediaData(data) => self.frames.push((now, data)),
                    Event::RtpPacket(packet) => self.packets.push(packet),
                    Event::KeyframeRequest(request) => self.keyframe_requests.push((now, request)),
                    _ => {}
                },
            }
        }
    }
}

/// Audio every 20 ms and video every 33 ms (one frame per simulcast layer), keyframes only
/// when asked for; remembers every payload written so the receiving side can check bytes.
pub(in crate::sfu) struct Media {
    audio: Option<(Mid, Pt)>,
    video: Option<(Mid, Pt)>,
    /// Simulcast rids, lowest first; empty without simulcast.
    rids: Vec<&'static str>,
    started: Instant,
    audio_sent: u32,
    pub(in crate::sfu) video_sent: u32,
    requests_seen: usize,
    keyframe_due: Vec<bool>,
    /// Every audio payload and video NAL unit written.
    pub(in crate::sfu) written: HashSet<Vec<u8>>,
}

impl Media {
    fn new(now: Instant) -> Self {
        Media {
            audio: None,
            video: None,
            rids: Vec::new(),
            started: now,
            audio_sent: 0,
            video_sent: 0,
            requests_seen: 0,
            keyframe_due: vec![false],
            written: HashSet::new(),
        }
    }

    fn write_due(&mut self, endpoint: &mut Endpoint, now: Instant) {
        for (_, request) in &endpoint.keyframe_requests[self.requests_seen..] {
            let layer = match request.rid {
                Some(rid) => self.rids.iter().position(|r| **r == *rid).unwrap_or(0),
                None => 0,
            };
            if let Some(due) = self.keyframe_due.get_mut(layer) {
                *due = true;
            }
        }
        self.requests_seen = endpoint.keyframe_requests.len();
        let elapsed = now.saturating_duration_since(self.started);
        if let Some((mid, pt)) = self.audio {
            while Duration::from_millis(20) * self.audio_sent <= elapsed {
                let data = audio_payload(self.audio_sent);
                let time =
                    MediaTime::new(u64::from(self.audio_sent) * 960, Frequency::FORTY_EIGHT_KHZ);
                write(&mut endpoint.rtc, mid, None, pt, now, time, &data);
                self.written.insert(data);
                self.audio_sent += 1;
            }
        }
        if let Some((mid, pt)) = self.video {
            while Duration::from_millis(33) * self.video_sent <= elapsed {
                let n = self.video_sent;
                let time = MediaTime::new(u64::from(n) * 3000, Frequency::NINETY_KHZ);
                for layer in 0..self.keyframe_due.len() {
                    let keyframe = std::mem::take(&mut self.keyframe_due[layer]);
                    let data = video_payload(layer as u8, n, keyframe, 1);
                    let rid = self.rids.get(layer).copied();
                    write(&mut endpoint.rtc, mid, rid, pt, now, time, &data);
                    self.written.insert(data[4..].to_vec());
                }
                self.video_sent += 1;
            }
        }
        endpoint.poll(now);
    }
}

fn write(
    rtc: &mut Rtc,
    mid: Mid,
    rid: Option<&str>,
    pt: Pt,
    now: Instant,
    time: MediaTime,
    data: &[u8],
) {
    let mut writer = rtc.writer(mid).expect("a sending m-line");
    if let Some(rid) = rid {
        writer = writer.rid(Rid::from(rid));
    }
    writer
        .write(pt, now, time, data.to_vec())
        .expect("frame written");
}
