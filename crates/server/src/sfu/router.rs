//! The router: an SFU worker's core, without I/O. It holds the worker's transports, sources
//! and demux, and routes media between them. Datagrams, commands, other workers' messages and
//! time go in; datagrams to send (`transmits`), peer events and messages for other workers
//! (`relay_out`) come out. The task in `task.rs` is its thin async shell (sockets, channels,
//! timers).
//!
//! The packet path is [`Router::handle_datagram`] -> the publisher's `Rtc` ->
//! `Event::RtpPacket` -> `forward_rtp` (`packets.rs`), which decides per lane (`forward.rs`)
//! and queues a copy on each subscriber's send stream; [`Router::flush_one`] then lets each touched
//! subscriber `Rtc` packetize its queue once per turn, and the shell sends it at once. The
//! hot-path budget of `forward.rs` holds here too: per packet, our code allocates nothing
//! (the payload is one `Arc` shared by every copy), takes no lock and logs nothing above
//! trace.
//!
//! Negotiation (offers, answers, m-line slots) lives in `negotiate.rs`, peers (events,
//! failures, close) in `peers.rs`, keyframe requests in `keyframe_requests.rs`: the other
//! parts of this type, and `relay.rs` what crosses to other workers. Must not depend on
//! `room`, `signal` or `api`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chorus_proto::SubscribeFallbackOption;
use str0m::bwe::BweKind;
use str0m::media::KeyframeRequestKind;
use str0m::net::{DatagramRecv, Protocol, Receive, Transmit};
use str0m::{Event, IceConnectionState, Input, Output};
use tokio::sync::mpsc;
use tracing::{info, trace};

use super::demux::Demux;
use super::ids::{SourceId, TransportId};
use super::metrics::{SfuMetrics, Tally};
use super::peer::Peer;
use super::relay::{INTEREST_REFRESH, RelayMsg};
use super::source::Sources;
use super::transport::{RtcFactory, Side, Transport};
use super::{Command, PeerEvent, PeerId, Source};

/// How often sources are looked after: layer choice, keyframes for waiting subscribers,
/// transports that never connected, events a full channel refused.
const TICK: Duration = Duration::from_millis(50);

/// What a router is told at start: its limits and its place among the workers.
#[derive(Debug, Clone, Copy)]
pub(super) struct RouterSettings {
    /// Most peers at once on the whole SFU (every worker counts into one gauge).
    pub(super) max_peers: usize,
    /// A transport not connected this long after it was made has failed.
    pub(super) connect_timeout: Duration,
    /// This router's worker index.
    pub(super) worker: usize,
    /// How many workers there are.
    pub(super) workers: usize,
}

/// The SFU's state. See the module docs.
pub(super) struct Router {
    pub(super) factory: RtcFactory,
    /// Where clients send to: the advertised addresses, which str0m checks STUN against.
    local_udp: SocketAddr,
    local_tcp: Option<SocketAddr>,
    pub(super) transports: Vec<Option<Transport>>,
    free: Vec<u32>,
    pub(super) peers: HashMap<PeerId, Peer>,
    /// Most peers at once; [`Router::open`] refuses more.
    pub(super) max_peers: usize,
    /// A transport not connected this long after it was made has failed.
    connect_timeout: Duration,
    /// This router's worker index, of `workers`.
    pub(super) worker: usize,
    pub(super) workers: usize,
    /// Messages for each other worker, sent by the shell once per turn (`relay.rs`).
    pub(super) relay_out: Vec<Vec<RelayMsg>>,
    /// Lanes may have changed since interest was last told to other workers.
    interest_stale: bool,
    /// When every wanted remote source is next told again.
    interest_due: Instant,
    /// Scratch for `sync_interest`, kept to reuse its allocation.
    pub(super) interest_scratch: Vec<(SourceId, Source, bool)>,
    pub(super) sources: Sources,
    demux: Demux,
    /// Transports with packets queued since their last drain.
    pub(super) dirty: Vec<TransportId>,
    /// Datagrams to send; the shell empties it.
    pub(super) transmits: Vec<Transmit>,
    /// Packets forwarded since the last [`Router::end_turn`].
    pub(super) copies_this_turn: usize,
    /// Counters since the last metrics flush.
    pub(super) tally: Tally,
    pub(super) metrics: SfuMetrics,
    next_tick: Instant,
    /// Peers with events waiting in their outbox.
    pub(super) undelivered: Vec<PeerId>,
    /// Subscriber transports to make an offer for at the end of the turn.
    pub(super) to_offer: Vec<TransportId>,
    /// Scratch for the tick, kept to reuse its allocation.
    scratch: Vec<(SourceId, u8)>,
    /// When subscribe fallback next decides.
    pub(super) fallback_due: Instant,
}

