//! ICE-TCP, passive side (RFC 6544): the fallback for clients whose UDP is blocked.
//!
//! Clients connect to the same port number as the UDP socket; each packet on the stream is
//! framed by a 16-bit big-endian length (RFC 4571). One small task per connection reads
//! frames and hands them to the SFU task as if they were datagrams from that remote address;
//! a writer task per connection sends what the SFU queues for it. TCP is the slow path
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
/// `refused`), until `events` is closed (the SFU task ended).
pub(super) async fn accept(
    listener: TcpListener,
    events: mpsc::Sender<TcpEvent>,
    max_connections: usize,
    refused: Counter,
) {
    let open = Arc::new(Semaphore::new(max_connections));
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
            () = events.closed() => return,
        };
        let Ok(place) = open.clone().try_acquire_owned() else {
            debug!(%remote, max_connections, "ICE-TCP connection refused: at the cap");
            refused.inc();
            continue;
        };
        let _ = stream.set_nodelay(true);
        let events = events.clone();
        tokio::spawn(async move {
            let _place = place;
            let (reader, writer) = stream.into_split();
            let (queue, outgoing) = mpsc::channel(WRITE_QUEUE);
            if events
                .send(TcpEvent::Opened {
                    remote,
                    writer: queue,
                })
                .await
                .is_err()
            {
                return;
            }
            let write = tokio::spawn(write_frames(writer, outgoing));
            if let Err(e) = read_frames(reader, remote, &events).await {
                debug!(%remote, error = %e, "ICE-TCP connection ended");
            }
            write.abort();
            let _ = events.send(TcpEvent::Closed { remote }).await;
        });
    }
}

/// Reads RFC 4571 frames until the stream ends, or is idle past [`IDLE_TIMEOUT`].
async fn read_frames(
    mut reader: impl AsyncRead + Unpin,
    remote: SocketAddr,
    events: &mpsc::Sender<TcpEvent>,
) -> io::Result<()> {
    let mut deframer = Deframer::default();
    loop {
        while let Some(data) = deframer.next_frame() {
            if events.send(TcpEvent::Frame { remote, data }).await.is_err() {
                return Ok(());
            }
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

    #[tokio::test]
    async fn frames_round_trip() {
        let (client, server) = tokio::io::duplex(4096);
        let (events, mut received) = mpsc::channel(8);
        let remote = SocketAddr::from(([127, 0, 0, 1], 9));
        let reader = tokio::spawn(async move { read_frames(server, remote, &events).await });

        let (queue, outgoing) = mpsc::channel(8);
        let writer = tokio::spawn(write_frames(client, outgoing));
        queue.send(b"first".to_vec()).await.expect("queued");
        queue.send(vec![]).await.expect("queued");
        queue.send(vec![7; 1500]).await.expect("queued");
        drop(queue);
        writer.await.expect("joined").expect("written");

        let mut frames = Vec::new();
        while let Some(TcpEvent::Frame { data, .. }) = received.recv().await {
            frames.push(data);
        }
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
        let reader = tokio::spawn(async move { read_frames(server, remote, &events).await });
        let mut stream = Vec::new();
        for frame in [vec![1u8; 3000], vec![], vec![2; 1]] {
            stream.extend_from_slice(&(frame.len() as u16).to_be_bytes());
            stream.extend_from_slice(&frame);
        }
        for piece in stream.chunks(7) {
            client.write_all(piece).await.expect("written");
        }
        drop(client);
        let mut frames = Vec::new();
        while let Some(TcpEvent::Frame { data, .. }) = received.recv().await {
            frames.push(data);
        }
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
        assert!(read_frames(server, remote, &events).await.is_err());
    }
}
