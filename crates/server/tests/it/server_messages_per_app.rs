//! Server messages are bounded per app and per connection as well as in all: an app whose
//! business server never answers fills its own slots, and another app's messages still go
//! through at once; a client flooding a stuck business server is refused past its own few
//! slots, and another client of its app still goes through.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::*;
use axum::Router;
use axum::routing::post;
use chorus_proto::ErrorCode;
use chorus_sdk::RtcEngine;

/// A business server on loopback: `/stuck` never answers, `/ok` answers `ack`. Counts the
/// requests to `/stuck`.
async fn business() -> (String, Arc<AtomicUsize>) {
    let stuck = Arc::new(AtomicUsize::new(0));
    let count = stuck.clone();
    let app = Router::new()
        .route(
            "/stuck",
            post(move || {
                count.fetch_add(1, Ordering::SeqCst);
                std::future::pending::<&'static str>()
            }),
        )
        .route("/ok", post(|| async { "ack" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, stuck)
}

async fn logged_in_to(server: &TestServer, app_id: &str, key: &str, user: &str) -> RtcEngine {
    let engine = server.engine_for(app_id);
    let token = chorus_token::AccessToken::new(app_id, key, "", user)
        .serialize()
        .unwrap();
    engine.login(&token, user).await.unwrap();
    engine
}

#[tokio::test]
async fn a_stuck_business_server_holds_only_its_own_apps_slots() {
    let (base, stuck) = business().await;
    let server = TestServer::with(|c| {
        for app in &mut c.apps {
            app.business_hosts = vec!["127.0.0.1".into()];
        }
        c.allow_private_targets = true;
        // Long enough that no stuck call ends during the test.
        c.server_message_timeout_ms = 60_000;
        c.server_message_concurrency = 4;
        c.server_message_concurrency_per_app = 2;
    })
    .await;

    let alice = Arc::new(logged_in_to(&server, APP_ID, APP_KEY, "alice").await);
    alice
        .set_server_params("sig", &format!("{base}/stuck"))
        .await
        .unwrap();
    // More messages than all the slots there are.
    for n in 0..5 {
        let alice = alice.clone();
        tokio::spawn(async move { alice.send_server_message(&format!("m{n}")).await });
    }
    eventually(
        "the stuck business server holds the app's slots",
        async || (stuck.load(Ordering::SeqCst) >= 2).then_some(()),
    )
    .await;

    let carol = logged_in_to(&server, OTHER_APP_ID, OTHER_APP_KEY, "carol").await;
    carol
        .set_server_params("sig", &format!("{base}/ok"))
        .await
        .unwrap();
    let answer = tokio::time::timeout(PATIENCE, carol.send_server_message("hi"))
        .await
        .expect("the other app's message does not wait for a slot");
    assert_eq!(answer.unwrap(), "ack");
    assert_eq!(stuck.load(Ordering::SeqCst), 2, "the app got no more slots");
}

#[tokio::test]
async fn one_connection_cannot_take_its_apps_slots() {
    let (base, stuck) = business().await;
    let server = TestServer::with(|c| {
        for app in &mut c.apps {
            app.business_hosts = vec!["127.0.0.1".into()];
        }
        c.allow_private_targets = true;
        c.server_message_timeout_ms = 60_000;
    })
    .await;

    let alice = Arc::new(logged_in_to(&server, APP_ID, APP_KEY, "alice").await);
    alice
        .set_server_params("sig", &format!("{base}/stuck"))
        .await
        .unwrap();
    for n in 0..4 {
        let alice = alice.clone();
        tokio::spawn(async move { alice.send_server_message(&format!("m{n}")).await });
    }
    eventually(
        "the stuck business server holds the connection's four slots",
        async || (stuck.load(Ordering::SeqCst) >= 4).then_some(()),
    )
    .await;
    let refused = tokio::time::timeout(PATIENCE, alice.send_server_message("one too many"))
        .await
        .expect("a fifth message is refused at once, not queued");
    let error = refused.expect_err("the connection's slots are all taken");
    assert_eq!(error.code, ErrorCode::UserMessageSendToServerError);
    assert!(error.message.contains("in flight"), "{}", error.message);
    assert_eq!(
        stuck.load(Ordering::SeqCst),
        4,
        "the fifth never reached the server"
    );

    // Another client of the same app still has the app's slots.
    let bob = logged_in_to(&server, APP_ID, APP_KEY, "bob").await;
    bob.set_server_params("sig", &format!("{base}/ok"))
        .await
        .unwrap();
    let answer = tokio::time::timeout(PATIENCE, bob.send_server_message("hi"))
        .await
        .expect("bob's message does not wait for a slot");
    assert_eq!(answer.unwrap(), "ack");
}
