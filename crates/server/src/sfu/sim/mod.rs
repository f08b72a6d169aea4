//! The SFU's in-memory test network: the sans-IO [`Router`]s of one or more workers and str0m
//! client endpoints exchanging datagrams in memory, under a clock the test advances. No socket, no runtime,
//! no sleep: a test of ten simulated seconds runs in well under one real second, and loss
//! and delay are drawn from a seeded generator, so every run is the same run.
//!
//! The net does what a worker's task (`task.rs`) does around its router, turn by turn: hand
//! it each datagram due, run its timers, let each touched subscriber packetize, and carry
//! what it sent; between workers it carries their relay messages, as the workers' channels
//! do. A datagram goes straight to its peer's worker (the kernel's spreading over sockets,
//! and the hand-on it calls for, are the loopback tests' part). Commands go through [`Router::handle_command`] with the same channels the
//! [`super::Sfu`] handle uses, read with `try_recv`; subscriber offers are answered by the
//! peer's subscribing endpoint as a client would. The loopback tests in `tests/` stay the
//! integration layer (real sockets, the real task).
//!
//! `bench` (the `bench` feature) sets up one publisher and N subscribers here for the
//! forward-path micro-benchmark and then hands the router packets with nothing delivered.

#[cfg(feature = "bench")]
pub(crate) mod bench;
mod endpoint;
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod fuzz;
#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod relay_tests;
#[cfg(test)]
mod tests;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chorus_proto::{StreamIndex, TrackKind};
use str0m::media::Mid;
use str0m::net::Protocol;
use tokio::sync::{mpsc, oneshot};

pub(super) use endpoint::{Endpoint, Link};

use super::router::{Router, RouterSettings};
use super::transport::RtcFactory;
use super::workers::worker_of;
use super::{Command, ForwardMode, PeerEvent, PeerId, SfuMetrics, Source};

/// How far the clock moves in one step: the resolution of delays and timers.
const STEP: Duration = Duration::from_millis(1);

/// Which endpoint of a peer: its publisher or its subscriber transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Side {
    Publisher,
    Subscriber,
}

/// One datagram on its way.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Flight {
    /// When it arrives; then the order it was sent in.
    at: Instant,
    serial: u64,
    /// An endpoint, or the server (`None`) from the endpoint of that peer.
    to: Option<(PeerId, Side)>,
    peer: PeerId,
    from: SocketAddr,
    data: Vec<u8>,
}

/// A small seeded generator (xorshift64*): loss must be the same on every run.
struct Rng(u64);

