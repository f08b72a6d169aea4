//! The tokio shell under one [`TurnClient`]: a UDP socket, a TCP stream or a TLS stream
//! (`turns:`, rustls) to the TURN server, the client's timers, and the copy of each peer's
//! data for the media transport.
//!
//! Hot path (a media packet): out, one wrap into a reused buffer and one send; in, one read,
//! one parse and one copy into a reused buffer. No lock, no log above debug. Over TCP a
//! packet that finds the stream's send buffer full waits in a bounded queue; past the bound
//! media packets are dropped whole (never part of a frame), control messages never. Over TLS
//! a small task owns the stream's writing half and takes whole frames from a bounded queue
//! (one copy per packet: TLS costs more than that anyway).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use chorus_tls::ClientTls;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::client::{TurnClient, TurnEvent};
use super::codec::frame_len;
use super::servers::{RelayPlan, TurnServer, TurnTransport};

/// Bytes queued for a congested TCP stream before media packets are dropped.
const OUTBOX_LIMIT: usize = 512 * 1024;
/// Frames queued for a TLS stream's writer before media packets are dropped.
const TLS_QUEUE: usize = 1024;

enum Io {
    Udp(UdpSocket),
    Tcp(TcpStream),
    /// Reads happen here; a task owns the writing half and drains `writer`.
    Tls {
        reader: ReadHalf<TlsStream<TcpStream>>,
        writer: mpsc::Sender<Vec<u8>>,
    },
}

/// A live allocation on a TURN server, and the connection to it.
pub(crate) struct Relay {
    client: TurnClient,
    io: Io,
    local: SocketAddr,
    relayed: SocketAddr,
    /// What was read last (UDP: a datagram; TCP: a chunk of the stream).
    buf: Vec<u8>,
    /// TCP: bytes received, not yet framed.
    inbox: Vec<u8>,
    /// TCP: bytes the stream has not taken yet.
    outbox: Vec<u8>,
    /// The frame being sent.
    frame: Vec<u8>,
    /// The latest data from a peer.
    payload: Vec<u8>,
}

/// Allocates on the first of `plan`'s servers that grants one within `limit` each. The error
/// names every server tried and why it failed.
pub(crate) async fn allocate_any(plan: &RelayPlan, limit: Duration) -> Result<Relay, String> {
    let servers = plan.servers();
    if servers.is_empty() {
        return Err("the server named no TURN server (turn: URL) this client can use".into());
    }
    let mut why = Vec::new();
    for server in &servers {
        match tokio::time::timeout(limit, Relay::allocate(server, plan.tls.as_ref())).await {
            Ok(Ok(relay)) => return Ok(relay),
            Ok(Err(e)) => why.push(format!(
                "{} ({:?}): {e}",
                server.authority, server.transport
            )),
            Err(_) => why.push(format!(
                "{} ({:?}): no allocation within {limit:?}",
                server.authority, server.transport
            )),
        }
    }
    Err(format!(
        "no TURN relay could be allocated: {}",
        why.join("; ")
    ))
}

/// Allocates on one of `servers` within `limit` each, and frees the allocation at once: whether
/// relayed media can be had. The error says why not.
pub(crate) async fn probe(
    servers: Vec<chorus_proto::IceServer>,
    tls: Option<ClientTls>,
    limit: Duration,
) -> Result<(), String> {
    let plan = RelayPlan {
        ice_servers: servers,
        relay_only: true,
        tls,
    };
    allocate_any(&plan, limit).await.map(drop)
}

