//! A receiver that stops reading does not stall the room: once its outbox is full (4 MiB) it
//! is cut off, and the message that did not fit fails with USER_MESSAGE_UNKNOWN.

use crate::common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_stops_reading_fails_the_send_with_user_message_unknown() {
    let server = TestServer::start().await;
    let connect = || tokio_tungstenite::connect_async(server.ws_url());
    let join = |id: u64, user: &str| {
        json!({"id": id, "method": "joinRoom", "params": {
            "token": token("flood", user), "roomId": "flood", "userInfo": {"userId": user}
        }})
        .to_string()
    };

    // Bob joins, then never reads again: his socket's buffers and then his outbox fill up.
    let (mut bob, _) = connect().await.unwrap();
    bob.send(Message::Text(join(1, "bob").into()))
        .await
        .unwrap();
    let _ = bob.next().await;

    let (alice, _) = connect().await.unwrap();
    let (mut tx, mut rx) = alice.split();
    tx.send(Message::Text(join(1, "alice").into()))
        .await
        .unwrap();
    let big = "m".repeat(60 * 1024);
    let sender = tokio::spawn(async move {
        for id in 2..4000u64 {
            let frame = json!({"id": id, "method": "sendUserMessage", "params": {"userId": "bob", "message": big}});
            if tx
                .send(Message::Text(frame.to_string().into()))
                .await
                .is_err()
            {
                break;
            }
        }
        tx
    });
    let mut delivered = 0;
    let failure = loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(60), rx.next())
            .await
            .expect("alice hears back")
            .expect("alice's socket stays open")
            .unwrap();
        let Message::Text(text) = frame else { continue };
        let reply: Value = serde_json::from_str(&text).unwrap();
        if reply["id"].as_u64().is_some_and(|id| id >= 2) {
            match reply.get("error") {
                Some(error) => break error.clone(),
                None => delivered += 1,
            }
        }
    };
    assert_eq!(failure["code"], "USER_MESSAGE_UNKNOWN", "{failure}");
    // Bob's outbox holds 4 MiB (about 68 of these) on top of what his socket buffers took.
    assert!(delivered >= 68, "bob took {delivered} before overflowing");
    sender.abort();
    drop(bob);
}
