//! What an engine tells its app: room events relayed from the server, the engine's own
//! connection-state changes, and what its media does (first frames, statistics, transport
//! states), delivered in order through one [`EventStream`]. Depends only on the protocol
//! types and a channel, so the core can produce events without knowing who reads.

use std::pin::Pin;
use std::task::{Context, Poll};

use base64::Engine as _;
use chorus_proto::{
    AudioMixingError, AudioMixingState, ConnectionState, Event, StreamIndex, TrackKind,
};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;

/// One of an engine's two media transports to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaTransport {
    /// Carries what this engine publishes.
    Publisher,
    /// Carries what this engine receives.
    Subscriber,
}

impl MediaTransport {
    fn name(self) -> &'static str {
        match self {
            MediaTransport::Publisher => "publisher",
            MediaTransport::Subscriber => "subscriber",
        }
    }
}

/// The state of a media transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportState {
    /// Negotiated; ICE and DTLS under way.
    Connecting,
    /// Media can flow.
    Connected,
    /// Connectivity was lost; the transport may come back on its own.
    Disconnected,
    /// The transport is gone (negotiation refused, or it broke); publishing again (or the
    /// server's next offer) makes a new one.
    Failed,
}

impl TransportState {
    fn name(self) -> &'static str {
        match self {
            TransportState::Connecting => "connecting",
            TransportState::Connected => "connected",
            TransportState::Disconnected => "disconnected",
            TransportState::Failed => "failed",
        }
    }
}

/// Something that happened to the engine, in its room or to its login.
///
/// Non-exhaustive: match with a wildcard arm, so new events do not break the app.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EngineEvent {
    /// An event the server pushed (`onUserJoined`, `onError`, ...), exactly as it arrived.
    /// (All but `onSubscriberOffer`, which the engine answers itself.)
    ///
    /// After a reconnect that resumed the session (within the server's grace period) the
    /// server replays, in order, every event the engine missed while away; after one that
    /// could not resume (the grace period had passed, or more was missed than the server
    /// keeps) it sends the fresh snapshot of a join: `onUserJoined` and
    /// `onUserPublishStream`/`onUserPublishScreen` for everyone present.
    /// `onError` with `RECONNECT_FAILED` comes from the engine itself: it could not get back
    /// into the room, and is no longer in it (nor logged in, if it could not reconnect at
    /// all). So does `onError` with `RTM_TOKEN_ERROR`: after a reconnect, logging in again
    /// with the latest login token was refused, and the engine is logged out. The server
    /// sends the same when the login token (the latest, after `update_login_token`)
    /// expires: the login ends.
    ///
    /// Message events (`onUserMessageReceived`, `onRoomBinaryMessageReceived`,
    /// `onUserMessageReceivedOutsideRoom`, ...) carry the sender and the text; the binary
    /// ones carry the bytes as standard base64 (see [`crate::decode_binary_message`]).
    ///
    /// Cross-room forwarding reports through `onForwardStreamStateChanged` (a target room
    /// refused or ended a forward, with why) and `onForwardStreamEvent` (each room connected,
    /// disconnected, interrupted by a dropped connection, recovered); see
    /// [`crate::RtcEngine::start_forward_stream_to_rooms`].
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
    /// The first audio of a remote stream was decoded (`onRemoteAudioFirstFrame`), after
    /// each subscribe.
    RemoteAudioFirstFrame {
        /// The publisher.
        user_id: String,
        /// Main or screen.
        stream_index: StreamIndex,
    },
    /// The first picture of a remote stream was decoded (`onRemoteVideoFirstFrame`), after
    /// each subscribe.
    RemoteVideoFirstFrame {
        /// The publisher.
        user_id: String,
        /// Main or screen.
        stream_index: StreamIndex,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// Figures of one published track (`onLocalStreamStats`), every 2 s or so.
    LocalStreamStats {
        /// Main or screen.
        stream_index: StreamIndex,
        /// The figures.
        stats: StreamStats,
    },
    /// Figures of one received track (`onRemoteStreamStats`), every 2 s or so.
    RemoteStreamStats {
        /// The publisher.
        user_id: String,
        /// Main or screen.
        stream_index: StreamIndex,
        /// The figures.
        stats: StreamStats,
    },
    /// A message another user put into their video with `sendSEIMessage`
    /// (`onSEIMessageReceived`), once however many frames carried it.
    SeiMessageReceived {
        /// The publisher.
        user_id: String,
        /// Main or screen.
        stream_index: StreamIndex,
        /// The message's bytes.
        message: Vec<u8>,
    },
    /// A media transport changed state (`onMediaTransportStateChanged`, Chorus's own).
    TransportStateChanged {
        /// Which transport.
        transport: MediaTransport,
        /// Its new state.
        state: TransportState,
        /// Why, when it failed or was lost.
        reason: Option<String>,
    },
    /// The first join through the cloud proxy since [`crate::RtcEngine::start_cloud_proxy`]
    /// succeeded, signalling and relay both (`onCloudProxyConnected`).
    CloudProxyConnected {
        /// How long that join took, from the `join_room` call to the relay allocated, in ms.
        interval: u64,
    },
    /// An audio mixing changed state or failed (`onAudioMixingStateChanged`).
    AudioMixingStateChanged {
        /// The mixing id.
        mix_id: i32,
        /// Its new state (FAILED when `error` is not OK).
        state: AudioMixingState,
        /// Why it failed, or OK.
        error: AudioMixingError,
    },
    /// Where a playing mixing file is (`onAudioMixingPlayingProgress`), as often as its
    /// `AudioMixingConfig::progress_interval_ms` asks.
    AudioMixingPlayingProgress {
        /// The mixing id.
        mix_id: i32,
        /// The position in the file, in milliseconds.
        position_ms: u64,
    },
}

