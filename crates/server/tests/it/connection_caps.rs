//! Unauthenticated connections cannot exhaust the server: one that never joins (nor logs in)
//! is closed after the join deadline even while it answers pings; one address holds at most
//! its cap of connections; and an HTTP client that stalls mid-header is disconnected.

use std::time::Duration;

use crate::common::raw::{join_frame, recv, send};
use crate::common::*;
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// How long a test waits for the server to close a connection it should close.
const CLOSE_BOUND: Duration = Duration::from_secs(5);

/// Reads until the server closes the stream; what it sent, or a panic after [`CLOSE_BOUND`].
async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(CLOSE_BOUND, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return got,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the server kept the connection open past {CLOSE_BOUND:?}"),
        }
    }
}

#[tokio::test]
async fn a_connection_that_never_joins_is_closed_though_it_answers_pings() {
    let server = TestServer::with(|c| {
        c.join_timeout_ms = 600;
        c.ping_interval_ms = 100;
    })
    .await;
    let mut idle = crate::common::raw::connect(&server).await;
    let mut joined = crate::common::raw::connect(&server).await;
    send(&mut joined, join_frame(1, "caps", "alice")).await;
    assert_eq!(recv(&mut joined).await["id"], 1);

    // Reading makes the client answer each ping, as a browser's WebSocket would.
    let started = tokio::time::Instant::now();
    let mut pings = 0;
    let close = loop {
        match tokio::time::timeout(CLOSE_BOUND, idle.next()).await {
            Ok(Some(Ok(Message::Ping(_)))) => pings += 1,
            Ok(Some(Ok(Message::Close(close)))) => break close,
            Ok(Some(Err(e))) => panic!("closed without a close frame: {e}"),
            Ok(None) => panic!("closed without a close frame"),
            Ok(Some(Ok(other))) => panic!("unexpected {other:?}"),
            Err(_) => panic!("a connection that never joined stayed open past {CLOSE_BOUND:?}"),
        }
    };
    assert!(pings >= 2, "the closed client answered {pings} pings");
    let close = close.expect("a close frame with a code");
    assert_eq!(close.code, CloseCode::Policy, "{close:?}");
    assert!(started.elapsed() >= Duration::from_millis(500));

    // The one that joined in time stays.
    send(
        &mut joined,
        r#"{"id": 2, "method": "leaveRoom", "params": {}}"#,
    )
    .await;
    assert_eq!(recv(&mut joined).await["id"], 2);
}

#[tokio::test]
async fn one_address_holds_at_most_its_cap_and_is_admitted_again_when_one_closes() {
    const CAP: usize = 3;
    let server = TestServer::with(|c| c.max_connections_per_ip = CAP).await;
    // Signalling sessions hold their place after the HTTP upgrade.
    let mut open = Vec::new();
    for _ in 0..CAP {
        open.push(crate::common::raw::connect(&server).await);
    }

    let mut refused = TcpStream::connect(server.server.local_addr())
        .await
        .expect("the kernel accepts");
    let answer = read_to_close(&mut refused).await;
    assert!(
        answer.starts_with(b"HTTP/1.1 503"),
        "{}",
        String::from_utf8_lossy(&answer)
    );

    drop(open.pop());
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let status = loop {
        match reqwest::get(format!("{}/healthz", server.url())).await {
            Ok(response) if response.status() != 503 => break response.status(),
            _ => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "no room again after a connection closed"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    assert_eq!(status, 200);

    drop(open.pop());
    let metrics = reqwest::get(format!("{}/metrics", server.url()))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("chorus_connections_refused_total{cap=\"per_address\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn an_http_client_that_stalls_mid_header_is_disconnected() {
    let server = TestServer::with(|c| c.header_read_timeout_ms = 300).await;
    let mut half = TcpStream::connect(server.server.local_addr())
        .await
        .expect("connects");
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: chorus\r\n")
        .await
        .expect("half a header sent");
    read_to_close(&mut half).await;

    // A kept-alive connection gets the same deadline for its next request.
    let mut kept = TcpStream::connect(server.server.local_addr())
        .await
        .expect("connects");
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: chorus\r\n\r\n")
        .await
        .expect("a request sent");
    let answer = read_to_close(&mut kept).await;
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

#[tokio::test]
async fn an_openapi_body_that_dribbles_is_cut_off() {
    let server = TestServer::with(|c| c.header_read_timeout_ms = 300).await;
    let mut slow = TcpStream::connect(server.server.local_addr())
        .await
        .expect("connects");
    // Quick headers, then ten bytes of a hundred-byte body, then nothing.
    slow.write_all(
        b"POST /?Action=GetRoomOnlineUsers&Version=2023-11-01 HTTP/1.1\r\nHost: chorus\r\n\
          Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"AppId\":",
    )
    .await
    .expect("headers and a part of the body sent");
    let answer = read_to_close(&mut slow).await;
    assert!(
        answer.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}
