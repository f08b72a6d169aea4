//! A client that stops reading cannot pin its session: once its writes make no progress for
//! the write timeout it is dropped, and everything it held (room seat, SFU peer) is freed,
//! so stalled duplicate logins with one token cannot use up max-media-sessions. A client
//! that reads but only receives is kept alive by pings however busy its socket is. A login
//! is given up the same way.

use std::time::Duration;

use crate::common::raw::{Socket, join_frame};
use crate::common::*;
use chorus_proto::{ErrorCode, Event, RoomConfig, UserOfflineReason, UserOnlineStatus};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpSocket;
use tokio_tungstenite::MaybeTlsStream;
use tokio_tungstenite::tungstenite::Message;

/// The write timeout the servers here run with.
const WRITE_TIMEOUT_MS: u64 = 1_000;
/// How long a test waits for the stalled session to be gone and its user to leave.
const BOUND: Duration = Duration::from_secs(10);

async fn server(max_media_sessions: usize) -> TestServer {
    TestServer::with(|c| {
        c.write_timeout_ms = WRITE_TIMEOUT_MS;
        c.reconnect_grace_ms = 300;
        c.max_media_sessions = max_media_sessions;
    })
    .await
}

/// A raw WebSocket client with a tiny receive buffer, joined to `room` as `user`; the caller
/// stops reading it.
async fn stalled_client(server: &TestServer, room: &str, user: &str) -> Socket {
    stalled_after(server, join_frame(1, room, user)).await
}

/// A raw WebSocket client with a tiny receive buffer that sent `first` (with id 1) and read
/// its answer; the caller stops reading it.
async fn stalled_after(server: &TestServer, first: String) -> Socket {
    let socket = TcpSocket::new_v4().expect("a socket");
    socket.set_recv_buffer_size(4096).expect("a small buffer");
    let stream = socket
        .connect(server.server.local_addr())
        .await
        .expect("connects");
    let (mut ws, _) =
        tokio_tungstenite::client_async(server.ws_url(), MaybeTlsStream::Plain(stream))
            .await
            .expect("websocket handshake");
    ws.send(Message::Text(first.into()))
        .await
        .expect("request sent");
    loop {
        let frame = tokio::time::timeout(PATIENCE, ws.next())
            .await
            .expect("an answer in time")
            .expect("socket open")
            .expect("no socket error");
        let Message::Text(text) = frame else { continue };
        let reply: Value = serde_json::from_str(&text).expect("JSON");
        if reply["id"] == 1 {
            assert!(reply.get("error").is_none(), "{reply}");
            return ws;
        }
    }
}

