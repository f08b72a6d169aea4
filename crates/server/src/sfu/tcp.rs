//! ICE-TCP, passive side (RFC 6544): the fallback for clients whose UDP is blocked.
//!
//! Clients connect to the same port number as the UDP socket; each packet on the stream is
//! framed by a 16-bit big-endian length (RFC 4571). One small task per connection reads
//! frames and hands them to the SFU worker its first ICE check names, as if they were
//! datagrams from that remote address; a writer task per connection sends what the worker
//! queues for it. TCP is the slow path
//! (a copy and an allocation per packet are fine here); UDP never goes through this module.
//!
//! Anyone can connect, so nothing here trusts the stream: connections are capped, one that
//! sends nothing for [`IDLE_TIMEOUT`] is closed, a length header allocates nothing until its
//! bytes arrive, and accept errors of the server's own (out of file descriptors) back off
//! instead of spinning.
//!
//! Must not depend on the router: it only moves framed bytes.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc};
use tracing::debug;

use super::demux::stun_local_ufrag;
use super::workers::worker_of_ufrag;

/// Packets queued per connection before the SFU starts dropping them (TCP backs up).
const WRITE_QUEUE: usize = 256;
/// A connection that sends no frame this long is closed. ICE checks consent at least every
/// few seconds, so a live client is never this quiet.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Most bytes asked of the socket at once; a frame's buffer grows by this much as it arrives.
const READ_CHUNK: usize = 2048;
/// How long accepting waits after an error of the server's own.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// What the connections tell the SFU task.
#[derive(Debug)]
pub(super) enum TcpEvent {
    /// A client connected; what the SFU sends to `remote` goes to `writer`.
    Opened {
        remote: SocketAddr,
        writer: mpsc::Sender<Vec<u8>>,
    },
    /// One framed packet from `remote`.
    Frame { remote: SocketAddr, data: Vec<u8> },
    /// The connection from `remote` ended.
    Closed { remote: SocketAddr },
}

/// Accepts ICE-TCP connections, at most `max_connections` at once (counting the others in
/// `refused`), until the first worker's `events` is closed (the SFU ended). Each connection
/// goes to the worker its first frame, an ICE check, names (see `workers.rs`); one whose
/// first frame names none is closed.
pub(super) async fn accept(
    listener: TcpListener,
    workers: Arc<[mpsc::Sender<TcpEvent>]>,
    max_connections: usize,
    refused: Counter,
) {
    let open = Arc::new(Semaphore::new(max_connections));
    let Some(first) = workers.first().cloned() else {
        return;
    };
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    debug!(error = %e, "ICE-TCP accept failed");
                    if !matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                    ) {
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                    continue;
                }
            },
            () = first.closed() => return,
        };
        let Ok(place) = open.clone().try_acquire_owned() else {
            debug!(%remote, max_connections, "ICE-TCP connection refused: at the cap");
            refused.inc();
            continue;
        };
        let _ = stream.set_nodelay(true);
        let workers = workers.clone();
        tokio::spawn(async move {
            let _place = place;
            let (reader, writer) = stream.into_split();
            let (queue, outgoing) = mpsc::channel(WRITE_QUEUE);
            let write = tokio::spawn(write_frames(writer, outgoing));
            let mut link = Link {
                remote,
                workers,
                writer: Some(queue),
                events: None,
            };
            if let Err(e) = read_frames(reader, &mut link).await {
                debug!(%remote, error = %e, "ICE-TCP connection ended");
            }
            write.abort();
            if let Some(events) = link.events {
                let _ = events.send(TcpEvent::Closed { remote }).await;
            }
        });
    }
}

/// One connection's way to its worker, chosen at its first frame.
struct Link {
    remote: SocketAddr,
    workers: Arc<[mpsc::Sender<TcpEvent>]>,
    /// The connection's writer, until it is handed to the worker.
    writer: Option<mpsc::Sender<Vec<u8>>>,
    /// The chosen worker's events.
    events: Option<mpsc::Sender<TcpEvent>>,
}

impl Link {
    /// Hands `data` to the connection's worker, choosing it first if need be. Errors when
    /// the frame names no worker, or the worker is gone.
    async fn deliver(&mut self, data: Vec<u8>) -> io::Result<()> {
        let remote = self.remote;
        let gone = || io::Error::new(io::ErrorKind::BrokenPipe, "the SFU worker is gone");
        if self.events.is_none() {
            let worker = match self.workers.len() {
                1 => Some(0),
                _ => stun_local_ufrag(&data).and_then(worker_of_ufrag),
            };
            let events = worker
                .and_then(|w| self.workers.get(w))
                .cloned()
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the first frame is no ICE check",
                    )
                })?;
            let writer = self.writer.take().ok_or_else(gone)?;
            events
                .send(TcpEvent::Opened { remote, writer })
                .await
                .map_err(|_| gone())?;
            self.events = Some(events);
        }
        let events = self.events.as_ref().ok_or_else(gone)?;
        events
            .send(TcpEvent::Frame { remote, data })
            .await
            .map_err(|_| gone())
    }
}

