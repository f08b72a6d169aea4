//! The SFU end to end on loopback: a real `Sfu` task and str0m clients on real UDP (and
//! TCP) sockets. Frames are made up, but their bytes are checked where they arrive. This file
//! holds the fixtures; the tests are in `forwarding.rs` (what flows, when) and
//! `robustness.rs` (bad input, loss, ICE-TCP).

mod fallback;
mod forwarding;
mod priority;
mod robustness;
mod workers;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chorus_proto::{StreamIndex, SubscriberOfferEvent, TrackKind};
use str0m::format::Codec as StrCodec;
use str0m::media::{Frequency, MediaTime, Mid, Pt};
use tokio::sync::mpsc;

use super::test_client::{Client, pump, pump_until};
pub(super) use super::test_client::{audio_payload, video_payload};
use super::{ForwardMode, PeerEvent, PeerId, Sfu, SfuConfig, SfuMetrics, Source};

pub(super) const ALICE: PeerId = PeerId(1);
pub(super) const BOB: PeerId = PeerId(2);
pub(super) const WAIT: Duration = Duration::from_secs(10);

pub(super) async fn start(public_ip: Option<std::net::IpAddr>) -> (Sfu, SfuMetrics) {
    start_workers(public_ip, 1).await
}

/// An SFU of `workers` workers.
pub(super) async fn start_workers(
    public_ip: Option<std::net::IpAddr>,
    workers: usize,
) -> (Sfu, SfuMetrics) {
    let metrics = SfuMetrics::default();
    let config = SfuConfig {
        bind: "127.0.0.1:0".parse().expect("an address"),
        public_ip,
        max_peers: 1000,
        connect_timeout: Duration::from_secs(30),
        workers,
    };
    let sfu = Sfu::start(config, metrics.clone())
        .await
        .expect("the SFU starts");
    (sfu, metrics)
}

pub(super) async fn open(sfu: &Sfu, peer: PeerId) -> mpsc::Receiver<PeerEvent> {
    let (tx, rx) = mpsc::channel(16);
    sfu.open(peer, tx).await.expect("the SFU takes the peer");
    rx
}

pub(super) fn source(publisher: PeerId, kind: TrackKind) -> Source {
    Source {
        publisher,
        index: StreamIndex::Main,
        kind,
    }
}

/// Publishes `tracks` from `client`; returns the mids in order.
pub(super) async fn publish(
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

pub(super) async fn next_offer(events: &mut mpsc::Receiver<PeerEvent>) -> SubscriberOfferEvent {
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
pub(super) async fn answer_next(
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

/// The NAL unit of a received access unit (start code stripped).
pub(super) fn nal(data: &[u8]) -> &[u8] {
    let start = data
        .windows(3)
        .position(|w| w == [0, 0, 1])
        .map_or(0, |p| p + 3);
    &data[start..]
}

/// Writes audio every 20 ms and video every 33 ms on a publisher, keyframes when asked.
pub(super) struct Media {
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
    /// Each layer's [`video_payload`] scale (1 when not given).
    scale: Vec<u32>,
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
            scale: vec![1; layers],
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
                    let scale = self.scale.get(layer).copied().unwrap_or(1);
                    let data = video_payload(layer as u8, n, keyframe, scale);
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

pub(super) fn is_keyframe(data: &[u8]) -> bool {
    nal(data).first().is_some_and(|b| b & 0x1f == 5)
}

pub(super) fn video_frames<'a>(
    client: &'a Client,
    mid: Mid,
) -> impl Iterator<Item = &'a [u8]> + 'a {
    client
        .frames
        .iter()
        .filter(move |f| f.mid == mid)
        .map(|f| &f.data[..])
}

/// Alice publishes audio and video, Bob subscribes to both; both connected.
pub(super) struct Session {
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
