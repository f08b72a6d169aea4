//! One synthetic load-test client: a signalling WebSocket and a str0m `Rtc` in RTP mode on
//! its own UDP socket. Publishers send pre-made packets (Opus-sized audio every 20 ms,
//! H.264-shaped FU-A video at 30 fps, about 500 kbps, a keyframe when asked), so no client
//! encodes or decodes anything; subscribers only count what arrives (loss, jitter, and the
//! transit time from the send-time stamp each packet carries, see `loadtest_transit.rs`).
//! A publisher starts its media at a random phase within a frame, as real clients do, so the
//! publishers' packets do not reach the server in lockstep.
//!
//! Speaks the signalling protocol through `chorus-proto` frames over raw WebSockets, not the
//! SDK, so the figures measure the server.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket as StdUdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use chorus_media::RtcSetup;
use chorus_proto::{
    Event, ForwardStreamInfo, ForwardStreamParams, JoinRoomParams, MediaParams, MediaType,
    PublishedTrack, PublisherOfferParams, Request, RequestFrame, RoomConfig, ServerFrame,
    StreamIndex, SubscriberAnswerParams, TrackKind, UserInfo,
};
use futures_util::{SinkExt as _, StreamExt as _};
use str0m::change::{SdpAnswer, SdpOffer};
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, Mid, Pt};
use str0m::net::{Protocol, Receive};
use str0m::rtp::{RtpWrite, SeqNo, Ssrc};
use str0m::{Candidate, Event as RtcEvent, Input, Output, Rtc};
use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use crate::loadtest_stats::{Reception, StreamStats};
use crate::loadtest_transit::{self, Transit};
use crate::loadtest_url::ServerUrl;

/// How long a signalling request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Audio: one 20 ms Opus packet of this many bytes.
const AUDIO_BYTES: usize = 100;
/// Video: a delta frame in this many packets of [`VIDEO_PACKET_BYTES`]: 2 × 1050 B × 30 fps
/// is about 500 kbps.
const DELTA_PACKETS: usize = 2;
/// A keyframe is three times a delta frame.
const KEY_PACKETS: usize = 6;
const VIDEO_PACKET_BYTES: usize = 1050;

/// What a client does.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Role {
    /// Sends audio and/or video.
    Publisher { audio: bool, video: bool },
    /// Receives what it is auto-subscribed to.
    Subscriber { audio: bool, video: bool },
}

/// Where a client connects and as whom.
pub(crate) struct ClientConfig {
    pub(crate) server: ServerUrl,
    pub(crate) room: String,
    pub(crate) user: String,
    pub(crate) token: String,
    pub(crate) role: Role,
    /// For a publisher: a room (and a token for it) to forward its streams into once it
    /// publishes, so the SFU forwards them across rooms.
    pub(crate) forward_to: Option<(String, String)>,
}

/// What a client reports while it runs; read by the orchestrator.
#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) connected: AtomicBool,
    pub(crate) sent_packets: AtomicU64,
    pub(crate) reception: Mutex<Reception>,
    /// Publisher → this subscriber transit times of stamped packets.
    pub(crate) transit: Mutex<Transit>,
}

/// Pre-made payloads, shared by every publisher.
struct Payloads {
    audio: Arc<[u8]>,
    delta: Vec<Arc<[u8]>>,
    key: Vec<Arc<[u8]>>,
}

impl Payloads {
    fn new() -> Self {
        // H.264 FU-A fragments: indicator (NRI 3, type 28), header (S/E bits, NAL type).
        let fragments = |count: usize, nal_type: u8| -> Vec<Arc<[u8]>> {
            (0..count)
                .map(|i| {
                    let mut header = nal_type;
                    if i == 0 {
                        header |= 0x80;
                    }
                    if i == count - 1 {
                        header |= 0x40;
                    }
                    let mut p = vec![0x7c, header];
                    p.extend((0..VIDEO_PACKET_BYTES - 2).map(|j| 0x10 | (j as u8 & 0x7f)));
                    Arc::from(p)
                })
                .collect()
        };
        let mut audio = vec![0xfc];
        audio.resize(AUDIO_BYTES, 0x55);
        Payloads {
            audio: Arc::from(audio),
            delta: fragments(DELTA_PACKETS, 1),
            key: fragments(KEY_PACKETS, 5),
        }
    }
}

