//! The SFU end to end on loopback: a real `Sfu` task and str0m clients on real UDP (and
//! TCP) sockets. Frames are made up, but their bytes are checked where they arrive.

use std::collections::HashSet;
use std::io::Write as _;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chorus_proto::{SimulcastStreamType, StreamIndex, SubscriberOfferEvent, TrackKind};
use rand::{Rng, SeedableRng};
use str0m::format::Codec as StrCodec;
use str0m::media::{Frequency, MediaTime, Mid, Pt};
use tokio::sync::mpsc;

use super::test_client::{Client, pump, pump_until};
use super::{ForwardMode, PeerEvent, PeerId, Sfu, SfuConfig, SfuError, SfuMetrics, Source};

const ALICE: PeerId = PeerId(1);
const BOB: PeerId = PeerId(2);
const WAIT: Duration = Duration::from_secs(10);

async fn start(public_ip: Option<std::net::IpAddr>) -> (Sfu, SfuMetrics) {
    let metrics = SfuMetrics::default();
    let config = SfuConfig {
        bind: "127.0.0.1:0".parse().expect("an address"),
        public_ip,
    };
    let sfu = Sfu::start_with_metrics(config, metrics.clone())
        .await
        .expect("the SFU starts");
    (sfu, metrics)
}

async fn open(sfu: &Sfu, peer: PeerId) -> mpsc::Receiver<PeerEvent> {
    let (tx, rx) = mpsc::channel(16);
    sfu.open(peer, tx).await;
    rx
}

fn source(publisher: PeerId, kind: TrackKind) -> Source {
    Source {
        publisher,
        index: StreamIndex::Main,
        kind,
    }
}

/// Publishes `tracks` from `client`; returns the mids in order.
async fn publish(
    sfu: &Sfu,
    peer: PeerId,
    client: &mut Client,
    tracks: &[(TrackKind, &[&str])],
) -> Vec<Mid> {
    let (offer, list) = client.publish_offer(tracks);
    let answer = sfu
        .publisher_offer(peer, offer, list.clone())
        .await
        .expect("the offer is accepted");
    client.accept_answer(&answer);
    list.iter().map(|t| Mid::from(t.mid.as_str())).collect()
}

async fn next_offer(events: &mut mpsc::Receiver<PeerEvent>) -> SubscriberOfferEvent {
    loop {
        let event = tokio::time::timeout(WAIT, events.recv())
            .await
            .expect("an event in time")
            .expect("the channel is open");
        if let PeerEvent::SubscriberOffer(offer) = event {
            return offer;
        }
    }
}

/// Waits for the next subscriber offer and answers it.
async fn answer_next(
    sfu: &Sfu,
    peer: PeerId,
    client: &mut Client,
    events: &mut mpsc::Receiver<PeerEvent>,
) -> SubscriberOfferEvent {
    let offer = next_offer(events).await;
    let answer = client.answer(&offer);
    sfu.subscriber_answer(peer, answer)
        .await
        .expect("the answer is accepted");
    offer
}

fn audio_payload(n: u32) -> Vec<u8> {
    let mut data = format!("opus frame {n} ").into_bytes();
    data.resize(80, 0xab);
    data
}

/// An H.264 access unit in Annex B: one NAL unit, IDR or not, tagged with its layer and
/// number. Keyframes are big enough to be split into several RTP packets.
fn video_payload(layer: u8, n: u32, keyframe: bool) -> Vec<u8> {
    let nal_header = if keyframe { 0x65 } else { 0x41 };
    let mut data = vec![0, 0, 0, 1, nal_header, layer];
    // No zero bytes after the start code: the packetizer would take 00 00 01 for a new NAL.
    data.extend_from_slice(format!("frame {n:08} ").as_bytes());
    let size = if keyframe { 3000 } else { 700 };
    data.extend((0..size).map(|i: u32| 0x10 + ((i + n) % 0xe0) as u8));
    data
}

/// The NAL unit of a received access unit (start code stripped).
fn nal(data: &[u8]) -> &[u8] {
    let start = data
        .windows(3)
        .position(|w| w == [0, 0, 1])
        .map_or(0, |p| p + 3);
    &data[start..]
}

/// Writes audio every 20 ms and video every 33 ms on a publisher, keyframes when asked.
struct Media {
    audio: Option<(Mid, Pt)>,
    video: Option<(Mid, Pt)>,
    /// Simulcast rids, lowest first; empty without simulcast.
    rids: Vec<&'static str>,
    started: Instant,
    audio_sent: u32,
    video_sent: u32,
    requests_seen: usize,
    /// Layers owing a keyframe.
    keyframe_due: Vec<bool>,
    written: HashSet<Vec<u8>>,
}

