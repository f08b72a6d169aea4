//! Webhooks: room and user events reach a real HTTP receiver in order, in the vendor's
//! callback format, signed; a receiver that fails gets each event three times in all with the
//! same EventId, and never more.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chorus_proto::openapi::{WEBHOOK_VERSION, WebhookCallback};
use chorus_proto::{MediaType, RoomConfig};
use chorus_sign::{WebhookFields, verify_webhook_signature};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;

/// How the receiver answers.
#[derive(Clone, Copy)]
enum Answer {
    /// 200 always.
    Ok,
    /// 500 to the first `n` requests, then 200.
    FailFirst(usize),
    /// 500 always.
    Fail,
    /// Waits this long, then 200.
    Slow(Duration),
}

#[derive(Clone)]
struct Receiver {
    answer: Answer,
    seen: Arc<Mutex<Vec<(HeaderMap, WebhookCallback)>>>,
    count: Arc<AtomicUsize>,
    arrived: Arc<Notify>,
}

async fn receive(State(rx): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    let callback: WebhookCallback =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("callback body {body}: {e}"));
    let n = rx.count.fetch_add(1, Ordering::SeqCst);
    rx.seen.lock().unwrap().push((headers, callback));
    rx.arrived.notify_waiters();
    match rx.answer {
        Answer::Ok => StatusCode::OK,
        Answer::FailFirst(k) if n >= k => StatusCode::OK,
        Answer::FailFirst(_) | Answer::Fail => StatusCode::INTERNAL_SERVER_ERROR,
        Answer::Slow(wait) => {
            // Not synchronization: this receiver answers too late.
            tokio::time::sleep(wait).await;
            StatusCode::OK
        }
    }
}

impl Receiver {
    async fn start(answer: Answer) -> (Self, String) {
        let rx = Receiver {
            answer,
            seen: Arc::default(),
            count: Arc::default(),
            arrived: Arc::default(),
        };
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(rx.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (rx, url)
    }

    fn callbacks(&self) -> Vec<WebhookCallback> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|(_, c)| c.clone())
            .collect()
    }

    /// Waits until at least `n` requests arrived; returns them all.
    async fn wait_for(&self, n: usize) -> Vec<WebhookCallback> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let arrived = self.arrived.notified();
            let seen = self.callbacks();
            if seen.len() >= n {
                return seen;
            }
            let types: Vec<_> = seen.iter().map(|c| c.event_type.clone()).collect();
            tokio::time::timeout_at(deadline, arrived)
                .await
                .unwrap_or_else(|_| panic!("{n} callbacks did not arrive; got {types:?}"));
        }
    }
}

fn data(callback: &WebhookCallback) -> Value {
    serde_json::from_str(&callback.event_data).expect("EventData is a JSON string")
}

