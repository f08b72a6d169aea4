//! The data plane: WebRTC transports and RTP forwarding.
//!
//! N workers (one per core by default), each a thread, share the media port: each owns its
//! peers' transports (a str0m `Rtc` per publisher and per subscriber transport) and a UDP
//! socket of an SO_REUSEPORT group, so forwarding between two transports of one worker is a
//! function call, never a channel hop or a lock. A peer belongs to worker `peer % N`
//! (`workers.rs`); a publisher's packets reach subscribers on other workers as batches over a
//! bounded channel per worker, once per packet and worker (`relay.rs`). The rest of the
//! server talks to the workers through [`Sfu`], a handle that sends [`Command`]s to the
//! worker owning the peer and never tells of workers; what the SFU has to tell a client (a
//! subscriber offer, a failed transport) goes straight to that client's session as a
//! [`PeerEvent`].
//!
//! Must not depend on `room`, `signal` or `api`: it knows peers and tracks, not users, rooms
//! or permissions. The room decides *what* is forwarded; this module does the forwarding.
//!
//! Inside: `task` (a worker's async shell: socket, channels, timers) drives `router` (the
//! worker's transports and sources, sans-IO) whose parts are the packet path (`router.rs`),
//! negotiation (`negotiate.rs`, with `tracklist.rs` checking publisher track lists), peers
//! (`peers.rs`, acting on each `peer`'s record) and keyframe requests
//! (`keyframe_requests.rs`) and subscribe fallback (`downlink.rs`, deciding in
//! `fallback.rs`) and forwarding across workers (`relay.rs`, placed by `workers.rs`);
//! `transport` wraps one str0m `Rtc`; `source` holds each published
//! track's lanes; `ids` names transports and sources; `forward` decides per packet and
//! subscriber (the hot path, pure, applied in `packets.rs`); `keyframe` reads codec payloads; `demux` routes datagrams;
//! `tcp` is ICE-TCP; `metrics` the Prometheus side. Tests: `sim` runs the router with str0m
//! clients in memory under simulated time (loss, delay, timeouts); `tests` runs the real task
//! on loopback sockets.
//!
//! Simulcast layers are ordered low to high by rid convention: `q`/`h`/`f`, `l`/`m`/`h`,
//! numbers, else the order of the offer (read as lowest first). A subscriber gets one layer
//! (High unless [`Sfu::set_layer`] chose otherwise), switched only at a keyframe of the new
//! layer; when the chosen layer stops arriving it gets the nearest one that flows. With
//! subscribe fallback on ([`Sfu::set_fallback`]) when its subscriber transport is made, a
//! subscriber's transport estimates its downlink (str0m's TWCC estimator, with its pacer);
//! when the estimate falls short it gets lower layers, then no video, and gets them back as
//! it recovers, each step told to it as [`PeerEvent::Fallback`]. Other subscribers' transports
//! neither estimate nor pace.

mod demux;
mod downlink;
mod fallback;
mod forward;
mod ids;
mod keyframe;
mod keyframe_requests;
mod metrics;
mod negotiate;
mod packets;
mod peer;
mod peers;
mod relay;
mod router;
mod source;
mod task;
mod tcp;
mod tracklist;
mod transport;
mod workers;

#[cfg(test)]
mod fallback_tests;
// The in-memory harness and its client also drive the forward-path benchmark (`bench` feature),
// which uses only part of them.
#[cfg(any(test, feature = "bench", feature = "fuzzing"))]
#[cfg_attr(not(test), allow(dead_code))]
mod sim;
#[cfg(any(test, feature = "bench", feature = "fuzzing"))]
#[cfg_attr(not(test), allow(dead_code))]
mod test_client;
#[cfg(feature = "bench")]
pub(crate) use sim::bench as sim_bench;
#[cfg(test)]
mod tests;

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chorus_proto::{
    PublishedTrack, RemoteStreamSwitch, RemoteUserPriority, SimulcastStreamType, StreamIndex,
    SubscribeFallbackOption, SubscriberOfferEvent, TrackKind,
};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

