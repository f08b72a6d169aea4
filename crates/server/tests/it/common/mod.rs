//! A real server on loopback, SDK clients, signed OpenAPI calls, and event helpers shared by
//! the behaviour tests.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chorus_proto::{Event, RoomConfig, UserInfo};
use chorus_sdk::{EngineConfig, EngineEvent, EventStream, RtcEngine, create_engine};
use chorus_server::{ApiCredentials, AppCredentials, Config, RunningServer};
use chorus_sign::{Credentials, SigningRequest, format_x_date, sign};
use chorus_token::{AccessToken, Privilege};
use serde_json::Value;

pub(crate) const APP_ID: &str = "chorustestapp00000000001";
pub(crate) const APP_KEY: &str = "test-app-key";
pub(crate) const OTHER_APP_ID: &str = "chorustestapp00000000002";
pub(crate) const OTHER_APP_KEY: &str = "other-app-key";
pub(crate) const AK: &str = "AKTEST";
pub(crate) const SK: &str = "test-secret";

/// How long a test waits for something that should happen.
pub(crate) const PATIENCE: Duration = Duration::from_secs(5);

pub(crate) struct TestServer {
    pub(crate) server: RunningServer,
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

impl TestServer {
    pub(crate) async fn start() -> Self {
        Self::with(|_| {}).await
    }

    pub(crate) async fn with(tweak: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            rtc_port: 0,
            apps: vec![
                AppCredentials {
                    id: APP_ID.into(),
                    key: APP_KEY.into(),
                },
                AppCredentials {
                    id: OTHER_APP_ID.into(),
                    key: OTHER_APP_KEY.into(),
                },
            ],
            openapi_keys: vec![ApiCredentials {
                access_key: AK.into(),
                secret_key: SK.into(),
            }],
            ..Config::default()
        };
        tweak(&mut config);
        TestServer {
            server: chorus_server::start(config).await.expect("server starts"),
        }
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
        self.engine_for(APP_ID)
    }

    pub(crate) fn engine_for(&self, app_id: &str) -> RtcEngine {
        create_engine(app_id, EngineConfig::new(self.url()))
    }

    /// A client joined to `room` as `user`, with its event stream.
    pub(crate) async fn joined(&self, room: &str, user: &str) -> (RtcEngine, EventStream) {
        let engine = self.engine();
        let events = engine.events();
        engine
            .join_room(
                Some(&token(room, user)),
                room,
                user_info(user),
                RoomConfig::default(),
            )
            .await
            .unwrap_or_else(|e| panic!("{user} joins {room}: {e}"));
        (engine, events)
    }

    /// Signs and sends an OpenAPI request; returns the HTTP status and the envelope.
    pub(crate) async fn api(&self, action: &str, body: Value) -> (u16, Value) {
        self.api_signed(action, &body.to_string(), AK, SK, now())
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

pub(crate) fn user_info(user: &str) -> UserInfo {
    UserInfo {
        user_id: user.into(),
        extra_info: None,
    }
}

/// A room token for the test app: publish and subscribe, never expiring.
pub(crate) fn token(room: &str, user: &str) -> String {
    token_builder(room, user).serialize().unwrap()
}

pub(crate) fn token_builder(room: &str, user: &str) -> AccessToken {
    AccessToken::new(APP_ID, APP_KEY, room, user)
        .add_privilege(Privilege::PublishStream, 0)
        .add_privilege(Privilege::SubscribeStream, 0)
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

/// Waits for the first room event `pick` accepts, skipping the others.
pub(crate) async fn wait_for<T>(
    events: &mut EventStream,
    mut pick: impl FnMut(&Event) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, events.next()).await {
            Ok(Some(EngineEvent::Room(event))) => {
                if let Some(found) = pick(&event) {
                    return found;
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => panic!("event stream ended"),
            Err(_) => panic!("the awaited event did not come within {PATIENCE:?}"),
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