impl Relay {
    async fn allocate(server: &TurnServer, tls: Option<&ClientTls>) -> Result<Relay, String> {
        let addr = tokio::net::lookup_host(server.authority.as_str())
            .await
            .map_err(|e| format!("cannot resolve: {e}"))?
            .next()
            .ok_or("resolves to no address")?;
        // This end of the connection, known before TLS wraps the stream.
        let mut tls_local = None;
        let io = match server.transport {
            TurnTransport::Udp => {
                let any = if addr.is_ipv4() {
                    IpAddr::V4(Ipv4Addr::UNSPECIFIED)
                } else {
                    IpAddr::V6(Ipv6Addr::UNSPECIFIED)
                };
                let socket = UdpSocket::bind(SocketAddr::new(any, 0))
                    .await
                    .map_err(|e| format!("cannot open a UDP socket: {e}"))?;
                socket
                    .connect(addr)
                    .await
                    .map_err(|e| format!("cannot connect: {e}"))?;
                // tokio's try_send knows a new socket writable only once its reactor has seen
                // so; before that the first Allocate would be dropped (and resent 500 ms on).
                socket
                    .writable()
                    .await
                    .map_err(|e| format!("cannot send: {e}"))?;
                Io::Udp(socket)
            }
            TurnTransport::Tcp => {
                let stream = TcpStream::connect(addr)
                    .await
                    .map_err(|e| format!("cannot connect: {e}"))?;
                let _ = stream.set_nodelay(true);
                Io::Tcp(stream)
            }
            TurnTransport::Tls => {
                let stream = TcpStream::connect(addr)
                    .await
                    .map_err(|e| format!("cannot connect: {e}"))?;
                let _ = stream.set_nodelay(true);
                tls_local = stream.local_addr().ok();
                tls_io(stream, &server.host, tls).await?
            }
        };
        let local = match &io {
            Io::Udp(s) => s.local_addr(),
            Io::Tcp(s) => s.local_addr(),
            Io::Tls { .. } => tls_local.ok_or_else(|| io::Error::other("no local address")),
        }
        .map_err(|e| e.to_string())?;
        let reliable = server.transport != TurnTransport::Udp;
        let client = TurnClient::new(Instant::now(), &server.username, &server.password, reliable);
        let mut relay = Relay {
            client,
            io,
            local,
            relayed: local,
            buf: vec![0; 4096],
            inbox: Vec::new(),
            outbox: Vec::new(),
            frame: Vec::new(),
            payload: Vec::new(),
        };
        relay.flush_control();
        loop {
            match relay.client.poll_event() {
                Some(TurnEvent::Allocated { relayed }) => {
                    relay.relayed = relayed;
                    tracing::debug!(%relayed, server = %addr, "TURN allocation");
                    return Ok(relay);
                }
                Some(TurnEvent::Failed(e)) => return Err(e.to_string()),
                None => {}
            }
            relay.step().await.map_err(|e| e.to_string())?;
        }
    }

    /// The relayed address on the TURN server: the relay candidate's address.
    pub(crate) fn relayed(&self) -> SocketAddr {
        self.relayed
    }

    /// This end of the connection to the TURN server.
    pub(crate) fn local(&self) -> SocketAddr {
        self.local
    }

    /// The latest data from a peer ([`Relay::recv`] says how long).
    pub(crate) fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Sends `data` to `peer` through the allocation.
    pub(crate) fn send(&mut self, peer: SocketAddr, data: &[u8]) {
        let mut frame = std::mem::take(&mut self.frame);
        let wrapped = self.client.wrap(Instant::now(), peer, data, &mut frame);
        // A first packet to a peer asks for its permission: that goes first, so the server
        // has it when the packet arrives.
        self.flush_control();
        if wrapped {
            self.write(&frame, false);
        }
        self.frame = frame;
    }

    /// Waits for data from a peer, handling the server's answers and the client's timers
    /// meanwhile; returns the peer and the data's length (the data is in
    /// [`Relay::payload`]). Cancel-safe. An error means the allocation is gone.
    pub(crate) async fn recv(&mut self) -> io::Result<(SocketAddr, usize)> {
        loop {
            if let Some(TurnEvent::Failed(e)) = self.client.poll_event() {
                return Err(io::Error::other(e.to_string()));
            }
            if let Some(got) = self.step().await? {
                return Ok(got);
            }
        }
    }

    /// One wait: for bytes from the server, the client's timer, or room in the TCP stream.
    async fn step(&mut self) -> io::Result<Option<(SocketAddr, usize)>> {
        if let Some(got) = self.next_tcp_frame() {
            return Ok(Some(got));
        }
        if let Io::Tls { .. } = self.io {
            self.step_tls().await?;
            self.flush_control();
            return Ok(self.next_tcp_frame());
        }
        let deadline = self.client.poll_timeout();
        let timer = sleep_until(deadline);
        let waiting_to_write = !self.outbox.is_empty();
        let got = match &mut self.io {
            Io::Udp(socket) => tokio::select! {
                n = socket.recv(&mut self.buf) => {
                    let n = n?;
                    let now = Instant::now();
                    match self.client.handle_input(now, &self.buf[..n]) {
                        Some((peer, range)) => {
                            self.payload.clear();
                            self.payload.extend_from_slice(&self.buf[range]);
                            Some((peer, self.payload.len()))
                        }
                        None => None,
                    }
                }
                () = timer => {
                    self.client.handle_timeout(Instant::now());
                    None
                }
            },
            Io::Tcp(stream) => {
                tokio::select! {
                    readable = stream.readable() => {
                        readable?;
                        match stream.try_read(&mut self.buf) {
                            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                            Ok(n) => self.inbox.extend_from_slice(&self.buf[..n]),
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                            Err(e) => return Err(e),
                        }
                    }
                    writable = stream.writable(), if waiting_to_write => writable?,
                    () = timer => self.client.handle_timeout(Instant::now()),
                }
                self.flush_outbox();
                None
            }
            // Handled by `step_tls`.
            Io::Tls { .. } => None,
        };
        self.flush_control();
        Ok(got.or_else(|| self.next_tcp_frame()))
    }

