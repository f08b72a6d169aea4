//! The app-facing engine: [`create_engine`], [`destroy_engine`] and the [`RtcEngine`] handle
//! whose methods mirror the veRTC contract. A handle checks what it can without the server
//! (destroyed engine, malformed ids), then hands the call to the engine's task and awaits the
//! answer. It owns no connection state itself: that lives in the task (`connection.rs`) and
//! its state machine (`machine/`). The media methods are in `media.rs` beside this file.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use chorus_proto::{
    ConnectionState, Empty, ErrorCode, JoinRoomParams, JoinRoomResult, LoginParams,
    LoginTokenParams, MediaParams, MediaType, MessageParams, PeerParams, PeerStatus, Request,
    RoomConfig, RtcError, ServerMessageResult, ServerParams, SetUserVisibilityParams,
    UpdateTokenParams, UserInfo, UserMessageParams, UserOnlineStatus,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender, WeakUnboundedSender};
use tokio::sync::oneshot;

use crate::caller::{Caller, Command};
use crate::cloud_proxy::ProxySetting;
use crate::config::{EngineConfig, signal_url};
use crate::connection::{Driver, load_state};
use crate::event::{EngineEvent, EventStream};
use crate::machine::Machine;
use crate::media::{Conductor, MediaCall, MediaInput, Outlets, Relaying, Reply};
use crate::mixing::{AudioMixingManager, MixingHub};
use crate::validate::{check_join, check_message, check_user_id};

mod cloud_proxy;
mod fallback;
mod forward;
mod live_transcoding;
mod media;
mod public_stream;
mod subtitle;

pub use media::SeiCountPerFrame;

/// A handle to one engine: one connection to the server, at most one room at a time, and at
/// most one messaging login.
///
/// Cheap to clone; all clones share the engine. The engine's background task starts on the
/// tokio runtime of the first call (calls need one) and ends when the engine is destroyed or
/// its last handle is dropped (which, like [`destroy_engine`], leaves the room first).
#[derive(Clone)]
pub struct RtcEngine {
    inner: Arc<Inner>,
}

struct Inner {
    app_id: String,
    commands: UnboundedSender<Command>,
    /// The media conductor's inbox.
    media: UnboundedSender<MediaInput>,
    /// Decoded remote media and the latest remote pictures.
    outlets: Outlets,
    /// Audio mixing, shared with the audio capture thread.
    mixing: MixingHub,
    state: Arc<AtomicU8>,
    destroyed: AtomicBool,
    events: Mutex<Option<UnboundedReceiver<EngineEvent>>>,
    /// The cloud proxy setting, shared with the signalling and media tasks.
    proxy: ProxySetting,
    /// What `turns:` relays are checked against when a join through the proxy probes one.
    tls: Option<chorus_tls::ClientTls>,
    /// The app's events, held weakly so the stream still ends with the tasks.
    events_tx: WeakUnboundedSender<EngineEvent>,
    /// The signalling and media tasks, until the first call starts them.
    tasks: Mutex<Option<(Driver, Conductor)>>,
}

/// Creates an engine for `app_id` that talks to the server in `config`. It does not connect
/// yet: the first [`RtcEngine::join_room`] does.
pub fn create_engine(app_id: &str, config: EngineConfig) -> RtcEngine {
    let (commands, commands_rx) = mpsc::unbounded_channel();
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let (media, media_rx) = mpsc::unbounded_channel();
    let state = Arc::new(AtomicU8::new(ConnectionState::Start.value()));
    let url = signal_url(&config.server_url, app_id);
    let outlets = Outlets::default();
    let mixing = MixingHub::new(events_tx.clone());
    let proxy = ProxySetting::default();
    let weak_events = events_tx.downgrade();
    let conductor = Conductor::new(
        media_rx,
        Caller::new(&commands),
        events_tx.clone(),
        outlets.clone(),
        mixing.clone(),
        url.clone(),
        Relaying {
            relay_only: config.relay_only,
            proxy: proxy.clone(),
            tls: config.tls.clone(),
        },
    );
    let driver = Driver {
        machine: Machine::new(&config),
        commands: commands_rx,
        events: events_tx,
        media: media.clone(),
        state: state.clone(),
        url,
        connect_timeout: config.request_timeout,
        tls: config.tls.clone(),
        proxy: proxy.clone(),
    };
    RtcEngine {
        inner: Arc::new(Inner {
            app_id: app_id.to_owned(),
            commands,
            media,
            outlets,
            mixing,
            state,
            destroyed: AtomicBool::new(false),
            proxy,
            tls: config.tls.clone(),
            events_tx: weak_events,
            events: Mutex::new(Some(events_rx)),
            tasks: Mutex::new(Some((driver, conductor))),
        }),
    }
}