impl Media {
    fn new(
        client: &mut Client,
        audio: Option<Mid>,
        video: Option<Mid>,
        rids: &[&'static str],
    ) -> Self {
        let audio = audio.map(|mid| (mid, client.pt(mid, StrCodec::Opus)));
        let video = video.map(|mid| (mid, client.pt(mid, StrCodec::H264)));
        let layers = rids.len().max(1);
        Media {
            audio,
            video,
            rids: rids.to_vec(),
            started: Instant::now(),
            audio_sent: 0,
            video_sent: 0,
            requests_seen: 0,
            // Start with delta frames: a keyframe must be asked for.
            keyframe_due: vec![false; layers],
            written: HashSet::new(),
        }
    }

    fn write_due(&mut self, client: &mut Client) {
        for request in &client.keyframe_requests[self.requests_seen..] {
            let layer = match request.rid {
                Some(rid) => self.rids.iter().position(|r| **r == *rid).unwrap_or(0),
                None => 0,
            };
            self.keyframe_due[layer] = true;
        }
        self.requests_seen = client.keyframe_requests.len();
        let elapsed = self.started.elapsed();
        if let Some((mid, pt)) = self.audio {
            while Duration::from_millis(20) * self.audio_sent <= elapsed {
                let data = audio_payload(self.audio_sent);
                let time =
                    MediaTime::new(u64::from(self.audio_sent) * 960, Frequency::FORTY_EIGHT_KHZ);
                client.write(mid, None, pt, time, &data);
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
                    let data = video_payload(layer as u8, n, keyframe);
                    let rid = self.rids.get(layer).copied();
                    client.write(mid, rid, pt, time, &data);
                    self.written.insert(data[4..].to_vec());
                }
                self.video_sent += 1;
            }
        }
    }

    /// Steps the publisher (writing what is due) and `others` for `time`.
    async fn run(&mut self, publisher: &mut Client, others: &mut [&mut Client], time: Duration) {
        let end = Instant::now() + time;
        while Instant::now() < end {
            self.write_due(publisher);
            publisher.step();
            pump(others, Duration::from_millis(1)).await;
        }
    }

    /// Runs until `done` holds for `subscriber`.
    async fn run_until(
        &mut self,
        publisher: &mut Client,
        subscriber: &mut Client,
        what: &str,
        mut done: impl FnMut(&Client) -> bool,
    ) {
        let end = Instant::now() + WAIT;
        while !done(subscriber) {
            assert!(Instant::now() < end, "timed out waiting for {what}");
            self.run(
                publisher,
                &mut [&mut *subscriber],
                Duration::from_millis(10),
            )
            .await;
        }
    }
}

fn is_keyframe(data: &[u8]) -> bool {
    nal(data).first().is_some_and(|b| b & 0x1f == 5)
}

fn video_frames<'a>(client: &'a Client, mid: Mid) -> impl Iterator<Item = &'a [u8]> + 'a {
    client
        .frames
        .iter()
        .filter(move |f| f.mid == mid)
        .map(|f| &f.data[..])
}

/// Alice publishes audio and video, Bob subscribes to both; both connected.
struct Session {
    sfu: Sfu,
    metrics: SfuMetrics,
    alice: Client,
    bob: Client,
    alice_events: mpsc::Receiver<PeerEvent>,
    bob_events: mpsc::Receiver<PeerEvent>,
    media: Media,
    offer: SubscriberOfferEvent,
}

impl Session {
    async fn start(public_ip: Option<std::net::IpAddr>) -> Self {
        let (sfu, metrics) = start(public_ip).await;
        Self::with(sfu, metrics, Client::new(), Client::new()).await
    }