impl Router {
    /// A router whose transports advertise `local_udp` (and `local_tcp`).
    pub(super) fn new(
        factory: RtcFactory,
        local_udp: SocketAddr,
        local_tcp: Option<SocketAddr>,
        settings: RouterSettings,
        metrics: SfuMetrics,
        now: Instant,
    ) -> Self {
        Router {
            factory,
            local_udp,
            local_tcp,
            transports: Vec::new(),
            free: Vec::new(),
            peers: HashMap::new(),
            max_peers: settings.max_peers,
            connect_timeout: settings.connect_timeout,
            worker: settings.worker,
            workers: settings.workers.max(1),
            relay_out: (0..settings.workers.max(1)).map(|_| Vec::new()).collect(),
            interest_stale: false,
            interest_due: now,
            interest_scratch: Vec::new(),
            sources: Sources::default(),
            demux: Demux::default(),
            dirty: Vec::new(),
            transmits: Vec::new(),
            copies_this_turn: 0,
            tally: Tally::default(),
            metrics,
            next_tick: now,
            undelivered: Vec::new(),
            to_offer: Vec::new(),
            scratch: Vec::new(),
            fallback_due: now,
        }
    }

    /// This router's replacement after a panic left it in an unknown state: the same
    /// factory, addresses, limit and metrics, with no peer, transport or source. Returns it
    /// with the event channels of every peer this one had, so their sessions can be told.
    /// Only the peer table is read, and only to take those channels.
    pub(super) fn restart(self, now: Instant) -> (Router, Vec<mpsc::Sender<PeerEvent>>) {
        let transports = self.transports.iter().flatten().count();
        self.metrics.transports.dec_by(transports as i64);
        self.metrics.peers.dec_by(self.peers.len() as i64);
        let settings = self.settings();
        let events = self.peers.into_values().map(|peer| peer.events).collect();
        let fresh = Router::new(
            self.factory,
            self.local_udp,
            self.local_tcp,
            settings,
            self.metrics,
            now,
        );
        (fresh, events)
    }

    /// The settings this router was made with.
    pub(super) fn settings(&self) -> RouterSettings {
        RouterSettings {
            max_peers: self.max_peers,
            connect_timeout: self.connect_timeout,
            worker: self.worker,
            workers: self.workers,
        }
    }

    // ----- the transport table -----

    pub(super) fn transport_mut(&mut self, id: TransportId) -> Option<&mut Transport> {
        self.transports.get_mut(id.0 as usize)?.as_mut()
    }

    /// Adds a transport for `peer` on `side` and makes it reachable through the demux. A
    /// subscriber transport estimates its bandwidth if the peer has subscribe fallback on.
    pub(super) fn add_transport(&mut self, peer: PeerId, side: Side, now: Instant) -> TransportId {
        let estimate = matches!(side, Side::Subscriber(_))
            && self
                .peers
                .get(&peer)
                .is_some_and(|p| p.fallback != SubscribeFallbackOption::Disable);
        let (rtc, ufrag) = self.factory.build(now, estimate);
        let transport = Transport::new(rtc, peer, side, now);
        let id = match self.free.pop() {
            Some(i) => {
                self.transports[i as usize] = Some(transport);
                TransportId(i)
            }
            None => {
                self.transports.push(Some(transport));
                TransportId(u32::try_from(self.transports.len() - 1).unwrap_or(u32::MAX))
            }
        };
        self.demux.add_transport(id, ufrag);
        self.metrics.transports.inc();
        id
    }

    /// Takes a transport out of every table.
    pub(super) fn remove_transport(&mut self, id: TransportId) -> Option<Transport> {
        let transport = self.transports.get_mut(id.0 as usize)?.take()?;
        self.free.push(id.0);
        self.demux.remove_transport(id);
        self.dirty.retain(|d| *d != id);
        self.to_offer.retain(|d| *d != id);
        self.metrics.transports.dec();
        Some(transport)
    }

    /// Marks a transport as having something to send (drained at the next flush).
    pub(super) fn mark_dirty(&mut self, id: TransportId) {
        if let Some(t) = self.transport_mut(id)
            && !t.dirty
        {
            t.dirty = true;
            self.dirty.push(id);
        }
    }

    // ----- the packet path -----