/// One outgoing stream of a publisher.
struct Sender {
    ssrc: Ssrc,
    pt: Pt,
    seq: u64,
    ts: u32,
}

impl Sender {
    fn new(rtc: &mut Rtc, mid: Mid, codec: Codec) -> anyhow::Result<Self> {
        let pt = {
            let media = rtc.media(mid).context("no media for a published mid")?;
            let remote = media.remote_pts().to_vec();
            rtc.codec_config()
                .params()
                .iter()
                .find(|p| p.spec().codec == codec && remote.contains(&p.pt()))
                .map(|p| p.pt())
                .with_context(|| format!("{codec:?} was not negotiated"))?
        };
        let ssrc = rtc
            .direct_api()
            .stream_tx_by_mid(mid, None)
            .map(|s| s.ssrc())
            .context("no send stream for a published mid")?;
        Ok(Sender {
            ssrc,
            pt,
            seq: u64::from(rand::random::<u16>() & 0x7fff),
            ts: rand::random(),
        })
    }

    /// Writes one packet of `payload`, stamped with the time now.
    fn write(&mut self, rtc: &mut Rtc, payload: &[u8], marker: bool, nackable: bool) {
        if let Some(stream) = rtc.direct_api().stream_tx(&self.ssrc) {
            let now = Instant::now();
            // One copy per packet: each carries its own send time.
            let mut stamped: Arc<[u8]> = Arc::from(payload);
            if let Some(bytes) = Arc::get_mut(&mut stamped) {
                loadtest_transit::stamp(bytes, now);
            }
            let write = RtpWrite::new(self.pt, SeqNo::from(self.seq), self.ts, now, stamped)
                .marker(marker)
                .nackable(nackable);
            stream.write_rtp(write);
        }
        self.seq += 1;
    }
}

/// The next frame of `signal`, or never without one.
async fn next_frame(signal: &mut Option<&mut Signal>) -> anyhow::Result<ServerFrame> {
    match signal {
        Some(signal) => signal.next_frame().await,
        None => std::future::pending().await,
    }
}

/// A signalling connection with fire-and-forget requests.
pub(crate) struct Signal {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    next_id: u64,
}

impl Signal {
    async fn send(&mut self, request: Request) -> anyhow::Result<u64> {
        let id = self.next_id;
        self.next_id += 1;
        let text = RequestFrame { id, request }.to_json();
        self.ws.send(Message::Text(text.into())).await?;
        Ok(id)
    }

    /// Sends `request` and waits for its answer; events read meanwhile go to `events`.
    async fn call(
        &mut self,
        request: Request,
        events: &mut Vec<Event>,
    ) -> anyhow::Result<serde_json::Value> {
        let method = request.method();
        let id = self.send(request).await?;
        tokio::time::timeout(REQUEST_TIMEOUT, async {
            loop {
                match self.next_frame().await? {
                    ServerFrame::Event(event) => events.push(event),
                    ServerFrame::Response {
                        id: Some(got),
                        outcome,
                    } if got == id => return outcome.map_err(|e| anyhow!("{method}: {e}")),
                    _ => {}
                }
            }
        })
        .await
        .map_err(|_| anyhow!("no answer to {method}"))?
    }

    async fn next_frame(&mut self) -> anyhow::Result<ServerFrame> {
        loop {
            let message = self
                .ws
                .next()
                .await
                .context("the server closed the signalling connection")??;
            if let Message::Text(text) = message {
                return ServerFrame::parse(&text).with_context(|| format!("unreadable {text}"));
            }
        }
    }
}

