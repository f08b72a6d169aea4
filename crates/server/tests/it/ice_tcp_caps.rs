//! ICE-TCP cannot be used to exhaust the server: it holds at most two connections per media
//! session it may have (a publisher and a subscriber transport each), refuses the rest, and
//! admits again once one closes. A garbage length header is just an unfinished frame.

use std::time::Duration;

use crate::common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Whether the server closes `stream` within `within` (it never writes to a silent client).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 16];
    matches!(
        tokio::time::timeout(within, stream.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

#[tokio::test]
async fn connections_beyond_the_cap_are_refused_until_one_closes() {
    // One media session: two ICE-TCP connections.
    let server = TestServer::with(|c| c.max_media_sessions = 1).await;
    let addr = server.server.rtc_addr();
    let connect = || async move { TcpStream::connect(addr).await.expect("the kernel accepts") };

    let mut first = connect().await;
    // A length header announcing 65,535 bytes that never come.
    first.write_all(&[0xff, 0xff, 0]).await.expect("written");
    let mut second = connect().await;
    let mut third = connect().await;
    assert!(
        closed_within(&mut third, PATIENCE).await,
        "a third connection was held"
    );
    assert_eq!(
        server.metric("chorus_sfu_ice_tcp_refused_total").await,
        Some(1.0),
        "the refusal is counted"
    );
    assert!(!closed_within(&mut first, Duration::from_millis(300)).await);
    assert!(!closed_within(&mut second, Duration::from_millis(300)).await);

    drop(first);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let mut again = connect().await;
        if !closed_within(&mut again, Duration::from_millis(300)).await {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no room again after a connection closed"
        );
    }
}