    async fn with(sfu: Sfu, metrics: SfuMetrics, mut alice: Client, mut bob: Client) -> Self {
        let alice_events = open(&sfu, ALICE).await;
        let mut bob_events = open(&sfu, BOB).await;
        let mids = publish(
            &sfu,
            ALICE,
            &mut alice,
            &[(TrackKind::Audio, &[]), (TrackKind::Video, &[])],
        )
        .await;
        pump_until(&mut [&mut alice], WAIT, "alice to connect", |c| {
            c[0].connected
        })
        .await;
        let user: Arc<str> = "alice".into();
        for kind in [TrackKind::Audio, TrackKind::Video] {
            sfu.forward(BOB, source(ALICE, kind), user.clone(), ForwardMode::On)
                .await;
        }
        // Both forwards usually go out in one offer; take a second if they did not.
        let mut offer = answer_next(&sfu, BOB, &mut bob, &mut bob_events).await;
        if offer.tracks.len() < 2 {
            offer = answer_next(&sfu, BOB, &mut bob, &mut bob_events).await;
        }
        pump_until(&mut [&mut alice, &mut bob], WAIT, "bob to connect", |c| {
            c[1].connected
        })
        .await;
        let media = Media::new(&mut alice, Some(mids[0]), Some(mids[1]), &[]);
        Session {
            sfu,
            metrics,
            alice,
            bob,
            alice_events,
            bob_events,
            media,
            offer,
        }
    }

    fn bob_mid(&self, kind: TrackKind) -> Mid {
        let track = self
            .offer
            .tracks
            .iter()
            .find(|t| t.kind == kind)
            .expect("the track is offered");
        Mid::from(track.mid.as_str())
    }

    async fn run(&mut self, time: Duration) {
        self.media
            .run(&mut self.alice, &mut [&mut self.bob], time)
            .await;
    }

    async fn run_until(&mut self, what: &str, done: impl FnMut(&Client) -> bool) {
        self.media
            .run_until(&mut self.alice, &mut self.bob, what, done)
            .await;
    }

    fn video_count(&self) -> usize {
        video_frames(&self.bob, self.bob_mid(TrackKind::Video)).count()
    }

    fn audio_count(&self) -> usize {
        video_frames(&self.bob, self.bob_mid(TrackKind::Audio)).count()
    }
}

#[tokio::test]
async fn frames_reach_the_subscriber_with_their_bytes() {
    let mut s = Session::start(None).await;
    // The offer names who and what each m-line carries.
    assert_eq!(s.offer.tracks.len(), 2);
    for track in &s.offer.tracks {
        assert_eq!(track.user_id, "alice");
        assert_eq!(track.stream_index, StreamIndex::Main);
        assert!(s.offer.sdp.contains(&format!("a=mid:{}", track.mid)));
    }
    let audio = s.bob_mid(TrackKind::Audio);
    let video = s.bob_mid(TrackKind::Video);
    s.run_until("audio and video at bob", |bob| {
        video_frames(bob, video).count() >= 20 && video_frames(bob, audio).count() >= 40
    })
    .await;

    // The late subscriber made the SFU ask Alice for a keyframe, and its video starts there.
    assert!(
        !s.alice.keyframe_requests.is_empty(),
        "no keyframe request reached alice"
    );
    let first = video_frames(&s.bob, video).next().expect("a video frame");
    assert!(is_keyframe(first), "video must start at a keyframe");
    for frame in video_frames(&s.bob, video) {
        assert!(s.media.written.contains(nal(frame)), "video bytes changed");
    }
    for frame in video_frames(&s.bob, audio) {
        assert!(s.media.written.contains(frame), "audio bytes changed");
    }
    assert!(
        s.bob.frames.iter().skip(1).all(|f| f.contiguous),
        "a gap in the output"
    );
    assert!(s.metrics.forwarded_packets.get() > 60);
    assert_eq!(s.metrics.transports.get(), 2);
}

#[tokio::test]
async fn paused_stops_the_packets_and_on_resumes_them_at_a_keyframe() {
    let mut s = Session::start(None).await;
    let video = s.bob_mid(TrackKind::Video);
    s.run_until("video at bob", |bob| video_frames(bob, video).count() >= 5)
        .await;

    for kind in [TrackKind::Audio, TrackKind::Video] {
        s.sfu
            .forward(
                BOB,
                source(ALICE, kind),
                "alice".into(),
                ForwardMode::Paused,
            )
            .await;
    }
    // Let what was in flight land, then nothing more may arrive.
    s.run(Duration::from_millis(300)).await;
    let (audio_before, video_before) = (s.audio_count(), s.video_count());
    s.run(Duration::from_millis(600)).await;
    assert_eq!(s.audio_count(), audio_before, "audio flowed while paused");
    assert_eq!(s.video_count(), video_before, "video flowed while paused");
    assert!(
        s.bob_events.try_recv().is_err(),
        "pausing must not renegotiate"
    );

    for kind in [TrackKind::Audio, TrackKind::Video] {
        s.sfu
            .forward(BOB, source(ALICE, kind), "alice".into(), ForwardMode::On)
            .await;
    }
    s.run_until("video after resuming", |bob| {
        video_frames(bob, video).count() > video_before + 5
    })
    .await;
    let resumed = video_frames(&s.bob, video)
        .nth(video_before)
        .expect("a frame after resuming");
    assert!(
        is_keyframe(resumed),
        "resumed video must start at a keyframe"
    );
    assert!(s.audio_count() > audio_before);
}

