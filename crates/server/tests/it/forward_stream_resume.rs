//! A forwarder whose connection drops keeps its forwards if it resumes within the grace
//! period (it hears they were interrupted, then recovered; the target room follows the new
//! session, which then hears that room's news); loses them all when the grace period runs
//! out; and, back too late to resume, hears them ended.

use std::time::Duration;

use crate::common::raw::*;
use crate::common::*;
use chorus_proto::{Event, UserOfflineReason};
use chorus_sdk::{EventStream, RtcEngine};
use futures_util::StreamExt;
use serde_json::{Value, json};

/// Closes `socket` and waits until the server has closed its side too.
async fn hang_up(mut socket: Socket) {
    socket.close(None).await.unwrap();
    tokio::time::timeout(PATIENCE, async {
        while let Some(Ok(_)) = socket.next().await {}
    })
    .await
    .expect("the server closes its side");
}

/// Alice, raw, joined to `home` (answers whether she resumed).
async fn alice_in(server: &TestServer, home: &str) -> (Socket, bool) {
    let mut socket = connect(server).await;
    send(&mut socket, join_frame(1, home, "alice")).await;
    let reply = recv(&mut socket).await;
    (
        socket,
        reply["result"]["resumed"].as_bool().expect("joined"),
    )
}

/// Sends request `id` and answers its reply, skipping events.
async fn call(socket: &mut Socket, id: u64, method: &str, params: Value) -> Value {
    send(
        socket,
        json!({"id": id, "method": method, "params": params}).to_string(),
    )
    .await;
    loop {
        let frame = recv(socket).await;
        if frame["id"] == id {
            return frame;
        }
    }
}

async fn sees_alice_publish(events: &mut EventStream) {
    wait_for(events, |e| match e {
        Event::UserPublishStream(p) if p.user_id == "alice" => Some(()),
        _ => None,
    })
    .await;
}

/// Alice in `home` publishing audio and forwarding into `far`, where Bob watches.
async fn forwarding(
    server: &TestServer,
    home: &str,
    far: &str,
) -> (Socket, RtcEngine, EventStream) {
    let (mut alice, _) = alice_in(server, home).await;
    let (bob, mut bob_events) = server.joined(far, "bob").await;
    // mediaType 1: audio.
    let published = call(&mut alice, 2, "publishStream", json!({"mediaType": 1})).await;
    assert!(published.get("result").is_some(), "{published}");
    let infos = json!({"forwardStreamInfos": [{"roomId": far, "token": token(far, "alice")}]});
    let started = call(&mut alice, 3, "startForwardStreamToRooms", infos).await;
    assert_eq!(started["result"]["infos"][0]["state"], 0, "{started}");
    sees_alice_publish(&mut bob_events).await;
    (alice, bob, bob_events)
}

#[tokio::test]
async fn a_resumed_forwarder_keeps_its_forwards() {
    let server = TestServer::with(|c| c.reconnect_grace_ms = 10_000).await;
    let (alice, _bob, mut bob_events) = forwarding(&server, "fr-home", "fr-far").await;
    hang_up(alice).await;
    let (mut alice, resumed) = alice_in(&server, "fr-home").await;
    assert!(resumed);
    // What she missed says the forward was interrupted; the target room then says it recovered.
    for expected in [2, 3] {
        let frame = recv(&mut alice).await;
        assert_eq!(frame["event"], "onForwardStreamEvent", "{frame}");
        let info = &frame["data"]["infos"][0];
        assert_eq!(
            (&info["roomId"], &info["event"]),
            (&json!("fr-far"), &json!(expected)),
            "{frame}"
        );
    }
    assert_quiet(&mut bob_events, Duration::from_millis(500)).await;

    // The target room's news reaches the new session.
    let (status, _) = server
        .api(
            "KickUser",
            json!({"AppId": APP_ID, "RoomId": "fr-far", "UserId": "alice"}),
        )
        .await;
    assert_eq!(status, 200);
    let state = loop {
        let frame = recv(&mut alice).await;
        if frame["event"] == "onForwardStreamStateChanged" {
            break frame;
        }
    };
    assert_eq!(state["data"]["infos"][0]["roomId"], "fr-far", "{state}");
    assert_eq!(state["data"]["infos"][0]["error"], 1204, "{state}");
    let reason = wait_for(&mut bob_events, |e| match e {
        Event::UserLeave(l) if l.user_info.user_id == "alice" => Some(l.reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, UserOfflineReason::KickedByAdmin);
}

#[tokio::test]
async fn a_forwarder_gone_past_the_grace_period_leaves_every_target_room() {
    let server = TestServer::with(|c| c.reconnect_grace_ms = 300).await;
    let (alice, _bob, mut bob_events) = forwarding(&server, "fg-home", "fg-far").await;
    hang_up(alice).await;
    let reason = wait_for(&mut bob_events, |e| match e {
        Event::UserLeave(l) if l.user_info.user_id == "alice" => Some(l.reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, UserOfflineReason::Quit);
}

#[tokio::test]
async fn a_forwarder_back_too_late_to_resume_hears_its_forwards_ended() {
    let server = TestServer::with(|c| c.reconnect_grace_ms = 10_000).await;
    let (alice, _bob, mut bob_events) = forwarding(&server, "fl-home", "fl-far").await;
    hang_up(alice).await;
    // Joining invisible cannot resume a visible session: it starts afresh.
    let mut alice = connect(&server).await;
    let join = json!({"id": 1, "method": "joinRoom", "params": {
        "token": token("fl-home", "alice"), "roomId": "fl-home",
        "userInfo": {"userId": "alice"}, "visible": false
    }});
    send(&mut alice, join.to_string()).await;
    let reply = recv(&mut alice).await;
    assert_eq!(reply["result"]["resumed"], false, "{reply}");
    let frame = recv(&mut alice).await;
    assert_eq!(frame["event"], "onForwardStreamEvent", "{frame}");
    assert_eq!(
        frame["data"]["infos"],
        json!([{"roomId": "fl-far", "event": 0}])
    );
    let reason = wait_for(&mut bob_events, |e| match e {
        Event::UserLeave(l) if l.user_info.user_id == "alice" => Some(l.reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, UserOfflineReason::Quit);
}