pub(crate) use metrics::SfuMetrics;
pub(crate) use workers::MAX_WORKERS;
// The parsers of what peers send, for `crate::fuzz_entry` alone.
#[cfg(feature = "fuzzing")]
pub(crate) use {
    demux::stun_local_ufrag,
    keyframe::{h264_starts_keyframe, vp8_starts_keyframe},
    negotiate::check_sdp_size,
    tcp::Deframer,
    tracklist::check_tracks,
    workers::worker_of_ufrag,
};
// The forwarding path under hostile media, for `crate::fuzz_entry` alone.
#[cfg(feature = "fuzzing")]
pub(crate) use sim::fuzz::run as fuzz_forward;

/// Names one client's media: its publisher and subscriber transports. The session picks it
/// (its own session number) and keeps it for its whole life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct PeerId(pub(crate) u64);

/// One published track: a peer's stream and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Source {
    pub(crate) publisher: PeerId,
    pub(crate) index: StreamIndex,
    pub(crate) kind: TrackKind,
}

/// What a subscriber gets of one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ForwardMode {
    /// Not subscribed: the m-line is stopped (renegotiated away).
    Off,
    /// Subscribed but paused: the m-line stays, no packets flow.
    Paused,
    /// Subscribed: packets flow.
    On,
}

/// Where the SFU listens and what it tells clients.
#[derive(Debug, Clone)]
pub(crate) struct SfuConfig {
    /// The UDP (and ICE-TCP) address to bind; port 0 picks one.
    pub(crate) bind: SocketAddr,
    /// The address advertised in candidates instead of the bound IP (1:1 NAT, or a relay).
    pub(crate) public_ip: Option<IpAddr>,
    /// Most peers (clients in a room) at once: beyond it a join is refused rather than every
    /// call on the server degrading.
    pub(crate) max_peers: usize,
    /// A transport whose ICE and DTLS are not up this long after it was made has failed
    /// (its peer hears [`PeerEvent::TransportFailed`]). An established transport that stops
    /// hearing ICE checks fails on str0m's own ICE timeout (some seconds), which is not
    /// configurable there.
    pub(crate) connect_timeout: Duration,
    /// How many workers (threads, each with its own peers and socket) forward media; 1 to
    /// [`MAX_WORKERS`].
    pub(crate) workers: usize,
}

/// Why a media request failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SfuError {
    /// The SDP could not be parsed or accepted.
    #[error("the SDP was not accepted: {0}")]
    Sdp(String),
    /// The SDP is longer than [`MAX_SDP`]; it was refused unread.
    #[error("the SDP is {0} bytes, more than the {MAX_SDP} accepted; offer fewer m-lines")]
    SdpTooLarge(usize),
    /// An m-line in the offer is not in the track list, or the list names an unknown mid.
    #[error("the track list does not match the offer: {0}")]
    Tracks(String),
    /// No subscriber offer is waiting for this answer.
    #[error("no subscriber offer is waiting for an answer")]
    NoPendingOffer,
    /// The peer was never opened or is closed.
    #[error("no media transport for this session")]
    UnknownPeer,
    /// The SFU task is gone (shutting down), or restarted while it held the request.
    #[error("the media server is shutting down or restarting; try again")]
    Closed,
    /// As many peers as `max_peers` already have media transports.
    #[error("the media server is full ({0} sessions with media)")]
    Full(usize),
}

/// What the SFU tells one client's session.
#[derive(Debug)]
pub(crate) enum PeerEvent {
    /// Send this offer for the subscriber transport to the client.
    SubscriberOffer(SubscriberOfferEvent),
    /// A transport failed (ICE/DTLS timed out or broke) and is gone. A failed publisher
    /// transport needs a new `publisher_offer` from the client; for a failed subscriber
    /// transport the SFU makes a new one with the same forwards and sends its offer next.
    TransportFailed {
        /// In words, for the log and the client.
        reason: String,
    },
    /// Subscribe fallback lowered or restored a video this client receives.
    Fallback(RemoteStreamSwitch),
    /// The SFU failed (its task panicked) and restarted with no state: this peer and its
    /// transports are gone. The session ends its connection, so that its client reconnects
    /// and sets its media up again from scratch.
    Restarted,
}

