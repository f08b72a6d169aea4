//! Webhooks in a cluster of three nodes, each configured with the same receiver: users joined
//! through all three nodes make one room, and each of its events reaches the receiver once,
//! not once per node.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use chorus_proto::openapi::WebhookCallback;

use crate::cluster_redis::Redis;
use crate::common::*;

type Seen = Arc<Mutex<Vec<WebhookCallback>>>;

async fn receive(State(seen): State<Seen>, body: String) -> &'static str {
    let callback: WebhookCallback =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("callback body {body}: {e}"));
    seen.lock().unwrap().push(callback);
    "ok"
}

fn types(seen: &Seen) -> Vec<String> {
    let seen = seen.lock().unwrap();
    seen.iter().map(|c| c.event_type.clone()).collect()
}

#[tokio::test]
async fn each_room_event_is_sent_once_by_the_rooms_node() {
    let seen = Seen::default();
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let redis = Redis::start().await;
    let mut nodes = Vec::new();
    for name in ["n1", "n2", "n3"] {
        let (url, hook) = (redis.url(), hook.clone());
        nodes.push(
            TestServer::with(move |config| {
                config.redis = Some(url);
                config.node_id = Some(name.to_owned());
                config.webhook_url = Some(hook);
                config.allow_private_targets = true;
            })
            .await,
        );
    }
    let mut users = Vec::new();
    for (node, user) in nodes.iter().zip(["alice", "bob", "carol"]) {
        users.push(node.joined("cw", user).await);
    }
    for (engine, _) in &users {
        engine.leave_room().await.unwrap();
    }
    eventually("RoomDestroy to arrive", async || {
        types(&seen)
            .iter()
            .any(|t| t == "RoomDestroy")
            .then_some(())
    })
    .await;
    // Time for any duplicate to arrive too.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut got = types(&seen);
    got.sort();
    assert_eq!(
        got,
        [
            "RoomCreate",
            "RoomDestroy",
            "UserJoinRoom",
            "UserJoinRoom",
            "UserJoinRoom",
            "UserLeaveRoom",
            "UserLeaveRoom",
            "UserLeaveRoom"
        ]
    );
}
