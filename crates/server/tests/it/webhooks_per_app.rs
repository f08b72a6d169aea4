//! Webhooks per app: an app's own `webhook-url` and `webhook-secret` take the place of the
//! server-wide ones, and each app has its own delivery slots, so a receiver that never
//! answers holds up its own app's callbacks only.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use chorus_proto::RoomConfig;
use chorus_proto::openapi::WebhookCallback;
use chorus_sign::{WebhookFields, verify_webhook_signature};
use chorus_testkit::eventually_within;

/// A receiver on loopback that records callbacks and answers 200, or never answers.
#[derive(Clone)]
struct Receiver {
    answers: bool,
    seen: Arc<Mutex<Vec<WebhookCallback>>>,
}

async fn receive(State(rx): State<Receiver>, body: String) -> StatusCode {
    let callback: WebhookCallback =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("callback body {body}: {e}"));
    rx.seen.lock().unwrap().push(callback);
    if !rx.answers {
        std::future::pending::<()>().await;
    }
    StatusCode::OK
}

impl Receiver {
    async fn start(answers: bool) -> (Self, String) {
        let rx = Receiver {
            answers,
            seen: Arc::default(),
        };
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(rx.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (rx, url)
    }

    fn seen(&self) -> Vec<WebhookCallback> {
        self.seen.lock().unwrap().clone()
    }
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

/// Carol joins `room` of the other app.
async fn join_other_app(server: &TestServer, room: &str) -> chorus_sdk::RtcEngine {
    let carol = server.engine_for(OTHER_APP_ID);
    let token = chorus_token::AccessToken::new(OTHER_APP_ID, OTHER_APP_KEY, room, "carol")
        .serialize()
        .unwrap();
    carol
        .join_room(
            Some(&token),
            room,
            user_info("carol"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    carol
}

/// The server with each app's own receiver and secret, and the given webhook tweaks.
async fn server(
    first_url: &str,
    other_url: &str,
    tweak: impl FnOnce(&mut chorus_server::Config),
) -> TestServer {
    let (first_url, other_url) = (first_url.to_owned(), other_url.to_owned());
    TestServer::with(move |c| {
        for app in &mut c.apps {
            let (url, secret) = if app.id == APP_ID {
                (first_url.clone(), "first-secret")
            } else {
                (other_url.clone(), "other-secret")
            };
            app.webhook_url = Some(url);
            app.webhook_secret = Some(secret.into());
        }
        tweak(c);
    })
    .await
}

#[tokio::test]
async fn each_apps_callbacks_go_to_its_own_url_with_its_own_secret() {
    let (first, first_url) = Receiver::start(true).await;
    let (other, other_url) = Receiver::start(true).await;
    let server = server(&first_url, &other_url, |_| {}).await;
    let (_alice, _events) = server.joined("mine", "alice").await;
    let _carol = join_other_app(&server, "theirs").await;
    for (receiver, app, secret, room) in [
        (&first, APP_ID, "first-secret", "mine"),
        (&other, OTHER_APP_ID, "other-secret", "theirs"),
    ] {
        let seen = eventually("two callbacks", async || {
            let seen = receiver.seen();
            (seen.len() >= 2).then_some(seen)
        })
        .await;
        for callback in &seen {
            assert_eq!(callback.app_id, app);
            assert!(callback.event_data.contains(room), "{callback:?}");
            assert!(signed_with(callback, secret), "{callback:?}");
        }
    }
}

#[tokio::test]
async fn a_receiver_that_never_answers_does_not_hold_up_another_apps_callbacks() {
    // Long enough that no slot the stuck receiver holds frees up during the test.
    const STUCK: Duration = Duration::from_secs(60);
    let (stuck, stuck_url) = Receiver::start(false).await;
    let (other, other_url) = Receiver::start(true).await;
    let server = server(&stuck_url, &other_url, |c| {
        c.webhook_timeout_ms = STUCK.as_millis() as u64;
        c.webhook_concurrency = 2;
    })
    .await;
    // More rooms than slots, each with callbacks the stuck receiver never acknowledges.
    let mut clients = Vec::new();
    for n in 0..4 {
        clients.push(server.joined(&format!("storm-{n}"), "alice").await);
    }
    eventually("the stuck receiver holds its slots", async || {
        (stuck.seen().len() >= 2).then_some(())
    })
    .await;

    let _carol = join_other_app(&server, "calm").await;
    let seen = eventually_within(
        PATIENCE.min(STUCK / 4),
        "the other app's callbacks",
        async || {
            let seen = other.seen();
            (seen.len() >= 2).then_some(seen)
        },
    )
    .await;
    assert!(seen.iter().all(|c| c.app_id == OTHER_APP_ID));
}