/// Runs one client until `stop` turns true.
pub(crate) async fn run(
    config: ClientConfig,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let ws = tokio::time::timeout(REQUEST_TIMEOUT, config.server.connect())
        .await
        .map_err(|_| anyhow!("connecting timed out"))??;
    let mut signal = Signal { ws, next_id: 1 };
    let mut events = Vec::new();
    let (sub_audio, sub_video) = match config.role {
        Role::Subscriber { audio, video } => (audio, video),
        Role::Publisher { .. } => (false, false),
    };
    let join = JoinRoomParams {
        token: Some(config.token.clone()),
        room_id: config.room.clone(),
        user_info: UserInfo {
            user_id: config.user.clone(),
            extra_info: None,
        },
        room_config: Some(RoomConfig {
            is_auto_subscribe_audio: Some(sub_audio),
            is_auto_subscribe_video: Some(sub_video),
            ..RoomConfig::default()
        }),
        visible: None,
    };
    signal.call(Request::JoinRoom(join), &mut events).await?;

    let (socket, local) = media_socket(config.server.addr())?;
    let mut rtc = new_rtc(local)?;

    let mut published: Vec<(Mid, TrackKind)> = Vec::new();
    if let Role::Publisher { audio, video } = config.role {
        let media_type = match (audio, video) {
            (true, true) => MediaType::AudioAndVideo,
            (true, false) => MediaType::Audio,
            (false, true) => MediaType::Video,
            (false, false) => bail!("a publisher must send audio or video"),
        };
        signal
            .call(
                Request::PublishStream(MediaParams { media_type }),
                &mut events,
            )
            .await?;
        let (offer, pending, tracks) = publisher_offer(&mut rtc, audio, video)?;
        published = tracks;
        let tracks = published
            .iter()
            .map(|(mid, kind)| PublishedTrack {
                mid: mid.to_string(),
                stream_index: StreamIndex::Main,
                kind: *kind,
            })
            .collect();
        let params = PublisherOfferParams {
            sdp: offer.to_sdp_string(),
            tracks,
        };
        let answer = signal
            .call(Request::PublisherOffer(params), &mut events)
            .await?;
        let sdp = answer
            .get("sdp")
            .and_then(|v| v.as_str())
            .context("publisherOffer answered no sdp")?;
        rtc.sdp_api()
            .accept_answer(pending, SdpAnswer::from_sdp_string(sdp)?)?;
        if let Some((room_id, token)) = &config.forward_to {
            let params = ForwardStreamParams {
                forward_stream_infos: vec![ForwardStreamInfo {
                    room_id: room_id.clone(),
                    token: token.clone(),
                }],
            };
            let states = signal
                .call(Request::StartForwardStreamToRooms(params), &mut events)
                .await?;
            let refused = states["infos"]
                .as_array()
                .is_none_or(|infos| infos.iter().any(|i| i["state"] != 0));
            if refused {
                bail!("forwarding into {room_id} was refused: {states}");
            }
        }
    }

    let mut client = Media::new(rtc, socket, local, shared, published);
    for event in events.drain(..) {
        client.on_signal_event(&mut signal, event).await?;
    }
    client.run(Some(&mut signal), &mut stop).await
}

/// A publisher's offer: the offer, its pending state, and its send sections' mids.
pub(crate) type PublisherOffer = (
    SdpOffer,
    str0m::change::SdpPendingOffer,
    Vec<(Mid, TrackKind)>,
);

/// A publisher's offer of one send-only audio and/or video section.
pub(crate) fn publisher_offer(
    rtc: &mut Rtc,
    audio: bool,
    video: bool,
) -> anyhow::Result<PublisherOffer> {
    let mut published = Vec::new();
    let mut api = rtc.sdp_api();
    if audio {
        let mid = api.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
        published.push((mid, TrackKind::Audio));
    }
    if video {
        let mid = api.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
        published.push((mid, TrackKind::Video));
    }
    let (offer, pending) = api.apply().context("no offer to make")?;
    Ok((offer, pending, published))
}

/// The media socket, on the address that routes to `server`, and its address.
pub(crate) fn media_socket(server: SocketAddr) -> anyhow::Result<(UdpSocket, SocketAddr)> {
    let probe = StdUdpSocket::bind(SocketAddr::new(server.ip(), 0))
        .or_else(|_| StdUdpSocket::bind("0.0.0.0:0"))?;
    probe.connect(server)?;
    let local_ip = probe.local_addr()?.ip();
    drop(probe);
    let socket = StdUdpSocket::bind(SocketAddr::new(local_ip, 0))?;
    // Room for a burst while this client waits for a thread.
    let _ = socket2::SockRef::from(&socket).set_recv_buffer_size(4 << 20);
    socket.set_nonblocking(true)?;
    let socket = UdpSocket::from_std(socket)?;
    let local = socket.local_addr()?;
    Ok((socket, local))
}