/// Reads RFC 4571 frames until the stream ends, or is idle past [`IDLE_TIMEOUT`].
async fn read_frames(mut reader: impl AsyncRead + Unpin, link: &mut Link) -> io::Result<()> {
    let mut deframer = Deframer::default();
    loop {
        while let Some(data) = deframer.next_frame() {
            link.deliver(data).await?;
        }
        let read = tokio::time::timeout(IDLE_TIMEOUT, deframer.read_from(&mut reader)).await;
        match read {
            Err(_) => return Err(io::Error::new(io::ErrorKind::TimedOut, "idle")),
            Ok(Ok(0)) if deframer.is_empty() => return Ok(()),
            Ok(Ok(0)) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(e),
        }
    }
}

/// RFC 4571 deframing: holds the bytes that have arrived, never room for bytes merely
/// announced, and hands out whole frames.
#[derive(Debug, Default)]
pub(crate) struct Deframer {
    buf: Vec<u8>,
}

impl Deframer {
    /// Reads what the stream has, into room for at most [`READ_CHUNK`] more bytes, and no
    /// more than the frame in hand still lacks. `Ok(0)` is the end of the stream.
    pub(crate) async fn read_from(
        &mut self,
        reader: &mut (impl AsyncRead + Unpin),
    ) -> io::Result<usize> {
        let wanted = self.missing().clamp(1, READ_CHUNK);
        if self.buf.capacity() - self.buf.len() < wanted {
            self.buf.reserve_exact(wanted);
        }
        let start = self.buf.len();
        self.buf.resize(start + wanted, 0);
        let read = reader.read(&mut self.buf[start..]).await;
        self.buf.truncate(start + *read.as_ref().unwrap_or(&0));
        read
    }

    /// Bytes still to come for the frame in hand (or its header).
    fn missing(&self) -> usize {
        match self.announced() {
            Some(len) => 2 + len - self.buf.len(),
            None => 2 - self.buf.len(),
        }
    }

    /// The length the frame in hand announces, once its header is in.
    fn announced(&self) -> Option<usize> {
        let header = self.buf.get(..2)?;
        Some(usize::from(u16::from_be_bytes([header[0], header[1]])))
    }