/// Destroys `engine`: leaves its room (best effort), closes its connection, fails every call
/// still waiting with `INVALID_ENGINE`, and ends its event stream. Every later call on any
/// clone fails with `INVALID_ENGINE`, as does destroying it again.
pub fn destroy_engine(engine: &RtcEngine) -> Result<(), RtcError> {
    let inner = &engine.inner;
    if inner.destroyed.swap(true, Ordering::AcqRel) {
        return Err(destroyed());
    }
    // Tasks that never started have nothing to close; dropping them ends the event stream.
    let unstarted = inner
        .tasks
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if unstarted.is_none() {
        // The tasks may already have ended on their own; then there is nothing left to do.
        let _ = inner.commands.send(Command::Destroy);
        let _ = inner.media.send(MediaInput::Destroy);
    }
    inner.outlets.close();
    Ok(())
}

pub(crate) fn destroyed() -> RtcError {
    RtcError::new(
        ErrorCode::InvalidEngine,
        "the engine was destroyed; create a new one",
    )
}

impl RtcEngine {
    /// The app id the engine was created for.
    pub fn app_id(&self) -> &str {
        &self.inner.app_id
    }

    /// Joins `room_id` as `user_info`, connecting first if needed.
    ///
    /// Fails with `INVALID_PARAMS` at once for a malformed room id, user id or an extraInfo
    /// over 200 bytes; with `JOIN_ROOM_FAILED` when the server cannot be reached; otherwise
    /// with whatever the server answers (`INVALID_TOKEN`, `REPEAT_JOIN`, `ROOM_FORBIDDEN`, ...).
    /// Who is already in the room follows as events. The user joins visible unless
    /// [`RtcEngine::set_user_visibility`]`(false)` was called before.
    pub async fn join_room(
        &self,
        token: Option<&str>,
        room_id: &str,
        user_info: UserInfo,
        room_config: RoomConfig,
    ) -> Result<JoinRoomResult, RtcError> {
        self.check_live()?;
        check_join(room_id, &user_info)?;
        let params = JoinRoomParams {
            token: token.map(str::to_owned),
            room_id: room_id.to_owned(),
            user_info,
            room_config: Some(room_config).filter(|c| *c != RoomConfig::default()),
            visible: None,
        };
        let started = std::time::Instant::now();
        let result: JoinRoomResult = self.call_for(Request::JoinRoom(params)).await?;
        self.check_proxied_join(&result, started).await?;
        Ok(result)
    }

    /// Leaves the room. Succeeds outside a room too. The connection stays open for a later
    /// join; a join still waiting for the connection fails with `OPERATION_CANCEL`, and a
    /// reconnect under way stops.
    pub async fn leave_room(&self) -> Result<(), RtcError> {
        self.call(Request::LeaveRoom(Empty {})).await.map(drop)
    }

    /// Replaces the room token (for example on `onTokenWillExpire`). When the last join failed
    /// with `INVALID_TOKEN`, retries that join with `token` instead and answers as the join
    /// does. Outside a room otherwise: `UPDATE_TOKEN_BEFORE_JOIN`. While reconnecting, the
    /// token is kept for the rejoin.
    pub async fn update_token(&self, token: &str) -> Result<(), RtcError> {
        let request = Request::UpdateToken(UpdateTokenParams {
            token: token.to_owned(),
        });
        self.call(request).await.map(drop)
    }

    /// Becomes visible or invisible to others. Outside a room this sets how the next join
    /// enters; in a room others see `onUserLeave` (`SWITCH_TO_INVISIBLE`) or `onUserJoined`,
    /// and going invisible ends what the user publishes.
    pub async fn set_user_visibility(&self, visible: bool) -> Result<(), RtcError> {
        let request = Request::SetUserVisibility(SetUserVisibilityParams { visible });
        self.call(request).await.map(drop)
    }

    /// Publishes camera and/or microphone (`media`): others see `onUserPublishStream` and,
    /// once subscribed, receive what is captured. Returns once the media transport to the
    /// server is negotiated too (the first publish sets it up), so capture that runs is on
    /// its way. Without a connection: `NOT_CONNECTED_YET`; without the privilege:
    /// `PUBLISH_FAILED` naming it; `PUBLISH_FAILED` also when the transport cannot be set up.
    pub async fn publish_stream(&self, media: MediaType) -> Result<(), RtcError> {
        self.call(Request::PublishStream(MediaParams { media_type: media }))
            .await?;
        self.media_call(MediaCall::AwaitPublisher).await
    }

