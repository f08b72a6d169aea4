//! The app-facing engine: [`create_engine`], [`destroy_engine`] and the [`RtcEngine`] handle
//! whose methods mirror the veRTC contract. A handle checks what it can without the server
//! (destroyed engine, malformed ids), then hands the call to the engine's task and awaits the
//! answer. It owns no connection state itself: that lives in the task (`connection.rs`) and
//! its state machine (`machine.rs`).

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chorus_proto::{
    ConnectionState, Empty, ErrorCode, JoinRoomParams, JoinRoomResult, MediaParams, MediaType,
    Request, RoomConfig, RtcError, SetUserVisibilityParams, UpdateTokenParams, UserInfo,
};
use serde_json::Value;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot;

use crate::config::{EngineConfig, signal_url};
use crate::connection::{Command, Driver, load_state};
use crate::event::{EngineEvent, EventStream};
use crate::machine::Machine;
use crate::validate::check_join;

/// A handle to one engine: one connection to the server, at most one room at a time.
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
    state: Arc<AtomicU8>,
    destroyed: AtomicBool,
    events: Mutex<Option<UnboundedReceiver<EngineEvent>>>,
    /// The task, until the first call starts it.
    driver: Mutex<Option<Driver>>,
}

/// Creates an engine for `app_id` that talks to the server in `config`. It does not connect
/// yet: the first [`RtcEngine::join_room`] does.
pub fn create_engine(app_id: &str, config: EngineConfig) -> RtcEngine {
    let (commands, commands_rx) = mpsc::unbounded_channel();
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let state = Arc::new(AtomicU8::new(ConnectionState::Start.value()));
    let driver = Driver {
        machine: Machine::new(
            config.server_url.clone(),
            config.request_timeout,
            config.reconnect_timeout,
        ),
        commands: commands_rx,
        events: events_tx,
        state: state.clone(),
        url: signal_url(&config.server_url, app_id),
        connect_timeout: config.request_timeout,
    };
    RtcEngine {
        inner: Arc::new(Inner {
            app_id: app_id.to_owned(),
            commands,
            state,
            destroyed: AtomicBool::new(false),
            events: Mutex::new(Some(events_rx)),
            driver: Mutex::new(Some(driver)),
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
    // A task that never started has nothing to close; dropping it ends the event stream.
    let unstarted = inner
        .driver
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if unstarted.is_none() {
        // The task may already have ended on its own; then there is nothing left to do.
        let _ = inner.commands.send(Command::Destroy);
    }
    Ok(())
}

fn destroyed() -> RtcError {
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
        let result = self.call(Request::JoinRoom(params)).await?;
        serde_json::from_value(result).map_err(|e| {
            RtcError::new(
                ErrorCode::UnexpectedError,
                format!("the server's answer to joinRoom is not a join result: {e}"),
            )
        })
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

    /// Publishes camera and/or microphone (`media`). Without a connection: `NOT_CONNECTED_YET`.
    pub async fn publish_stream(&self, media: MediaType) -> Result<(), RtcError> {
        self.call(Request::PublishStream(MediaParams { media_type: media }))
            .await
            .map(drop)
    }

    /// Stops publishing camera and/or microphone (`media`).
    pub async fn unpublish_stream(&self, media: MediaType) -> Result<(), RtcError> {
        self.call(Request::UnpublishStream(MediaParams { media_type: media }))
            .await
            .map(drop)
    }

    /// Publishes the screen share (`media`).
    pub async fn publish_screen(&self, media: MediaType) -> Result<(), RtcError> {
        self.call(Request::PublishScreen(MediaParams { media_type: media }))
            .await
            .map(drop)
    }

    /// Stops publishing the screen share (`media`).
    pub async fn unpublish_screen(&self, media: MediaType) -> Result<(), RtcError> {
        self.call(Request::UnpublishScreen(MediaParams { media_type: media }))
            .await
            .map(drop)
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

    /// The connection's state, as last reported by `onConnectionStateChanged`.
    pub fn connection_state(&self) -> ConnectionState {
        load_state(&self.inner.state)
    }

    fn check_live(&self) -> Result<(), RtcError> {
        if self.inner.destroyed.load(Ordering::Acquire) {
            return Err(destroyed());
        }
        Ok(())
    }

    /// Hands `request` to the engine's task (starting it if needed) and awaits the answer.
    async fn call(&self, request: Request) -> Result<Value, RtcError> {
        self.check_live()?;
        let unstarted = self
            .inner
            .driver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(driver) = unstarted {
            tokio::spawn(driver.run());
        }
        let (waiter, answer) = oneshot::channel();
        self.inner
            .commands
            .send(Command::Call(request, waiter))
            .map_err(|_| destroyed())?;
        // The task drops the waiter unanswered only when it has ended: destroyed.
        answer.await.unwrap_or_else(|_| Err(destroyed()))
    }
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