/// A command for the SFU task.
#[derive(Debug)]
pub(crate) enum Command {
    /// See [`Sfu::open`].
    Open {
        peer: PeerId,
        events: mpsc::Sender<PeerEvent>,
        reply: oneshot::Sender<Result<(), SfuError>>,
    },
    /// See [`Sfu::close`]; `done` once the peer is closed.
    Close {
        peer: PeerId,
        done: oneshot::Sender<()>,
    },
    /// See [`Sfu::publisher_offer`].
    PublisherOffer {
        peer: PeerId,
        sdp: String,
        tracks: Vec<PublishedTrack>,
        reply: oneshot::Sender<Result<String, SfuError>>,
    },
    /// See [`Sfu::subscriber_answer`].
    SubscriberAnswer {
        peer: PeerId,
        sdp: String,
        reply: oneshot::Sender<Result<(), SfuError>>,
    },
    /// See [`Sfu::forward`].
    Forward {
        subscriber: PeerId,
        source: Source,
        /// The publisher's user id, for the subscriber's track list.
        user_id: Arc<str>,
        mode: ForwardMode,
    },
    /// See [`Sfu::set_layer`].
    SetLayer {
        subscriber: PeerId,
        publisher: PeerId,
        layer: SimulcastStreamType,
    },
    /// See [`Sfu::set_fallback`].
    SetFallback {
        subscriber: PeerId,
        option: SubscribeFallbackOption,
    },
    /// See [`Sfu::set_priority`].
    SetPriority {
        subscriber: PeerId,
        user_id: Arc<str>,
        priority: RemoteUserPriority,
    },
}

/// The handle to the SFU's workers. Cheap to clone. Each command goes to the worker that
/// owns its peer (the subscriber's, for what a subscriber gets).
#[derive(Debug, Clone)]
pub(crate) struct Sfu {
    /// Each worker's commands, by index.
    commands: Arc<[mpsc::Sender<Command>]>,
    local_addr: SocketAddr,
    local_tcp_addr: SocketAddr,
}

/// The longest SDP accepted, in bytes. A real offer or answer is a few KiB even with many
/// m-lines; parsing is the costly part, so a longer one is refused before it is parsed (and
/// before it crosses to the SFU task, which every other client's media waits on).
pub(crate) const MAX_SDP: usize = 64 * 1024;

/// Commands queued before senders wait.
const COMMAND_QUEUE: usize = 1024;

/// Batches queued in a worker's inbox from the others before more are dropped: each is one
/// turn's worth of a worker's packets, so this is some milliseconds of slack.
const INBOX_QUEUE: usize = 1024;

/// Tries at finding a port free for both UDP and TCP when the config says "any".
const BIND_ATTEMPTS: usize = 16;