/// Sends room messages from `engine` until `done` says so, or panics after [`BOUND`].
async fn flood_until(engine: &chorus_sdk::RtcEngine, mut done: impl AsyncFnMut() -> bool) {
    let big = "m".repeat(60 * 1024);
    let deadline = tokio::time::Instant::now() + BOUND;
    let mut sent = 0;
    // 48 messages (about 3 MiB) outgrow every buffer between the server and a client that
    // does not read, yet stay below the outbox's 4 MiB cutoff: only a stalled write shows.
    while sent < 48 {
        engine.send_room_message(&big).await.expect("room message");
        sent += 1;
    }
    while !done().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stalled client was not dropped within {BOUND:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The `chorus_sfu_peers` gauge.
async fn sfu_peers(server: &TestServer) -> i64 {
    let text = reqwest::get(format!("{}/metrics", server.url()))
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .find_map(|line| line.strip_prefix("chorus_sfu_peers "))
        .and_then(|n| n.trim().parse().ok())
        .expect("a chorus_sfu_peers gauge")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_leaves_and_frees_its_peer() {
    let server = server(100).await;
    let (watcher, mut watcher_events) = server.joined("stall", "watcher").await;
    let ghost = stalled_client(&server, "stall", "ghost").await;
    wait_for(&mut watcher_events, |e| {
        matches!(e, Event::UserJoined(j) if j.user_info.user_id == "ghost").then_some(())
    })
    .await;
    assert_eq!(sfu_peers(&server).await, 2);

    flood_until(&watcher, async || sfu_peers(&server).await == 1).await;
    let leave = wait_for(&mut watcher_events, |e| match e {
        Event::UserLeave(l) if l.user_info.user_id == "ghost" => Some(l.reason),
        _ => None,
    })
    .await;
    assert_eq!(leave, UserOfflineReason::Dropped);
    drop(ghost);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_duplicate_logins_do_not_use_up_media_sessions() {
    const GHOSTS: usize = 3;
    // The watcher and every ghost at once would just fit; a fresh client would not.
    let server = server(GHOSTS + 1).await;
    let (watcher, _watcher_events) = server.joined("dup", "watcher").await;
    let mut ghosts = Vec::new();
    for _ in 0..GHOSTS {
        // The same user with the same token each time: each join displaces the one before.
        ghosts.push(stalled_client(&server, "dup", "ghost").await);
        flood_until(&watcher, async || true).await;
    }
    let deadline = tokio::time::Instant::now() + BOUND;
    while sfu_peers(&server).await > 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "stalled ghosts still hold {} SFU peers",
            sfu_peers(&server).await - 1
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let fresh = server.engine();
    let joined = fresh
        .join_room(
            Some(&token("dup", "fresh")),
            "dup",
            user_info("fresh"),
            RoomConfig::default(),
        )
        .await;
    if let Err(e) = &joined {
        assert_ne!(e.code, ErrorCode::IceServerWrong, "{e}");
    }
    joined.expect("a fresh client joins");
    drop(ghosts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_only_receives_under_steady_traffic_stays() {
    let server = TestServer::with(|c| {
        c.ping_interval_ms = 100;
        c.idle_timeout_ms = 400;
        // The watcher sends as fast as it is answered, beyond the per-sender limit: steady
        // traffic is the point here, not the limit.
        c.message_rate = u32::MAX;
        c.message_burst = u32::MAX;
    })
    .await;
    let (watcher, _watcher_events) = server.joined("steady", "watcher").await;
    let mut reader = crate::common::raw::connect(&server).await;
    crate::common::raw::send(&mut reader, join_frame(1, "steady", "reader")).await;
    assert_eq!(crate::common::raw::recv(&mut reader).await["id"], 1);

    // The reader reads (and so answers pings) but sends nothing while messages keep coming
    // for four idle timeouts.
    let reading = tokio::spawn(async move {
        let mut messages = 0u32;
        while let Some(Ok(frame)) = reader.next().await {
            if let Message::Text(text) = frame
                && text.contains("onRoomMessageReceived")
            {
                messages += 1;
                if text.contains("\"end\"") {
                    return (reader, messages);
                }
            }
        }
        (reader, messages)
    });
    let text = "m".repeat(1024);
    let started = tokio::time::Instant::now();
    let mut sent = 0u32;
    while started.elapsed() < Duration::from_millis(1_600) {
        watcher
            .send_room_message(&text)
            .await
            .expect("room message");
        sent += 1;
    }
    watcher
        .send_room_message("end")
        .await
        .expect("room message");
    let (mut reader, messages) = tokio::time::timeout(BOUND, reading)
        .await
        .expect("the reader keeps up")
        .expect("joined");
    assert_eq!(messages, sent + 1, "the reader's session ended early");
    crate::common::raw::send(
        &mut reader,
        r#"{"id": 2, "method": "leaveRoom", "params": {}}"#,
    )
    .await;
    assert_eq!(crate::common::raw::recv(&mut reader).await["id"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logged_in_client_that_stops_reading_is_logged_out() {
    let server = server(100).await;
    let login = json!({"id": 1, "method": "login", "params": {
        "token": token("", "dave"), "userId": "dave"
    }});
    let dave = stalled_after(&server, login.to_string()).await;
    let erin = server.engine();
    erin.login(&token("", "erin"), "erin")
        .await
        .expect("erin logs in");
    assert_eq!(
        erin.get_peer_online_status("dave").await.expect("status"),
        UserOnlineStatus::Online
    );

    let big = "m".repeat(60 * 1024);
    for _ in 0..48 {
        erin.send_user_message_outside_room("dave", &big)
            .await
            .expect("a message to dave");
    }
    let deadline = tokio::time::Instant::now() + BOUND;
    while erin.get_peer_online_status("dave").await.expect("status") != UserOnlineStatus::Offline {
        assert!(
            tokio::time::Instant::now() < deadline,
            "dave is still logged in {BOUND:?} after he stopped reading"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(dave);
}
