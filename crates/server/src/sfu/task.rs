//! The SFU task: the async shell around the [`Router`]. It owns the UDP socket, the ICE-TCP
//! connections' writers and the command channel, and is the only place that awaits.
//!
//! Each turn of the loop waits for one of: the socket readable, a command, a TCP frame, or
//! the router's next timeout. A readable socket is drained with `try_recv_from` (at most
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
//! Sends are one `send_to` per datagram. `sendmmsg` was tried (rustix's safe wrapper): on
//! this loopback the kernel's per-datagram work dwarfs the system call, and it made no
//! measurable difference (see docs/benchmarks.md), so the simpler path stays.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use str0m::net::Protocol;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tracing::{debug, error, trace};

use super::router::Router;
use super::tcp::TcpEvent;
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

/// What woke a turn.
enum Wake {
    Command(Command),
    Readable,
    Tcp(TcpEvent),
    Timer,
}

/// Runs the SFU until every [`super::Sfu`] handle is gone.
pub(super) async fn run(
    mut router: Router,
    udp: UdpSocket,
    mut commands: mpsc::Receiver<Command>,
    mut tcp: mpsc::Receiver<TcpEvent>,
) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let mut tcp_writers: HashMap<SocketAddr, mpsc::Sender<Vec<u8>>> = HashMap::new();
    let mut tcp_open = true;
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
                Wake::Readable => read_batch(&mut router, &udp, &mut buf),
                Wake::Tcp(event) => on_tcp(&mut router, &mut tcp_writers, event),
                Wake::Timer => {}
            }
            router.handle_timeout(Instant::now());
            send(&mut router, &udp, &tcp_writers);
            let now = Instant::now();
            while let Some(id) = router.flush_one(now) {
                send(&mut router, &udp, &tcp_writers);
                router.sent(id, Instant::now());
            }
            router.end_turn();
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
    debug!("SFU task ends");
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

/// Reads up to [`BATCH`] datagrams into the router.
fn read_batch(router: &mut Router, udp: &UdpSocket, buf: &mut [u8]) {
    for _ in 0..BATCH {
        if router.forwarded_this_turn() >= COPIES_PER_TURN {
            return;
        }
        match udp.try_recv_from(buf) {
            Ok((len, source)) => {
                let now = Instant::now();
                router.handle_datagram(now, Protocol::Udp, source, &buf[..len]);
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