/// An `Rtc` in RTP mode with Opus and H.264, on `local`.
pub(crate) fn new_rtc(local: SocketAddr) -> anyhow::Result<Rtc> {
    let mut rtc = RtcSetup::load_client().config().build(Instant::now());
    rtc.add_local_candidate(Candidate::host(local, "udp")?);
    Ok(rtc)
}

/// A client's media side.
pub(crate) struct Media {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    shared: Arc<Shared>,
    payloads: Payloads,
    audio: Option<Sender>,
    video: Option<Sender>,
    keyframe_due: bool,
    started: Option<Instant>,
    audio_sent: u64,
    video_sent: u64,
    streams: HashMap<u32, StreamStats>,
    transit: Transit,
    bytes: u64,
    published: Vec<(Mid, TrackKind)>,
}

impl Media {
    /// The media side of a client whose transport is negotiated on `rtc`; `published` are
    /// its send sections (none for a subscriber).
    pub(crate) fn new(
        rtc: Rtc,
        socket: UdpSocket,
        local: SocketAddr,
        shared: Arc<Shared>,
        published: Vec<(Mid, TrackKind)>,
    ) -> Self {
        Media {
            rtc,
            socket,
            local,
            shared,
            payloads: Payloads::new(),
            audio: None,
            video: None,
            keyframe_due: true,
            started: None,
            audio_sent: 0,
            video_sent: 0,
            streams: HashMap::new(),
            transit: Transit::default(),
            bytes: 0,
            published,
        }
    }

    /// Sends and receives until `stop`; with `signal`, also follows Chorus's signalling
    /// events (a remade subscriber transport).
    pub(crate) async fn run(
        &mut self,
        mut signal: Option<&mut Signal>,
        stop: &mut watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        let mut buf = vec![0u8; 2048];
        let mut tick = tokio::time::interval(Duration::from_millis(5));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut last_report = Instant::now();
        loop {
            let timeout = self.poll()?;
            let sleep = tokio::time::sleep_until(timeout.into());
            tokio::select! {
                _ = stop.changed() => return Ok(()),
                frame = next_frame(&mut signal) => match frame? {
                    ServerFrame::Event(event) => {
                        if let Some(signal) = signal.as_deref_mut() {
                            self.on_signal_event(signal, event).await?;
                        }
                    }
                    ServerFrame::Response { outcome: Err(e), .. } => {
                        eprintln!("loadtest client: a request failed: {e}");
                    }
                    _ => {}
                },
                ready = self.socket.readable() => {
                    ready?;
                    self.read(&mut buf);
                }
                _ = tick.tick() => self.write_due(),
                () = sleep => {}
            }
            self.rtc.handle_input(Input::Timeout(Instant::now()))?;
            if last_report.elapsed() >= Duration::from_millis(200) {
                last_report = Instant::now();
                self.report();
            }
        }
    }

    /// Reads what the socket has, at most a batch: other clients share this thread.
    fn read(&mut self, buf: &mut [u8]) {
        for _ in 0..64 {
            match self.socket.try_recv_from(buf) {
                Ok((n, source)) => {
                    let Ok(receive) = Receive::new(Protocol::Udp, source, self.local, &buf[..n])
                    else {
                        continue;
                    };
                    if self
                        .rtc
                        .handle_input(Input::Receive(Instant::now(), receive))
                        .is_err()
                    {
                        return;
                    }
                    let _ = self.poll();
                }
                Err(_) => return,
            }
        }
    }

    /// Drains str0m's output; returns when it next wants a timeout.
    fn poll(&mut self) -> anyhow::Result<Instant> {
        loop {
            match self.rtc.poll_output()? {
                Output::Timeout(at) => return Ok(at),
                Output::Transmit(t) => {
                    let _ = self.socket.try_send_to(&t.contents, t.destination);
                }
                Output::Event(event) => self.on_rtc_event(event)?,
            }
        }
    }