    /// Stops publishing camera and/or microphone (`media`).
    pub async fn unpublish_stream(&self, media: MediaType) -> Result<(), RtcError> {
        self.call(Request::UnpublishStream(MediaParams { media_type: media }))
            .await
            .map(drop)
    }

    /// Publishes the screen share (`media`; only its video carries media in this SDK), as
    /// [`RtcEngine::publish_stream`] does the main stream.
    pub async fn publish_screen(&self, media: MediaType) -> Result<(), RtcError> {
        self.call(Request::PublishScreen(MediaParams { media_type: media }))
            .await?;
        self.media_call(MediaCall::AwaitPublisher).await
    }

    /// Stops publishing the screen share (`media`).
    pub async fn unpublish_screen(&self, media: MediaType) -> Result<(), RtcError> {
        self.call(Request::UnpublishScreen(MediaParams { media_type: media }))
            .await
            .map(drop)
    }

    /// Sends `message` to `user_id` in the room; answered once the server has queued it for
    /// the receiver. Fails with `INVALID_PARAMS` at once over 64 KB (or for text whose JSON
    /// escaping would exceed the protocol's 128 KiB frame, such as 64 KB of quotes); with
    /// `USER_MESSAGE_NOT_JOIN` outside a room; `USER_MESSAGE_NO_RECEIVER` when `user_id` is
    /// not in the room (or is this user); `USER_MESSAGE_TIMEOUT` when unanswered within
    /// [`EngineConfig::message_timeout`]; `USER_MESSAGE_BROKEN` when the connection drops
    /// (or is being restored) before the answer. Messages from one engine arrive in call
    /// order. The receiver gets `onUserMessageReceived`.
    pub async fn send_user_message(&self, user_id: &str, message: &str) -> Result<(), RtcError> {
        self.check_send(message.len())?;
        let params = UserMessageParams {
            user_id: user_id.to_owned(),
            message: message.to_owned(),
        };
        self.call(Request::SendUserMessage(params)).await.map(drop)
    }

    /// Sends the bytes `message` to `user_id` in the room, as
    /// [`RtcEngine::send_user_message`] does text. The receiver gets
    /// `onUserBinaryMessageReceived` with the bytes in standard base64.
    pub async fn send_user_binary_message(
        &self,
        user_id: &str,
        message: &[u8],
    ) -> Result<(), RtcError> {
        self.check_send(message.len())?;
        let params = UserMessageParams {
            user_id: user_id.to_owned(),
            message: encode(message),
        };
        self.call(Request::SendUserBinaryMessage(params))
            .await
            .map(drop)
    }

    /// Sends `message` to everyone else in the room (`onRoomMessageReceived`). Fails like
    /// [`RtcEngine::send_user_message`], but there is no receiver to miss.
    pub async fn send_room_message(&self, message: &str) -> Result<(), RtcError> {
        self.check_send(message.len())?;
        let params = MessageParams {
            message: message.to_owned(),
        };
        self.call(Request::SendRoomMessage(params)).await.map(drop)
    }

    /// Sends the bytes `message` to everyone else in the room
    /// (`onRoomBinaryMessageReceived`, base64).
    pub async fn send_room_binary_message(&self, message: &[u8]) -> Result<(), RtcError> {
        self.check_send(message.len())?;
        let params = MessageParams {
            message: encode(message),
        };
        self.call(Request::SendRoomBinaryMessage(params))
            .await
            .map(drop)
    }

    /// Logs in to messaging outside rooms as `user_id`, with a token made for room `""`,
    /// connecting first if needed. Independent of rooms: an engine may be logged in, in a
    /// room, or both.
    ///
    /// Fails with `INVALID_PARAMS` at once for a malformed user id; `LOGIN_FAILED` when the
    /// server cannot be reached or refuses the token; `ALREADY_LOGIN` when this engine is
    /// logged in already. Logging in elsewhere as the same user ends this login with
    /// `onError` `RTM_DUPLICATE_LOGIN`. A login survives a lost connection: the engine logs
    /// in again with the latest login token, and on refusal reports `onError`
    /// `RTM_TOKEN_ERROR` and is logged out.
    pub async fn login(&self, token: &str, user_id: &str) -> Result<(), RtcError> {
        self.check_live()?;
        check_user_id(user_id)?;
        let params = LoginParams {
            token: token.to_owned(),
            user_id: user_id.to_owned(),
        };
        self.call(Request::Login(params)).await.map(drop)
    }