impl EngineEvent {
    /// The contract's callback name: `"onUserJoined"`, ..., `"onConnectionStateChanged"`.
    pub fn name(&self) -> &'static str {
        match self {
            EngineEvent::Room(event) => event.name(),
            EngineEvent::ConnectionStateChanged { .. } => "onConnectionStateChanged",
            EngineEvent::ServerParamsSetResult { .. } => "onServerParamsSetResult",
            EngineEvent::RemoteAudioFirstFrame { .. } => "onRemoteAudioFirstFrame",
            EngineEvent::RemoteVideoFirstFrame { .. } => "onRemoteVideoFirstFrame",
            EngineEvent::LocalStreamStats { .. } => "onLocalStreamStats",
            EngineEvent::RemoteStreamStats { .. } => "onRemoteStreamStats",
            EngineEvent::TransportStateChanged { .. } => "onMediaTransportStateChanged",
            EngineEvent::CloudProxyConnected { .. } => "onCloudProxyConnected",
            EngineEvent::AudioMixingStateChanged { .. } => "onAudioMixingStateChanged",
            EngineEvent::AudioMixingPlayingProgress { .. } => "onAudioMixingPlayingProgress",
            EngineEvent::SeiMessageReceived { .. } => "onSEIMessageReceived",
        }
    }

    /// `{"event": name, "data": {...}}`: room events with the same data as on the wire;
    /// connection changes as `{"state": <number>, "reason"?: string}`; the server params
    /// result as `{"error": <number>}`; first frames as `{"userId", "streamIndex"}` (and
    /// `"width"`, `"height"` for video); statistics as `{"userId"?, "streamIndex", "kind",
    /// "bitrateKbps", "packets", "packetLossRate", "rttMs"?}`; transport changes as
    /// `{"transport": "publisher"|"subscriber", "state": "connecting"|"connected"|
    /// "disconnected"|"failed", "reason"?}`; mixing changes as `{"mixId", "state", "error"}`
    /// (numbers), and their progress as `{"mixId", "progress"}` (ms); SEI messages as
    /// `{"remoteStreamKey": {"userId", "streamIndex"}, "sei": <standard base64>}`.
    pub fn to_json(&self) -> Value {
        let data = match self {
            EngineEvent::Room(event) => {
                return serde_json::to_value(event)
                    .expect("events are plain data and always serialize");
            }
            EngineEvent::ConnectionStateChanged { state, reason } => {
                with_reason(json!({ "state": state.value() }), reason)
            }
            EngineEvent::ServerParamsSetResult { error } => json!({ "error": error }),
            EngineEvent::RemoteAudioFirstFrame {
                user_id,
                stream_index,
            } => json!({ "userId": user_id, "streamIndex": stream_index }),
            EngineEvent::RemoteVideoFirstFrame {
                user_id,
                stream_index,
                width,
                height,
            } => json!({
                "userId": user_id, "streamIndex": stream_index, "width": width, "height": height
            }),
            EngineEvent::LocalStreamStats {
                stream_index,
                stats,
            } => with_stats(json!({ "streamIndex": stream_index }), stats),
            EngineEvent::RemoteStreamStats {
                user_id,
                stream_index,
                stats,
            } => with_stats(
                json!({ "userId": user_id, "streamIndex": stream_index }),
                stats,
            ),
            EngineEvent::SeiMessageReceived {
                user_id,
                stream_index,
                message,
            } => json!({
                "remoteStreamKey": { "userId": user_id, "streamIndex": stream_index },
                "sei": base64::engine::general_purpose::STANDARD.encode(message),
            }),
            EngineEvent::TransportStateChanged {
                transport,
                state,
                reason,
            } => with_reason(
                json!({ "transport": transport.name(), "state": state.name() }),
                reason,
            ),
            EngineEvent::CloudProxyConnected { interval } => json!({ "interval": interval }),
            EngineEvent::AudioMixingStateChanged {
                mix_id,
                state,
                error,
            } => json!({ "mixId": mix_id, "state": state.value(), "error": error.value() }),
            EngineEvent::AudioMixingPlayingProgress {
                mix_id,
                position_ms,
            } => json!({ "mixId": mix_id, "progress": position_ms }),
        };
        json!({ "event": self.name(), "data": data })
    }
}

