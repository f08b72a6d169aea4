//! A WebRTC client for the SFU's tests: a str0m `Rtc` in frame mode on a real loopback UDP
//! socket (or an ICE-TCP stream), stepped by the test. It publishes made-up frames whose
//! bytes the subscriber side can check, and records what arrives.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use chorus_media::every_codec_config;
use chorus_proto::{PublishedTrack, StreamIndex, SubscriberOfferEvent, TrackKind};
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::format::Codec as StrCodec;
use str0m::media::{
    Direction, KeyframeRequest, MediaData, MediaKind, MediaTime, Mid, Pt, Rid, Simulcast,
    SimulcastLayer,
};
use str0m::net::{Protocol, Receive, TcpType};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};

/// One test client.
pub(super) struct Client {
    pub(super) rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    /// An ICE-TCP stream to the server, when the client uses TCP.
    tcp: Option<TcpLink>,
    pub(super) connected: bool,
    pub(super) disconnected: bool,
    pub(super) frames: Vec<MediaData>,
    pub(super) keyframe_requests: Vec<KeyframeRequest>,
    pending: Option<SdpPendingOffer>,
}

struct TcpLink {
    stream: TcpStream,
    local: SocketAddr,
    remote: SocketAddr,
    inbox: Vec<u8>,
}

