//! chorus-sdk: the Chorus native client, shaped like the veRTC engine.
//!
//! [`create_engine`] makes an [`RtcEngine`]; [`RtcEngine::join_room`] connects to the server
//! (one WebSocket, the protocol of [`chorus_proto`]) and joins; [`RtcEngine::events`] yields
//! what happens in the room and to the connection. Errors are [`RtcError`]s with the
//! contract's codes. A dropped connection is repaired on its own: the engine reconnects,
//! rejoins with the same parameters (the server resumes the session, so others see nothing)
//! and publishes again what was published, or reports `RECONNECT_FAILED`.
//!
//! Messaging: in a room, [`RtcEngine::send_user_message`] and
//! [`RtcEngine::send_room_message`] (and their binary twins); outside rooms, after
//! [`RtcEngine::login`], [`RtcEngine::send_user_message_outside_room`] and, through the
//! app's business server, [`RtcEngine::send_server_message`]. A login, like a room, is
//! restored after a lost connection. Messages from one engine arrive in the order sent.
//!
//! ```no_run
//! use chorus_sdk::{EngineConfig, EngineEvent, RoomConfig, UserInfo, create_engine};
//!
//! # async fn demo(token: &str) -> Result<(), chorus_sdk::RtcError> {
//! let engine = create_engine("123456781234567812345678", EngineConfig::new("http://127.0.0.1:8080"));
//! let mut events = engine.events();
//! let user = UserInfo { user_id: "alice".into(), extra_info: None };
//! engine.join_room(Some(token), "room-1", user, RoomConfig::default()).await?;
//! while let Some(event) = events.next().await {
//!     println!("{}", event.to_json());
//! }
//! # Ok(())
//! # }
//! ```
//!
//! TLS: an `https://` (or `wss://`) server URL makes the engine signal over WSS. The server's
//! certificate is checked against the system's roots; for a private CA, set
//! [`EngineConfig::tls`]. A certificate nobody trusted fails the join with `JOIN_ROOM_FAILED`
//! and a message that says so.
//!
//! ```no_run
//! use chorus_sdk::{ClientTls, EngineConfig, create_engine};
//!
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let mut config = EngineConfig::new("https://rtc.example.com");
//! config.tls = Some(ClientTls::with_ca_file("/etc/chorus/ca.pem".as_ref())?);
//! let engine = create_engine("123456781234567812345678", config);
//! # Ok(())
//! # }
//! ```
//!
//! Media: capture with [`RtcEngine::start_audio_capture`], [`RtcEngine::start_video_capture`]
//! and [`RtcEngine::start_screen_capture`] (tones, audio files, test patterns, y4m files; or
//! push frames after [`RtcEngine::set_video_source_type`]`(.., External)`;
//! [`RtcEngine::set_video_encoder_config`] sets a stream's bitrate and frame rate); a join publishes
//! what is captured unless its [`RoomConfig`] says not to, and receives what others publish
//! unless it turns auto-subscribing off ([`RtcEngine::subscribe_stream`] then). Decoded frames
//! arrive on [`RtcEngine::remote_audio`] and [`RtcEngine::remote_video`]; the events
//! `onRemoteAudioFirstFrame`, `onRemoteVideoFirstFrame`, `onLocalStreamStats` and
//! `onRemoteStreamStats` come on the event stream (the latest figures also from
//! [`RtcEngine::get_local_video_stats`] and its siblings); [`RtcEngine::send_sei_message`] puts
//! bytes into the H.264 video that others get as `onSEIMessageReceived`. Volumes scale what is
//! sent ([`RtcEngine::set_capture_volume`]) and what the app gets of each remote stream
//! ([`RtcEngine::set_playback_volume`]), [`RtcEngine::get_audio_volume`] reads levels, and
//! snapshots say whether the mirror type shows them mirrored. Media travels over two WebRTC transports
//! to the server's SFU (str0m; Opus and H.264 with NACK/RTX), negotiated by the engine itself.
//!
//! ```no_run
//! use chorus_sdk::{AudioCaptureSource, RoomConfig, StreamIndex, UserInfo};
//!
//! # async fn demo(engine: chorus_sdk::RtcEngine, token: &str) -> Result<(), chorus_sdk::RtcError> {
//! engine.start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 }).await?;
//! let user = UserInfo { user_id: "alice".into(), extra_info: None };
//! engine.join_room(Some(token), "room-1", user, RoomConfig::default()).await?;
//! let mut bob = engine.remote_audio("bob", StreamIndex::Main);
//! while let Some(frame) = bob.next().await {
//!     // 20 ms of 48 kHz PCM, lost packets concealed.
//!     let _ = frame.samples;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Public streams: [`RtcEngine::start_push_public_stream`] (from a room) has the server
//! composite users of rooms into one stream; [`RtcEngine::start_play_public_stream`] plays one
//! without joining a room, with a token of the app for the public stream id, its frames on
//! [`RtcEngine::public_stream_video`] and [`RtcEngine::public_stream_audio`].
//!
//! Subtitles: [`RtcEngine::start_subtitle`] has the server recognise (and optionally
//! translate) what each speaker in the room says; the text arrives as the room event
//! `onSubtitleMessageReceived`, state changes as `onSubtitleStateChanged`.
//!
//! Audio mixing: [`RtcEngine::get_audio_mixing_manager`] plays files (preloaded or not, with
//! play counts, volumes, seeking and pitch) and PCM the app pushes into the published audio,
//! reporting on the event stream as `onAudioMixingStateChanged`.
//!
//! Inside, a sans-IO state machine (connection, room and login state, requests in flight with
//! their deadlines, reconnect backoff, keepalive) sits under one tokio task per engine that
//! owns the WebSocket; the handle only sends it calls. Media has a task of its own (the conductor,
//! on a runtime and thread of its own) with capture and decoding on OS threads.

#![warn(clippy::unwrap_used)]

mod caller;
mod cloud_proxy;
mod config;
mod connection;
mod engine;
mod event;
mod login;
mod machine;
mod media;
mod mixing;
mod pending;
mod reception;
mod room;
mod validate;

pub use chorus_media::{AudioFrame, RgbaImage, VideoFrame};
pub use chorus_proto::{
    self as proto, AudioMixingError, AudioMixingState, AudioMixingType, ConnectionState, ErrorCode,
    Event, FallbackOrRecoverReason, ForwardStreamError, ForwardStreamEventType, ForwardStreamInfo,
    ForwardStreamState, ForwardStreamStateInfo, JoinRoomResult, MediaType, MessageEvent,
    RemoteStreamSwitch, RemoteUserPriority, RoomConfig, RtcError, SimulcastStreamType, StreamIndex,
    SubscribeFallbackOption, SubtitleEventType, SubtitleMessage, SubtitleMode, SubtitleStateEvent,
    TrackKind, UserInfo, UserOnlineStatus, VideoSourceType,
};
pub use chorus_tls::ClientTls;
pub use cloud_proxy::CloudProxyInfo;
pub use config::EngineConfig;
pub use engine::{
    RtcEngine, SeiCountPerFrame, create_engine, decode_binary_message, destroy_engine,
};
pub use event::{EngineEvent, EventStream, MediaTransport, StreamStats, TransportState};
pub use media::{
    AudioCaptureSource, AudioSourceType, AudioVolume, EncodedMedia, MediaStream, MirrorType,
    Snapshot, VideoCaptureSource, VideoEncoderConfig,
};
pub use mixing::{AudioMixingConfig, AudioMixingManager, MixingError, MixingPcm};

/// The SDK's version.
pub fn sdk_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