    /// The next whole frame, if it has arrived.
    pub(crate) fn next_frame(&mut self) -> Option<Vec<u8>> {
        let len = self.announced()?;
        if self.buf.len() < 2 + len {
            return None;
        }
        let frame = self.buf[2..2 + len].to_vec();
        self.buf.drain(..2 + len);
        Some(frame)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

/// Writes each queued packet as one RFC 4571 frame.
async fn write_frames(
    mut writer: impl AsyncWrite + Unpin,
    mut outgoing: mpsc::Receiver<Vec<u8>>,
) -> io::Result<()> {
    let mut frame = Vec::with_capacity(2048);
    while let Some(packet) = outgoing.recv().await {
        let Ok(len) = u16::try_from(packet.len()) else {
            continue;
        };
        frame.clear();
        frame.extend_from_slice(&len.to_be_bytes());
        frame.extend_from_slice(&packet);
        writer.write_all(&frame).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A link of `remote` to the workers whose events are `workers`.
    fn link(remote: SocketAddr, workers: Vec<mpsc::Sender<TcpEvent>>) -> Link {
        let (writer, _) = mpsc::channel(1);
        Link {
            remote,
            workers: workers.into(),
            writer: Some(writer),
            events: None,
        }
    }

    /// Every frame among `received`'s events, until the channel ends.
    async fn frames_of(received: &mut mpsc::Receiver<TcpEvent>) -> Vec<Vec<u8>> {
        let mut frames = Vec::new();
        while let Some(event) = received.recv().await {
            if let TcpEvent::Frame { data, .. } = event {
                frames.push(data);
            }
        }
        frames
    }

    /// A STUN binding request whose USERNAME is `local:remote`.
    fn stun_check(local: &str) -> Vec<u8> {
        let username = format!("{local}:client");
        let padded = (username.len() + 3) & !3;
        let mut packet = vec![0x00, 0x01];
        packet.extend_from_slice(&((4 + padded) as u16).to_be_bytes());
        packet.extend_from_slice(&[0x21, 0x12, 0xa4, 0x42]);
        packet.extend_from_slice(&[7; 12]);
        packet.extend_from_slice(&[0x00, 0x06]);
        packet.extend_from_slice(&(username.len() as u16).to_be_bytes());
        packet.extend_from_slice(username.as_bytes());
        packet.resize(20 + 4 + padded, 0);
        packet
    }

    #[tokio::test]
    async fn a_connection_goes_to_the_worker_its_first_check_names() {
        let remote = SocketAddr::from(([127, 0, 0, 1], 9));
        let (zero, mut at_zero) = mpsc::channel(8);
        let (one, mut at_one) = mpsc::channel(8);
        let mut to_one = link(remote, vec![zero.clone(), one.clone()]);
        let check = stun_check("w1zabcdef");
        to_one.deliver(check.clone()).await.expect("delivered");
        to_one
            .deliver(b"then media".to_vec())
            .await
            .expect("delivered");
        assert!(matches!(at_one.try_recv(), Ok(TcpEvent::Opened { .. })));
        assert!(matches!(at_one.try_recv(), Ok(TcpEvent::Frame { data, .. }) if data == check));
        assert!(
            matches!(at_one.try_recv(), Ok(TcpEvent::Frame { data, .. }) if data == b"then media")
        );
        assert!(at_zero.try_recv().is_err(), "worker 0 heard of it");

        // A first frame that is no check of ours names no worker: the connection ends.
        let mut stray = link(remote, vec![zero, one]);
        assert!(stray.deliver(b"junk".to_vec()).await.is_err());
        assert!(
            stray.deliver(stun_check("w7zabc")).await.is_err(),
            "no worker 7"
        );
        assert!(at_zero.try_recv().is_err() && at_one.try_recv().is_err());
    }

    #[tokio::test]
    async fn frames_round_trip() {
        let (client, server) = tokio::io::duplex(4096);
        let (events, mut received) = mpsc::channel(8);
        let remote = SocketAddr::from(([127, 0, 0, 1], 9));
        let reader = tokio::spawn(async move {
            let mut link = link(remote, vec![events]);
            read_frames(server, &mut link).await
        });

        let (queue, outgoing) = mpsc::channel(8);
        let writer = tokio::spawn(write_frames(client, outgoing));
        queue.send(b"first".to_vec()).await.expect("queued");
        queue.send(vec![]).await.expect("queued");
        queue.send(vec![7; 1500]).await.expect("queued");
        drop(queue);
        writer.await.expect("joined").expect("written");

        let frames = frames_of(&mut received).await;
        reader.await.expect("joined").expect("clean end");
        assert_eq!(frames, vec![b"first".to_vec(), vec![], vec![7; 1500]]);
    }

    #[tokio::test]
    async fn a_length_header_allocates_nothing_until_its_bytes_arrive() {
        let (mut client, mut server) = tokio::io::duplex(64);
        // Announces 65,535 bytes, sends 3.
        client
            .write_all(&[0xff, 0xff, 1, 2, 3])
            .await
            .expect("written");
        let mut deframer = Deframer::default();
        while deframer.buf.len() < 5 {
            assert!(deframer.read_from(&mut server).await.expect("read") > 0);
        }
        assert_eq!(deframer.next_frame(), None);
        assert!(
            deframer.buf.capacity() <= 2 + READ_CHUNK,
            "{} bytes held for 5 that arrived",
            deframer.buf.capacity()
        );
    }

    #[tokio::test]
    async fn frames_split_and_joined_anyhow_come_out_whole() {
        let (mut client, server) = tokio::io::duplex(64);
        let (events, mut received) = mpsc::channel(8);
        let remote = SocketAddr::from(([127, 0, 0, 1], 9));
        let reader = tokio::spawn(async move {
            let mut link = link(remote, vec![events]);
            read_frames(server, &mut link).await
        });
        let mut stream = Vec::new();
        for frame in [vec![1u8; 3000], vec![], vec![2; 1]] {
            stream.extend_from_slice(&(frame.len() as u16).to_be_bytes());
            stream.extend_from_slice(&frame);
        }
        for piece in stream.chunks(7) {
            client.write_all(piece).await.expect("written");
        }
        drop(client);
        let frames = frames_of(&mut received).await;
        reader.await.expect("joined").expect("clean end");
        assert_eq!(frames, vec![vec![1u8; 3000], vec![], vec![2; 1]]);
    }

    #[tokio::test]
    async fn a_truncated_frame_is_an_error() {
        let (mut client, server) = tokio::io::duplex(64);
        let (events, _received) = mpsc::channel(8);
        let remote = SocketAddr::from(([127, 0, 0, 1], 9));
        client.write_all(&[0, 10, 1, 2]).await.expect("written");
        drop(client);
        assert!(
            read_frames(server, &mut link(remote, vec![events]))
                .await
                .is_err()
        );
    }
}