impl Client {
    /// A UDP client on 127.0.0.1.
    pub(super) fn new() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a loopback UDP port");
        socket.set_nonblocking(true).expect("non-blocking");
        let local = socket.local_addr().expect("bound");
        let mut rtc = every_codec_config().build(Instant::now());
        rtc.add_local_candidate(Candidate::host(local, "udp").expect("host candidate"));
        Client {
            rtc,
            socket,
            local,
            tcp: None,
            connected: false,
            disconnected: false,
            frames: Vec::new(),
            keyframe_requests: Vec::new(),
            pending: None,
        }
    }

    /// A client that reaches the server only over ICE-TCP (`server_tcp`), offering an active
    /// TCP candidate and no UDP one.
    pub(super) fn new_tcp(server_tcp: SocketAddr) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a loopback UDP port");
        socket.set_nonblocking(true).expect("non-blocking");
        let stream = TcpStream::connect(server_tcp).expect("connect to ICE-TCP");
        stream.set_nonblocking(true).expect("non-blocking");
        stream.set_nodelay(true).expect("nodelay");
        let tcp_local = stream.local_addr().expect("bound");
        let mut rtc = every_codec_config().build(Instant::now());
        let candidate = Candidate::builder()
            .tcp()
            .host(tcp_local)
            .tcptype(TcpType::Active)
            .build()
            .expect("TCP candidate");
        rtc.add_local_candidate(candidate);
        Client {
            rtc,
            local: socket.local_addr().expect("bound"),
            socket,
            tcp: Some(TcpLink {
                stream,
                local: tcp_local,
                remote: server_tcp,
                inbox: Vec::new(),
            }),
            connected: false,
            disconnected: false,
            frames: Vec::new(),
            keyframe_requests: Vec::new(),
            pending: None,
        }
    }

    /// Offers `tracks` (kind, simulcast rids) as sendonly m-lines; returns the offer and the
    /// track list naming them as the main stream (video after the first is the screen).
    pub(super) fn publish_offer(
        &mut self,
        tracks: &[(TrackKind, &[&str])],
    ) -> (String, Vec<PublishedTrack>) {
        let (offer, list, pending) = offer_tracks(&mut self.rtc, tracks);
        self.pending = Some(pending);
        (offer, list)
    }

    /// Applies the server's answer to our publisher offer.
    pub(super) fn accept_answer(&mut self, sdp: &str) {
        let pending = self.pending.take().expect("an offer was made");
        accept_answer(&mut self.rtc, pending, sdp);
    }

    /// Answers a subscriber offer from the server.
    pub(super) fn answer(&mut self, offer: &SubscriberOfferEvent) -> String {
        answer_offer(&mut self.rtc, offer)
    }

    /// The negotiated payload type of `codec` on `mid`.
    pub(super) fn pt(&mut self, mid: Mid, codec: StrCodec) -> Pt {
        payload_type(&mut self.rtc, mid, codec)
    }

    /// Writes one frame on `mid` (and simulcast `rid`) at media time `time`.
    pub(super) fn write(
        &mut self,
        mid: Mid,
        rid: Option<&str>,
        pt: Pt,
        time: MediaTime,
        data: &[u8],
    ) {
        let mut writer = self.rtc.writer(mid).expect("a sending m-line");
        if let Some(rid) = rid {
            writer = writer.rid(Rid::from(rid));
        }
        writer
            .write(pt, Instant::now(), time, data.to_vec())
            .expect("frame written");
        self.pump_outputs();
    }

    /// Reads what arrived, runs timers and sends what str0m produced.
    pub(super) fn step(&mut self) {
        let mut buf = [0u8; 2048];
        loop {
            match self.socket.recv_from(&mut buf) {
                Ok((n, source)) => {
                    let Ok(receive) = Receive::new(Protocol::Udp, source, self.local, &buf[..n])
                    else {
                        continue;
                    };
                    let _ = self
                        .rtc
                        .handle_input(Input::Receive(Instant::now(), receive));
                    self.pump_outputs();
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => break,
            }
        }
        for packet in self.read_tcp() {
            if let Some(link) = &self.tcp {
                let (local, remote) = (link.local, link.remote);
                if let Ok(receive) = Receive::new(Protocol::Tcp, remote, local, &packet) {
                    let _ = self
                        .rtc
                        .handle_input(Input::Receive(Instant::now(), receive));
                }
            }
            self.pump_outputs();
        }
        let _ = self.rtc.handle_input(Input::Timeout(Instant::now()));
        self.pump_outputs();
    }

    fn read_tcp(&mut self) -> VecDeque<Vec<u8>> {
        let mut packets = VecDeque::new();
        let Some(link) = &mut self.tcp else {
            return packets;
        };
        let mut buf = [0u8; 4096];
        loop {
            match link.stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => link.inbox.extend_from_slice(&buf[..n]),
                Err(_) => break,
            }
        }
        while link.inbox.len() >= 2 {
            let len = usize::from(u16::from_be_bytes([link.inbox[0], link.inbox[1]]));
            if link.inbox.len() < 2 + len {
                break;
            }
            packets.push_back(link.inbox[2..2 + len].to_vec());
            link.inbox.drain(..2 + len);
        }
        packets
    }

    fn pump_outputs(&mut self) {
        loop {
            match self.rtc.poll_output() {
                Ok(Output::Timeout(_)) | Err(_) => return,
                Ok(Output::Transmit(t)) => match (t.proto, &mut self.tcp) {
                    (Protocol::Tcp, Some(link)) => {
                        let mut frame = (t.contents.len() as u16).to_be_bytes().to_vec();
                        frame.extend_from_slice(&t.contents);
                        let _ = link.stream.set_nonblocking(false);
                        let _ = link.stream.write_all(&frame);
                        let _ = link.stream.set_nonblocking(true);
                    }
                    _ => {
                        let _ = self.socket.send_to(&t.contents, t.destination);
                    }
                },
                Ok(Output::Event(event)) => match event {
                    Event::Connected => self.connected = true,
                    Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                        self.disconnected = true;
                    }
                    Event::MediaData(data) => self.frames.push(data),
                    Event::KeyframeRequest(request) => self.keyframe_requests.push(request),
                    _ => {}
                },
            }
        }
    }
}