/// `data` with `"reason"` added when there is one.
fn with_reason(mut data: Value, reason: &Option<String>) -> Value {
    if let Some(reason) = reason {
        data["reason"] = json!(reason);
    }
    data
}

/// `data` with the fields of `stats` added.
fn with_stats(mut data: Value, stats: &StreamStats) -> Value {
    if let (Value::Object(out), Ok(Value::Object(fields))) =
        (&mut data, serde_json::to_value(stats))
    {
        out.extend(fields);
    }
    data
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
    fn media_events_have_their_contract_names_and_camel_case_data() {
        use chorus_proto::TrackKind;
        let event = EngineEvent::RemoteVideoFirstFrame {
            user_id: "bob".into(),
            stream_index: StreamIndex::Screen,
            width: 320,
            height: 240,
        };
        assert_eq!(
            event.to_json(),
            json!({"event": "onRemoteVideoFirstFrame", "data": {"userId": "bob", "streamIndex": 1, "width": 320, "height": 240}})
        );
        let event = EngineEvent::LocalStreamStats {
            stream_index: StreamIndex::Main,
            stats: StreamStats {
                kind: TrackKind::Audio,
                bitrate_kbps: 64.5,
                packets: 100,
                packet_loss_rate: 0.25,
                rtt_ms: Some(3),
            },
        };
        assert_eq!(
            event.to_json(),
            json!({"event": "onLocalStreamStats", "data": {"streamIndex": 0, "kind": "audio", "bitrateKbps": 64.5, "packets": 100, "packetLossRate": 0.25, "rttMs": 3}})
        );
        let event = EngineEvent::TransportStateChanged {
            transport: MediaTransport::Subscriber,
            state: TransportState::Failed,
            reason: Some("gone".into()),
        };
        assert_eq!(
            event.to_json(),
            json!({"event": "onMediaTransportStateChanged", "data": {"transport": "subscriber", "state": "failed", "reason": "gone"}})
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

/// One track's figures over the last interval (about 2 s).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamStats {
    /// Audio or video.
    pub kind: TrackKind,
    /// Media bitrate over the interval, in kbit/s (RTP payload and headers, no
    /// retransmissions).
    pub bitrate_kbps: f64,
    /// Packets sent (local) or received (remote) since the transport started.
    pub packets: u64,
    /// Fraction of packets lost, 0 to 1: as the receiver last reported it (local), or as
    /// counted here (remote). 0 until known.
    pub packet_loss_rate: f32,
    /// Round-trip time to the server in milliseconds, once measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_ms: Option<u32>,
}
