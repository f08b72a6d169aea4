//! Helpers for the media behaviour tests: joining with a room config, collecting decoded
//! frames for a while, waiting for media events, and a lossy UDP relay between clients and the
//! SFU (or the test kit's throttling one).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use chorus_sdk::{AudioFrame, EventStream, MediaStream, RoomConfig, RtcEngine, VideoFrame};
use tokio::net::UdpSocket;
use tokio::task::AbortHandle;

use super::{ThrottleRelay, engine, start_server, token, user_info};

/// How long a media test waits for media to start flowing: ICE, DTLS and a keyframe on a
/// loaded machine, with room to spare.
pub(crate) const MEDIA_PATIENCE: Duration = Duration::from_secs(20);

/// An engine joined to `room` as `who` with `config`, with its events.
pub(crate) async fn joined_with(
    url: &str,
    room: &str,
    who: &str,
    config: RoomConfig,
) -> (RtcEngine, EventStream) {
    let engine = engine(url);
    let events = engine.events();
    engine
        .join_room(Some(&token(room, who)), room, user_info(who), config)
        .await
        .unwrap_or_else(|e| panic!("{who} joins {room}: {e}"));
    (engine, events)
}

/// A room config with auto-subscribing set for audio and video.
pub(crate) fn subscribing(audio: bool, video: bool) -> RoomConfig {
    RoomConfig {
        is_auto_subscribe_audio: Some(audio),
        is_auto_subscribe_video: Some(video),
        ..RoomConfig::default()
    }
}

/// The next frame of `stream` within `patience`.
pub(crate) async fn next_frame<T>(stream: &mut MediaStream<T>, patience: Duration) -> T {
    match tokio::time::timeout(patience, stream.next()).await {
        Ok(Some(frame)) => frame,
        Ok(None) => panic!("the frame stream ended"),
        Err(_) => panic!("no frame within {patience:?}"),
    }
}

/// Audio frames received over `length` of time after the first one, each with the time it
/// arrived.
pub(crate) async fn collect_audio(
    stream: &mut MediaStream<AudioFrame>,
    length: Duration,
) -> Vec<(tokio::time::Instant, AudioFrame)> {
    let first = next_frame(stream, MEDIA_PATIENCE).await;
    let start = tokio::time::Instant::now();
    let mut frames = vec![(start, first)];
    while start.elapsed() < length {
        let frame = next_frame(stream, Duration::from_secs(5)).await;
        frames.push((tokio::time::Instant::now(), frame));
    }
    frames
}