/// Steps `clients` for `time`, letting the SFU task run in between.
pub(super) async fn pump(clients: &mut [&mut Client], time: Duration) {
    let end = Instant::now() + time;
    loop {
        for client in clients.iter_mut() {
            client.step();
        }
        if Instant::now() >= end {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Steps `clients` until `done` holds, failing the test after `limit`.
pub(super) async fn pump_until(
    clients: &mut [&mut Client],
    limit: Duration,
    what: &str,
    mut done: impl FnMut(&mut [&mut Client]) -> bool,
) {
    let end = Instant::now() + limit;
    while !done(clients) {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        pump(clients, Duration::from_millis(5)).await;
    }
}

/// Offers `tracks` (kind, simulcast rids) on `rtc` as sendonly m-lines; returns the offer,
/// the track list naming them as the main stream (video after the first is the screen) and
/// the offer pending its answer.
pub(super) fn offer_tracks(
    rtc: &mut Rtc,
    tracks: &[(TrackKind, &[&str])],
) -> (String, Vec<PublishedTrack>, SdpPendingOffer) {
    let mut api = rtc.sdp_api();
    let mut list = Vec::new();
    let mut videos = 0;
    for (kind, rids) in tracks {
        let simulcast = (!rids.is_empty()).then(|| {
            let mut s = Simulcast::new();
            s.send = rids.iter().map(|r| SimulcastLayer::new(r)).collect();
            s
        });
        let media_kind = match kind {
            TrackKind::Audio => MediaKind::Audio,
            TrackKind::Video => MediaKind::Video,
        };
        let mid = api.add_media(media_kind, Direction::SendOnly, None, None, simulcast);
        let stream_index = if *kind == TrackKind::Video && videos > 0 {
            StreamIndex::Screen
        } else {
            StreamIndex::Main
        };
        if *kind == TrackKind::Video {
            videos += 1;
        }
        list.push(PublishedTrack {
            mid: mid.to_string(),
            stream_index,
            kind: *kind,
        });
    }
    let (offer, pending) = api.apply().expect("an offer");
    (offer.to_sdp_string(), list, pending)
}

/// Applies the server's answer `sdp` to the offer `pending` on `rtc`.
pub(super) fn accept_answer(rtc: &mut Rtc, pending: SdpPendingOffer, sdp: &str) {
    let answer = SdpAnswer::from_sdp_string(sdp).expect("a valid answer");
    rtc.sdp_api()
        .accept_answer(pending, answer)
        .expect("answer accepted");
}

/// Answers a subscriber offer from the server on `rtc`.
pub(super) fn answer_offer(rtc: &mut Rtc, offer: &SubscriberOfferEvent) -> String {
    let offer = SdpOffer::from_sdp_string(&offer.sdp).expect("a valid offer");
    let answer = rtc.sdp_api().accept_offer(offer).expect("offer accepted");
    answer.to_sdp_string()
}

/// The negotiated payload type of `codec` on `rtc`'s sending `mid`.
pub(super) fn payload_type(rtc: &mut Rtc, mid: Mid, codec: StrCodec) -> Pt {
    let writer = rtc.writer(mid).expect("a sending m-line");
    writer
        .payload_params()
        .find(|p| p.spec().codec == codec)
        .map(|p| p.pt())
        .expect("the codec was negotiated")
}

/// An Opus-sized audio payload, numbered.
pub(super) fn audio_payload(n: u32) -> Vec<u8> {
    let mut data = format!("opus frame {n} ").into_bytes();
    data.resize(80, 0xab);
    data
}

/// An H.264 access unit in Annex B: one NAL unit, IDR or not, tagged with its layer and
/// number. Keyframes are big enough to be split into several RTP packets.
/// `scale` makes it that many times as big.
pub(super) fn video_payload(layer: u8, n: u32, keyframe: bool, scale: u32) -> Vec<u8> {
    let nal_header = if keyframe { 0x65 } else { 0x41 };
    let mut data = vec![0, 0, 0, 1, nal_header, layer];
    // No zero bytes after the start code: the packetizer would take 00 00 01 for a new NAL.
    data.extend_from_slice(format!("frame {n:08} ").as_bytes());
    let size = if keyframe { 3000 } else { 700 } * scale;
    data.extend((0..size).map(|i: u32| 0x10 + ((i + n) % 0xe0) as u8));
    data
}