impl Sfu {
    /// Binds the sockets, starts the workers (a thread each) and the ICE-TCP listener on the
    /// current runtime, counting into `metrics` (registered by the caller, see
    /// `Metrics::sfu`).
    pub(crate) async fn start(config: SfuConfig, metrics: SfuMetrics) -> io::Result<Sfu> {
        let workers = config.workers.clamp(1, MAX_WORKERS);
        let (udps, tcp) = bind(config.bind, workers).await?;
        let local_addr = udps
            .first()
            .ok_or_else(|| io::Error::other("no UDP socket bound"))?
            .local_addr()?;
        let local_tcp_addr = tcp.local_addr()?;
        let ip = config.public_ip.unwrap_or(local_addr.ip());
        if ip.is_unspecified() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the media address is unspecified (0.0.0.0 or ::): set public-ip to the \
                 address clients reach this host at",
            ));
        }
        let advertised_udp = SocketAddr::new(ip, local_addr.port());
        let advertised_tcp = SocketAddr::new(ip, local_tcp_addr.port());
        let factory = transport::RtcFactory::new(advertised_udp, Some(advertised_tcp))
            .map_err(io::Error::other)?;
        let tcp_refused = metrics.ice_tcp_refused.clone();

        let mut commands = Vec::with_capacity(workers);
        let mut command_rxs = Vec::with_capacity(workers);
        let mut tcp_events = Vec::with_capacity(workers);
        let mut tcp_rxs = Vec::with_capacity(workers);
        let mut inboxes = Vec::with_capacity(workers);
        let mut inbox_rxs = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (tx, rx) = mpsc::channel(COMMAND_QUEUE);
            commands.push(tx);
            command_rxs.push(rx);
            let (tx, rx) = mpsc::channel(COMMAND_QUEUE);
            tcp_events.push(tx);
            tcp_rxs.push(rx);
            let (tx, rx) = mpsc::channel(INBOX_QUEUE);
            inboxes.push(tx);
            inbox_rxs.push(rx);
        }
        let inboxes: Arc<[_]> = inboxes.into();
        let parts = udps
            .into_iter()
            .zip(command_rxs)
            .zip(tcp_rxs)
            .zip(inbox_rxs);
        for (index, (((udp, commands), tcp), inbox)) in parts.enumerate() {
            let settings = router::RouterSettings {
                max_peers: config.max_peers,
                connect_timeout: config.connect_timeout,
                worker: index,
                workers,
            };
            let router = router::Router::new(
                factory.clone().for_worker(index),
                advertised_udp,
                Some(advertised_tcp),
                settings,
                metrics.clone(),
                Instant::now(),
            );
            let worker = task::Worker {
                router,
                udp,
                commands,
                tcp,
                inbox,
                peers: inboxes.clone(),
            };
            std::thread::Builder::new()
                .name(format!("chorus-sfu-{index}"))
                .spawn(move || task::run_thread(worker))?;
        }
        // A peer has at most two transports (publisher and subscriber), each on its own
        // connection when it falls back to TCP.
        let max_tcp = config.max_peers.saturating_mul(2);
        tokio::spawn(tcp::accept(tcp, tcp_events.into(), max_tcp, tcp_refused));
        tracing::info!(
            udp = %local_addr, tcp = %local_tcp_addr, advertised = %ip, workers,
            "SFU listening"
        );
        Ok(Sfu {
            commands: commands.into(),
            local_addr,
            local_tcp_addr,
        })
    }

    /// The commands of the worker that owns `peer`.
    fn worker(&self, peer: PeerId) -> &mpsc::Sender<Command> {
        &self.commands[workers::worker_of(peer, self.commands.len())]
    }

    /// The bound UDP address.
    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The bound ICE-TCP address (same port number as UDP).
    #[cfg_attr(not(test), allow(dead_code, reason = "read by tests and diagnostics"))]
    pub(crate) fn local_tcp_addr(&self) -> SocketAddr {
        self.local_tcp_addr
    }

    /// Registers a peer; what the SFU has to tell it arrives on `events`.
    pub(crate) async fn open(
        &self,
        peer: PeerId,
        events: mpsc::Sender<PeerEvent>,
    ) -> Result<(), SfuError> {
        let (reply, opened) = oneshot::channel();
        self.worker(peer)
            .send(Command::Open {
                peer,
                events,
                reply,
            })
            .await
            .map_err(|_| SfuError::Closed)?;
        opened.await.map_err(|_| SfuError::Closed)?
    }

    /// Closes both transports of a peer and stops everything forwarded from or to it.
    /// Returns once its worker has: its place counts as free from then on, so a client told
    /// that it left (the leave's answer is written after this) can join again at once.
    pub(crate) async fn close(&self, peer: PeerId) {
        let (done, closed) = oneshot::channel();
        if self
            .worker(peer)
            .send(Command::Close { peer, done })
            .await
            .is_ok()
        {
            // A worker that is gone has closed everything.
            let _ = closed.await;
        }
    }

    /// Accepts an offer for the peer's publisher transport; answers the SDP answer.
    pub(crate) async fn publisher_offer(
        &self,
        peer: PeerId,
        sdp: String,
        tracks: Vec<PublishedTrack>,
    ) -> Result<String, SfuError> {
        negotiate::check_sdp_size(&sdp)?;
        let (reply, answer) = oneshot::channel();
        self.worker(peer)
            .send(Command::PublisherOffer {
                peer,
                sdp,
                tracks,
                reply,
            })
            .await
            .map_err(|_| SfuError::Closed)?;
        answer.await.map_err(|_| SfuError::Closed)?
    }

    /// Applies the client's answer to the latest subscriber offer.
    pub(crate) async fn subscriber_answer(
        &self,
        peer: PeerId,
        sdp: String,
    ) -> Result<(), SfuError> {
        negotiate::check_sdp_size(&sdp)?;
        let (reply, done) = oneshot::channel();
        self.worker(peer)
            .send(Command::SubscriberAnswer { peer, sdp, reply })
            .await
            .map_err(|_| SfuError::Closed)?;
        done.await.map_err(|_| SfuError::Closed)?
    }

    /// Sets what `subscriber` gets of `source`.
    pub(crate) async fn forward(
        &self,
        subscriber: PeerId,
        source: Source,
        user_id: Arc<str>,
        mode: ForwardMode,
    ) {
        let command = Command::Forward {
            subscriber,
            source,
            user_id,
            mode,
        };
        let _ = self.worker(subscriber).send(command).await;
    }

    /// Chooses the simulcast layer `subscriber` gets of `publisher`'s video.
    pub(crate) async fn set_layer(
        &self,
        subscriber: PeerId,
        publisher: PeerId,
        layer: SimulcastStreamType,
    ) {
        let command = Command::SetLayer {
            subscriber,
            publisher,
            layer,
        };
        let _ = self.worker(subscriber).send(command).await;
    }

    /// Sets what subscribe fallback may do to what `subscriber` receives.
    pub(crate) async fn set_fallback(&self, subscriber: PeerId, option: SubscribeFallbackOption) {
        let command = Command::SetFallback { subscriber, option };
        let _ = self.worker(subscriber).send(command).await;
    }

    /// Sets `user_id`'s priority for `subscriber` under subscribe fallback.
    pub(crate) async fn set_priority(
        &self,
        subscriber: PeerId,
        user_id: Arc<str>,
        priority: RemoteUserPriority,
    ) {
        let command = Command::SetPriority {
            subscriber,
            user_id,
            priority,
        };
        let _ = self.worker(subscriber).send(command).await;
    }
}

