//! Messages to the app's business server: the Chorus server POSTs them where
//! `setServerParams` said, with the signature, and returns the answer of a 200; other
//! answers, slow answers and no answer are the contract's errors.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chorus_sdk::{
    ConnectionState, EngineEvent, ErrorCode, EventStream, RtcEngine, decode_binary_message,
};
use chorus_server::RunningServer;
use serde_json::{Value, json};

/// How long the Chorus server gives the business server in these tests.
const BUSINESS_TIMEOUT_MS: u64 = 300;

/// One request the business server received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    signature: Option<String>,
    content_type: Option<String>,
    body: Value,
}

/// A business server on loopback: `/ok` answers 200 with `ack:<Message>`, `/fail` 500,
/// `/slow` 200 but only after twice the Chorus server's patience. Records every request.
struct Business {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Business {
    async fn start() -> Business {
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let record = |path: &'static str, received: Arc<Mutex<Vec<Received>>>| {
            move |headers: HeaderMap, body: String| {
                let received = received.clone();
                async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                    let message = body["Message"].as_str().unwrap_or_default().to_owned();
                    received.lock().unwrap().push(Received {
                        path: path.to_owned(),
                        signature: header("x-chorus-signature"),
                        content_type: header("content-type"),
                        body,
                    });
                    match path {
                        "/fail" => (StatusCode::INTERNAL_SERVER_ERROR, "nope".to_owned()),
                        "/slow" => {
                            // Not synchronization: this business server answers too late.
                            tokio::time::sleep(Duration::from_millis(2 * BUSINESS_TIMEOUT_MS))
                                .await;
                            (StatusCode::OK, "late".to_owned())
                        }
                        _ => (StatusCode::OK, format!("ack:{message}")),
                    }
                }
            }
        };
        let app = Router::new()
            .route("/ok", post(record("/ok", received.clone())))
            .route("/fail", post(record("/fail", received.clone())))
            .route("/slow", post(record("/slow", received.clone())));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Business { addr, received }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// A server whose test app may use business servers on loopback.
async fn chorus() -> RunningServer {
    start_server(|c| {
        c.server_message_timeout_ms = BUSINESS_TIMEOUT_MS;
        c.apps[0].business_hosts = vec!["127.0.0.1".into()];
        c.allow_private_targets = true;
    })
    .await
}

/// Alice, logged in to `url`, with the business server set to `business_url`.
async fn alice_with_server_params(url: &str, business_url: &str) -> (RtcEngine, EventStream) {
    let (alice, events) = logged_in(url, "alice").await;
    alice
        .set_server_params("sig-alice", business_url)
        .await
        .expect("the server params are set");
    (alice, events)
}

/// The next `onServerParamsSetResult`'s status.
async fn params_result(events: &mut EventStream) -> u16 {
    loop {
        if let EngineEvent::ServerParamsSetResult { error } = next_event(events).await {
            return error;
        }
    }
}

#[tokio::test]
async fn a_server_message_is_posted_with_the_signature_and_the_answer_returned() {
    let server = chorus().await;
    let business = Business::start().await;
    let (alice, mut events) = alice_with_server_params(&server.url(), &business.url("/ok")).await;
    assert_eq!(params_result(&mut events).await, 200);

    let response = alice.send_server_message("hello, server").await.unwrap();
    assert_eq!(response, "ack:hello, server");
    let received = business.received();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert_eq!(r.path, "/ok");
    assert_eq!(r.signature.as_deref(), Some("sig-alice"));
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        r.body,
        json!({"AppId": APP_ID, "UserId": "alice", "Message": "hello, server", "Binary": false})
    );
}

#[tokio::test]
async fn a_binary_server_message_arrives_as_base64_with_binary_true() {
    let server = chorus().await;
    let business = Business::start().await;
    let (alice, _events) = alice_with_server_params(&server.url(), &business.url("/ok")).await;
    let bytes: Vec<u8> = (0..=255u8).collect();
    let response = alice.send_server_binary_message(&bytes).await.unwrap();
    let received = business.received();
    let body = &received[0].body;
    assert_eq!(body["Binary"], json!(true));
    assert_eq!(body["UserId"], json!("alice"));
    assert_eq!(body["AppId"], json!(APP_ID));
    let message = body["Message"].as_str().unwrap();
    assert_eq!(decode_binary_message(message).unwrap(), bytes);
    assert_eq!(response, format!("ack:{message}"));
}

#[tokio::test]
async fn an_answer_other_than_200_is_a_server_response_error() {
    let server = chorus().await;
    let business = Business::start().await;
    let (alice, _events) = alice_with_server_params(&server.url(), &business.url("/fail")).await;
    let e = alice.send_server_message("hi").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UserMessageServerResponseError);
    assert!(e.message.contains("500"), "{e}");
    assert_eq!(business.received().len(), 1, "it was called");
}

#[tokio::test]
async fn a_business_server_too_slow_or_not_there_is_a_send_to_server_error() {
    let server = chorus().await;
    let business = Business::start().await;
    let (alice, _events) = alice_with_server_params(&server.url(), &business.url("/slow")).await;
    let started = Instant::now();
    let e = alice.send_server_message("hi").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UserMessageSendToServerError);
    assert!(e.message.contains("did not answer"), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the server's limit, not the SDK's"
    );

    // A port nothing listens on.
    let closed = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    alice
        .set_server_params("sig", &format!("http://{closed}/hook"))
        .await
        .unwrap();
    let e = alice.send_server_binary_message(b"hi").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UserMessageSendToServerError);
    assert!(e.message.contains("could not be reached"), "{e}");
}

#[tokio::test]
async fn server_messages_need_a_login_and_server_params() {
    let server = chorus().await;
    let business = Business::start().await;
    // Not logged in, connected (in a room): the server says so.
    let (bob, mut bob_events) = joined(&server.url(), "r", "bob").await;
    let e = bob.send_server_message("hi").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UserMessageNotLogin);
    let e = bob
        .set_server_params("s", &business.url("/ok"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotLogin);
    assert_eq!(params_result(&mut bob_events).await, 401);

    // Logged in, no params yet.
    let (alice, mut events) = logged_in(&server.url(), "alice").await;
    for result in [
        alice.send_server_message("hi").await,
        alice.send_server_binary_message(b"hi").await,
    ] {
        assert_eq!(
            result.unwrap_err().code,
            ErrorCode::UserMessageServerParamsNotset
        );
    }
    // The server takes http:// and https:// URLs only.
    let e = alice
        .set_server_params("s", "ftp://example.com/")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidParams);
    assert_eq!(params_result(&mut events).await, 400);
    let e = alice.send_server_message("hi").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UserMessageServerParamsNotset);
    // 64 KB + 1 is refused before anything is sent.
    let e = alice
        .send_server_binary_message(&vec![0; chorus_sdk::proto::MAX_MESSAGE_BYTES + 1])
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidParams);
    assert!(business.received().is_empty());
}

#[tokio::test]
async fn the_business_server_is_set_again_after_a_reconnect() {
    let server = chorus().await;
    let business = Business::start().await;
    let relay = Relay::start(server.local_addr()).await;
    let (alice, mut events) = alice_with_server_params(&relay.url(), &business.url("/ok")).await;
    relay.cut();
    loop {
        if next_state(&mut events).await.0 == ConnectionState::Reconnected {
            break;
        }
    }
    // The server forgot the old session's params; the engine set them again.
    let response = alice.send_server_message("after").await.unwrap();
    assert_eq!(response, "ack:after");
    assert_eq!(
        business.received()[0].signature.as_deref(),
        Some("sig-alice")
    );
}
