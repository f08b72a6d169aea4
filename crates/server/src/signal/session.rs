//! One client's signalling session: reads its frames, checks what can be checked at the edge
//! (frame shape, ids, sizes, tokens), routes the rest to its room, and writes room output back
//! in the order the room produced it.

use std::sync::Arc;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use chorus_proto::{
    ErrorCode, Event, JoinRoomParams, LoginParams, MAX_EXTRA_INFO_BYTES, MediaType,
    PublisherOfferParams, Request, RequestFrame, RtcError, SdpAnswer, ServerFrame,
    ServerMessageResult, ServerParams, StreamIndex, SubscribeParams, UserMessageParams,
    is_valid_id,
};
use futures_util::SinkExt;
use tokio::sync::mpsc;

use super::auth::check_room_token;
use crate::Ctx;
use crate::clock::now_secs;
use crate::messaging::LoginKey;
use crate::room::{
    Command, JoinArgs, Outbound, Outbox, Payload, RoomHandle, RoomKey, SessionLink, SessionRequest,
    SubscribeOp, link,
};
use crate::sfu::{PeerEvent, PeerId, SfuError};

/// The client's view of an SFU refusal.
fn media_error(e: SfuError) -> RtcError {
    let code = match e {
        SfuError::Sdp(_) | SfuError::Tracks(_) | SfuError::NoPendingOffer => {
            ErrorCode::InvalidParams
        }
        SfuError::UnknownPeer => ErrorCode::NotConnectedYet,
        SfuError::Closed => ErrorCode::PublishFailed,
        SfuError::Full(_) => ErrorCode::IceServerWrong,
    };
    RtcError::new(code, e.to_string())
}