impl Rng {
    fn chance(&mut self, p: f64) -> bool {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (x >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// The router, its endpoints and the datagrams between them.
pub(super) struct Net {
    /// The simulated clock.
    pub(super) now: Instant,
    /// One router per worker.
    pub(super) routers: Vec<Router>,
    pub(super) metrics: SfuMetrics,
    server: SocketAddr,
    endpoints: HashMap<(PeerId, Side), Endpoint>,
    events: HashMap<PeerId, mpsc::Receiver<PeerEvent>>,
    /// Peer events other than subscriber offers, with the simulated time they came.
    pub(super) seen: Vec<(Instant, PeerId, PeerEvent)>,
    flights: BinaryHeap<Reverse<Flight>>,
    serial: u64,
    rng: Rng,
    /// Datagrams the links dropped.
    pub(super) dropped: u64,
    /// Of those, the ones of at least [`LARGE`] bytes: video, not audio or RTCP.
    pub(super) dropped_large: u64,
    /// Datagrams the routers sent to each endpoint.
    pub(super) carried: HashMap<(PeerId, Side), u64>,
}

/// The size from which a datagram counts as video in [`Net::dropped_large`]: audio packets
/// and RTCP are far smaller.
pub(super) const LARGE: usize = 500;

impl Net {
    /// A net of one worker whose router fails transports not connected within
    /// `connect_timeout`; loss is drawn from `seed`.
    pub(super) fn new(connect_timeout: Duration, seed: u64) -> Self {
        Self::with_workers(connect_timeout, seed, 1)
    }

    /// A net of `workers` workers, sharing one metrics set and one server address.
    pub(super) fn with_workers(connect_timeout: Duration, seed: u64, workers: usize) -> Self {
        let now = Instant::now();
        let server = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 7881);
        let factory = RtcFactory::new(server, None).expect("a DTLS certificate");
        let metrics = SfuMetrics::default();
        let routers = (0..workers)
            .map(|worker| {
                let settings = RouterSettings {
                    max_peers: 1000,
                    connect_timeout,
                    worker,
                    workers,
                };
                let factory = factory.clone().for_worker(worker);
                Router::new(factory, server, None, settings, metrics.clone(), now)
            })
            .collect();
        Net {
            now,
            routers,
            metrics,
            server,
            endpoints: HashMap::new(),
            events: HashMap::new(),
            seen: Vec::new(),
            flights: BinaryHeap::new(),
            serial: 0,
            rng: Rng(seed | 1),
            dropped: 0,
            dropped_large: 0,
            carried: HashMap::new(),
        }
    }

    /// The worker of `peer`.
    pub(super) fn worker_of(&self, peer: PeerId) -> usize {
        worker_of(peer, self.routers.len())
    }

    /// The endpoint of `peer` on `side`.
    pub(super) fn endpoint(&self, peer: PeerId, side: Side) -> &Endpoint {
        self.endpoints
            .get(&(peer, side))
            .expect("the endpoint exists")
    }

    /// The endpoint of `peer` on `side`, to change (its links, say).
    pub(super) fn endpoint_mut(&mut self, peer: PeerId, side: Side) -> &mut Endpoint {
        self.endpoints
            .get_mut(&(peer, side))
            .expect("the endpoint exists")
    }

    /// Carries out one command as the peer's worker would.
    pub(super) fn command(&mut self, command: Command) {
        let peer = match &command {
            Command::Open { peer, .. }
            | Command::Close { peer, .. }
            | Command::PublisherOffer { peer, .. }
            | Command::SubscriberAnswer { peer, .. } => *peer,
            Command::Forward { subscriber, .. }
            | Command::SetLayer { subscriber, .. }
            | Command::SetFallback { subscriber, .. }
            | Command::SetPriority { subscriber, .. } => *subscriber,
        };
        let worker = self.worker_of(peer);
        self.routers[worker].handle_command(self.now, command);
        self.flush(worker);
    }

    /// Registers `peer` with the router.
    pub(super) fn open(&mut self, peer: PeerId) {
        let (events, rx) = mpsc::channel(64);
        let (reply, mut opened) = oneshot::channel();
        self.command(Command::Open {
            peer,
            events,
            reply,
        });
        opened
            .try_recv()
            .expect("the router replies at once")
            .expect("the router takes the peer");
        self.events.insert(peer, rx);
    }

    fn add_endpoint(&mut self, peer: PeerId, side: Side) {
        let n = self.endpoints.len() as u8;
        let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 1, n + 2)), 5000);
        let endpoint = Endpoint::new(addr, self.now);
        self.endpoints.insert((peer, side), endpoint);
    }

    /// Opens `peer` and publishes `tracks` from a new publishing endpoint, which writes media
    /// once connected. Returns the mids, in order.
    pub(super) fn publish(
        &mut self,
        peer: PeerId,
        tracks: &[(TrackKind, &[&'static str])],
    ) -> Vec<Mid> {
        self.open(peer);
        self.add_endpoint(peer, Side::Publisher);
        let (sdp, list) = self
            .endpoint_mut(peer, Side::Publisher)
            .publish_offer(tracks);
        let (reply, mut answered) = oneshot::channel();
        self.command(Command::PublisherOffer {
            peer,
            sdp,
            tracks: list.clone(),
            reply,
        });
        let answer = answered
            .try_recv()
            .expect("the router replies at once")
            .expect("the offer is accepted");
        let mids: Vec<Mid> = list.iter().map(|t| Mid::from(t.mid.as_str())).collect();
        let now = self.now;
        self.endpoint_mut(peer, Side::Publisher)
            .accept_answer(&answer, tracks, &mids, now);
        mids
    }

    /// Opens `peer` with a subscribing endpoint that answers the router's offers.
    pub(super) fn subscriber(&mut self, peer: PeerId) {
        self.open(peer);
        self.add_endpoint(peer, Side::Subscriber);
    }

    /// As [`Net::subscriber`], with an endpoint in RTP mode: it keeps whole packets.
    pub(super) fn rtp_subscriber(&mut self, peer: PeerId) {
        self.open(peer);
        self.add_endpoint(peer, Side::Subscriber);
        let addr = self.endpoint(peer, Side::Subscriber).addr;
        let endpoint = Endpoint::new_rtp_mode(addr, self.now);
        self.endpoints.insert((peer, Side::Subscriber), endpoint);
    }

    /// Sets what `subscriber` gets of `publisher`'s main `kind`, naming it `user`.
    pub(super) fn forward(
        &mut self,
        subscriber: PeerId,
        publisher: PeerId,
        kind: TrackKind,
        user: &str,
        mode: ForwardMode,
    ) {
        let source = Source {
            publisher,
            index: StreamIndex::Main,
            kind,
        };
        self.command(Command::Forward {
            subscriber,
            source,
            user_id: Arc::from(user),
            mode,
        });
    }

    /// Runs the net for `time`.
    pub(super) fn run(&mut self, time: Duration) {
        let end = self.now + time;
        while self.now < end {
            self.step();
        }
    }

    /// Runs the net until `done` holds; fails the test if it does not within `limit` of
    /// simulated time. Returns the simulated time it took.
    pub(super) fn run_until(
        &mut self,
        limit: Duration,
        what: &str,
        mut done: impl FnMut(&Net) -> bool,
    ) -> Duration {
        let start = self.now;
        while !done(self) {
            assert!(
                self.now - start < limit,
                "{what} did not happen within {limit:?} of simulated time"
            );
            self.step();
        }
        self.now - start
    }

    /// One step of the clock: what is due arrives, timers run, media is written.
    pub(super) fn step(&mut self) {
        self.now += STEP;
        let now = self.now;
        self.exchange_relays();
        while self.flights.peek().is_some_and(|f| f.0.at <= now) {
            let Some(Reverse(flight)) = self.flights.pop() else {
                break;
            };
            match flight.to {
                None => {
                    let worker = self.worker_of(flight.peer);
                    self.routers[worker].handle_datagram(
                        now,
                        Protocol::Udp,
                        flight.from,
                        &flight.data,
                    );
                }
                Some(key) => {
                    if let Some(endpoint) = self.endpoints.get_mut(&key) {
                        endpoint.receive(now, flight.from, &flight.data);
                    }
                }
            }
        }
        for worker in 0..self.routers.len() {
            self.routers[worker].handle_timeout(now);
            self.flush(worker);
        }
        let mut keys: Vec<(PeerId, Side)> = self.endpoints.keys().copied().collect();
        // The same order every run: the loss drawn for each datagram depends on it.
        keys.sort_by_key(|(peer, side)| (peer.0, *side == Side::Subscriber));
        for key in keys {
            let Some(endpoint) = self.endpoints.get_mut(&key) else {
                continue;
            };
            endpoint.tick(now);
            let link = endpoint.up;
            let from = endpoint.addr;
            for transmit in std::mem::take(&mut endpoint.outbox) {
                self.send(None, key.0, from, link, transmit.contents.to_vec());
            }
        }
        self.answer_offers();
    }

    /// Hands each worker what the others queued for it, as the workers' channels do.
    fn exchange_relays(&mut self) {
        let now = self.now;
        for from in 0..self.routers.len() {
            for to in 0..self.routers.len() {
                let batch = std::mem::take(&mut self.routers[from].relay_out[to]);
                for msg in batch {
                    self.routers[to].handle_relay(msg, now);
                }
            }
        }
    }

    /// Lets a worker's router packetize and carries what it sent, as the task's turn does.
    fn flush(&mut self, worker: usize) {
        let now = self.now;
        self.carry_from_router(worker);
        while let Some(id) = self.routers[worker].flush_one(now) {
            self.carry_from_router(worker);
            self.routers[worker].sent(id, now);
        }
        self.routers[worker].end_turn();
    }

    fn carry_from_router(&mut self, worker: usize) {
        for transmit in std::mem::take(&mut self.routers[worker].transmits) {
            let to = self
                .endpoints
                .iter()
                .find(|(_, e)| e.addr == transmit.destination)
                .map(|(key, e)| (*key, e.down));
            if let Some((key, link)) = to {
                *self.carried.entry(key).or_default() += 1;
                let data = transmit.contents.to_vec();
                self.send(Some(key), key.0, self.server, link, data);
            }
        }
    }

    fn send(
        &mut self,
        to: Option<(PeerId, Side)>,
        peer: PeerId,
        from: SocketAddr,
        link: Link,
        data: Vec<u8>,
    ) {
        if link.loss > 0.0 && self.rng.chance(link.loss) {
            self.dropped += 1;
            if data.len() >= LARGE {
                self.dropped_large += 1;
            }
            return;
        }
        self.serial += 1;
        self.flights.push(Reverse(Flight {
            at: self.now + link.delay,
            serial: self.serial,
            to,
            peer,
            from,
            data,
        }));
    }

    /// Each peer's subscribing endpoint answers the router's offers; other events are kept
    /// in [`Net::seen`].
    fn answer_offers(&mut self) {
        let mut peers: Vec<PeerId> = self.events.keys().copied().collect();
        peers.sort();
        for peer in peers {
            while let Some(event) = self.events.get_mut(&peer).and_then(|rx| rx.try_recv().ok()) {
                let PeerEvent::SubscriberOffer(offer) = event else {
                    self.seen.push((self.now, peer, event));
                    continue;
                };
                let Some(endpoint) = self.endpoints.get_mut(&(peer, Side::Subscriber)) else {
                    continue;
                };
                let sdp = endpoint.answer(offer);
                let (reply, mut done) = oneshot::channel();
                self.command(Command::SubscriberAnswer { peer, sdp, reply });
                done.try_recv()
                    .expect("the router replies at once")
                    .expect("the answer is accepted");
            }
        }
    }
}
