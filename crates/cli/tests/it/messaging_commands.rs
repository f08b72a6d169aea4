//! `chorus join` and `chorus login` sending messages, run with the real binary against a
//! server (and a business server) started in the test.

use std::net::SocketAddr;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use chorus_server::RunningServer;
use chorus_testkit::{APP_ID, APP_KEY, start_server};
use serde_json::{Value, json};

use crate::common::Chorus;

/// (X-Chorus-Signature, body) of every request the business server got.
type Received = Arc<Mutex<Vec<(Option<String>, Value)>>>;

/// A Chorus server and a business server, on their own runtime.
struct Servers {
    runtime: tokio::runtime::Runtime,
    chorus: Option<RunningServer>,
    business: SocketAddr,
    received: Received,
}

impl Servers {
    fn start() -> Servers {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        // The test app may use business servers on loopback.
        let chorus = runtime.block_on(start_server(|c| {
            c.apps[0].business_hosts = vec!["127.0.0.1".into()];
            c.allow_private_targets = true;
        }));
        let received: Received = Arc::default();
        let record = received.clone();
        // Answers 200 with "ack:" and the message.
        let app = Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: String| {
                let record = record.clone();
                async move {
                    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                    let signature = headers
                        .get("x-chorus-signature")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let answer = format!("ack:{}", body["Message"].as_str().unwrap_or_default());
                    record.lock().unwrap().push((signature, body));
                    answer
                }
            }),
        );
        let business = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            addr
        });
        Servers {
            runtime,
            chorus: Some(chorus),
            business,
            received,
        }
    }

    fn url(&self) -> String {
        self.chorus.as_ref().expect("running").url()
    }

    /// `chorus <command> --server URL --app-id ID --app-key KEY <args>`.
    fn args(&self, command: &str, args: &[&str]) -> Vec<String> {
        let mut all: Vec<String> = vec![
            command.into(),
            "--server".into(),
            self.url(),
            "--app-id".into(),
            APP_ID.into(),
            "--app-key".into(),
            APP_KEY.into(),
        ];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        all
    }

    fn spawn(&self, command: &str, args: &[&str]) -> Chorus {
        Chorus::spawn(self.args(command, args))
    }

    /// Runs to the end; returns the exit code and the stdout lines as JSON.
    fn run(&self, command: &str, args: &[&str]) -> (Option<i32>, Vec<Value>) {
        let Output { status, stdout, .. } = Command::new(env!("CARGO_BIN_EXE_chorus"))
            .args(self.args(command, args))
            .stderr(Stdio::null())
            .output()
            .expect("chorus runs");
        let lines = String::from_utf8_lossy(&stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
            .collect();
        (status.code(), lines)
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        if let Some(chorus) = self.chorus.take() {
            self.runtime.block_on(chorus.shutdown());
        }
    }
}

fn events<'a>(lines: &'a [Value], event: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["event"] == event).collect()
}

#[test]
fn join_sends_room_and_user_messages_to_another_join_in_order() {
    let servers = Servers::start();
    let bob = servers.spawn(
        "join",
        &["--room", "chat", "--user", "bob", "--duration", "30"],
    );
    bob.event("onJoinRoomResult");
    let (code, lines) = servers.run(
        "join",
        &[
            "--room",
            "chat",
            "--user",
            "alice",
            "--send-user-message",
            "bob:hi bob: first",
            "--send-room-message",
            "hello, room",
            "--send-user-message",
            "bob:-second",
            "--duration",
            "0",
        ],
    );
    assert_eq!(code, Some(0), "{lines:?}");
    let results: Vec<&Value> = lines
        .iter()
        .filter(|l| l["event"].as_str().is_some_and(|e| e.starts_with("send")))
        .collect();
    assert_eq!(
        results,
        [
            &json!({"event": "sendUserMessage", "data": {"ok": true, "userId": "bob", "message": "hi bob: first"}}),
            &json!({"event": "sendRoomMessage", "data": {"ok": true, "message": "hello, room"}}),
            &json!({"event": "sendUserMessage", "data": {"ok": true, "userId": "bob", "message": "-second"}}),
        ]
    );

    let first = bob.event("onUserMessageReceived");
    assert_eq!(
        first["data"],
        json!({"userId": "alice", "message": "hi bob: first"})
    );
    let room = bob.event("onRoomMessageReceived");
    assert_eq!(
        room["data"],
        json!({"userId": "alice", "message": "hello, room"})
    );
    let second = bob.event("onUserMessageReceived");
    assert_eq!(second["data"]["message"], "-second");
}

