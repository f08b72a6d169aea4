//! Where server messages may go: only to the hosts the operator listed for the app, never to
//! loopback or private addresses (as resolved) without the operator's flag, and a failure on
//! the network says the same whatever its cause, so a user cannot map the server's network.
//! Dev mode, on loopback, lets its dev app use any host there.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::common::*;
use axum::Router;
use axum::routing::post;
use chorus_sdk::ErrorCode;
use chorus_server::{Config, RunningServer};

/// How long the Chorus server gives the business server here.
const BUSINESS_TIMEOUT_MS: u64 = 300;

/// A business server on loopback: `/ok` answers `ack`, `/slow` answers after twice the Chorus
/// server's patience. Counts the requests it gets.
async fn business() -> (SocketAddr, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let (ok, slow) = (calls.clone(), calls.clone());
    let app = Router::new()
        .route(
            "/ok",
            post(move || {
                ok.fetch_add(1, Ordering::SeqCst);
                async { "ack" }
            }),
        )
        .route(
            "/slow",
            post(move || {
                slow.fetch_add(1, Ordering::SeqCst);
                async {
                    // Not synchronization: this business server answers too late.
                    tokio::time::sleep(Duration::from_millis(2 * BUSINESS_TIMEOUT_MS)).await;
                    "late"
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, calls)
}

async fn chorus(hosts: &[&str], allow_private: bool) -> RunningServer {
    let hosts: Vec<String> = hosts.iter().map(|h| (*h).to_owned()).collect();
    start_server(move |c: &mut Config| {
        c.server_message_timeout_ms = BUSINESS_TIMEOUT_MS;
        c.apps[0].business_hosts = hosts;
        c.allow_private_targets = allow_private;
    })
    .await
}

#[tokio::test]
async fn a_url_whose_host_is_not_listed_for_the_app_is_refused() {
    let server = chorus(&["api.example.com", "127.0.0.1:1"], true).await;
    let (addr, calls) = business().await;
    let (alice, _events) = logged_in(&server.url(), "alice").await;
    for url in [
        format!("http://{addr}/ok"),
        format!("http://localhost:{}/ok", addr.port()),
        "http://api.example.com.evil.test/".to_owned(),
    ] {
        let e = alice.set_server_params("sig", &url).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidParams, "{url}");
        assert!(e.message.contains("operator"), "{e}");
        assert!(e.message.contains("business-hosts"), "{e}");
    }
    let e = alice.send_server_message("hi").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UserMessageServerParamsNotset);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_listed_name_that_resolves_to_loopback_needs_the_operators_flag() {
    let (addr, calls) = business().await;
    let by_name = format!("http://localhost:{}/ok", addr.port());
    let by_address = format!("http://{addr}/ok");

    let strict = chorus(&["localhost", "127.0.0.1"], false).await;
    let (alice, _events) = logged_in(&strict.url(), "alice").await;
    for url in [&by_name, &by_address] {
        alice.set_server_params("sig", url).await.unwrap();
        let e = alice.send_server_message("hi").await.unwrap_err();
        assert_eq!(e.code, ErrorCode::UserMessageSendToServerError, "{url}");
        assert!(!e.message.contains("127.0.0.1"), "{e}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0, "nothing reached loopback");

    let open = chorus(&["localhost", "127.0.0.1"], true).await;
    let (bob, _events) = logged_in(&open.url(), "bob").await;
    for url in [&by_name, &by_address] {
        bob.set_server_params("sig", url).await.unwrap();
        assert_eq!(bob.send_server_message("hi").await.unwrap(), "ack", "{url}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_closed_port_and_a_timeout_give_the_same_answer() {
    let server = chorus(&["127.0.0.1"], true).await;
    let (addr, _calls) = business().await;
    let closed = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let (alice, _events) = logged_in(&server.url(), "alice").await;
    let mut answers = Vec::new();
    for url in [format!("http://{closed}/ok"), format!("http://{addr}/slow")] {
        alice.set_server_params("sig", &url).await.unwrap();
        let e = alice.send_server_message("hi").await.unwrap_err();
        assert_eq!(e.code, ErrorCode::UserMessageSendToServerError, "{url}");
        assert!(!e.message.contains(&closed.port().to_string()), "{e}");
        answers.push(e.message);
    }
    assert_eq!(answers[0], answers[1]);
}

#[tokio::test]
async fn dev_mode_allows_any_host_on_loopback_but_not_private_addresses() {
    let server = start_server(|c: &mut Config| {
        c.apps.clear();
        c.server_message_timeout_ms = BUSINESS_TIMEOUT_MS;
    })
    .await;
    let dev = server.dev_credentials().expect("no app: dev mode");
    let (app_id, app_key) = (dev.app.id.clone(), dev.app.key.clone());
    let (addr, calls) = business().await;
    let alice = chorus_sdk::create_engine(&app_id, chorus_sdk::EngineConfig::new(server.url()));
    let token = chorus_token::AccessToken::new(&app_id, &app_key, "", "alice")
        .serialize()
        .unwrap();
    alice.login(&token, "alice").await.unwrap();
    alice
        .set_server_params("sig", &format!("http://{addr}/ok"))
        .await
        .unwrap();
    assert_eq!(alice.send_server_message("hi").await.unwrap(), "ack");
    // A private address is still refused, before anything is sent.
    alice
        .set_server_params("sig", "http://10.255.255.1:9/ok")
        .await
        .unwrap();
    let e = alice.send_server_message("hi").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UserMessageSendToServerError);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
