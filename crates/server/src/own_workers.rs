//! Where the server's own workers (subtitle captioners, public-stream compositors) reach it:
//! they are in-process chorus-sdk clients of this very server, joining rooms as any client
//! does.
//!
//! Without TLS they use the listener itself, on loopback when it listens on every address.
//! With TLS that URL would be `https://127.0.0.1:PORT`, which a certificate issued for the
//! server's real name (or a self-signed one) does not verify, and teaching the workers to trust
//! whatever the listener presents would mean a second trust path to keep in step with
//! certificate reloads. So with TLS the server also opens a plain listener bound to loopback on
//! an ephemeral port, serving the same routes: nothing leaves the machine, so TLS adds nothing
//! there, and every worker still joins with a token signed by its app's key, checked like any
//! client's, so the extra port grants nothing a client of the TLS listener could not get.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use tokio::net::TcpListener;

/// The plain loopback listener for the server's own workers, with TLS on; bound to
/// 127.0.0.1, or ::1 where there is no IPv4 loopback.
pub(crate) async fn bind_loopback() -> io::Result<TcpListener> {
    match TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await {
        Ok(listener) => Ok(listener),
        Err(_) => TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).await,
    }
}

/// The URL a worker reaches the server at: plain HTTP to `addr` (the listener's own address
/// without TLS, the loopback one of [`bind_loopback`] with it), on loopback when `addr` is
/// every address.
pub(crate) fn url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}
