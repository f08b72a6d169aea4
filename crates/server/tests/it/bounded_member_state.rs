//! Per-member state is bounded: a client cannot make a room keep an entry per id it makes up.
//! Ids that break the id rule are refused with INVALID_PARAMS on every path, and layer choices
//! about users who are not in the room are kept only up to a small bound, as the room's
//! state-size gauge (`chorus_room_entries`) shows.

use crate::common::raw::*;
use crate::common::*;
use serde_json::json;

/// The value of the metric line starting with `name ` at the server's metrics listener.
async fn gauge(server: &TestServer, name: &str) -> i64 {
    let addr = server.server.metrics_addr().expect("a metrics listener");
    let text = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in {text}"))
        .trim()
        .parse()
        .unwrap()
}

/// Sends `frames` in batches (so neither side's buffers fill while the other waits) and
/// returns each reply's error code, or "" for a success.
async fn answers(socket: &mut Socket, frames: Vec<String>) -> Vec<String> {
    let mut codes = Vec::new();
    for batch in frames.chunks(250) {
        for frame in batch {
            send(socket, frame.clone()).await;
        }
        for _ in batch {
            let reply = recv(socket).await;
            assert!(reply.get("id").is_some(), "a reply, not an event: {reply}");
            codes.push(reply["error"]["code"].as_str().unwrap_or("").to_owned());
        }
    }
    codes
}

fn layer_frame(id: u64, user: &str) -> String {
    json!({"id": id, "method": "setRemoteSimulcastStreamType",
           "params": {"userId": user, "streamType": "low"}})
    .to_string()
}

#[tokio::test]
async fn a_flood_of_made_up_layer_ids_is_refused_or_not_kept() {
    let server = TestServer::with(|config| {
        config.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
        // The flood is the point here, not the per-sender limit (rate_limits.rs covers it).
        config.state_change_rate = 1_000_000;
        config.state_change_burst = 1_000_000;
    })
    .await;
    let (_alice, _alice_events) = server.joined("flood", "alice").await;
    let mut mallory = connect(&server).await;
    send(&mut mallory, join_frame(1, "flood", "mallory")).await;
    let reply = recv(&mut mallory).await;
    assert_eq!(reply["result"]["resumed"], false, "{reply}");
    assert_eq!(recv(&mut mallory).await["event"], "onUserJoined");
    let before = gauge(&server, "chorus_room_entries").await;

    // 10,000 distinct ids of 1 KB each: every one breaks the id rule.
    let long: Vec<String> = (0..10_000u64)
        .map(|i| layer_frame(10 + i, &format!("{i}-{}", "x".repeat(1024))))
        .collect();
    let codes = answers(&mut mallory, long).await;
    assert!(codes.iter().all(|c| c == "INVALID_PARAMS"), "{codes:?}");

    // 1,000 distinct valid ids of users who are not in the room: accepted, barely kept.
    let absent: Vec<String> = (0..1_000u64)
        .map(|i| layer_frame(20_000 + i, &format!("ghost-{i}")))
        .collect();
    let codes = answers(&mut mallory, absent).await;
    assert!(codes.iter().all(String::is_empty), "{codes:?}");
    // A choice about someone in the room is always kept.
    let codes = answers(&mut mallory, vec![layer_frame(30_000, "alice")]).await;
    assert_eq!(codes, [""]);

    let after = gauge(&server, "chorus_room_entries").await;
    assert!(
        after - before <= 17,
        "the room keeps {} more entries for one member",
        after - before
    );

    // The other id paths refuse bad ids the same way.
    let bad = "no spaces allowed";
    let frames = vec![
        json!({"id": 40_001, "method": "sendUserMessage",
               "params": {"userId": bad, "message": "hi"}})
        .to_string(),
        json!({"id": 40_002, "method": "subscribeStream",
               "params": {"userId": bad, "mediaType": 3}})
        .to_string(),
    ];
    let codes = answers(&mut mallory, frames).await;
    assert_eq!(codes, ["INVALID_PARAMS", "INVALID_PARAMS"]);
}