    /// One wait on a TLS stream: bytes from the server, or the client's timer.
    async fn step_tls(&mut self) -> io::Result<()> {
        let Io::Tls { reader, .. } = &mut self.io else {
            return Ok(());
        };
        let deadline = self.client.poll_timeout();
        tokio::select! {
            n = reader.read(&mut self.buf) => {
                let n = n?;
                if n == 0 {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                self.inbox.extend_from_slice(&self.buf[..n]);
            }
            () = sleep_until(deadline) => self.client.handle_timeout(Instant::now()),
        }
        Ok(())
    }

    /// Handles whole frames waiting in the TCP inbox until one carries a peer's data.
    fn next_tcp_frame(&mut self) -> Option<(SocketAddr, usize)> {
        while let Some(len) = frame_len(&self.inbox) {
            let got = self.client.handle_input(Instant::now(), &self.inbox[..len]);
            if let Some((_, range)) = &got {
                self.payload.clear();
                self.payload.extend_from_slice(&self.inbox[range.clone()]);
            }
            self.inbox.drain(..len);
            if let Some((peer, _)) = got {
                self.flush_control();
                return Some((peer, self.payload.len()));
            }
        }
        self.flush_control();
        None
    }

    /// Sends the client's control messages.
    fn flush_control(&mut self) {
        while let Some(message) = self.client.poll_transmit() {
            self.write(&message, true);
        }
    }

    fn write(&mut self, bytes: &[u8], control: bool) {
        match &self.io {
            Io::Udp(socket) => {
                // UDP may drop; the client retransmits what matters.
                if let Err(e) = socket.try_send(bytes)
                    && e.kind() != io::ErrorKind::WouldBlock
                {
                    tracing::debug!(error = %e, "TURN send failed");
                }
            }
            Io::Tcp(_) => {
                if !control && self.outbox.len() + bytes.len() > OUTBOX_LIMIT {
                    return;
                }
                self.outbox.extend_from_slice(bytes);
                self.flush_outbox();
            }
            Io::Tls { writer, .. } => {
                // Full: the stream is congested; a media packet is dropped whole. Control
                // messages are few; one that does not fit is retransmitted or renewed later.
                if writer.try_send(bytes.to_vec()).is_err() {
                    tracing::debug!(control, "TURN TLS queue full; a frame was dropped");
                }
            }
        }
    }

    fn flush_outbox(&mut self) {
        let Io::Tcp(stream) = &self.io else { return };
        while !self.outbox.is_empty() {
            match stream.try_write(&self.outbox) {
                Ok(n) => {
                    self.outbox.drain(..n);
                }
                Err(e) => {
                    if e.kind() != io::ErrorKind::WouldBlock {
                        tracing::debug!(error = %e, "TURN stream write failed");
                    }
                    return;
                }
            }
        }
    }
}

/// Waits until `deadline`, or for ever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

/// The TLS handshake with a `turns:` server named `host`, checked against `tls` (or the
/// system's roots), and the task that writes to it.
async fn tls_io(stream: TcpStream, host: &str, tls: Option<&ClientTls>) -> Result<Io, String> {
    let config = match tls {
        Some(tls) => tls.config(),
        None => ClientTls::system().map_err(|e| e.to_string())?.config(),
    };
    let name = ServerName::try_from(host.to_owned())
        .map_err(|e| format!("{host:?} is not a name TLS can check: {e}"))?;
    let stream = TlsConnector::from(config)
        .connect(name, stream)
        .await
        .map_err(|e| {
            let why = chorus_tls::describe_tls_failure(&e).unwrap_or_else(|| e.to_string());
            format!("TLS: {why}")
        })?;
    let (reader, mut write_half) = tokio::io::split(stream);
    let (writer, mut frames) = mpsc::channel::<Vec<u8>>(TLS_QUEUE);
    // Ends when the relay (the queue's one sender) is gone, after writing what it queued.
    tokio::spawn(async move {
        while let Some(frame) = frames.recv().await {
            if write_half.write_all(&frame).await.is_err() {
                return;
            }
        }
        let _ = write_half.shutdown().await;
    });
    Ok(Io::Tls { reader, writer })
}

impl Drop for Relay {
    /// Frees the allocation on the server at once (best effort) rather than at its expiry.
    fn drop(&mut self) {
        self.client.close(Instant::now());
        self.flush_control();
    }
}
