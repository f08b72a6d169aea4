//! What a member misses during the reconnect grace period: a message acknowledged to its
//! sender reaches the receiver, or the receiver is told it missed something. A member who
//! resumes within the bounds gets every message, in order, with `resumed: true`; one who
//! missed more than the bounds keep gets `resumed: false` and a fresh snapshot, and the
//! others see them leave and join again.

use std::time::Duration;

use crate::common::raw::*;
use crate::common::*;
use chorus_proto::{Event, UserOfflineReason};
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

/// Closes `socket` and waits until the server has closed its side too: by then the session
/// has told its room that the connection is gone.
async fn hang_up(mut socket: Socket) {
    socket.close(None).await.unwrap();
    tokio::time::timeout(PATIENCE, async {
        while let Some(Ok(_)) = socket.next().await {}
    })
    .await
    .expect("the server closes its side");
}

/// Joins `user` raw; returns the socket and the reply's `resumed`.
async fn join_raw(server: &TestServer, room: &str, user: &str) -> (Socket, bool) {
    let mut socket = connect(server).await;
    send(&mut socket, join_frame(1, room, user)).await;
    let reply = recv(&mut socket).await;
    let resumed = reply["result"]["resumed"].as_bool().expect("joined");
    (socket, resumed)
}

#[tokio::test]
async fn a_member_back_within_the_bounds_gets_every_message_in_order() {
    let server = TestServer::with(|c| c.reconnect_grace_ms = 10_000).await;
    let (bob, _bob_events) = server.joined("grace-ok", "bob").await;
    let (mut alice, resumed) = join_raw(&server, "grace-ok", "alice").await;
    assert!(!resumed);
    assert_eq!(recv(&mut alice).await["event"], "onUserJoined");
    hang_up(alice).await;

    for i in 0..50 {
        bob.send_room_message(&format!("room {i}")).await.unwrap();
        bob.send_user_message("alice", &format!("user {i}"))
            .await
            .unwrap();
    }

    let (mut alice, resumed) = join_raw(&server, "grace-ok", "alice").await;
    assert!(resumed, "nothing was lost, so the session resumes");
    for i in 0..50 {
        let frame = recv(&mut alice).await;
        assert_eq!(frame["event"], "onRoomMessageReceived", "{frame}");
        assert_eq!(frame["data"]["message"], format!("room {i}"));
        let frame = recv(&mut alice).await;
        assert_eq!(frame["event"], "onUserMessageReceived", "{frame}");
        assert_eq!(frame["data"]["message"], format!("user {i}"));
    }
}

#[tokio::test]
async fn a_member_who_missed_more_than_is_kept_is_told_by_a_fresh_join() {
    let server = TestServer::with(|c| c.reconnect_grace_ms = 10_000).await;
    let (bob, mut bob_events) = server.joined("grace-full", "bob").await;
    let (mut alice, _) = join_raw(&server, "grace-full", "alice").await;
    assert_eq!(recv(&mut alice).await["event"], "onUserJoined");
    wait_for(&mut bob_events, |e| {
        matches!(e, Event::UserJoined(j) if j.user_info.user_id == "alice").then_some(())
    })
    .await;
    hang_up(alice).await;

    // 4 MB of messages, every one acknowledged: more than a member in grace keeps.
    let big = "m".repeat(60 * 1024);
    for _ in 0..34 {
        bob.send_room_message(&big).await.unwrap();
        bob.send_user_message("alice", &big).await.unwrap();
    }

    let (mut alice, resumed) = join_raw(&server, "grace-full", "alice").await;
    assert!(!resumed, "messages were lost, so the join must say so");
    // A fresh snapshot, not a partial replay.
    let first = recv(&mut alice).await;
    assert_eq!(first["event"], "onUserJoined", "{first}");
    assert_eq!(first["data"]["userInfo"]["userId"], "bob");
    let reason = wait_for(&mut bob_events, |e| match e {
        Event::UserLeave(l) if l.user_info.user_id == "alice" => Some(l.reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, UserOfflineReason::Quit);
    wait_for(&mut bob_events, |e| {
        matches!(e, Event::UserJoined(j) if j.user_info.user_id == "alice").then_some(())
    })
    .await;
    // The room messages missed are not replayed afterwards.
    assert_quiet_raw(&mut alice, Duration::from_millis(300)).await;
}

/// Asserts no text frame arrives on `socket` for `quiet` (pings are not frames of the protocol).
async fn assert_quiet_raw(socket: &mut Socket, quiet: Duration) {
    let _ = tokio::time::timeout(quiet, async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Text(text) = message {
                panic!("expected quiet, got {text}");
            }
        }
    })
    .await;
}
