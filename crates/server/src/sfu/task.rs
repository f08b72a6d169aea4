//! An SFU worker: the async shell around one [`Router`], on a thread of its own. It owns its
//! UDP socket (one of the workers' SO_REUSEPORT group on the SFU's port), its ICE-TCP
//! connections' writers, its command channel and its inbox from the other workers, and is the
//! only place that awaits.
//!
//! Each turn of the loop waits for one of: the socket readable, a command, a TCP frame, a
//! batch from another worker, or the router's next timeout. A readable socket is drained with `try_recv_from` (at most
//! [`BATCH`] datagrams or [`COPIES_PER_TURN`] forwarded copies, so commands, timers and the
//! first packet's copies never wait long), each datagram going straight into the router;
//! then the router runs what is due, and each subscriber touched by the turn packetizes its
//! copies once and they are written out at once, before the next subscriber's. Each forwarded
//! packet's latency (read to socket) is tallied locally and published once per turn.
//!
//! It also supervises the router. A panic is a bug, but it must not leave a dead media plane:
//! each turn's synchronous work runs under `catch_unwind`, and a turn that panics replaces the
//! router with an empty one on the same sockets and tells every peer's session
//! ([`PeerEvent::Restarted`]), which ends its connection so its client reconnects and remakes
//! its transports. Commands that were in the failed turn lose their reply, which their callers
//! see as [`super::SfuError::Closed`].
//!
//! The kernel picks a socket of the group by address pair, so a datagram may reach another
//! worker than its transport's: an ICE check names its worker in its ufrag (`workers.rs`), the
//! address is remembered here, and that address's datagrams are handed on in batches with the
//! router's own messages for that worker (`relay.rs`): at most one channel send per worker and
//! turn, never a lock.
//!
//! Sends are one `send_to` per datagram. `sendmmsg` was tried (rustix's safe wrapper): on
//! this loopback the kernel's per-datagram work dwarfs the system call, and it made no
//! measurable difference (see docs/benchmarks.md), so the simpler path stays.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Instant;

use str0m::net::Protocol;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tracing::{debug, error, trace};

use super::demux::stun_local_ufrag;
use super::relay::RelayMsg;
use super::router::Router;
use super::tcp::TcpEvent;
use super::workers::worker_of_ufrag;
use super::{Command, PeerEvent};

/// Most datagrams read in one turn before the router flushes and the loop looks at commands
/// and timers again.
const BATCH: usize = 64;

/// Reading stops once this many forwarded copies are queued in the turn. A copy costs some
/// 15-25 µs here (str0m packetizing and encrypting, the kernel sending), and the copies of a
/// turn leave one subscriber after another, so the last copy of a turn waits for all the
/// others: with a large fan-out one datagram per turn is already a few hundred
/// microseconds, and a second would double it. Larger turns would spread each subscriber's
/// fixed cost (one str0m timeout pass) over more packets, but measured (up to 1024 copies)
/// that bought nothing: the cost is per packet, not per pass.
const COPIES_PER_TURN: usize = 16;

/// The largest datagram read; anything bigger than an Ethernet MTU is not WebRTC.
const MAX_DATAGRAM: usize = 2048;

/// Most remote addresses remembered as another worker's; past it the memory starts over
/// (each path's next ICE check, every few seconds, teaches it again).
const MAX_FOREIGN: usize = 65_536;

/// What one worker hands another.
#[derive(Debug)]
pub(super) enum Inbox {
    /// The router's messages (`relay.rs`).
    Relay(Vec<RelayMsg>),
    /// Datagrams that reached the sender's socket but belong to the receiver's transports.
    Datagrams(Datagrams),
}

/// Datagrams in one buffer: a turn's hand-on to one worker costs two allocations, not one
/// per datagram.
#[derive(Debug, Default)]
pub(super) struct Datagrams {
    bytes: Vec<u8>,
    /// Each datagram's sender and length, in order.
    lengths: Vec<(SocketAddr, usize)>,
}

impl Datagrams {
    fn push(&mut self, source: SocketAddr, data: &[u8]) {
        self.bytes.extend_from_slice(data);
        self.lengths.push((source, data.len()));
    }

    fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    /// Each datagram with its sender.
    fn iter(&self) -> impl Iterator<Item = (SocketAddr, &[u8])> {
        let mut start = 0;
        self.lengths.iter().map(move |&(source, len)| {
            let data = &self.bytes[start..start + len];
            start += len;
            (source, data)
        })
    }
}

/// One worker's parts.
pub(super) struct Worker {
    pub(super) router: Router,
    pub(super) udp: std::net::UdpSocket,
    pub(super) commands: mpsc::Receiver<Command>,
    pub(super) tcp: mpsc::Receiver<TcpEvent>,
    pub(super) inbox: mpsc::Receiver<Inbox>,
    /// Every worker's inbox, this one's included, by index.
    pub(super) peers: Arc<[mpsc::Sender<Inbox>]>,
}