    /// One datagram from `source`, read at `now`.
    pub(super) fn handle_datagram(
        &mut self,
        now: Instant,
        proto: Protocol,
        source: SocketAddr,
        data: &[u8],
    ) {
        let (id, learn) = match self.demux.lookup(proto, source) {
            Some(id) => (id, false),
            None => match self.demux.lookup_stun(data) {
                Some(id) => (id, true),
                None => {
                    self.tally.unrouted += 1;
                    return;
                }
            },
        };
        let destination = match proto {
            Protocol::Udp => self.local_udp,
            _ => match self.local_tcp {
                Some(addr) => addr,
                None => return,
            },
        };
        let Ok(contents) = DatagramRecv::try_from(data) else {
            self.tally.unrouted += 1;
            return;
        };
        let input = Input::Receive(
            now,
            Receive {
                proto,
                source,
                destination,
                contents,
            },
        );
        let Some(transport) = self.transport_mut(id) else {
            return;
        };
        if learn && !transport.rtc.accepts(&input) {
            self.tally.unrouted += 1;
            return;
        }
        if let Err(e) = transport.rtc.handle_input(input) {
            self.fail(id, format!("the transport broke: {e}"));
            return;
        }
        if learn {
            self.demux.learn(id, proto, source);
        }
        self.drain(id, now);
    }

    /// Polls a transport until str0m has nothing more to say, then records its next timeout.
    pub(super) fn drain(&mut self, id: TransportId, now: Instant) {
        // A few rounds: str0m may ask for a timeout at `now` (e.g. to release queued packets).
        for _ in 0..4 {
            loop {
                let Some(transport) = self.transport_mut(id) else {
                    return;
                };
                match transport.rtc.poll_output() {
                    Ok(Output::Timeout(at)) => {
                        transport.timeout = at;
                        break;
                    }
                    Ok(Output::Transmit(t)) => self.transmits.push(t),
                    Ok(Output::Event(event)) => self.on_event(id, event, now),
                    Err(e) => {
                        self.fail(id, format!("the transport broke: {e}"));
                        return;
                    }
                }
            }
            let Some(transport) = self.transport_mut(id) else {
                return;
            };
            if transport.timeout > now {
                return;
            }
            if let Err(e) = transport.rtc.handle_input(Input::Timeout(now)) {
                self.fail(id, format!("the transport broke: {e}"));
                return;
            }
        }
    }

