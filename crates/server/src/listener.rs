//! The HTTP listener: accepts TCP connections under the connection caps, sets their socket
//! options, and serves each with hyper's HTTP/1 under a header-read deadline.
//!
//! It knows no route: it is handed a [`Router`] and puts each connection's
//! [`ConnectionSlot`] and [`PeerAddr`] into every request's extensions, so the WebSocket
//! upgrade can keep the place for as long as its session lives. Depends on `conn_caps` and `metrics` only.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio_rustls::TlsAcceptor;
use tower_service::Service;

use crate::conn_caps::{ConnectionCaps, ConnectionSlot};
use crate::metrics::Metrics;

/// The address a connection comes from, in each of its requests' extensions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PeerAddr(pub(crate) SocketAddr);

/// What the listener is told.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListenerSettings {
    /// How long a client has to send a request's headers, the first or the next on a
    /// kept-alive connection.
    pub(crate) header_read_timeout: Duration,
    /// How long sent data may stay unacknowledged before the kernel gives the connection up.
    pub(crate) tcp_user_timeout: Duration,
}

/// What a refused connection is told before it is closed.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: text/plain\r\ncontent-length: 21\r\nretry-after: 5\r\nconnection: close\r\n\r\n\
too many connections\n";

/// How long the accept loop waits after an error that is the server's own (out of file
/// descriptors or memory): retrying at once would spin on the same error.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Accepts and serves until `stop` fires; then tells open HTTP connections to finish.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    caps: ConnectionCaps,
    settings: ListenerSettings,
    tls: Option<TlsAcceptor>,
    metrics: Metrics,
    stop: oneshot::Receiver<()>,
) {
    let (closing, closed) = watch::channel(());
    tokio::pin!(stop);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    if !is_connection_error(&e) {
                        tracing::warn!(error = %e, "accept failed; backing off");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let slot = match caps.admit(remote.ip()) {
            Ok(slot) => slot,
            Err(refused) => {
                metrics.connection_refused(refused.label());
                tracing::debug!(%remote, %refused, "connection refused");
                // Best effort and never waiting: a client that does not take it gets a close.
                let _ = stream.try_write(REFUSAL);
                continue;
            }
        };
        configure(&stream, settings);
        tokio::spawn(serve_connection(
            stream,
            remote,
            router.clone(),
            slot,
            settings,
            tls.clone(),
            closed.clone(),
        ));
    }
    drop(closed);
    let _ = closing.send(());
}

/// Errors of one connection (it was reset before it was accepted, say), not of the listener.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

fn configure(stream: &TcpStream, settings: ListenerSettings) {
    // Signalling sends bursts of small frames (a join's snapshot, fan-out); Nagle's algorithm
    // would hold all but the first until the client's delayed ACK, up to 40 ms.
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "TCP_NODELAY not set");
    }
    // A peer that stops ACKing (gone without a FIN or RST) is given up by the kernel, so its
    // writes fail rather than wait on retransmissions for many minutes.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(e) =
        socket2::SockRef::from(stream).set_tcp_user_timeout(Some(settings.tcp_user_timeout))
    {
        tracing::debug!(error = %e, "TCP_USER_TIMEOUT not set");
    }
}

async fn serve_connection(
    stream: TcpStream,
    remote: SocketAddr,
    router: Router,
    slot: Arc<ConnectionSlot>,
    settings: ListenerSettings,
    tls: Option<TlsAcceptor>,
    closing: watch::Receiver<()>,
) {
    let Some(acceptor) = tls else {
        return serve_http(
            TokioIo::new(stream),
            remote,
            router,
            slot,
            settings,
            closing,
        )
        .await;
    };
    // A client that opens a connection and says nothing holds its slot no longer than it
    // would without TLS.
    match tokio::time::timeout(settings.header_read_timeout, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => {
            serve_http(
                TokioIo::new(stream),
                remote,
                router,
                slot,
                settings,
                closing,
            )
            .await;
        }
        Ok(Err(e)) => tracing::debug!(%remote, error = %e, "TLS handshake failed"),
        Err(_) => tracing::debug!(%remote, "TLS handshake not finished in time"),
    }
}

async fn serve_http<I>(
    io: TokioIo<I>,
    remote: SocketAddr,
    router: Router,
    slot: Arc<ConnectionSlot>,
    settings: ListenerSettings,
    mut closing: watch::Receiver<()>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(slot.clone());
        request.extensions_mut().insert(PeerAddr(remote));
        router.clone().call(request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout)
        .keep_alive(true);
    let connection = builder.serve_connection(io, service).with_upgrades();
    tokio::pin!(connection);
    let served = tokio::select! {
        served = connection.as_mut() => served,
        // The server is stopping (or gone): finish the request in hand, then close.
        _ = closing.changed() => {
            connection.as_mut().graceful_shutdown();
            connection.as_mut().await
        }
    };
    if let Err(e) = served {
        tracing::trace!(%remote, error = %e, "HTTP connection ended");
    }
}
