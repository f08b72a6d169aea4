//! ICE-TCP, passive side (RFC 6544): the fallback for clients whose UDP is blocked.
//!
//! Clients connect to the same port number as the UDP socket; each packet on the stream is
//! framed by a 16-bit big-endian length (RFC 4571). One small task per connection reads
//! frames and hands them to the SFU task as if they were datagrams from that remote address;
//! a writer task per connection sends what the SFU queues for it. TCP is the slow path
//! (a copy and an allocation per packet are fine here); UDP never goes through this module.
//!
//! Must not depend on the router: it only moves framed bytes.

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tracing::debug;

/// Packets queued per connection before the SFU starts dropping them (TCP backs up).
const WRITE_QUEUE: usize = 256;

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

/// Accepts ICE-TCP connections until `events` is closed (the SFU task ended).
pub(super) async fn accept(listener: TcpListener, events: mpsc::Sender<TcpEvent>) {
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    debug!(error = %e, "ICE-TCP accept failed");
                    continue;
                }
            },
            () = events.closed() => return,
        };
        let _ = stream.set_nodelay(true);
        let events = events.clone();
        tokio::spawn(async move {
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

/// Reads RFC 4571 frames until the stream ends.
async fn read_frames(
    mut reader: impl AsyncRead + Unpin,
    remote: SocketAddr,
    events: &mpsc::Sender<TcpEvent>,
) -> io::Result<()> {
    loop {
        let len = match reader.read_u16().await {
            Ok(len) => usize::from(len),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        };
        let mut data = vec![0; len];
        reader.read_exact(&mut data).await?;
        if events.send(TcpEvent::Frame { remote, data }).await.is_err() {
            return Ok(());
        }
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
    async fn a_truncated_frame_is_an_error() {
        let (mut client, server) = tokio::io::duplex(64);
        let (events, _received) = mpsc::channel(8);
        let remote = SocketAddr::from(([127, 0, 0, 1], 9));
        client.write_all(&[0, 10, 1, 2]).await.expect("written");
        drop(client);
        assert!(read_frames(server, remote, &events).await.is_err());
    }
}