fn signed_with(callback: &WebhookCallback, secret: &str) -> bool {
    let fields = WebhookFields {
        event_type: &callback.event_type,
        event_data: &callback.event_data,
        event_time: &callback.event_time,
        event_id: &callback.event_id,
        app_id: &callback.app_id,
        version: &callback.version,
        nonce: &callback.nonce,
    };
    verify_webhook_signature(&fields, secret, &callback.signature)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, within a minute of now.
fn assert_rfc3339_now(time: &str) {
    let b = time.as_bytes();
    assert_eq!(b.len(), 24, "{time}");
    for (i, c) in b.iter().enumerate() {
        match i {
            4 | 7 => assert_eq!(*c, b'-', "{time}"),
            10 => assert_eq!(*c, b'T', "{time}"),
            13 | 16 => assert_eq!(*c, b':', "{time}"),
            19 => assert_eq!(*c, b'.', "{time}"),
            23 => assert_eq!(*c, b'Z', "{time}"),
            _ => assert!(c.is_ascii_digit(), "{time}"),
        }
    }
    let year: u64 = time[..4].parse().unwrap();
    let this_year = 1970 + now_secs() / 31_556_952;
    assert!(year.abs_diff(this_year) <= 1, "{time}");
}

async fn server_with_webhook(
    url: &str,
    tweak: impl FnOnce(&mut chorus_server::Config),
) -> TestServer {
    let url = url.to_owned();
    TestServer::with(move |c| {
        c.webhook_url = Some(url);
        tweak(c);
    })
    .await
}

/// An invisible user joins through a raw socket (the SDK joins visible).
async fn join_invisible(
    server: &TestServer,
    room: &str,
    user: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let (mut socket, _) = tokio_tungstenite::connect_async(server.ws_url())
        .await
        .unwrap();
    let frame = json!({"id": 1, "method": "joinRoom", "params": {
        "token": token(room, user), "roomId": room, "userInfo": {"userId": user}, "visible": false
    }});
    socket
        .send(Message::Text(frame.to_string().into()))
        .await
        .unwrap();
    loop {
        let Message::Text(text) = socket.next().await.unwrap().unwrap() else {
            continue;
        };
        let reply: Value = serde_json::from_str(&text).unwrap();
        if reply["id"] == 1 {
            assert!(reply.get("error").is_none(), "{reply}");
            return socket;
        }
    }
}

#[tokio::test]
async fn a_rooms_life_is_reported_in_order_signed_with_the_app_key() {
    let (receiver, url) = Receiver::start(Answer::Ok).await;
    let server = server_with_webhook(&url, |_| {}).await;

    let (alice, _alice_events) = server.joined("life", "alice").await;
    alice
        .publish_stream(MediaType::AudioAndVideo)
        .await
        .unwrap();
    alice.publish_screen(MediaType::Video).await.unwrap();
    let (bob, _bob_events) = server.joined("life", "bob").await;
    bob.set_user_visibility(false).await.unwrap();
    let mut carol = join_invisible(&server, "life", "carol").await;
    alice.unpublish_stream(MediaType::Audio).await.unwrap();
    alice.leave_room().await.unwrap();
    let (status, _) = server
        .api(
            "KickUser",
            json!({"AppId": APP_ID, "RoomId": "life", "UserId": "bob"}),
        )
        .await;
    assert_eq!(status, 200);
    carol
        .send(Message::Text(
            json!({"id": 2, "method": "leaveRoom"}).to_string().into(),
        ))
        .await
        .unwrap();

    let expected: Vec<(&str, Value)> = vec![
        ("RoomCreate", json!({})),
        ("UserJoinRoom", json!({"UserId": "alice"})),
        (
            "UserPublishStream",
            json!({"UserId": "alice", "StreamIndex": 0, "MediaType": 3}),
        ),
        (
            "UserPublishStream",
            json!({"UserId": "alice", "StreamIndex": 1, "MediaType": 2}),
        ),
        ("UserJoinRoom", json!({"UserId": "bob"})),
        ("RoleChangeVisible2Invisible", json!({"UserId": "bob"})),
        ("InvisibleUserJoinRoom", json!({"UserId": "carol"})),
        // Reason 0: unpublished by the user.
        (
            "UserUnpublishStream",
            json!({"UserId": "alice", "StreamIndex": 0, "MediaType": 1, "Reason": 0}),
        ),
        // Leaving ends what is left of alice's streams first.
        (
            "UserUnpublishStream",
            json!({"UserId": "alice", "StreamIndex": 0, "MediaType": 2, "Reason": 0}),
        ),
        (
            "UserUnpublishStream",
            json!({"UserId": "alice", "StreamIndex": 1, "MediaType": 2, "Reason": 0}),
        ),
        ("UserLeaveRoom", json!({"UserId": "alice", "Reason": 0})),
        // Reason 3: removed by the server.
        (
            "InvisibleUserLeaveRoom",
            json!({"UserId": "bob", "Reason": 3}),
        ),
        (
            "InvisibleUserLeaveRoom",
            json!({"UserId": "carol", "Reason": 0}),
        ),
        ("RoomDestroy", json!({})),
    ];
    let got = receiver.wait_for(expected.len()).await;
    let types: Vec<&str> = got.iter().map(|c| c.event_type.as_str()).collect();
    let want: Vec<&str> = expected.iter().map(|(t, _)| *t).collect();
    assert_eq!(types, want);

    let mut ids = HashSet::new();
    let mut last_timestamp = 0;
    for (callback, (_, fields)) in got.iter().zip(&expected) {
        assert!(ids.insert(callback.event_id.clone()), "EventIds are unique");
        assert_eq!(callback.app_id, APP_ID);
        assert_eq!(callback.version, WEBHOOK_VERSION);
        assert!(!callback.nonce.is_empty());
        assert_rfc3339_now(&callback.event_time);
        assert!(signed_with(callback, APP_KEY), "{callback:?}");
        assert!(!signed_with(callback, OTHER_APP_KEY));

        let data = data(callback);
        assert_eq!(data["AppId"], APP_ID);
        assert_eq!(data["RoomId"], "life");
        let timestamp = data["Timestamp"].as_u64().expect("Timestamp in ms");
        assert!(timestamp >= last_timestamp && timestamp.abs_diff(now_secs() * 1000) < 60_000);
        last_timestamp = timestamp;
        let mut rest = data.as_object().unwrap().clone();
        for key in ["AppId", "RoomId", "Timestamp"] {
            rest.remove(key);
        }
        assert_eq!(Value::Object(rest), *fields, "{}", callback.event_type);
    }
    let (headers, _) = receiver.seen.lock().unwrap()[0].clone();
    assert_eq!(headers["content-type"], "application/json");

    // Nothing more comes (not synchronization: the window a stray callback would show in).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.callbacks().len(), expected.len());
    let metrics = server.metrics().await;
    assert!(
        metrics.contains(&format!(
            "chorus_webhooks_delivered_total {}",
            expected.len()
        )),
        "{metrics}"
    );
    assert!(metrics.trim_end().ends_with("# EOF"), "{metrics}");
    assert_eq!(metrics.matches("# EOF").count(), 1);
}

#[tokio::test]
async fn a_configured_secret_signs_instead_of_the_app_key() {
    let (receiver, url) = Receiver::start(Answer::Ok).await;
    let server = server_with_webhook(&url, |c| c.webhook_secret = Some("hook-secret".into())).await;
    let (_alice, _events) = server.joined("secret", "alice").await;
    let got = receiver.wait_for(2).await;
    for callback in &got {
        assert!(signed_with(callback, "hook-secret"));
        assert!(!signed_with(callback, APP_KEY));
    }
    // A forged field breaks the signature.
    let mut forged = got[1].clone();
    forged.event_data = forged.event_data.replace("alice", "mallory");
    assert!(!signed_with(&forged, "hook-secret"));
}

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_the_same_event_a_third_time() {
    let (receiver, url) = Receiver::start(Answer::FailFirst(2)).await;
    let server = server_with_webhook(&url, |_| {}).await;
    let (_alice, _events) = server.joined("retry", "alice").await;
    let got = receiver.wait_for(4).await;
    // RoomCreate three times, byte for byte, and only then the join: a room's events stay in
    // order even across retries.
    assert_eq!(got[0].event_type, "RoomCreate");
    assert_eq!(got[1], got[0]);
    assert_eq!(got[2], got[0]);
    assert_eq!(got[3].event_type, "UserJoinRoom");
    assert_ne!(got[3].event_id, got[0].event_id);
    // Not synchronization: the window a fourth attempt would show in.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.callbacks().len(), 4);
}

#[tokio::test]
async fn a_receiver_that_never_answers_200_gets_each_event_exactly_three_times() {
    let (receiver, url) = Receiver::start(Answer::Fail).await;
    let server = server_with_webhook(&url, |_| {}).await;
    let (_alice, _events) = server.joined("doomed", "alice").await;
    let got = receiver.wait_for(6).await;
    // Not synchronization: the window a fourth attempt would show in.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_later = receiver.callbacks();
    assert_eq!(got_later.len(), 6, "no fourth attempt");
    assert_eq!(got, got_later);
    let types: Vec<&str> = got.iter().map(|c| c.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "RoomCreate",
            "RoomCreate",
            "RoomCreate",
            "UserJoinRoom",
            "UserJoinRoom",
            "UserJoinRoom"
        ]
    );
    assert_eq!(got[0].event_id, got[2].event_id);
    assert_eq!(got[3].event_id, got[5].event_id);
    let metrics = server.metrics().await;
    assert!(
        metrics.contains("chorus_webhooks_failed_total 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("chorus_webhook_retries_total 4"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_receiver_slower_than_the_timeout_counts_as_failed_and_never_slows_the_room() {
    let (receiver, url) = Receiver::start(Answer::Slow(Duration::from_secs(2))).await;
    let server = server_with_webhook(&url, |c| c.webhook_timeout_ms = 150).await;
    let started = tokio::time::Instant::now();
    let (alice, _alice_events) = server.joined("slow", "alice").await;
    let (_bob, mut bob_events) = server.joined("slow", "bob").await;
    alice.publish_stream(MediaType::Audio).await.unwrap();
    // The room answers at once, however slow the receiver.
    wait_for(&mut bob_events, |e| {
        matches!(e, chorus_proto::Event::UserPublishStream(_)).then_some(())
    })
    .await;
    assert!(started.elapsed() < Duration::from_secs(1));
    // RoomCreate: three attempts, each cut off after 150 ms.
    let got = receiver.wait_for(3).await;
    assert!(got.iter().all(|c| c.event_id == got[0].event_id));
    assert_eq!(got[0].event_type, "RoomCreate");
    let next = receiver.wait_for(4).await;
    assert_eq!(next[3].event_type, "UserJoinRoom");
}

#[tokio::test]
async fn a_dropped_user_leaves_with_reason_dropped_after_the_grace_period() {
    let (receiver, url) = Receiver::start(Answer::Ok).await;
    let server = server_with_webhook(&url, |c| c.reconnect_grace_ms = 200).await;
    let (_alice, _events) = server.joined("drop", "alice").await;
    let socket = join_invisible(&server, "drop", "ghost").await;
    drop(socket);
    let got = receiver.wait_for(4).await;
    assert_eq!(got[2].event_type, "InvisibleUserJoinRoom");
    assert_eq!(got[3].event_type, "InvisibleUserLeaveRoom");
    assert_eq!(data(&got[3])["Reason"], 1, "DROPPED");
    // Bob comes and goes; alice is still there, so the room goes on.
    let (bob, _bob_events) = server.joined("drop", "bob").await;
    bob.leave_room().await.unwrap();
    let got = receiver.wait_for(6).await;
    assert_eq!(got[4].event_type, "UserJoinRoom");
    assert_eq!(got[5].event_type, "UserLeaveRoom");
    // Not synchronization: the window a wrong RoomDestroy would show in.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        receiver
            .callbacks()
            .iter()
            .all(|c| c.event_type != "RoomDestroy")
    );
}

#[tokio::test]
async fn a_duplicate_login_is_a_leave_and_a_join_but_the_room_goes_on() {
    let (receiver, url) = Receiver::start(Answer::Ok).await;
    let server = server_with_webhook(&url, |_| {}).await;
    let (_first, _first_events) = server.joined("dup", "alice").await;
    let second = server.engine();
    second
        .join_room(
            Some(&token("dup", "alice")),
            "dup",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    let got = receiver.wait_for(4).await;
    let types: Vec<&str> = got.iter().map(|c| c.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "RoomCreate",
            "UserJoinRoom",
            "UserLeaveRoom",
            "UserJoinRoom"
        ]
    );
    second.leave_room().await.unwrap();
    let got = receiver.wait_for(6).await;
    assert_eq!(got[4].event_type, "UserLeaveRoom");
    assert_eq!(got[5].event_type, "RoomDestroy");
}

#[tokio::test]
async fn a_bad_webhook_url_is_refused_at_start() {
    for url in ["ftp://example.com/hook", "not a url", "http://"] {
        let mut config = chorus_server::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            webhook_url: Some(url.into()),
            ..Default::default()
        };
        assert!(chorus_server::start(config.clone()).await.is_err(), "{url}");
        config.webhook_url = Some("http://127.0.0.1:9/hook".into());
        config.webhook_secret = Some(String::new());
        assert!(chorus_server::start(config).await.is_err());
    }
}