#[tokio::test]
async fn off_makes_the_m_line_inactive_and_on_reuses_it() {
    let mut s = Session::start(None).await;
    let video = s.bob_mid(TrackKind::Video);
    s.run_until("video at bob", |bob| video_frames(bob, video).count() >= 3)
        .await;

    s.sfu
        .forward(
            BOB,
            source(ALICE, TrackKind::Video),
            "alice".into(),
            ForwardMode::Off,
        )
        .await;
    let offer = answer_next(&s.sfu, BOB, &mut s.bob, &mut s.bob_events).await;
    assert_eq!(offer.tracks.len(), 1, "only audio is listed");
    assert_eq!(offer.tracks[0].kind, TrackKind::Audio);
    let section = m_section(&offer.sdp, video);
    assert!(section.contains("a=inactive"), "{section}");
    s.run(Duration::from_millis(300)).await;
    let before = s.video_count();
    s.run(Duration::from_millis(500)).await;
    assert_eq!(s.video_count(), before, "video flowed while off");

    s.sfu
        .forward(
            BOB,
            source(ALICE, TrackKind::Video),
            "alice".into(),
            ForwardMode::On,
        )
        .await;
    let offer = answer_next(&s.sfu, BOB, &mut s.bob, &mut s.bob_events).await;
    let track = offer
        .tracks
        .iter()
        .find(|t| t.kind == TrackKind::Video)
        .expect("video is listed again");
    assert_eq!(Mid::from(track.mid.as_str()), video, "the m-line is reused");
    assert_eq!(offer.sdp.matches("m=video").count(), 1);
    assert!(m_section(&offer.sdp, video).contains("a=sendonly"));
    s.run_until("video again", |bob| {
        video_frames(bob, video).count() > before + 3
    })
    .await;
}

