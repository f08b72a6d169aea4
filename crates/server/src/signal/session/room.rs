//! The session's room part: joining (ids, token, drain state), then routing each in-room
//! request to the room task, which answers through the outbox. The room is told when the
//! session's connection is lost; a room that detaches the session ends its media. It reaches
//! a room only through its handle and `SessionRequest`s, never the room's state, so the room
//! task stays the one owner of it.

use chorus_proto::{
    ErrorCode, JoinRoomParams, MAX_EXTRA_INFO_BYTES, MediaType, RtcError, SimulcastParams,
    StreamIndex, SubscribeParams, UserMessageParams, is_valid_id, public_stream_of_room,
};

use super::{Answer, Session, invalid, payload};
use crate::clock::now_secs;
use crate::cluster::ClusterError;
use crate::public::WtnClaim;
use crate::room::{
    Command, JoinArgs, RoomHandle, RoomKey, SessionRequest, SubscribeArgs, SubscribeOp,
};
use crate::signal::auth::{TokenFor, check_room_token};

/// Checks a client-chosen id (`field` names it in the message) before anything keeps or
/// looks it up: every id on every path, so no method lets a client store an arbitrary key.
pub(super) fn check_id(field: &str, id: &str) -> Result<(), RtcError> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{field} must be {}",
            chorus_proto::id_rule()
        )))
    }
}

/// The room the session is in.
pub(super) struct Joined {
    key: RoomKey,
    user_id: String,
    handle: RoomHandle,
    /// The WTN stream id this session pushes, held while it is in the room.
    _wtn: Option<WtnClaim>,
}

