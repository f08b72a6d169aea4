//! What the server's behaviour tests share beyond the test kit (whose helpers it re-exports):
//! a test server that also knows a second app and an OpenAPI key pair, signed OpenAPI calls,
//! room-event helpers, publishers of known pictures and tones, and the signalling socket seen
//! raw.

use std::time::Duration;

use chorus_proto::Event;
use chorus_sdk::{EngineConfig, EngineEvent, EventStream, RtcEngine, create_engine};
use chorus_server::{ApiCredentials, AppCredentials, Config, RunningServer};
use chorus_sign::{Credentials, SigningRequest, format_x_date, sign};
pub(crate) use chorus_testkit::{
    APP_ID, APP_KEY, PATIENCE, eventually, now_secs, token, token_builder, user_info, wait_for,
};
use serde_json::Value;

mod pictures;
pub(crate) use pictures::{keep_pushing, keep_pushing_with_tone, solid, solid_publisher};

pub(crate) const OTHER_APP_ID: &str = "chorustestapp00000000002";
pub(crate) const OTHER_APP_KEY: &str = "other-app-key";
pub(crate) const AK: &str = "AKTEST";
pub(crate) const SK: &str = "test-secret";

pub(crate) struct TestServer {
    pub(crate) server: RunningServer,
}

impl TestServer {
    pub(crate) async fn start() -> Self {
        Self::with(|_| {}).await
    }

    pub(crate) async fn with(tweak: impl FnOnce(&mut Config)) -> Self {
        let server = chorus_testkit::start_server(|config| {
            config.apps.push(AppCredentials {
                id: OTHER_APP_ID.into(),
                key: OTHER_APP_KEY.into(),
                ..AppCredentials::default()
            });
            config.openapi_keys = vec![ApiCredentials {
                access_key: AK.into(),
                secret_key: SK.into(),
                ..ApiCredentials::default()
            }];
            tweak(config);
        })
        .await;
        TestServer { server }
    }

    pub(crate) fn url(&self) -> String {
        self.server.url()
    }

    pub(crate) fn ws_url(&self) -> String {
        format!(
            "ws://{}{}",
            self.server.local_addr(),
            chorus_proto::SIGNAL_PATH
        )
    }

    pub(crate) fn engine(&self) -> RtcEngine {
        chorus_testkit::engine(&self.url())
    }

    pub(crate) fn engine_for(&self, app_id: &str) -> RtcEngine {
        create_engine(app_id, EngineConfig::new(self.url()))
    }

    /// A client joined to `room` as `user`, with its event stream.
    pub(crate) async fn joined(&self, room: &str, user: &str) -> (RtcEngine, EventStream) {
        chorus_testkit::joined(&self.url(), room, user).await
    }

    /// The text of `/metrics`.
    pub(crate) async fn metrics(&self) -> String {
        reqwest::get(format!("{}/metrics", self.url()))
            .await
            .expect("the server answers /metrics")
            .text()
            .await
            .expect("a metrics text")
    }

    /// The value of the metric `name` (one without labels), if `/metrics` lists it.
    pub(crate) async fn metric(&self, name: &str) -> Option<f64> {
        chorus_testkit::metric(&self.url(), name).await
    }

    /// Signs and sends an OpenAPI request; returns the HTTP status and the envelope.
    pub(crate) async fn api(&self, action: &str, body: Value) -> (u16, Value) {
        self.api_signed(action, &body.to_string(), AK, SK, now_secs())
            .await
    }

    pub(crate) async fn api_signed(
        &self,
        action: &str,
        body: &str,
        ak: &str,
        sk: &str,
        at: u64,
    ) -> (u16, Value) {
        let host = self.server.local_addr().to_string();
        let query = format!("Action={action}&Version=2020-12-01");
        let headers = [
            ("Host", host.as_str()),
            ("Content-Type", "application/json"),
        ];
        let request = SigningRequest {
            method: "POST",
            path: "/",
            query: &query,
            headers: &headers,
            body: body.as_bytes(),
        };
        let signed = sign(
            &request,
            &Credentials::new(ak, sk),
            "cn-north-1",
            "rtc",
            &format_x_date(at),
        );
        let mut http = reqwest::Client::new()
            .post(format!("{}/?{query}", self.url()))
            .header("Content-Type", "application/json");
        for (name, value) in signed.iter() {
            http = http.header(name, value);
        }
        let response = http
            .body(body.to_owned())
            .send()
            .await
            .expect("server answers");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON envelope"))
    }
}

/// The next room event, skipping connection-state events.
pub(crate) async fn next_room_event(events: &mut EventStream) -> Event {
    loop {
        match tokio::time::timeout(PATIENCE, events.next()).await {
            Ok(Some(EngineEvent::Room(event))) => return event,
            Ok(Some(_)) => continue,
            Ok(None) => panic!("event stream ended"),
            Err(_) => panic!("no room event within {PATIENCE:?}"),
        }
    }
}

/// Asserts that no room event arrives for `quiet`.
pub(crate) async fn assert_quiet(events: &mut EventStream, quiet: Duration) {
    let deadline = tokio::time::Instant::now() + quiet;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, events.next()).await {
            Err(_) => return,
            Ok(Some(EngineEvent::Room(event))) => panic!("unexpected event {event:?}"),
            Ok(Some(_)) => {}
            Ok(None) => return,
        }
    }
}

/// The signalling socket seen raw, for tests of the wire itself.
pub(crate) mod raw {
    use futures_util::{SinkExt, StreamExt};
    use serde_json::{Value, json};
    use tokio_tungstenite::tungstenite::Message;

    use super::{PATIENCE, TestServer, token};

    pub(crate) type Socket = tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >;

    pub(crate) async fn connect(server: &TestServer) -> Socket {
        tokio_tungstenite::connect_async(server.ws_url())
            .await
            .expect("websocket connects")
            .0
    }

    pub(crate) async fn send(socket: &mut Socket, text: impl Into<String>) {
        socket
            .send(Message::Text(text.into().into()))
            .await
            .unwrap();
    }

    /// The next text frame, as JSON.
    pub(crate) async fn recv(socket: &mut Socket) -> Value {
        loop {
            let message = tokio::time::timeout(PATIENCE, socket.next())
                .await
                .expect("a frame in time");
            match message.expect("socket open").expect("no socket error") {
                Message::Text(text) => {
                    return serde_json::from_str(&text).expect("server frames are JSON");
                }
                Message::Close(_) => panic!("socket closed"),
                _ => continue,
            }
        }
    }

    pub(crate) fn join_frame(id: u64, room: &str, user: &str) -> String {
        json!({"id": id, "method": "joinRoom", "params": {
            "token": token(room, user), "roomId": room, "userInfo": {"userId": user}
        }})
        .to_string()
    }
}