/// What woke a turn.
enum Wake {
    Command(Command),
    Readable,
    Tcp(TcpEvent),
    Inbox(Inbox),
    Timer,
}

/// Runs a worker on the current thread until every [`super::Sfu`] handle is gone.
pub(super) fn run_thread(worker: Worker) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            error!(error = %e, "an SFU worker could not start its runtime");
            return;
        }
    };
    runtime.block_on(run(worker));
}

/// Datagrams to hand to other workers, by worker, and where they go.
struct Foreign {
    /// Remote addresses known to be another worker's.
    owners: HashMap<SocketAddr, usize>,
    /// Datagrams queued this turn, by worker.
    out: Vec<Datagrams>,
}

/// Runs the worker until every [`super::Sfu`] handle is gone.
async fn run(worker: Worker) {
    let Worker {
        mut router,
        udp,
        mut commands,
        mut tcp,
        mut inbox,
        peers,
    } = worker;
    let udp = match UdpSocket::from_std(udp) {
        Ok(udp) => udp,
        Err(e) => {
            error!(error = %e, "an SFU worker could not register its socket");
            return;
        }
    };
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let mut tcp_writers: HashMap<SocketAddr, mpsc::Sender<Vec<u8>>> = HashMap::new();
    let mut tcp_open = true;
    let mut foreign = Foreign {
        owners: HashMap::new(),
        out: (0..peers.len()).map(|_| Datagrams::default()).collect(),
    };
    let mut deadline = router.poll_timeout();
    let sleep = tokio::time::sleep_until(deadline.into());
    tokio::pin!(sleep);
    loop {
        let wake = if deadline > Instant::now() {
            sleep.as_mut().reset(deadline.into());
            tokio::select! {
                biased;
                command = commands.recv() => match command {
                    Some(command) => Wake::Command(command),
                    None => break,
                },
                ready = udp.readable() => if ready.is_ok() { Wake::Readable } else { Wake::Timer },
                msg = inbox.recv() => match msg {
                    Some(msg) => Wake::Inbox(msg),
                    None => Wake::Timer,
                },
                event = tcp.recv(), if tcp_open => match event {
                    Some(event) => Wake::Tcp(event),
                    None => {
                        tcp_open = false;
                        Wake::Timer
                    }
                },
                () = &mut sleep => Wake::Timer,
            }
        } else {
            // Something is due already; still take what the socket has.
            Wake::Readable
        };
        let turn = catch_unwind(AssertUnwindSafe(|| {
            match wake {
                Wake::Command(command) => {
                    handle_command(&mut router, command);
                    // Take the commands queued behind it too: their changes then go out in
                    // one offer.
                    for _ in 0..BATCH {
                        let Ok(command) = commands.try_recv() else {
                            break;
                        };
                        handle_command(&mut router, command);
                    }
                }
                Wake::Readable => read_batch(&mut router, &udp, &mut buf, &mut foreign),
                Wake::Tcp(event) => on_tcp(&mut router, &mut tcp_writers, event),
                Wake::Inbox(msg) => {
                    on_inbox(&mut router, msg);
                    for _ in 0..BATCH {
                        let Ok(msg) = inbox.try_recv() else {
                            break;
                        };
                        on_inbox(&mut router, msg);
                    }
                }
                Wake::Timer => {}
            }
            router.handle_timeout(Instant::now());
            // Other workers' packets first: they copy theirs while this one copies its own.
            hand_on(&mut router, &mut foreign, &peers);
            send(&mut router, &udp, &tcp_writers);
            let now = Instant::now();
            while let Some(id) = router.flush_one(now) {
                send(&mut router, &udp, &tcp_writers);
                router.sent(id, Instant::now());
            }
            router.end_turn();
            // What the flush and the end of the turn queued (keyframe requests, interest).
            hand_on(&mut router, &mut foreign, &peers);
            router.poll_timeout()
        }));
        deadline = match turn {
            Ok(next) => next,
            Err(_) => {
                router = restart(router);
                router.poll_timeout()
            }
        };
    }
    debug!("SFU worker ends");
}

/// Sends this turn's batches to the other workers. A full inbox drops its batch, as a full
/// socket would: packets are repaired (NACK, keyframes) and interest is repeated.
fn hand_on(router: &mut Router, foreign: &mut Foreign, peers: &[mpsc::Sender<Inbox>]) {
    for (worker, queue) in router.relay_out.iter_mut().enumerate() {
        if queue.is_empty() {
            continue;
        }
        // The next batch starts with this one's room: one allocation per batch, no growing.
        let room = queue.len();
        let batch = Inbox::Relay(std::mem::replace(queue, Vec::with_capacity(room)));
        if let Some(inbox) = peers.get(worker)
            && inbox.try_send(batch).is_err()
        {
            trace!(worker, "a worker's inbox is full; relay batch dropped");
        }
    }
    for (worker, queue) in foreign.out.iter_mut().enumerate() {
        if queue.is_empty() {
            continue;
        }
        let batch = Inbox::Datagrams(std::mem::take(queue));
        if let Some(inbox) = peers.get(worker)
            && inbox.try_send(batch).is_err()
        {
            trace!(worker, "a worker's inbox is full; datagrams dropped");
        }
    }
}