pub(super) async fn run(mut socket: WebSocket, ctx: Arc<Ctx>, engine_app: Option<String>) {
    let (link, mut inbox) = link(ctx.next_session_id());
    let kill = inbox.kill_signal();
    let (media_events, mut media_inbox) = mpsc::channel(16);
    let mut session = Session {
        ctx: ctx.clone(),
        link,
        engine_app,
        room: None,
        login: None,
        logins: 0,
        media: Media {
            events: media_events,
            open: false,
        },
    };
    ctx.metrics.connections.inc();
    // Pings keep a quiet client's connection provably alive (browsers answer them without any
    // script); a client silent past the idle timeout is gone, even if TCP has not noticed.
    let mut ping = tokio::time::interval(ctx.config.ping_interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            biased;
            () = kill.notified() => break,
            _ = ping.tick() => {
                if last_heard.elapsed() > ctx.config.idle_timeout {
                    tracing::debug!(session = session.link.session, "client silent past the idle timeout");
                    break;
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
            out = inbox.recv() => match out {
                Some(Outbound::Frame(frame)) => {
                    if write_burst(&mut socket, &mut inbox, &mut session, frame).await.is_err() {
                        break;
                    }
                }
                Some(Outbound::Detached(key)) => session.detached(&key).await,
                Some(Outbound::LoggedOut(generation)) => session.logged_out(generation),
                // The session holds a sender itself, so the inbox never closes.
                None => break,
            },
            // The session holds a sender itself, so this never yields None.
            Some(event) = media_inbox.recv() => {
                if let Some(frame) = session.media_event(event)
                    && socket.send(Message::Text(Utf8Bytes::from(frame))).await.is_err()
                {
                    break;
                }
            }
            message = socket.recv() => {
                last_heard = tokio::time::Instant::now();
                let reply = match message {
                    Some(Ok(Message::Text(text))) => session.handle(&text).await,
                    Some(Ok(Message::Binary(_))) => Some(ServerFrame::error_json(
                        None,
                        &RtcError::new(ErrorCode::InvalidParams, "binary frames are not part of the protocol; send JSON text"),
                    )),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                if let Some(reply) = reply
                    && socket.send(Message::Text(Utf8Bytes::from(reply))).await.is_err()
                {
                    break;
                }
            }
        }
    }
    session.connection_lost().await;
    ctx.metrics.connections.dec();
}

/// Most frames written before one flush.
const BURST: usize = 64;

/// Writes `first` and whatever else is already queued (up to [`BURST`] frames), then flushes
/// once: with TCP_NODELAY, a flush per frame would send a packet per frame.
async fn write_burst(
    socket: &mut WebSocket,
    inbox: &mut Outbox,
    session: &mut Session,
    first: Utf8Bytes,
) -> Result<(), axum::Error> {
    socket.feed(Message::Text(first)).await?;
    for _ in 1..BURST {
        match inbox.try_recv() {
            Some(Outbound::Frame(frame)) => socket.feed(Message::Text(frame)).await?,
            Some(Outbound::Detached(key)) => session.detached(&key).await,
            Some(Outbound::LoggedOut(generation)) => session.logged_out(generation),
            None => break,
        }
    }
    socket.flush().await
}

struct Joined {
    key: RoomKey,
    user_id: String,
    handle: RoomHandle,
}

/// A login to messaging outside rooms.
struct Login {
    key: LoginKey,
    /// Which of this session's logins this is.
    generation: u64,
    /// Set by `setServerParams`: (signature, url).
    server: Option<ServerParams>,
}

struct Session {
    ctx: Arc<Ctx>,
    link: SessionLink,
    engine_app: Option<String>,
    room: Option<Joined>,
    login: Option<Login>,
    /// Logins made so far, numbering each.
    logins: u64,
    media: Media,
}

/// The session's peer in the SFU: open while the session is in a room.
struct Media {
    /// Where the SFU tells this session things; the receiver is in the session loop.
    events: mpsc::Sender<PeerEvent>,
    open: bool,
}

/// How a request is answered.
enum Answer {
    /// The room answers through the outbox.
    Routed,
    /// Answered here, now, with `{}`.
    Now,
    /// Answered here, now, with this result.
    With(serde_json::Value),
}

fn invalid(message: impl Into<String>) -> RtcError {
    RtcError::new(ErrorCode::InvalidParams, message)
}

/// Checks a message against the contract's limit; binary messages must be base64.
fn payload(message: String, binary: bool) -> Result<Payload, RtcError> {
    Payload::checked(message, binary).map_err(invalid)
}

impl Session {
    /// Handles one text frame; returns the reply to send now, if answered here.
    async fn handle(&mut self, text: &str) -> Option<String> {
        let frame = match RequestFrame::parse(text) {
            Ok(frame) => frame,
            Err(bad) => {
                self.ctx.metrics.request("invalid", "INVALID_PARAMS");
                return Some(ServerFrame::error_json(
                    bad.id,
                    &invalid(bad.error.to_string()),
                ));
            }
        };
        let id = frame.id;
        let method = frame.request.method();
        let result = match frame.request {
            Request::JoinRoom(params) => self.join(id, params).await,
            Request::LeaveRoom(_) => match &self.room {
                Some(_) => self.route(SessionRequest::Leave { id }).await,
                None => Ok(Answer::Now),
            },
            Request::UpdateToken(params) => self.update_token(id, params.token).await,
            Request::SetUserVisibility(params) => {
                self.route(SessionRequest::SetVisible {
                    id,
                    visible: params.visible,
                })
                .await
            }
            Request::PublishStream(p) => {
                self.publish(id, StreamIndex::Main, p.media_type, true)
                    .await
            }
            Request::UnpublishStream(p) => {
                self.publish(id, StreamIndex::Main, p.media_type, false)
                    .await
            }
            Request::PublishScreen(p) => {
                self.publish(id, StreamIndex::Screen, p.media_type, true)
                    .await
            }
            Request::UnpublishScreen(p) => {
                self.publish(id, StreamIndex::Screen, p.media_type, false)
                    .await
            }
            Request::SendUserMessage(p) => self.user_message(id, p, false).await,
            Request::SendUserBinaryMessage(p) => self.user_message(id, p, true).await,
            Request::SendRoomMessage(p) => self.room_message(id, p.message, false).await,
            Request::SendRoomBinaryMessage(p) => self.room_message(id, p.message, true).await,
            Request::Login(p) => self.login(id, p).await,
            Request::Logout(_) => self.logout().await,
            Request::UpdateLoginToken(p) => self.update_login_token(&p.token),
            Request::GetPeerOnlineStatus(p) => self.peer_status(id, p.user_id).await,
            Request::SendUserMessageOutsideRoom(p) => self.outside_message(id, p, false).await,
            Request::SendUserBinaryMessageOutsideRoom(p) => self.outside_message(id, p, true).await,
            Request::SetServerParams(p) => self.set_server_params(p),
            Request::SendServerMessage(p) => self.server_message(id, p.message, false),
            Request::SendServerBinaryMessage(p) => self.server_message(id, p.message, true),
            Request::PublisherOffer(p) => self.publisher_offer(p).await,
            Request::SubscriberAnswer(p) => self.subscriber_answer(p.sdp).await,
            Request::SubscribeStream(p) => {
                self.subscribe(id, SubscribeOp::Subscribe, StreamIndex::Main, p)
                    .await
            }
            Request::UnsubscribeStream(p) => {
                self.subscribe(id, SubscribeOp::Unsubscribe, StreamIndex::Main, p)
                    .await
            }
            Request::SubscribeScreen(p) => {
                self.subscribe(id, SubscribeOp::Subscribe, StreamIndex::Screen, p)
                    .await
            }
            Request::UnsubscribeScreen(p) => {
                self.subscribe(id, SubscribeOp::Unsubscribe, StreamIndex::Screen, p)
                    .await
            }
            Request::PauseAllSubscribedStream(p) => {
                self.route(SessionRequest::PauseAll {
                    id,
                    media: p.media_type,
                    paused: true,
                })
                .await
            }
            Request::ResumeAllSubscribedStream(p) => {
                self.route(SessionRequest::PauseAll {
                    id,
                    media: p.media_type,
                    paused: false,
                })
                .await
            }
            Request::SetRemoteSimulcastStreamType(p) => {
                self.route(SessionRequest::SetLayer {
                    id,
                    user_id: p.user_id,
                    layer: p.stream_type,
                })
                .await
            }
            Request::SetCaptureState(p) => {
                self.route(SessionRequest::CaptureState {
                    id,
                    kind: p.kind,
                    capturing: p.capturing,
                })
                .await
            }
        };
        match result {
            Ok(Answer::Routed) => {
                self.ctx.metrics.request(method, "routed");
                None
            }
            Ok(Answer::Now) => {
                self.ctx.metrics.request(method, "ok");
                Some(ServerFrame::ok_json(id, &serde_json::json!({})))
            }
            Ok(Answer::With(result)) => {
                self.ctx.metrics.request(method, "ok");
                Some(ServerFrame::ok_json(id, &result))
            }
            Err(error) => {
                self.ctx.metrics.request(method, error.code.as_str());
                Some(ServerFrame::error_json(Some(id), &error))
            }
        }
    }

    async fn join(&mut self, id: u64, params: JoinRoomParams) -> Result<Answer, RtcError> {
        let JoinRoomParams {
            token,
            room_id,
            user_info,
            visible,
            room_config,
        } = params;
        if !is_valid_id(&room_id) {
            return Err(invalid("roomId must match [a-zA-Z0-9_@\\-.]{1,128}"));
        }
        if !is_valid_id(&user_info.user_id) {
            return Err(invalid("userId must match [a-zA-Z0-9_@\\-.]{1,128}"));
        }
        if user_info
            .extra_info
            .as_ref()
            .is_some_and(|e| e.len() > MAX_EXTRA_INFO_BYTES)
        {
            return Err(invalid(format!(
                "extraInfo is longer than {MAX_EXTRA_INFO_BYTES} bytes"
            )));
        }
        if let Some(joined) = &self.room {
            return Err(RtcError::new(
                ErrorCode::RepeatJoin,
                format!(
                    "already in room {}; call leaveRoom first",
                    joined.key.room_id
                ),
            ));
        }
        if self.ctx.is_draining() {
            return Err(RtcError::new(
                ErrorCode::JoinRoomFailed,
                "the server is draining for maintenance; join again in a moment",
            ));
        }
        let (app_id, grant) = check_room_token(
            &self.ctx.config.apps,
            self.engine_app.as_deref(),
            token.as_deref(),
            &room_id,
            &user_info.user_id,
            now_secs(),
            ErrorCode::InvalidToken,
        )?;
        let key = RoomKey {
            app_id: app_id.into(),
            room_id: room_id.into(),
        };
        let user_id = user_info.user_id.clone();
        let args = JoinArgs {
            session: self.link.session,
            id,
            info: user_info,
            visible: visible.unwrap_or(true),
            grant,
            auto_audio: room_config
                .as_ref()
                .and_then(|c| c.is_auto_subscribe_audio)
                .unwrap_or(true),
            auto_video: room_config
                .as_ref()
                .and_then(|c| c.is_auto_subscribe_video)
                .unwrap_or(true),
        };
        // The peer exists before the room can ask the SFU to forward to or from it.
        self.open_media().await?;
        let mut command = Command::Session {
            link: self.link.clone(),
            request: SessionRequest::Join(args),
        };
        // A room that just emptied may end between routing and sending: route again once.
        for _ in 0..2 {
            let handle = self.ctx.directory.route(&key);
            match handle.send(command).await {
                Ok(()) => {
                    self.room = Some(Joined {
                        key,
                        user_id,
                        handle,
                    });
                    return Ok(Answer::Routed);
                }
                Err(back) => command = back,
            }
        }
        self.close_media().await;
        Err(RtcError::new(
            ErrorCode::JoinRoomFailed,
            "the room is restarting; join again",
        ))
    }

    async fn update_token(&mut self, id: u64, token: String) -> Result<Answer, RtcError> {
        let Some(joined) = &self.room else {
            return Err(RtcError::new(
                ErrorCode::UpdateTokenBeforeJoin,
                "not in a room; call joinRoom first",
            ));
        };
        let (_, grant) = check_room_token(
            &self.ctx.config.apps,
            Some(&joined.key.app_id),
            Some(&token),
            &joined.key.room_id,
            &joined.user_id,
            now_secs(),
            ErrorCode::UpdateTokenWithInvalidToken,
        )?;
        self.route(SessionRequest::UpdateToken { id, grant }).await
    }

    async fn publish(
        &mut self,
        id: u64,
        index: StreamIndex,
        media: MediaType,
        publish: bool,
    ) -> Result<Answer, RtcError> {
        let request = if publish {
            SessionRequest::Publish { id, index, media }
        } else {
            SessionRequest::Unpublish { id, index, media }
        };
        self.route(request).await
    }

    async fn subscribe(
        &mut self,
        id: u64,
        op: SubscribeOp,
        index: StreamIndex,
        p: SubscribeParams,
    ) -> Result<Answer, RtcError> {
        if !is_valid_id(&p.user_id) {
            return Err(invalid("userId must match [a-zA-Z0-9_@\\-.]{1,128}"));
        }
        self.route(SessionRequest::Subscribe {
            id,
            op,
            user_id: p.user_id,
            index,
            media: p.media_type,
        })
        .await
    }

    /// Gives the session its place on the SFU; a server that cannot take it refuses the join
    /// with ICE_SERVER_WRONG, the contract's "no media node for this join".
    async fn open_media(&mut self) -> Result<(), RtcError> {
        if !self.media.open {
            let events = self.media.events.clone();
            if let Err(e) = self.ctx.sfu.open(self.peer(), events).await {
                return Err(RtcError::new(
                    ErrorCode::IceServerWrong,
                    format!(
                        "joinRoom: no media transport for this session: {e}; try again later or another server"
                    ),
                ));
            }
            self.media.open = true;
        }
        Ok(())
    }

    async fn close_media(&mut self) {
        if std::mem::take(&mut self.media.open) {
            self.ctx.sfu.close(self.peer()).await;
        }
    }

    fn peer(&self) -> PeerId {
        PeerId(self.link.session)
    }

    /// The media transports exist only in a room.
    fn media_peer(&self) -> Result<PeerId, RtcError> {
        match (&self.room, self.media.open) {
            (Some(_), true) => Ok(self.peer()),
            _ => Err(RtcError::new(
                ErrorCode::NotConnectedYet,
                "not in a room; call joinRoom before negotiating media",
            )),
        }
    }

    async fn publisher_offer(&mut self, p: PublisherOfferParams) -> Result<Answer, RtcError> {
        let peer = self.media_peer()?;
        let sdp = self
            .ctx
            .sfu
            .publisher_offer(peer, p.sdp, p.tracks)
            .await
            .map_err(media_error)?;
        Ok(Answer::With(serde_json::json!(SdpAnswer { sdp })))
    }

    async fn subscriber_answer(&mut self, sdp: String) -> Result<Answer, RtcError> {
        let peer = self.media_peer()?;
        self.ctx
            .sfu
            .subscriber_answer(peer, sdp)
            .await
            .map_err(media_error)?;
        Ok(Answer::Now)
    }

    /// What to tell the client about an SFU event, as a frame.
    fn media_event(&self, event: PeerEvent) -> Option<String> {
        match event {
            PeerEvent::SubscriberOffer(offer) => {
                Some(ServerFrame::event_json(&Event::SubscriberOffer(offer)))
            }
            PeerEvent::TransportFailed { reason } => {
                // The client sees its own transport fail and negotiates again.
                tracing::debug!(session = self.link.session, %reason, "media transport failed");
                None
            }
        }
    }

    async fn route(&mut self, request: SessionRequest) -> Result<Answer, RtcError> {
        self.route_or(request, ErrorCode::NotConnectedYet).await
    }

    /// Sends `request` to the room; outside a room, fails with `code`.
    async fn route_or(
        &mut self,
        request: SessionRequest,
        code: ErrorCode,
    ) -> Result<Answer, RtcError> {
        let not_joined = || RtcError::new(code, "not in a room; call joinRoom first");
        let joined = self.room.as_ref().ok_or_else(not_joined)?;
        let command = Command::Session {
            link: self.link.clone(),
            request,
        };
        match joined.handle.send(command).await {
            Ok(()) => Ok(Answer::Routed),
            Err(_) => {
                self.room = None;
                Err(not_joined())
            }
        }
    }

    async fn user_message(
        &mut self,
        id: u64,
        p: UserMessageParams,
        binary: bool,
    ) -> Result<Answer, RtcError> {
        let payload = payload(p.message, binary)?;
        let request = SessionRequest::UserMessage {
            id,
            to: p.user_id,
            payload,
        };
        self.route_or(request, ErrorCode::UserMessageNotJoin).await
    }

    async fn room_message(
        &mut self,
        id: u64,
        message: String,
        binary: bool,
    ) -> Result<Answer, RtcError> {
        let payload = payload(message, binary)?;
        self.route_or(
            SessionRequest::RoomMessage { id, payload },
            ErrorCode::UserMessageNotJoin,
        )
        .await
    }

    async fn login(&mut self, id: u64, p: LoginParams) -> Result<Answer, RtcError> {
        if let Some(login) = &self.login {
            return Err(RtcError::new(
                ErrorCode::AlreadyLogin,
                format!(
                    "already logged in as {}; call logout first",
                    login.key.user_id
                ),
            ));
        }
        if !is_valid_id(&p.user_id) {
            return Err(invalid("userId must match [a-zA-Z0-9_@\\-.]{1,128}"));
        }
        let (app_id, _) = check_room_token(
            &self.ctx.config.apps,
            self.engine_app.as_deref(),
            Some(&p.token),
            "",
            &p.user_id,
            now_secs(),
            ErrorCode::LoginFailed,
        )?;
        let key = LoginKey {
            app_id: app_id.into(),
            user_id: p.user_id.into(),
        };
        self.logins += 1;
        let generation = self.logins;
        self.ctx
            .hub
            .login(key.clone(), self.link.clone(), generation, id)
            .await;
        self.login = Some(Login {
            key,
            generation,
            server: None,
        });
        Ok(Answer::Routed)
    }

    async fn logout(&mut self) -> Result<Answer, RtcError> {
        if let Some(login) = self.login.take() {
            self.ctx.hub.logout(login.key, self.link.session).await;
        }
        Ok(Answer::Now)
    }

    fn logged_in(&self, code: ErrorCode) -> Result<&Login, RtcError> {
        self.login
            .as_ref()
            .ok_or_else(|| RtcError::new(code, "not logged in; call login first"))
    }

    fn update_login_token(&mut self, token: &str) -> Result<Answer, RtcError> {
        let login = self.logged_in(ErrorCode::NotLogin)?;
        check_room_token(
            &self.ctx.config.apps,
            Some(&login.key.app_id),
            Some(token),
            "",
            &login.key.user_id,
            now_secs(),
            ErrorCode::RtmTokenError,
        )?;
        Ok(Answer::Now)
    }

    async fn peer_status(&mut self, id: u64, peer: String) -> Result<Answer, RtcError> {
        let key = self.logged_in(ErrorCode::NotLogin)?.key.clone();
        self.ctx.hub.status(key, peer, self.link.clone(), id).await;
        Ok(Answer::Routed)
    }

    async fn outside_message(
        &mut self,
        id: u64,
        p: UserMessageParams,
        binary: bool,
    ) -> Result<Answer, RtcError> {
        let from = self.logged_in(ErrorCode::UserMessageNotLogin)?.key.clone();
        let payload = payload(p.message, binary)?;
        self.ctx
            .hub
            .message(from, p.user_id, payload, self.link.clone(), id)
            .await;
        Ok(Answer::Routed)
    }

    fn set_server_params(&mut self, params: ServerParams) -> Result<Answer, RtcError> {
        self.logged_in(ErrorCode::NotLogin)?;
        if !params.url.starts_with("http://") || reqwest::Url::parse(&params.url).is_err() {
            return Err(invalid(format!(
                "url must be an http:// URL, got {:?}",
                chorus_proto::clip(&params.url)
            )));
        }
        if let Some(login) = &mut self.login {
            login.server = Some(params);
        }
        Ok(Answer::Now)
    }

    /// Posts to the business server off the session task, answering through the outbox.
    fn server_message(
        &mut self,
        id: u64,
        message: String,
        binary: bool,
    ) -> Result<Answer, RtcError> {
        let login = self.logged_in(ErrorCode::UserMessageNotLogin)?;
        let Some(params) = login.server.clone() else {
            return Err(RtcError::new(
                ErrorCode::UserMessageServerParamsNotset,
                "no business server set; call setServerParams first",
            ));
        };
        let payload = payload(message, binary)?;
        let key = login.key.clone();
        let business = self.ctx.business.clone();
        let link = self.link.clone();
        tokio::spawn(async move {
            let result = business
                .post(
                    &params.url,
                    &params.signature,
                    &key.app_id,
                    &key.user_id,
                    &payload,
                )
                .await;
            let text = match result {
                Ok(response) => ServerFrame::ok_json(id, &ServerMessageResult { response }),
                Err(e) => ServerFrame::error_json(Some(id), &e),
            };
            // A session too far behind to take the answer has been cut off.
            let _ = link.push(Outbound::Frame(Utf8Bytes::from(text)));
        });
        Ok(Answer::Routed)
    }

    fn logged_out(&mut self, generation: u64) {
        if self
            .login
            .as_ref()
            .is_some_and(|l| l.generation == generation)
        {
            self.login = None;
        }
    }

    async fn detached(&mut self, key: &RoomKey) {
        if self.room.as_ref().is_some_and(|joined| joined.key == *key) {
            self.room = None;
            self.close_media().await;
        }
    }

    async fn connection_lost(&mut self) {
        self.close_media().await;
        if let Some(login) = self.login.take() {
            self.ctx.hub.logout(login.key, self.link.session).await;
        }
        if let Some(joined) = self.room.take() {
            let _ = joined
                .handle
                .send(Command::Dropped {
                    session: self.link.session,
                })
                .await;
        }
    }
}