    fn on_rtc_event(&mut self, event: RtcEvent) -> anyhow::Result<()> {
        match event {
            RtcEvent::Connected => {
                self.shared.connected.store(true, Ordering::Relaxed);
                for (mid, kind) in self.published.clone() {
                    match kind {
                        TrackKind::Audio => {
                            self.audio = Some(Sender::new(&mut self.rtc, mid, Codec::Opus)?);
                        }
                        TrackKind::Video => {
                            self.video = Some(Sender::new(&mut self.rtc, mid, Codec::H264)?);
                        }
                    }
                }
                // A random phase within a video frame: real publishers start whenever
                // their user clicks, not all on one tick.
                let phase = Duration::from_micros(rand::random_range(0..33_333));
                self.started = Some(Instant::now() + phase);
            }
            RtcEvent::KeyframeRequest(_) => self.keyframe_due = true,
            RtcEvent::RtpPacket(packet) => {
                let stats = self.streams.entry(*packet.header.ssrc).or_default();
                stats.record(*packet.seq_no, packet.timestamp, packet.time.as_seconds());
                if let Some(t) = loadtest_transit::transit(&packet.payload, packet.timestamp) {
                    self.transit.record(t);
                }
                self.bytes += packet.payload.len() as u64;
            }
            _ => {}
        }
        Ok(())
    }

    async fn on_signal_event(&mut self, signal: &mut Signal, event: Event) -> anyhow::Result<()> {
        if let Event::SubscriberOffer(offer) = event {
            let parsed = SdpOffer::from_sdp_string(&offer.sdp)?;
            let answer = match self.rtc.sdp_api().accept_offer(parsed) {
                Ok(answer) => answer,
                Err(e) if self.published.is_empty() => {
                    // The server remade the subscriber transport (the old one failed): the
                    // offer is for a new peer connection.
                    eprintln!("loadtest client: a new subscriber transport ({e})");
                    self.rtc = new_rtc(self.local)?;
                    self.streams.clear();
                    let parsed = SdpOffer::from_sdp_string(&offer.sdp)?;
                    self.rtc.sdp_api().accept_offer(parsed)?
                }
                Err(e) => return Err(e.into()),
            };
            let params = SubscriberAnswerParams {
                sdp: answer.to_sdp_string(),
            };
            signal.send(Request::SubscriberAnswer(params)).await?;
            self.shared.connected.store(true, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Writes the packets due since the media started.
    fn write_due(&mut self) {
        let Some(started) = self.started else {
            return;
        };
        let Some(elapsed) = Instant::now().checked_duration_since(started) else {
            return; // the random phase has not passed yet
        };
        let mut sent = 0;
        if let Some(audio) = &mut self.audio {
            while Duration::from_millis(20 * self.audio_sent) <= elapsed {
                audio.write(&mut self.rtc, &self.payloads.audio, false, false);
                audio.ts = audio.ts.wrapping_add(960);
                self.audio_sent += 1;
                sent += 1;
            }
        }
        if let Some(video) = &mut self.video {
            while Duration::from_micros(33_333 * self.video_sent) <= elapsed {
                let frame = if std::mem::take(&mut self.keyframe_due) {
                    &self.payloads.key
                } else {
                    &self.payloads.delta
                };
                for (i, packet) in frame.iter().enumerate() {
                    video.write(&mut self.rtc, packet, i == frame.len() - 1, true);
                    sent += 1;
                }
                video.ts = video.ts.wrapping_add(3000);
                self.video_sent += 1;
            }
        }
        if sent > 0 {
            self.shared.sent_packets.fetch_add(sent, Ordering::Relaxed);
        }
    }

    fn report(&self) {
        if let Ok(mut r) = self.shared.reception.lock() {
            *r = Reception::of(&self.streams, self.bytes);
        }
        if self.transit.samples() > 0
            && let Ok(mut t) = self.shared.transit.lock()
        {
            t.clone_from(&self.transit);
        }
    }
}