    /// Logs out. Succeeds when not logged in too; a login still waiting for the connection
    /// fails with `OPERATION_CANCEL`.
    pub async fn logout(&self) -> Result<(), RtcError> {
        self.call(Request::Logout(Empty {})).await.map(drop)
    }

    /// Replaces the login token. The server ends a login when its token expires (`onError`
    /// `RTM_TOKEN_ERROR`), so renew it before; a re-login after a lost connection uses it too.
    /// Judged by the server when connected (`RTM_TOKEN_ERROR` for a bad token, `NOT_LOGIN`);
    /// kept as is while reconnecting; `NOT_LOGIN` without a connection.
    pub async fn update_login_token(&self, token: &str) -> Result<(), RtcError> {
        let request = Request::UpdateLoginToken(LoginTokenParams {
            token: token.to_owned(),
        });
        self.call(request).await.map(drop)
    }

    /// Whether `user_id` (of this app) is logged in. Needs a login: `NOT_LOGIN` otherwise.
    pub async fn get_peer_online_status(
        &self,
        user_id: &str,
    ) -> Result<UserOnlineStatus, RtcError> {
        let request = Request::GetPeerOnlineStatus(PeerParams {
            user_id: user_id.to_owned(),
        });
        let status: PeerStatus = self.call_for(request).await?;
        Ok(status.status)
    }

    /// Sends `message` to the logged-in user `user_id` (`onUserMessageReceivedOutsideRoom`).
    /// Fails with `INVALID_PARAMS` at once over 64 KB; `USER_MESSAGE_NOT_LOGIN` before
    /// `login`; `USER_MESSAGE_NO_RECEIVER` when `user_id` is not logged in (or is this user);
    /// otherwise as [`RtcEngine::send_user_message`].
    pub async fn send_user_message_outside_room(
        &self,
        user_id: &str,
        message: &str,
    ) -> Result<(), RtcError> {
        self.check_send(message.len())?;
        let params = UserMessageParams {
            user_id: user_id.to_owned(),
            message: message.to_owned(),
        };
        self.call(Request::SendUserMessageOutsideRoom(params))
            .await
            .map(drop)
    }

    /// Sends the bytes `message` to the logged-in user `user_id`
    /// (`onUserBinaryMessageReceivedOutsideRoom`, base64).
    pub async fn send_user_binary_message_outside_room(
        &self,
        user_id: &str,
        message: &[u8],
    ) -> Result<(), RtcError> {
        self.check_send(message.len())?;
        let params = UserMessageParams {
            user_id: user_id.to_owned(),
            message: encode(message),
        };
        self.call(Request::SendUserBinaryMessageOutsideRoom(params))
            .await
            .map(drop)
    }

    /// Sets the app's business server for [`RtcEngine::send_server_message`]: its `url`
    /// (`http://`) and the `signature` it receives in the `X-Chorus-Signature` header. Needs
    /// a login (`NOT_LOGIN`); the server checks the URL (`INVALID_PARAMS`). Reports through
    /// [`EngineEvent::ServerParamsSetResult`] as well (200 on success), emitted before this
    /// returns. Set again on its own after a reconnect.
    pub async fn set_server_params(&self, signature: &str, url: &str) -> Result<(), RtcError> {
        let params = ServerParams {
            signature: signature.to_owned(),
            url: url.to_owned(),
        };
        self.call(Request::SetServerParams(params)).await.map(drop)
    }

    /// Sends `message` to the app's business server, which the Chorus server POSTs it to as
    /// `{"AppId", "UserId", "Message", "Binary": false}`; returns the body of its HTTP 200
    /// answer. Fails with `USER_MESSAGE_NOT_LOGIN` before `login`;
    /// `USER_MESSAGE_SERVER_PARAMS_NOTSET` before `set_server_params`;
    /// `USER_MESSAGE_SEND_TO_SERVER_ERROR` when the business server cannot be reached or
    /// does not answer in time; `USER_MESSAGE_SERVER_RESPONSE_ERROR` when it answers with
    /// another status; otherwise as [`RtcEngine::send_user_message`].
    pub async fn send_server_message(&self, message: &str) -> Result<String, RtcError> {
        self.check_send(message.len())?;
        let params = MessageParams {
            message: message.to_owned(),
        };
        let result: ServerMessageResult = self.call_for(Request::SendServerMessage(params)).await?;
        Ok(result.response)
    }

