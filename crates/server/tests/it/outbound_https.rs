//! Calls the server makes go out over HTTPS: webhook callbacks reach an `https://` receiver
//! whose certificate a private CA issued (trusted with `ca-file`), and so do server
//! messages to an `https://` business server; a receiver the server has no reason to trust
//! is refused at the handshake and never sees a request.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::common::*;
use axum::Router;
use axum::routing::post;
use chorus_proto::openapi::WebhookCallback;
use chorus_server::{CertSource, ServerTls};
use chorus_testkit::{TestCa, temp_dir};
use hyper_util::rt::TokioIo;
use tower_service::Service;

/// What an HTTPS receiver saw: the bodies of its requests, and handshakes that failed.
#[derive(Default)]
struct Seen {
    bodies: Mutex<Vec<String>>,
    refused_handshakes: AtomicUsize,
}

/// Serves `POST /hook` (answers 200) and `POST /business` (answers `ack: BODY`) over HTTPS
/// with a certificate `ca` issued for 127.0.0.1; returns its address.
async fn https_receiver(ca: &TestCa, seen: Arc<Seen>) -> SocketAddr {
    let files = ca.issue_into(&["127.0.0.1", "localhost"], &temp_dir("receiver"));
    let tls = ServerTls::new(CertSource::Files {
        cert: files.cert,
        key: files.key,
    })
    .expect("the receiver's certificate loads");
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.config());
    let hooks = seen.clone();
    let business = seen.clone();
    let app = Router::new()
        .route(
            "/hook",
            post(move |body: String| async move {
                hooks.bodies.lock().unwrap().push(body);
            }),
        )
        .route(
            "/business",
            post(move |body: String| async move {
                business.bodies.lock().unwrap().push(body.clone());
                format!("ack: {body}")
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let (acceptor, app, seen) = (acceptor.clone(), app.clone(), seen.clone());
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(tcp).await else {
                    seen.refused_handshakes.fetch_add(1, Ordering::SeqCst);
                    return;
                };
                let service = hyper::service::service_fn(move |request| app.clone().call(request));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

fn ca_file(ca: &TestCa) -> std::path::PathBuf {
    let path = temp_dir("ca").join("ca.pem");
    std::fs::write(&path, ca.pem()).unwrap();
    path
}

#[tokio::test]
async fn webhooks_reach_an_https_receiver_whose_ca_is_trusted() {
    let ca = TestCa::new("Receiver CA");
    let seen = Arc::new(Seen::default());
    let addr = https_receiver(&ca, seen.clone()).await;
    let ca_path = ca_file(&ca);
    let server = TestServer::with(|c| {
        c.webhook_url = Some(format!("https://localhost:{}/hook", addr.port()));
        c.ca_file = Some(ca_path);
    })
    .await;

    let (alice, _events) = server.joined("secure", "alice").await;
    alice.leave_room().await.unwrap();
    let callbacks = eventually("the callbacks arrive over HTTPS", async || {
        let bodies = seen.bodies.lock().unwrap().clone();
        let callbacks: Vec<WebhookCallback> = bodies
            .iter()
            .map(|b| serde_json::from_str(b).expect("a callback body"))
            .collect();
        callbacks
            .iter()
            .any(|c| c.event_type == "RoomDestroy")
            .then_some(callbacks)
    })
    .await;
    let types: Vec<&str> = callbacks.iter().map(|c| c.event_type.as_str()).collect();
    assert_eq!(
        types,
        ["RoomCreate", "UserJoinRoom", "UserLeaveRoom", "RoomDestroy"],
        "{callbacks:?}"
    );
    assert!(callbacks.iter().all(|c| c.app_id == APP_ID));
    assert_eq!(seen.refused_handshakes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_webhook_receiver_with_an_untrusted_certificate_gets_no_callback() {
    let ca = TestCa::new("Receiver CA");
    let seen = Arc::new(Seen::default());
    let addr = https_receiver(&ca, seen.clone()).await;
    // The server trusts the system's roots and another CA, not the receiver's.
    let other = ca_file(&TestCa::new("Another CA"));
    let server = TestServer::with(|c| {
        c.webhook_url = Some(format!("https://127.0.0.1:{}/hook", addr.port()));
        c.ca_file = Some(other);
    })
    .await;

    let (alice, _events) = server.joined("insecure", "alice").await;
    alice.leave_room().await.unwrap();
    eventually("the server counts the callbacks failed", async || {
        (server.metric("chorus_webhooks_failed_total").await? >= 1.0).then_some(())
    })
    .await;
    assert!(seen.refused_handshakes.load(Ordering::SeqCst) >= 1);
    assert!(
        seen.bodies.lock().unwrap().is_empty(),
        "no request got through"
    );
}

#[tokio::test]
async fn server_messages_reach_an_https_business_server() {
    let ca = TestCa::new("Business CA");
    let seen = Arc::new(Seen::default());
    let addr = https_receiver(&ca, seen.clone()).await;
    let ca_path = ca_file(&ca);
    let server = TestServer::with(|c| {
        for app in &mut c.apps {
            app.business_hosts = vec!["127.0.0.1".into()];
        }
        c.allow_private_targets = true;
        c.ca_file = Some(ca_path);
    })
    .await;
    let alice = server.engine();
    let token = chorus_token::AccessToken::new(APP_ID, APP_KEY, "", "alice")
        .serialize()
        .unwrap();
    alice.login(&token, "alice").await.unwrap();
    alice
        .set_server_params(
            "sig",
            &format!("https://127.0.0.1:{}/business", addr.port()),
        )
        .await
        .unwrap();
    let answer = alice.send_server_message("over TLS").await.unwrap();
    let bodies = seen.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1);
    let sent: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(sent["Message"], "over TLS", "{sent}");
    assert_eq!(sent["UserId"], "alice", "{sent}");
    // The receiver's answer came back through the same TLS connection.
    assert_eq!(answer, format!("ack: {}", bodies[0]));
}