/// Samples of `frames` as one mono signal (the first channel).
pub(crate) fn mono(frames: &[(tokio::time::Instant, AudioFrame)]) -> Vec<i16> {
    frames
        .iter()
        .flat_map(|(_, f)| {
            let channels = usize::from(f.channels.max(1));
            f.samples
                .iter()
                .step_by(channels)
                .copied()
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The pattern counters of the pictures received over `length` after the first readable
/// one (unreadable pictures count as `None`).
pub(crate) async fn collect_counters(
    stream: &mut MediaStream<VideoFrame>,
    length: Duration,
) -> Vec<Option<u32>> {
    let deadline = tokio::time::Instant::now() + MEDIA_PATIENCE;
    let first = loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no readable picture within {MEDIA_PATIENCE:?}"
        );
        let picture = next_frame(stream, MEDIA_PATIENCE).await;
        if let Some(n) = chorus_media::read_pattern_counter(&picture) {
            break n;
        }
    };
    let start = tokio::time::Instant::now();
    let mut counters = vec![Some(first)];
    while start.elapsed() < length {
        let picture = next_frame(stream, Duration::from_secs(5)).await;
        counters.push(chorus_media::read_pattern_counter(&picture));
    }
    counters
}

/// A UDP relay that drops a share of the datagrams in both directions, chosen by a seeded
/// generator: clients send to it (the SFU advertises its address), it forwards to the SFU from
/// one upstream socket per client address and relays the replies back.
pub(crate) struct LossyRelay {
    tasks: Vec<AbortHandle>,
    /// Datagrams dropped so far.
    pub(crate) dropped: Arc<AtomicU32>,
    /// Datagrams forwarded so far.
    pub(crate) forwarded: Arc<AtomicU32>,
}

impl Drop for LossyRelay {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// xorshift64*: a tiny seeded generator, so a run's losses follow from its seed.
#[derive(Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// A number in [0, 1).
    pub(crate) fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl LossyRelay {
    /// Relays datagrams arriving at `front` to `sfu`, dropping `loss` of them (0 to 1).
    pub(crate) async fn start(
        front: SocketAddr,
        sfu: SocketAddr,
        loss: f64,
        seed: u64,
    ) -> LossyRelay {
        let socket = Arc::new(UdpSocket::bind(front).await.expect("bind the relay"));
        let dropped = Arc::new(AtomicU32::new(0));
        let forwarded = Arc::new(AtomicU32::new(0));
        let (d, f) = (dropped.clone(), forwarded.clone());
        let main = tokio::spawn(async move {
            let mut rng = Rng::new(seed);
            let mut upstreams: HashMap<SocketAddr, (Arc<UdpSocket>, AbortHandle)> = HashMap::new();
            let mut buf = vec![0u8; 2048];
            while let Ok((n, client)) = socket.recv_from(&mut buf).await {
                let upstream = match upstreams.get(&client) {
                    Some((up, _)) => up.clone(),
                    None => {
                        let up = Arc::new(
                            UdpSocket::bind("127.0.0.2:0")
                                .await
                                .expect("bind an upstream socket"),
                        );
                        let back = tokio::spawn(relay_back(
                            up.clone(),
                            socket.clone(),
                            client,
                            Rng::new(seed ^ u64::from(client.port())),
                            loss,
                            (d.clone(), f.clone()),
                        ));
                        upstreams.insert(client, (up.clone(), back.abort_handle()));
                        up
                    }
                };
                if rng.next_f64() < loss {
                    d.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                f.fetch_add(1, Ordering::Relaxed);
                let _ = upstream.send_to(&buf[..n], sfu).await;
            }
            for (_, (_, task)) in upstreams {
                task.abort();
            }
        });
        LossyRelay {
            tasks: vec![main.abort_handle()],
            dropped,
            forwarded,
        }
    }
}

/// Relays the SFU's replies from `upstream` back to `client` through the front socket.
async fn relay_back(
    upstream: Arc<UdpSocket>,
    front: Arc<UdpSocket>,
    client: SocketAddr,
    mut rng: Rng,
    loss: f64,
    (dropped, forwarded): (Arc<AtomicU32>, Arc<AtomicU32>),
) {
    let mut buf = vec![0u8; 2048];
    while let Ok((n, _)) = upstream.recv_from(&mut buf).await {
        if rng.next_f64() < loss {
            dropped.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        forwarded.fetch_add(1, Ordering::Relaxed);
        let _ = front.send_to(&buf[..n], client).await;
    }
}

/// Which relay stands in front of the SFU.
enum Relay {
    /// A [`LossyRelay`] with (loss, seed).
    Lossy((f64, u64)),
    /// A [`ThrottleRelay`], unthrottled at first.
    Throttle,
}

/// A server (and optionally a lossy or throttling relay in front of its media port) running on a runtime
/// and thread of its own, as it would in a process of its own: the clients' tasks and the
/// server's never queue behind each other on the test's workers. Stops when dropped.
pub(crate) struct ServerApart {
    /// `http://ADDR` of the server.
    pub(crate) url: String,
    /// The relay's counters (dropped, forwarded), when there is a lossy relay.
    pub(crate) relay: Option<(Arc<AtomicU32>, Arc<AtomicU32>)>,
    /// The bottleneck rate of a throttling relay, when there is one.
    throttle: Option<Arc<AtomicU64>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerApart {
    /// Starts a server configured by `tweak`; with `lossy` (loss, seed), the SFU advertises
    /// 127.0.0.2 and a [`LossyRelay`] there forwards to it.
    pub(crate) fn start(
        tweak: impl FnOnce(&mut chorus_server::Config) + Send + 'static,
        lossy: Option<(f64, u64)>,
    ) -> ServerApart {
        Self::start_with(tweak, lossy.map(Relay::Lossy))
    }

    /// Starts a server whose SFU advertises 127.0.0.2, where a [`ThrottleRelay`] forwards
    /// to it; returns it with the relay's bottleneck rate (bit/s, 0: none) to set.
    pub(crate) fn start_throttled() -> (ServerApart, Arc<AtomicU64>) {
        let server = Self::start_with(|_| {}, Some(Relay::Throttle));
        let rate = server.throttle.clone().expect("a throttling relay");
        (server, rate)
    }

    fn start_with(
        tweak: impl FnOnce(&mut chorus_server::Config) + Send + 'static,
        relay: Option<Relay>,
    ) -> ServerApart {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime for the server");
            runtime.block_on(async move {
                let relay_ip: std::net::IpAddr = "127.0.0.2".parse().expect("an IP");
                let server = start_server(|c| {
                    if relay.is_some() {
                        c.public_ip = Some(relay_ip);
                    }
                    tweak(c);
                })
                .await;
                let sfu = server.rtc_addr();
                let front = SocketAddr::new(relay_ip, sfu.port());
                let (lossy, throttle) = match relay {
                    Some(Relay::Lossy((loss, seed))) => {
                        (Some(LossyRelay::start(front, sfu, loss, seed).await), None)
                    }
                    Some(Relay::Throttle) => (None, Some(ThrottleRelay::start(front, sfu).await)),
                    None => (None, None),
                };
                let counters = lossy
                    .as_ref()
                    .map(|r| (r.dropped.clone(), r.forwarded.clone()));
                let rate = throttle.as_ref().map(|t| t.rate.clone());
                let _ = ready_tx.send((server.url(), counters, rate));
                let _ = stopped.await;
                drop(lossy);
                drop(throttle);
                server.shutdown().await;
            });
        });
        let (url, relay, throttle) = ready_rx.recv().expect("the server starts");
        ServerApart {
            url,
            relay,
            throttle,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for ServerApart {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
