//! In dev mode (no app configured, loopback only) every route, the WebSocket upgrade and
//! `/dev/token` included, answers only requests whose `Host` is a loopback name; others get
//! 403 with a message that says why. With apps configured, `Host` is not checked.

use chorus_server::{AppCredentials, Config, RunningServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn dev_server() -> RunningServer {
    chorus_server::start(Config {
        listen: "127.0.0.1:0".parse().expect("an address"),
        rtc_port: 0,
        ..Config::default()
    })
    .await
    .expect("a dev server starts")
}

/// Sends one HTTP/1.1 request with `host` (no `Host` header when `None`); returns the status
/// code and the whole answer.
async fn send(
    server: &RunningServer,
    request_line: &str,
    host: Option<&str>,
    extra: &str,
) -> (u16, String) {
    let mut tcp = TcpStream::connect(server.local_addr())
        .await
        .expect("connects");
    let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
    let request = format!("{request_line}\r\n{host}{extra}Connection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.expect("writes");
    // An upgrade answered with 101 keeps the connection open: read the head only.
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tcp.read(&mut buf).await.expect("reads");
        answer.extend_from_slice(&buf[..n]);
        if n == 0
            || answer.starts_with(b"HTTP/1.1 101") && answer.windows(4).any(|w| w == b"\r\n\r\n")
        {
            break;
        }
    }
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"));
    (status, answer)
}

const UPGRADE: &str = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

fn routes() -> [(String, &'static str); 7] {
    [
        ("GET / HTTP/1.1".into(), ""),
        (
            "GET /dev/token?roomId=demo&userId=alice HTTP/1.1".into(),
            "",
        ),
        ("GET /healthz HTTP/1.1".into(), ""),
        ("GET /metrics HTTP/1.1".into(), ""),
        ("GET /sdk/vertc.umd.js HTTP/1.1".into(), ""),
        (
            "POST /?Action=KickUser&Version=2020-12-01 HTTP/1.1".into(),
            "Content-Length: 0\r\n",
        ),
        (
            format!("GET {} HTTP/1.1", chorus_proto::SIGNAL_PATH),
            UPGRADE,
        ),
    ]
}

#[tokio::test]
async fn dev_mode_refuses_foreign_hosts_on_every_route() {
    let server = dev_server().await;
    for (line, extra) in routes() {
        for host in [
            Some("evil.example"),
            Some("evil.example:8080"),
            Some("127.0.0.1.evil.example"),
            None,
        ] {
            let (status, answer) = send(&server, &line, host, extra).await;
            assert_eq!(status, 403, "{line} with Host {host:?}: {answer}");
            assert!(answer.contains("DNS rebinding"), "{answer}");
        }
    }
    server.shutdown().await;
}

#[tokio::test]
async fn dev_mode_answers_loopback_hosts() {
    let server = dev_server().await;
    let port = server.local_addr().port();
    let hosts = [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        "127.0.0.1".to_owned(),
        "localhost".to_owned(),
    ];
    for (line, extra) in routes() {
        for host in &hosts {
            let (status, answer) = send(&server, &line, Some(host), extra).await;
            assert_ne!(status, 403, "{line} with Host {host}: {answer}");
        }
    }
    let (status, _) = send(
        &server,
        &format!("GET {} HTTP/1.1", chorus_proto::SIGNAL_PATH),
        Some(&hosts[0]),
        UPGRADE,
    )
    .await;
    assert_eq!(status, 101);
    let (status, answer) = send(
        &server,
        "GET /dev/token?roomId=demo&userId=alice HTTP/1.1",
        Some(&hosts[1]),
        "",
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\"token\""), "{answer}");
    server.shutdown().await;
}

#[tokio::test]
async fn with_apps_the_host_is_not_checked() {
    let server = chorus_server::start(Config {
        listen: "127.0.0.1:0".parse().expect("an address"),
        rtc_port: 0,
        apps: vec![AppCredentials {
            id: "hostcheckapp000000000001".into(),
            key: "key".into(),
            ..AppCredentials::default()
        }],
        ..Config::default()
    })
    .await
    .expect("a server starts");
    let (status, answer) = send(
        &server,
        "GET /healthz HTTP/1.1",
        Some("chorus.example.com"),
        "",
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    server.shutdown().await;
}