/// The lines of the m-section with `mid`.
fn m_section(sdp: &str, mid: Mid) -> String {
    sdp.split("m=")
        .find(|section| section.contains(&format!("a=mid:{mid}\r\n")))
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn simulcast_layers_switch_at_keyframes() {
    let (sfu, _metrics) = start(None).await;
    let mut alice = Client::new();
    let mut bob = Client::new();
    let _alice_events = open(&sfu, ALICE).await;
    let mut bob_events = open(&sfu, BOB).await;
    let rids = ["q", "h", "f"];
    let mids = publish(&sfu, ALICE, &mut alice, &[(TrackKind::Video, &rids)]).await;
    pump_until(&mut [&mut alice], WAIT, "alice to connect", |c| {
        c[0].connected
    })
    .await;
    sfu.forward(
        BOB,
        source(ALICE, TrackKind::Video),
        "alice".into(),
        ForwardMode::On,
    )
    .await;
    let offer = answer_next(&sfu, BOB, &mut bob, &mut bob_events).await;
    let mid = Mid::from(offer.tracks[0].mid.as_str());
    let mut media = Media::new(&mut alice, None, Some(mids[0]), &rids);
    let layer_of = |data: &[u8]| nal(data)[1];

    // High by default: the full layer.
    media
        .run_until(&mut alice, &mut bob, "the high layer", |bob| {
            video_frames(bob, mid).count() >= 5
        })
        .await;
    let first = video_frames(&bob, mid).next().expect("a frame");
    assert!(is_keyframe(first));
    assert!(
        video_frames(&bob, mid).all(|f| layer_of(f) == 2),
        "only the f layer"
    );

    // Down to the lowest: the switch waits for a keyframe of "q".
    sfu.set_layer(BOB, ALICE, SimulcastStreamType::Low).await;
    media
        .run_until(&mut alice, &mut bob, "the low layer", |bob| {
            video_frames(bob, mid).filter(|f| layer_of(f) == 0).count() >= 5
        })
        .await;
    let frames: Vec<&[u8]> = video_frames(&bob, mid).collect();
    let switch = frames
        .iter()
        .position(|f| layer_of(f) == 0)
        .expect("a low frame");
    assert!(
        is_keyframe(frames[switch]),
        "the switch happens at a keyframe"
    );
    assert!(
        frames[switch..].iter().all(|f| layer_of(f) == 0),
        "no high frame after"
    );
    assert!(
        alice
            .keyframe_requests
            .iter()
            .any(|r| r.rid.as_deref() == Some("q")),
        "a keyframe request for the q layer"
    );
    // The output stays one continuous stream across the switch.
    assert!(
        bob.frames.iter().skip(1).all(|f| f.contiguous),
        "a gap at the switch"
    );

    // Mid of three is "h".
    sfu.set_layer(BOB, ALICE, SimulcastStreamType::Mid).await;
    media
        .run_until(&mut alice, &mut bob, "the mid layer", |bob| {
            video_frames(bob, mid).filter(|f| layer_of(f) == 1).count() >= 3
        })
        .await;
}

#[tokio::test]
async fn close_removes_everything_forwarded_from_the_peer() {
    let mut s = Session::start(None).await;
    let video = s.bob_mid(TrackKind::Video);
    s.run_until("video at bob", |bob| video_frames(bob, video).count() >= 3)
        .await;

    s.sfu.close(ALICE).await;
    let offer = answer_next(&s.sfu, BOB, &mut s.bob, &mut s.bob_events).await;
    assert!(offer.tracks.is_empty(), "nothing is left to receive");
    assert_eq!(offer.sdp.matches("a=inactive").count(), 2, "{}", offer.sdp);
    assert!(
        tokio::time::timeout(WAIT, s.alice_events.recv())
            .await
            .expect("the channel closes")
            .is_none(),
        "alice's events channel is dropped"
    );
    // A publisher offer for the closed peer is refused.
    let (offer, tracks) = Client::new().publish_offer(&[(TrackKind::Audio, &[])]);
    let refused = s.sfu.publisher_offer(ALICE, offer, tracks).await;
    assert!(matches!(refused, Err(SfuError::UnknownPeer)), "{refused:?}");

    s.sfu.close(BOB).await;
    assert!(
        tokio::time::timeout(WAIT, async { while s.bob_events.recv().await.is_some() {} })
            .await
            .is_ok()
    );
    assert_eq!(s.metrics.transports.get(), 0);
}

#[tokio::test]
async fn bad_requests_get_errors_not_panics() {
    let (sfu, _) = start(None).await;
    let _events = open(&sfu, ALICE).await;
    let mut alice = Client::new();

    let bad = sfu
        .publisher_offer(ALICE, "not an sdp".into(), vec![])
        .await;
    assert!(matches!(bad, Err(SfuError::Sdp(_))), "{bad:?}");

    let (offer, mut tracks) =
        alice.publish_offer(&[(TrackKind::Audio, &[]), (TrackKind::Video, &[])]);
    tracks.pop();
    let bad = sfu
        .publisher_offer(ALICE, offer.clone(), tracks.clone())
        .await;
    assert!(matches!(bad, Err(SfuError::Tracks(_))), "{bad:?}");

    let bad = sfu.subscriber_answer(ALICE, offer.clone()).await;
    assert!(matches!(bad, Err(SfuError::NoPendingOffer)), "{bad:?}");

    let bad = sfu.publisher_offer(PeerId(99), offer, tracks).await;
    assert!(matches!(bad, Err(SfuError::UnknownPeer)), "{bad:?}");

    // A subscriber answer that is not SDP keeps the offer waiting for a good one.
    let mut bob = Client::new();
    let mut bob_events = open(&sfu, BOB).await;
    sfu.forward(
        BOB,
        source(ALICE, TrackKind::Audio),
        "alice".into(),
        ForwardMode::On,
    )
    .await;
    let offer = next_offer(&mut bob_events).await;
    let bad = sfu.subscriber_answer(BOB, "v=0 garbage".into()).await;
    assert!(matches!(bad, Err(SfuError::Sdp(_))), "{bad:?}");
    let answer = bob.answer(&offer);
    sfu.subscriber_answer(BOB, answer)
        .await
        .expect("the good answer still fits");
}

#[tokio::test]
async fn garbage_datagrams_and_streams_do_not_disturb_a_session() {
    let mut s = Session::start(None).await;
    let video = s.bob_mid(TrackKind::Video);
    s.run_until("video at bob", |bob| video_frames(bob, video).count() >= 3)
        .await;
    let before = s.video_count();

    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let noise = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let server = s.sfu.local_addr();
    let mut tcp = TcpStream::connect(s.sfu.local_tcp_addr()).expect("connect");
    for i in 0..500 {
        let len = rng.random_range(0..1400);
        let mut datagram: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        // Make some look like STUN, DTLS, RTP and RTCP.
        if let Some(first) = datagram.first_mut() {
            *first = [0x00, 0x16, 0x80, 0x81, 0xff][i % 5];
        }
        let _ = noise.send_to(&datagram, server);
        let _ = tcp.write_all(&datagram);
        if i % 50 == 0 {
            s.run(Duration::from_millis(5)).await;
        }
    }
    // A frame claiming 64 KB that never comes, on another connection.
    let mut stuck = TcpStream::connect(s.sfu.local_tcp_addr()).expect("connect");
    let _ = stuck.write_all(&[0xff, 0xff, 1, 2, 3]);

    s.run_until("video after the noise", |bob| {
        video_frames(bob, video).count() > before + 10
    })
    .await;
    assert!(s.metrics.unrouted.get() > 0);
}

/// Forwards datagrams between clients and the server, dropping a share of them (seeded),
/// so the SFU can be tested behind an address it advertises but does not bind.
async fn lossy_relay(listen: SocketAddr, server: SocketAddr, loss: f64) {
    let outer = tokio::net::UdpSocket::bind(listen)
        .await
        .expect("bind the relay");
    let mut upstreams: Vec<(SocketAddr, Arc<tokio::net::UdpSocket>)> = Vec::new();
    let (back_tx, mut back_rx) = mpsc::channel::<(SocketAddr, Vec<u8>)>(1024);
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let mut buf = [0u8; 2048];
    loop {
        tokio::select! {
            received = outer.recv_from(&mut buf) => {
                let Ok((n, client)) = received else { return };
                let upstream = match upstreams.iter().find(|(c, _)| *c == client) {
                    Some((_, u)) => u.clone(),
                    None => {
                        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.expect("bind");
                        socket.connect(server).await.expect("connect");
                        let socket = Arc::new(socket);
                        let reader = socket.clone();
                        let back = back_tx.clone();
                        tokio::spawn(async move {
                            let mut buf = [0u8; 2048];
                            while let Ok(n) = reader.recv(&mut buf).await {
                                if back.send((client, buf[..n].to_vec())).await.is_err() {
                                    return;
                                }
                            }
                        });
                        upstreams.push((client, socket.clone()));
                        socket
                    }
                };
                if !rng.random_bool(loss) {
                    let _ = upstream.send(&buf[..n]).await;
                }
            }
            Some((client, data)) = back_rx.recv() => {
                if !rng.random_bool(loss) {
                    let _ = outer.send_to(&data, client).await;
                }
            }
        }
    }
}

#[tokio::test]
async fn video_survives_loss_behind_an_advertised_address() {
    // The SFU binds 127.0.0.1 and advertises 127.0.0.2 on the same port, where a relay
    // drops 5% of the datagrams each way.
    let (sfu, metrics) = start(Some("127.0.0.2".parse().expect("an IP"))).await;
    let port = sfu.local_addr().port();
    let relay = tokio::spawn(lossy_relay(
        SocketAddr::from(([127, 0, 0, 2], port)),
        sfu.local_addr(),
        0.05,
    ));
    let mut s = Session::with(sfu, metrics, Client::new(), Client::new()).await;
    assert!(
        s.offer.sdp.contains("127.0.0.2"),
        "the advertised address is offered"
    );
    let video = s.bob_mid(TrackKind::Video);
    s.run_until("video through the lossy relay", |bob| {
        video_frames(bob, video).count() >= 60
    })
    .await;
    // NACK and RTX repaired the losses: frames arrive whole and in order.
    for frame in video_frames(&s.bob, video) {
        assert!(s.media.written.contains(nal(frame)), "video bytes changed");
    }
    let contiguous = s.bob.frames.iter().filter(|f| f.contiguous).count();
    assert!(contiguous * 10 >= s.bob.frames.len() * 9, "too many gaps");
    relay.abort();
}

#[tokio::test]
async fn a_subscriber_can_use_ice_tcp() {
    let (sfu, metrics) = start(None).await;
    let tcp = sfu.local_tcp_addr();
    let mut s = Session::with(sfu, metrics, Client::new(), Client::new_tcp(tcp)).await;
    assert!(s.offer.sdp.contains("tcptype passive"), "{}", s.offer.sdp);
    let video = s.bob_mid(TrackKind::Video);
    s.run_until("video over TCP", |bob| {
        video_frames(bob, video).count() >= 10
    })
    .await;
    for frame in video_frames(&s.bob, video) {
        assert!(s.media.written.contains(nal(frame)), "video bytes changed");
    }
}