impl Session {
    pub(super) async fn join(
        &mut self,
        id: u64,
        params: JoinRoomParams,
    ) -> Result<Answer, RtcError> {
        let JoinRoomParams {
            token,
            room_id,
            user_info,
            visible,
            room_config,
        } = params;
        check_id("roomId", &room_id)?;
        check_id("userId", &user_info.user_id)?;
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
        // A public stream's room is joined with a token for the public stream id; everyone
        // but its compositor (whose user id is the room's name) is an invisible player.
        let public = public_stream_of_room(&room_id);
        let visible = match public {
            Some(_) => visible.unwrap_or(true) && user_info.user_id == room_id,
            None => visible.unwrap_or(true),
        };
        // A player's token is any token of the app for this user: for the public stream id, or
        // for the room the player is in (the Web SDK plays with the token it joined with). The
        // compositor's is for the public stream id.
        let claims = token
            .as_deref()
            .filter(|_| public.is_some())
            .and_then(|t| chorus_token::Claims::parse(t).ok());
        let player_room = claims
            .as_ref()
            .filter(|_| !visible)
            .map(|claims| claims.room_id());
        // A WTN push (the vendor's `startPushWTN`): a user takes the publisher's place with
        // its own token of the app, for any room, as the vendor's takes any room id. The
        // compositor's token is for the publisher's user id itself.
        let wtn_pusher = claims
            .as_ref()
            .filter(|c| visible && c.user_id() != room_id)
            .map(|c| (c.room_id(), c.user_id()));
        let wanted = TokenFor {
            engine_app: self.engine_app.as_deref(),
            room_id: wtn_pusher
                .map(|(room, _)| room)
                .or(player_room)
                .or(public)
                .unwrap_or(&room_id),
            user_id: wtn_pusher.map_or(&user_info.user_id, |(_, user)| user),
            code: ErrorCode::InvalidToken,
        };
        let (app_id, grant) =
            check_room_token(&self.ctx.config.apps, token.as_deref(), &wanted, now_secs())?;
        let wtn = match (public, wtn_pusher) {
            (Some(stream_id), Some(_)) => {
                if !grant.allows(
                    chorus_token::Privilege::PublishStream,
                    crate::clock::now_ms(),
                ) {
                    return Err(RtcError::new(
                        ErrorCode::NoPublishPermission,
                        "pushing a WTN stream needs a token with the publish privilege",
                    ));
                }
                Some(self.ctx.public_streams.claim_wtn(&app_id, stream_id)?)
            }
            _ => None,
        };
        // A player receives and nothing else: a token that cannot subscribe would play nothing.
        if public.is_some()
            && !visible
            && !grant.allows(
                chorus_token::Privilege::SubscribeStream,
                crate::clock::now_ms(),
            )
        {
            return Err(RtcError::new(
                ErrorCode::InvalidToken,
                "playing a public stream needs a token with the subscribe privilege",
            ));
        }
        self.authenticated = true;
        self.media.set_grant(grant.clone());
        let key = RoomKey {
            app_id: app_id.into(),
            room_id: room_id.into(),
        };
        if let Some(cluster) = &self.ctx.cluster
            && self.ctx.directory.get(&key).is_none()
        {
            // A shard's room has its home elsewhere and claims nothing.
            let claimed = match cluster.is_shard(&key) {
                true => Ok(()),
                false => cluster.claim_here(&key).await,
            };
            match claimed {
                Ok(()) => {}
                // A connection that holds nothing here (no login; its room, if any, left)
                // moves to the room's node, as a new connection would have.
                Err(ClusterError::Elsewhere(node)) if self.login.is_none() => {
                    self.relay_to = Some(node);
                    return Ok(Answer::Routed);
                }
                Err(e) => return Err(e.join_error(&key.room_id)),
            }
            // Bans recorded anywhere in the cluster hold in the room from its start.
            cluster
                .load_bans(&key.app_id, &self.ctx.directory)
                .await
                .map_err(|e| e.join_error(&key.room_id))?;
        }
        let user_id = user_info.user_id.clone();
        let ice_servers = self.ctx.config.turn.as_ref().map_or_else(Vec::new, |turn| {
            vec![turn.ice_server(&user_id, grant.expire_at, now_secs())]
        });
        let args = JoinArgs {
            session: self.link.session,
            id,
            info: user_info,
            visible,
            grant,
            auto_audio: room_config
                .as_ref()
                .and_then(|c| c.is_auto_subscribe_audio)
                .unwrap_or(true),
            auto_video: room_config
                .as_ref()
                .and_then(|c| c.is_auto_subscribe_video)
                .unwrap_or(true),
            ice_servers,
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
                    // A resume: subtitles its dropped session had on come here now.
                    self.ctx
                        .subtitles
                        .rejoined(key.clone(), user_id.clone(), self.link.clone());
                    self.room = Some(Joined {
                        key,
                        user_id,
                        handle,
                        _wtn: wtn,
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

    /// The app and user of the room the session is in.
    /// The room the session is in, if any.
    pub(super) fn room_key(&self) -> Option<&RoomKey> {
        self.room.as_ref().map(|joined| &joined.key)
    }

    pub(super) fn joined_as(&self) -> Option<(&str, &str)> {
        let joined = self.room.as_ref()?;
        Some((&joined.key.app_id, &joined.user_id))
    }

    pub(super) async fn update_token(
        &mut self,
        id: u64,
        token: String,
    ) -> Result<Answer, RtcError> {
        let Some(joined) = &self.room else {
            return Err(RtcError::new(
                ErrorCode::UpdateTokenBeforeJoin,
                "not in a room; call joinRoom first",
            ));
        };
        let wanted = TokenFor {
            engine_app: Some(&joined.key.app_id),
            room_id: &joined.key.room_id,
            user_id: &joined.user_id,
            code: ErrorCode::UpdateTokenWithInvalidToken,
        };
        let (_, grant) =
            check_room_token(&self.ctx.config.apps, Some(&token), &wanted, now_secs())?;
        self.media.set_grant(grant.clone());
        self.route(SessionRequest::UpdateToken { id, grant }).await
    }

    pub(super) async fn publish(
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

    pub(super) async fn subscribe(
        &mut self,
        id: u64,
        op: SubscribeOp,
        index: StreamIndex,
        p: SubscribeParams,
    ) -> Result<Answer, RtcError> {
        check_id("userId", &p.user_id)?;
        let args = SubscribeArgs {
            op,
            publisher: p.user_id,
            index,
            media: p.media_type,
        };
        self.route(SessionRequest::Subscribe { id, args }).await
    }

    /// `setRemoteSimulcastStreamType`: the room keeps the choice, so its id is checked first.
    pub(super) async fn set_layer(
        &mut self,
        id: u64,
        p: SimulcastParams,
    ) -> Result<Answer, RtcError> {
        check_id("userId", &p.user_id)?;
        self.route(SessionRequest::SetLayer {
            id,
            user_id: p.user_id,
            layer: p.stream_type,
        })
        .await
    }

    pub(super) async fn route(&mut self, request: SessionRequest) -> Result<Answer, RtcError> {
        self.route_or(request, ErrorCode::NotConnectedYet).await
    }

    /// Sends `request` to the room; outside a room, fails with `code`.
    pub(super) async fn route_or(
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

    pub(super) async fn user_message(
        &mut self,
        id: u64,
        p: UserMessageParams,
        binary: bool,
    ) -> Result<Answer, RtcError> {
        check_id("userId", &p.user_id)?;
        let payload = payload(p.message, binary)?;
        let request = SessionRequest::UserMessage {
            id,
            to: p.user_id,
            payload,
        };
        self.route_or(request, ErrorCode::UserMessageNotJoin).await
    }

    pub(super) async fn room_message(
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

    pub(super) async fn detached(&mut self, key: &RoomKey) {
        if self.room.as_ref().is_some_and(|joined| joined.key == *key) {
            self.room = None;
            self.ctx.subtitles.stop_for(key.clone(), self.link.session);
            self.end_live_transcoding(&key.app_id);
            self.close_media().await;
        }
    }

    /// Leaves the room, if any, as the app's leaveRoom would rather than stay for the
    /// reconnect grace: the node is draining, and the client comes back on another node as a
    /// new session.
    pub(super) async fn leave_for_good(&mut self) {
        if self.room.is_some() {
            // The answer goes to a connection that is closing; id 0 is never a client's.
            let _ = self.route(SessionRequest::Leave { id: 0 }).await;
            if let Some(joined) = self.room.take() {
                self.ctx.subtitles.stop_for(joined.key, self.link.session);
            }
            self.close_media().await;
        }
    }

    /// Tells the room, if any, that the session's connection is gone.
    pub(super) async fn drop_room(&mut self) {
        if let Some(joined) = self.room.take() {
            self.end_live_transcoding(&joined.key.app_id);
            // Subtitles stay on for the grace period, for the user's resume.
            self.ctx
                .subtitles
                .dropped(joined.key.clone(), self.link.session);
            let _ = joined
                .handle
                .send(Command::Dropped {
                    session: self.link.session,
                })
                .await;
        }
    }
}
