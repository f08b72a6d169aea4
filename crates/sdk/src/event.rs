//! What an engine tells its app: room events relayed from the server and the engine's own
//! connection-state changes, delivered in order through one [`EventStream`]. Depends only on
//! the protocol types and a channel, so the core can produce events without knowing who reads.

use std::pin::Pin;
use std::task::{Context, Poll};

use chorus_proto::{ConnectionState, Event};
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;

/// Something that happened to the engine, in its room or to its login.
///
/// Non-exhaustive: match with a wildcard arm, so new events do not break the app.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EngineEvent {
    /// An event the server pushed (`onUserJoined`, `onError`, ...), exactly as it arrived.
    ///
    /// After a reconnect that resumed the session the server repeats `onUserJoined` and
    /// `onUserPublishStream`/`onUserPublishScreen` for everyone present, as on any join.
    /// `onError` with `RECONNECT_FAILED` comes from the engine itself: it could not get back
    /// into the room, and is no longer in it (nor logged in, if it could not reconnect at
    /// all). So does `onError` with `RTM_TOKEN_ERROR`: after a reconnect, logging in again
    /// with the latest login token was refused, and the engine is logged out.
    ///
    /// Message events (`onUserMessageReceived`, `onRoomBinaryMessageReceived`,
    /// `onUserMessageReceivedOutsideRoom`, ...) carry the sender and the text; the binary
    /// ones carry the bytes as standard base64 (see [`crate::decode_binary_message`]).
    Room(Event),
    /// The connection to the server changed state (`onConnectionStateChanged`).
    ConnectionStateChanged {
        /// The new state.
        state: ConnectionState,
        /// Why, when there is more to say than the state (a lost connection's cause).
        reason: Option<String>,
    },
    /// `setServerParams` finished (`onServerParamsSetResult`): `error` is 200 when the
    /// business server is set, otherwise an HTTP-like status saying why not: 400 invalid
    /// parameters, 401 not logged in, 408 no answer in time, 503 no connection, 500 anything
    /// else (the call itself returns the precise error).
    ServerParamsSetResult {
        /// 200 on success.
        error: u16,
    },
}

impl EngineEvent {
    /// The contract's callback name: `"onUserJoined"`, ..., `"onConnectionStateChanged"`.
    pub fn name(&self) -> &'static str {
        match self {
            EngineEvent::Room(event) => event.name(),
            EngineEvent::ConnectionStateChanged { .. } => "onConnectionStateChanged",
            EngineEvent::ServerParamsSetResult { .. } => "onServerParamsSetResult",
        }
    }

    /// `{"event": name, "data": {...}}`: room events with the same data as on the wire;
    /// connection changes as `{"state": <number>, "reason"?: string}`; the server params
    /// result as `{"error": <number>}`.
    pub fn to_json(&self) -> Value {
        match self {
            EngineEvent::Room(event) => {
                serde_json::to_value(event).expect("events are plain data and always serialize")
            }
            EngineEvent::ConnectionStateChanged { state, reason } => {
                let mut data = json!({ "state": state.value() });
                if let Some(reason) = reason {
                    data["reason"] = json!(reason);
                }
                json!({ "event": self.name(), "data": data })
            }
            EngineEvent::ServerParamsSetResult { error } => {
                json!({ "event": self.name(), "data": { "error": error } })
            }
        }
    }
}

/// The engine's events, in order. Buffered without bound, so an app that reads late loses
/// nothing. Ends when the engine is destroyed (or every handle to it is dropped).
#[derive(Debug)]
pub struct EventStream {
    rx: Option<UnboundedReceiver<EngineEvent>>,
}

impl EventStream {
    pub(crate) fn new(rx: Option<UnboundedReceiver<EngineEvent>>) -> Self {
        EventStream { rx }
    }

    /// The next event; `None` once the stream has ended.
    pub async fn next(&mut self) -> Option<EngineEvent> {
        match &mut self.rx {
            Some(rx) => rx.recv().await,
            None => None,
        }
    }
}

impl futures_util::Stream for EventStream {
    type Item = EngineEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<EngineEvent>> {
        match &mut self.get_mut().rx {
            Some(rx) => rx.poll_recv(cx),
            None => Poll::Ready(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use chorus_proto::{ErrorCode, ErrorEvent, TokenWillExpireEvent};

    use super::*;

    #[test]
    fn room_events_keep_their_wire_form() {
        let event = EngineEvent::Room(Event::TokenWillExpire(TokenWillExpireEvent {
            expire_at: 7,
        }));
        assert_eq!(event.name(), "onTokenWillExpire");
        assert_eq!(
            event.to_json(),
            json!({"event": "onTokenWillExpire", "data": {"expireAt": 7}})
        );
        let event = EngineEvent::Room(Event::Error(ErrorEvent {
            error_code: ErrorCode::ReconnectFailed,
            message: "gone".into(),
            forbidden_time: None,
        }));
        assert_eq!(
            event.to_json(),
            json!({"event": "onError", "data": {"errorCode": "RECONNECT_FAILED", "message": "gone"}})
        );
    }

    #[test]
    fn connection_changes_carry_the_state_number() {
        let event = EngineEvent::ConnectionStateChanged {
            state: ConnectionState::Connected,
            reason: None,
        };
        assert_eq!(event.name(), "onConnectionStateChanged");
        assert_eq!(
            event.to_json(),
            json!({"event": "onConnectionStateChanged", "data": {"state": 3}})
        );
        let event = EngineEvent::ConnectionStateChanged {
            state: ConnectionState::Reconnecting,
            reason: Some("connection reset".into()),
        };
        assert_eq!(
            event.to_json(),
            json!({"event": "onConnectionStateChanged", "data": {"state": 4, "reason": "connection reset"}})
        );
    }

    #[test]
    fn the_server_params_result_carries_its_status() {
        let event = EngineEvent::ServerParamsSetResult { error: 200 };
        assert_eq!(event.name(), "onServerParamsSetResult");
        assert_eq!(
            event.to_json(),
            json!({"event": "onServerParamsSetResult", "data": {"error": 200}})
        );
    }
}