/// Socket buffer size asked for (the kernel caps it at net.core.rmem_max / wmem_max): one
/// socket carries every client, so a burst or a scheduling hiccup of a few milliseconds must
/// not overflow it.
const SOCKET_BUFFER: usize = 4 << 20;

/// A UDP socket bound to `addr` with large buffers, in an SO_REUSEPORT group: every worker
/// binds one to the same port, and the kernel spreads datagrams over them.
fn bind_udp(addr: SocketAddr) -> io::Result<std::net::UdpSocket> {
    let domain = socket2::Domain::for_address(addr);
    let socket = socket2::Socket::new(domain, socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
    socket.set_reuse_port(true)?;
    // Best effort: a smaller buffer works, only with less slack.
    let _ = socket.set_recv_buffer_size(SOCKET_BUFFER);
    let _ = socket.set_send_buffer_size(SOCKET_BUFFER);
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// `workers` UDP sockets on one port, and TCP on the same port: the configured one, or (port
/// 0) one free for both. For port 0 the TCP listener picks the port: a UDP socket asking the
/// kernel for any port with SO_REUSEPORT set could be given one another SFU of the same user
/// already holds, and join its group.
async fn bind(
    addr: SocketAddr,
    workers: usize,
) -> io::Result<(Vec<std::net::UdpSocket>, TcpListener)> {
    let group = |port: u16| -> io::Result<Vec<std::net::UdpSocket>> {
        (0..workers)
            .map(|_| bind_udp(SocketAddr::new(addr.ip(), port)))
            .collect()
    };
    if addr.port() != 0 {
        let udp = group(addr.port())?;
        let tcp = TcpListener::bind(addr).await?;
        return Ok((udp, tcp));
    }
    let mut last = None;
    for _ in 0..BIND_ATTEMPTS {
        let tcp = TcpListener::bind(addr).await?;
        let port = tcp.local_addr()?.port();
        match group(port) {
            Ok(udp) => return Ok((udp, tcp)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no port free for both UDP and TCP")))
}