    /// Sends the bytes `message` to the app's business server (`"Message"` is their base64,
    /// `"Binary": true`); returns the body of its answer, as
    /// [`RtcEngine::send_server_message`].
    pub async fn send_server_binary_message(&self, message: &[u8]) -> Result<String, RtcError> {
        self.check_send(message.len())?;
        let params = MessageParams {
            message: encode(message),
        };
        let result: ServerMessageResult = self
            .call_for(Request::SendServerBinaryMessage(params))
            .await?;
        Ok(result.response)
    }

    /// The engine's events. The first call gets the stream, which holds every event since
    /// the engine was created; any later call gets a stream that ends at once.
    pub fn events(&self) -> EventStream {
        let rx = self
            .inner
            .events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        EventStream::new(rx)
    }

    /// The engine's audio mixing: files and pushed PCM mixed into the published microphone
    /// stream (see [`AudioMixingManager`]).
    pub fn get_audio_mixing_manager(&self) -> AudioMixingManager {
        AudioMixingManager::new(self.inner.mixing.clone())
    }

    /// The connection's state, as last reported by `onConnectionStateChanged`.
    pub fn connection_state(&self) -> ConnectionState {
        load_state(&self.inner.state)
    }

    /// A live engine, and a message within the limit.
    fn check_send(&self, len: usize) -> Result<(), RtcError> {
        self.check_live()?;
        check_message(len)
    }

    pub(crate) fn check_live(&self) -> Result<(), RtcError> {
        if self.inner.destroyed.load(Ordering::Acquire) {
            return Err(destroyed());
        }
        Ok(())
    }

    /// Starts the engine's tasks on the current runtime, if they are not running yet.
    fn start(&self) {
        let unstarted = self
            .inner
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some((driver, conductor)) = unstarted {
            tokio::spawn(driver.run());
            run_media(conductor);
        }
    }

    /// Hands a media call to the conductor (starting the tasks if needed) and awaits the answer.
    pub(crate) async fn media_call<T>(
        &self,
        call: impl FnOnce(Reply<T>) -> MediaCall,
    ) -> Result<T, RtcError> {
        self.check_live()?;
        self.start();
        let (reply, answer) = oneshot::channel();
        self.inner
            .media
            .send(MediaInput::Call(call(reply)))
            .map_err(|_| destroyed())?;
        // The conductor drops the reply unanswered only when it has ended: destroyed.
        answer.await.unwrap_or_else(|_| Err(destroyed()))
    }

    /// The registry of decoded remote media.
    pub(crate) fn outlets(&self) -> &Outlets {
        &self.inner.outlets
    }

    /// [`RtcEngine::call`], with the result read as `T`.
    async fn call_for<T: DeserializeOwned>(&self, request: Request) -> Result<T, RtcError> {
        let method = request.method();
        let result = self.call(request).await?;
        serde_json::from_value(result).map_err(|e| {
            RtcError::new(
                ErrorCode::UnexpectedError,
                format!("the server's answer to {method} is not what the protocol says: {e}"),
            )
        })
    }

    /// Hands `request` to the engine's task (starting it if needed) and awaits the answer.
    pub(crate) async fn call(&self, request: Request) -> Result<Value, RtcError> {
        self.check_live()?;
        self.start();
        let (waiter, answer) = oneshot::channel();
        self.inner
            .commands
            .send(Command::Call(request, waiter))
            .map_err(|_| destroyed())?;
        // The task drops the waiter unanswered only when it has ended: destroyed.
        answer.await.unwrap_or_else(|_| Err(destroyed()))
    }
}

/// Runs the media conductor, and with it the transports, on a thread and runtime of its own:
/// real-time media must not queue behind the app's tasks (or a server's, in one process), nor
/// stall when the app blocks its workers. Should that runtime not start, the app's runtime
/// runs it instead.
fn run_media(conductor: Conductor) {
    let app = tokio::runtime::Handle::current();
    let spawned = std::thread::Builder::new()
        .name("chorus-media".into())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(conductor.run()),
                Err(e) => {
                    tracing::warn!(error = %e, "no media runtime; media runs on the app's");
                    app.spawn(conductor.run());
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the media thread; media calls will fail");
    }
}

fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The bytes of a binary message event's `message` (standard base64), as sent.
pub fn decode_binary_message(message: &str) -> Result<Vec<u8>, RtcError> {
    base64::engine::general_purpose::STANDARD
        .decode(message)
        .map_err(|e| {
            RtcError::new(
                ErrorCode::InvalidParams,
                format!("a binary message is standard base64: {e}"),
            )
        })
}

impl fmt::Debug for RtcEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RtcEngine")
            .field("app_id", &self.inner.app_id)
            .field("connection_state", &self.connection_state())
            .field("destroyed", &self.inner.destroyed.load(Ordering::Relaxed))
            .finish()
    }
}