fn on_inbox(router: &mut Router, msg: Inbox) {
    let now = Instant::now();
    match msg {
        Inbox::Relay(batch) => {
            for msg in batch {
                router.handle_relay(msg, now);
            }
        }
        Inbox::Datagrams(batch) => {
            for (source, data) in batch.iter() {
                router.handle_datagram(now, Protocol::Udp, source, data);
            }
        }
    }
}

/// Replaces a router that panicked with an empty one and tells every peer it had.
fn restart(router: Router) -> Router {
    let (fresh, peers) = router.restart(Instant::now());
    error!(
        peers = peers.len(),
        "SFU task panicked; restarted with no transports, every session with media reconnects"
    );
    for events in peers {
        // Sent from a task of its own: a session whose channel is full must not hold the
        // media plane up, and it must still hear of this.
        tokio::spawn(async move {
            let _ = events.send(PeerEvent::Restarted).await;
        });
    }
    fresh
}

fn handle_command(router: &mut Router, command: Command) {
    #[cfg(feature = "test-hooks")]
    if let Command::PublisherOffer { sdp, .. } = &command
        && sdp == crate::test_hooks::PANIC_SFU
    {
        panic!("test hook: a publisher offer asked the SFU task to panic");
    }
    router.handle_command(Instant::now(), command);
}

/// Reads up to [`BATCH`] datagrams into the router, or for another worker.
fn read_batch(router: &mut Router, udp: &UdpSocket, buf: &mut [u8], foreign: &mut Foreign) {
    for _ in 0..BATCH {
        if router.forwarded_this_turn() >= COPIES_PER_TURN {
            return;
        }
        match udp.try_recv_from(buf) {
            Ok((len, source)) => {
                let data = &buf[..len];
                if let Some(worker) = owner_elsewhere(router, foreign, source, data) {
                    if let Some(queue) = foreign.out.get_mut(worker) {
                        queue.push(source, data);
                    }
                    continue;
                }
                router.handle_datagram(Instant::now(), Protocol::Udp, source, data);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => {
                // ICMP errors surface here on some systems; they concern one peer only.
                trace!(error = %e, "UDP receive error");
                return;
            }
        }
    }
}

/// The other worker a datagram from `source` belongs to, if it is another's: an ICE check
/// says by its ufrag (and teaches the address), anything else by the address learnt.
fn owner_elsewhere(
    router: &Router,
    foreign: &mut Foreign,
    source: SocketAddr,
    data: &[u8],
) -> Option<usize> {
    if router.workers <= 1 {
        return None;
    }
    if let Some(worker) = stun_local_ufrag(data).and_then(worker_of_ufrag) {
        if worker == router.worker || worker >= router.workers {
            foreign.owners.remove(&source);
            return None;
        }
        if foreign.owners.len() >= MAX_FOREIGN {
            foreign.owners.clear();
        }
        foreign.owners.insert(source, worker);
        return Some(worker);
    }
    foreign.owners.get(&source).copied()
}

fn on_tcp(
    router: &mut Router,
    writers: &mut HashMap<SocketAddr, mpsc::Sender<Vec<u8>>>,
    event: TcpEvent,
) {
    match event {
        TcpEvent::Opened { remote, writer } => {
            writers.insert(remote, writer);
        }
        TcpEvent::Frame { remote, data } => {
            router.handle_datagram(Instant::now(), Protocol::Tcp, remote, &data);
        }
        TcpEvent::Closed { remote } => {
            writers.remove(&remote);
        }
    }
}

/// Writes out what the router produced. A full socket buffer drops the datagram, as the
/// network would; RTP copes (NACK, keyframes).
fn send(router: &mut Router, udp: &UdpSocket, tcp: &HashMap<SocketAddr, mpsc::Sender<Vec<u8>>>) {
    for transmit in router.transmits.drain(..) {
        match transmit.proto {
            Protocol::Udp => {
                if let Err(e) = udp.try_send_to(&transmit.contents, transmit.destination) {
                    trace!(error = %e, "UDP send dropped");
                }
            }
            _ => {
                if let Some(writer) = tcp.get(&transmit.destination) {
                    let _ = writer.try_send(transmit.contents.into());
                }
            }
        }
    }
}
