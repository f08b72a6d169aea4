//! Each sender is rate-limited per kind of request: a client flooding room messages is
//! refused with UNEXPECTED_ERROR past its burst while another member's messages still go
//! through, may send again after a pause, and a publish/unpublish flood is refused past its
//! burst as well.

use std::collections::HashMap;
use std::time::Duration;

use crate::common::raw::*;
use crate::common::*;
use serde_json::{Value, json};

const MESSAGE_BURST: u32 = 10;
const STATE_CHANGE_BURST: u32 = 4;

async fn server() -> TestServer {
    TestServer::with(|config| {
        config.message_rate = 2;
        config.message_burst = MESSAGE_BURST;
        config.state_change_rate = 1;
        config.state_change_burst = STATE_CHANGE_BURST;
    })
    .await
}

/// Joins `user` to `room` on a raw socket and reads the join's reply.
async fn join(server: &TestServer, room: &str, user: &str) -> Socket {
    let mut socket = connect(server).await;
    send(&mut socket, join_frame(1, room, user)).await;
    let reply = recv(&mut socket).await;
    assert!(reply.get("result").is_some(), "{reply}");
    socket
}

/// Reads until the replies to ids `ids` have all come; returns each one's error code ("" for
/// a success) by id, and the events read on the way.
async fn replies(
    socket: &mut Socket,
    ids: std::ops::Range<u64>,
) -> (HashMap<u64, String>, Vec<Value>) {
    let mut codes = HashMap::new();
    let mut events = Vec::new();
    while codes.len() < ids.clone().count() {
        let frame = recv(socket).await;
        match frame["id"].as_u64() {
            Some(id) if ids.contains(&id) => {
                let code = frame["error"]["code"].as_str().unwrap_or("").to_owned();
                codes.insert(id, code);
            }
            _ => events.push(frame),
        }
    }
    (codes, events)
}

fn room_message(id: u64, text: &str) -> String {
    json!({"id": id, "method": "sendRoomMessage", "params": {"message": text}}).to_string()
}

#[tokio::test]
async fn a_room_message_flood_is_refused_past_its_burst_and_others_still_send() {
    let server = server().await;
    let mut alice = join(&server, "limits", "alice").await;
    let mut mallory = join(&server, "limits", "mallory").await;
    assert_eq!(recv(&mut alice).await["event"], "onUserJoined");

    // Pipelined, as fast as the socket takes them: far more than the burst.
    let flood = 100..160u64;
    for id in flood.clone() {
        send(&mut mallory, room_message(id, &format!("flood {id}"))).await;
    }
    let (codes, _) = replies(&mut mallory, flood.clone()).await;
    for id in flood.clone().take(MESSAGE_BURST as usize) {
        assert_eq!(
            codes[&id], "",
            "message {id} is within the burst: {codes:?}"
        );
    }
    let refused = codes.values().filter(|c| *c == "UNEXPECTED_ERROR").count();
    let accepted = codes.values().filter(|c| c.is_empty()).count();
    assert_eq!(refused + accepted, codes.len(), "{codes:?}");
    // The flood takes well under a few seconds, which refill two a second.
    assert!(refused >= 40, "only {refused} of 60 refused: {codes:?}");

    // Alice's own bucket is full: her message goes through and mallory hears it.
    send(&mut alice, room_message(2, "still here")).await;
    let (codes, events) = replies(&mut alice, 2..3).await;
    assert_eq!(codes[&2], "", "{codes:?}");
    // Alice heard exactly the accepted part of the flood, before her own reply.
    let heard = events
        .iter()
        .filter(|e| e["event"] == "onRoomMessageReceived")
        .count();
    assert_eq!(heard, accepted, "{events:?}");
    let frame = recv(&mut mallory).await;
    assert_eq!(frame["event"], "onRoomMessageReceived", "{frame}");
    assert_eq!(frame["data"]["message"], "still here");

    // After a pause the bucket has refilled: mallory may send again.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    send(&mut mallory, room_message(200, "calmer now")).await;
    let (codes, _) = replies(&mut mallory, 200..201).await;
    assert_eq!(codes[&200], "", "{codes:?}");
}

#[tokio::test]
async fn a_publish_unpublish_flood_is_refused_past_its_burst() {
    let server = server().await;
    let mut mallory = join(&server, "limits-pub", "mallory").await;
    let flood = 100..120u64;
    for id in flood.clone() {
        let method = if id % 2 == 0 {
            "publishStream"
        } else {
            "unpublishStream"
        };
        let frame = json!({"id": id, "method": method, "params": {"mediaType": 3}});
        send(&mut mallory, frame.to_string()).await;
    }
    let (codes, _) = replies(&mut mallory, flood.clone()).await;
    for id in flood.clone().take(STATE_CHANGE_BURST as usize) {
        assert_ne!(
            codes[&id], "UNEXPECTED_ERROR",
            "{id} is within the burst: {codes:?}"
        );
    }
    let refused = codes.values().filter(|c| *c == "UNEXPECTED_ERROR").count();
    assert!(refused >= 12, "only {refused} of 20 refused: {codes:?}");

    // Messages have their own bucket.
    send(&mut mallory, room_message(300, "hello")).await;
    let (codes, _) = replies(&mut mallory, 300..301).await;
    assert_eq!(codes[&300], "", "{codes:?}");
}