#[test]
fn a_failed_send_prints_the_error_and_exits_1() {
    let servers = Servers::start();
    let (code, lines) = servers.run(
        "join",
        &[
            "--room",
            "alone",
            "--user",
            "alice",
            "--send-room-message",
            "anyone?",
            "--send-user-message",
            "nobody:hi",
            "--send-room-message",
            "never sent",
            "--duration",
            "5",
        ],
    );
    assert_eq!(code, Some(1), "{lines:?}");
    assert_eq!(events(&lines, "sendRoomMessage").len(), 1, "{lines:?}");
    let last = lines.last().expect("output");
    assert_eq!(last["error"]["code"], "USER_MESSAGE_NO_RECEIVER", "{last}");
    assert!(
        last["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nobody"))
    );

    // The same for chorus login: a message to someone not logged in.
    let (code, lines) = servers.run(
        "login",
        &["--user", "alice", "--send-user-message", "nobody:hi"],
    );
    assert_eq!(code, Some(1), "{lines:?}");
    assert_eq!(
        lines.last().expect("output")["error"]["code"],
        "USER_MESSAGE_NO_RECEIVER"
    );
}

#[test]
fn login_sends_a_message_to_another_login() {
    let servers = Servers::start();
    let bob = servers.spawn("login", &["--user", "bob", "--duration", "30"]);
    assert_eq!(
        bob.event("login")["data"],
        json!({"ok": true, "userId": "bob"})
    );
    let (code, lines) = servers.run(
        "login",
        &[
            "--user",
            "alice",
            "--send-user-message",
            "bob:hello from outside",
            "--duration",
            "0",
        ],
    );
    assert_eq!(code, Some(0), "{lines:?}");
    assert_eq!(
        events(&lines, "sendUserMessageOutsideRoom"),
        [
            &json!({"event": "sendUserMessageOutsideRoom", "data": {"ok": true, "userId": "bob", "message": "hello from outside"}})
        ]
    );
    let got = bob.event("onUserMessageReceivedOutsideRoom");
    assert_eq!(
        got["data"],
        json!({"userId": "alice", "message": "hello from outside"})
    );
}

#[test]
fn login_with_server_params_prints_the_business_servers_answer() {
    let servers = Servers::start();
    let params = format!("sig-123,http://{}/hook", servers.business);
    let (code, lines) = servers.run(
        "login",
        &[
            "--user",
            "alice",
            "--server-params",
            &params,
            "--send-server-message",
            "ping",
            "--duration",
            "0",
        ],
    );
    assert_eq!(code, Some(0), "{lines:?}");
    assert_eq!(
        events(&lines, "onServerParamsSetResult"),
        [&json!({"event": "onServerParamsSetResult", "data": {"error": 200}})]
    );
    assert_eq!(
        events(&lines, "sendServerMessage"),
        [
            &json!({"event": "sendServerMessage", "data": {"ok": true, "message": "ping", "response": "ack:ping"}})
        ]
    );
    let received = servers.received.lock().unwrap().clone();
    assert_eq!(
        received,
        [(
            Some("sig-123".to_owned()),
            json!({"AppId": APP_ID, "UserId": "alice", "Message": "ping", "Binary": false})
        )]
    );

    // Without server params the server message fails.
    let (code, lines) = servers.run("login", &["--user", "alice", "--send-server-message", "x"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        lines.last().expect("output")["error"]["code"],
        "USER_MESSAGE_SERVER_PARAMS_NOTSET"
    );
}

#[test]
fn a_refused_login_exits_1_and_a_login_elsewhere_exits_3() {
    let servers = Servers::start();
    let out = Command::new(env!("CARGO_BIN_EXE_chorus"))
        .args([
            "login",
            "--server",
            &servers.url(),
            "--app-id",
            APP_ID,
            "--app-key",
            "wrong-key",
            "--user",
            "alice",
        ])
        .output()
        .expect("chorus runs");
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    assert_eq!(v["error"]["code"], "LOGIN_FAILED");

    let mut first = servers.spawn("login", &["--user", "alice", "--duration", "30"]);
    first.event("login");
    let _second = servers.spawn("login", &["--user", "alice", "--duration", "30"]);
    let error = first.event("onError");
    assert_eq!(error["data"]["errorCode"], "RTM_DUPLICATE_LOGIN");
    assert_eq!(first.child.wait().expect("exits").code(), Some(3));
}
