//! The signalling socket seen raw: malformed and hostile frames get INVALID_PARAMS and never
//! disturb the server or anyone else's session; requests outside a room get NOT_CONNECTED_YET;
//! a dropped connection keeps its place for the grace period.

use std::time::Duration;

use crate::common::*;
use chorus_proto::{Event, UserOfflineReason};
use futures_util::SinkExt;
use serde_json::{Value, json};

use crate::common::raw::*;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn malformed_frames_get_invalid_params() {
    let server = TestServer::start().await;
    let (_alice, mut alice_events) = server.joined("calm", "alice").await;
    let mut socket = connect(&server).await;
    let cases = [
        ("not json", Value::Null),
        ("[1,2,3]", Value::Null),
        (r#"{"method":"joinRoom"}"#, Value::Null),
        (r#"{"id":5}"#, json!(5)),
        (r#"{"id":6,"method":"flyToTheMoon","params":{}}"#, json!(6)),
        (
            r#"{"id":7,"method":"publishStream","params":{"mediaType":"loud"}}"#,
            json!(7),
        ),
        (
            r#"{"id":8,"method":"joinRoom","params":{"roomId":5}}"#,
            json!(8),
        ),
        (r#"{"id":-1,"method":"leaveRoom"}"#, Value::Null),
    ];
    for (frame, id) in cases {
        send(&mut socket, frame).await;
        let reply = recv(&mut socket).await;
        assert_eq!(
            reply["error"]["code"], "INVALID_PARAMS",
            "{frame} -> {reply}"
        );
        assert_eq!(reply["id"], id, "{frame} -> {reply}");
        assert!(!reply["error"]["message"].as_str().unwrap().is_empty());
    }
    socket
        .send(Message::Binary(vec![0, 159, 146, 150].into()))
        .await
        .unwrap();
    assert_eq!(recv(&mut socket).await["error"]["code"], "INVALID_PARAMS");
    // The same socket still works.
    send(&mut socket, join_frame(9, "calm", "bob")).await;
    let reply = recv(&mut socket).await;
    assert_eq!(reply["id"], 9);
    assert_eq!(reply["result"]["userId"], "bob", "{reply}");
    wait_for(&mut alice_events, |e| {
        matches!(e, Event::UserJoined(j) if j.user_info.user_id == "bob").then_some(())
    })
    .await;
}

#[tokio::test]
async fn random_garbage_never_disturbs_others() {
    let server = TestServer::start().await;
    let (_alice, mut alice_events) = server.joined("storm", "alice").await;
    let (bob, _bob_events) = server.joined("storm", "bob").await;
    wait_for(&mut alice_events, |e| {
        matches!(e, Event::UserJoined(_)).then_some(())
    })
    .await;

    // A deterministic generator: frames of random bytes, random JSON-ish text, and huge ones.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = br#"{}[]":,0123456789abcdefmethodidparamsjoinRoom \n\t\\u00"#;
    for round in 0..20 {
        let mut socket = connect(&server).await;
        for _ in 0..50 {
            let len = (next() % 300) as usize;
            let text: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize] as char)
                .collect();
            if socket.send(Message::Text(text.into())).await.is_err() {
                break;
            }
            let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if socket.send(Message::Binary(bytes.into())).await.is_err() {
                break;
            }
        }
        if round % 5 == 0 {
            // Larger than the server reads: the connection is closed, nothing else happens.
            let _ = socket
                .send(Message::Text(
                    "x".repeat(chorus_proto::MAX_FRAME_BYTES + 1).into(),
                ))
                .await;
        }
        drop(socket);
    }
    // The room is intact and live.
    bob.publish_stream(chorus_proto::MediaType::Audio)
        .await
        .unwrap();
    wait_for(&mut alice_events, |e| {
        matches!(e, Event::UserPublishStream(p) if p.user_id == "bob").then_some(())
    })
    .await;
    let health = reqwest::get(format!("{}/healthz", server.url()))
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

#[tokio::test]
async fn room_requests_outside_a_room_are_not_connected_yet() {
    let server = TestServer::start().await;
    let mut socket = connect(&server).await;
    for (i, method) in [
        "publishStream",
        "unpublishStream",
        "publishScreen",
        "unpublishScreen",
    ]
    .iter()
    .enumerate()
    {
        send(
            &mut socket,
            json!({"id": i, "method": method, "params": {"mediaType": 1}}).to_string(),
        )
        .await;
        assert_eq!(
            recv(&mut socket).await["error"]["code"],
            "NOT_CONNECTED_YET",
            "{method}"
        );
    }
    send(
        &mut socket,
        r#"{"id":10,"method":"setUserVisibility","params":{"visible":false}}"#,
    )
    .await;
    assert_eq!(
        recv(&mut socket).await["error"]["code"],
        "NOT_CONNECTED_YET"
    );
    send(
        &mut socket,
        format!(
            r#"{{"id":11,"method":"updateToken","params":{{"token":"{}"}}}}"#,
            token("r", "u")
        ),
    )
    .await;
    assert_eq!(
        recv(&mut socket).await["error"]["code"],
        "UPDATE_TOKEN_BEFORE_JOIN"
    );
    send(&mut socket, r#"{"id":12,"method":"leaveRoom"}"#).await;
    assert_eq!(recv(&mut socket).await["result"], json!({}));
}

#[tokio::test]
async fn a_dropped_connection_keeps_its_place_for_the_grace_period() {
    let server = TestServer::with(|c| c.reconnect_grace_ms = 600).await;
    let (alice, mut alice_events) = server.joined("grace", "alice").await;

    // Bob drops and comes back in time: alice sees nothing, bob learns what he missed.
    let mut bob = connect(&server).await;
    send(&mut bob, join_frame(1, "grace", "bob")).await;
    assert_eq!(recv(&mut bob).await["result"]["resumed"], false);
    wait_for(&mut alice_events, |e| {
        matches!(e, Event::UserJoined(_)).then_some(())
    })
    .await;
    assert_eq!(recv(&mut bob).await["event"], "onUserJoined");
    drop(bob);
    // Only once the server has seen bob's connection go (alice's is the one left) is what
    // alice does next something bob misses.
    eventually("the server sees bob's connection closed", async || {
        (server.metric("chorus_connections").await == Some(1.0)).then_some(())
    })
    .await;
    // The room answers alice in the same step that keeps the event for bob, and handles bob's
    // return after it.
    alice
        .publish_stream(chorus_proto::MediaType::Audio)
        .await
        .unwrap();
    let mut bob = connect(&server).await;
    send(&mut bob, join_frame(1, "grace", "bob")).await;
    let reply = recv(&mut bob).await;
    assert_eq!(reply["result"]["resumed"], true, "{reply}");
    let missed = recv(&mut bob).await;
    assert_eq!(missed["event"], "onUserPublishStream", "{missed}");
    assert_eq!(missed["data"]["userId"], "alice");
    assert_quiet(&mut alice_events, Duration::from_millis(800)).await;

    // Bob drops for good: after the grace period alice sees DROPPED.
    drop(bob);
    let reason = wait_for(&mut alice_events, |e| match e {
        Event::UserLeave(l) => Some(l.reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, UserOfflineReason::Dropped);
    // A grace period that ends is a room timer, not a command: the gauge follows it too.
    assert_eq!(server.metric("chorus_participants").await, Some(1.0));
}

#[tokio::test]
async fn a_client_that_goes_silent_is_dropped() {
    let server = TestServer::with(|c| {
        c.ping_interval_ms = 100;
        c.idle_timeout_ms = 400;
        c.reconnect_grace_ms = 100;
    })
    .await;
    let (_alice, mut alice_events) = server.joined("silence", "alice").await;
    let mut bob = connect(&server).await;
    send(&mut bob, join_frame(1, "silence", "bob")).await;
    assert_eq!(recv(&mut bob).await["result"]["userId"], "bob");
    // Bob's socket stays open but he reads nothing, so he never answers a ping.
    let reason = wait_for(&mut alice_events, |e| match e {
        Event::UserLeave(l) if l.user_info.user_id == "bob" => Some(l.reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, UserOfflineReason::Dropped);
    drop(bob);
}