    fn on_event(&mut self, id: TransportId, event: Event, now: Instant) {
        match event {
            Event::RtpPacket(packet) => self.forward_rtp(id, packet, now),
            Event::Connected => self.on_connected(id, now),
            Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                self.fail(id, "ICE disconnected: no checks from the client".into());
            }
            Event::KeyframeRequest(request) => self.on_keyframe_request(id, request, now),
            Event::EgressBitrateEstimate(BweKind::Twcc { estimate, .. }) => {
                self.on_estimate(id, estimate.as_u64(), now);
            }
            Event::Closed => self.fail(id, "the client closed the transport".into()),
            other => trace!(?other, "transport event"),
        }
    }

    /// Lets one transport written to since its last flush packetize; `None` when none is
    /// left. The shell sends what it produced right away, then calls [`Router::sent`], so
    /// each subscriber's copies leave as soon as they exist rather than after everyone's.
    pub(super) fn flush_one(&mut self, now: Instant) -> Option<TransportId> {
        for sub in std::mem::take(&mut self.to_offer) {
            self.offer_now(sub);
            self.mark_dirty(sub);
        }
        let id = self.dirty.pop()?;
        let Some(transport) = self.transport_mut(id) else {
            return Some(id);
        };
        transport.dirty = false;
        if let Err(e) = transport.rtc.handle_input(Input::Timeout(now)) {
            self.fail(id, format!("the transport broke: {e}"));
            return Some(id);
        }
        self.drain(id, now);
        Some(id)
    }

    /// The copies on `id` are on the socket (at `sent`): tallies each one's time in the SFU.
    pub(super) fn sent(&mut self, id: TransportId, sent: Instant) {
        let Some(Some(transport)) = self.transports.get_mut(id.0 as usize) else {
            return;
        };
        for at in transport.read_times.drain(..) {
            self.tally.observe(sent.saturating_duration_since(at));
        }
    }

    /// How many packets were forwarded this turn.
    pub(super) fn forwarded_this_turn(&self) -> usize {
        self.copies_this_turn
    }

    /// Ends a turn of the loop: publishes the tally.
    pub(super) fn end_turn(&mut self) {
        if std::mem::take(&mut self.interest_stale) {
            self.sync_interest(false);
        }
        self.copies_this_turn = 0;
        self.metrics.flush(&mut self.tally);
    }

    /// Carries out one command from the handle.
    pub(super) fn handle_command(&mut self, now: Instant, command: Command) {
        self.interest_stale = true;
        match command {
            Command::Open {
                peer,
                events,
                reply,
            } => {
                let _ = reply.send(self.open(peer, events));
            }
            Command::Close { peer, done } => {
                self.close(peer);
                let _ = done.send(());
            }
            Command::PublisherOffer {
                peer,
                sdp,
                tracks,
                reply,
            } => {
                let _ = reply.send(self.publisher_offer(peer, &sdp, &tracks, now));
            }
            Command::SubscriberAnswer { peer, sdp, reply } => {
                let _ = reply.send(self.subscriber_answer(peer, &sdp, now));
            }
            Command::Forward {
                subscriber,
                source,
                user_id,
                mode,
            } => self.forward(subscriber, source, user_id, mode, now),
            Command::SetLayer {
                subscriber,
                publisher,
                layer,
            } => self.set_layer(subscriber, publisher, layer, now),
            Command::SetFallback { subscriber, option } => self.set_fallback(subscriber, option),
            Command::SetPriority {
                subscriber,
                user_id,
                priority,
            } => self.set_priority(subscriber, user_id, priority),
        }
    }

    fn on_connected(&mut self, id: TransportId, now: Instant) {
        let Some(transport) = self.transport_mut(id) else {
            return;
        };
        transport.connected = true;
        info!(peer = transport.peer.0, "media transport connected");
        if matches!(transport.side, Side::Subscriber(_)) {
            self.refresh_lanes(id, now);
        }
    }

    // ----- time -----

    /// When [`Router::handle_timeout`] is next needed.
    pub(super) fn poll_timeout(&self) -> Instant {
        self.transports
            .iter()
            .flatten()
            .map(|t| t.timeout)
            .fold(self.next_tick, Instant::min)
    }

    /// Runs whatever is due at `now`.
    pub(super) fn handle_timeout(&mut self, now: Instant) {
        for i in 0..self.transports.len() {
            let id = TransportId(i as u32);
            let Some(transport) = self.transport_mut(id) else {
                continue;
            };
            if transport.timeout > now {
                continue;
            }
            if let Err(e) = transport.rtc.handle_input(Input::Timeout(now)) {
                self.fail(id, format!("the transport broke: {e}"));
                continue;
            }
            self.drain(id, now);
        }
        if now >= self.next_tick {
            self.next_tick = now + TICK;
            self.tick(now);
        }
    }

    fn tick(&mut self, now: Instant) {
        self.interest_stale = true;
        if now >= self.interest_due {
            self.interest_due = now + INTEREST_REFRESH;
            self.sync_interest(true);
        }
        // Layer choice and keyframes for lanes waiting for one.
        let mut waiting = std::mem::take(&mut self.scratch);
        waiting.clear();
        for (id, state) in self.sources.iter_mut() {
            state.measure(now);
            state.retarget(now);
            let wanted = state.keyframes_wanted();
            if wanted != 0 {
                waiting.push((id, wanted));
            }
        }
        for &(source, wanted) in &waiting {
            for layer in 0..8 {
                if wanted & (1 << layer) != 0 {
                    self.request_keyframe(source, layer, KeyframeRequestKind::Pli, now);
                }
            }
        }
        self.scratch = waiting;
        self.fallback_tick(now);

        // Transports that never connected.
        let connect_timeout = self.connect_timeout;
        for i in 0..self.transports.len() {
            let id = TransportId(i as u32);
            let late = self
                .transport_mut(id)
                .is_some_and(|t| !t.connected && now.duration_since(t.created) > connect_timeout);
            if late {
                self.fail(id, "ICE/DTLS did not connect in time".into());
            }
        }

        // Subscriber transports to remake after a failure.
        let restoring: Vec<PeerId> = self
            .peers
            .iter()
            .filter(|(_, p)| !p.restore.is_empty() && p.subscriber.is_none())
            .map(|(id, _)| *id)
            .collect();
        for peer in restoring {
            let feeds = self
                .peers
                .get_mut(&peer)
                .map(|p| std::mem::take(&mut p.restore))
                .unwrap_or_default();
            for (feed, mode) in feeds {
                self.forward(peer, feed.source, feed.user_id, mode, now);
            }
        }

        self.retry_events();
    }
}
