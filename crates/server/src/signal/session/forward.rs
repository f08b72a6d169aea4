//! The session's forwarding calls: each target room's token is checked here as a join's is
//! (this app, that room, this user, unexpired, with a publish privilege), then the call goes
//! to the session's room, which owns the forwarding. A token that fails marks its room alone
//! as failed (`FORWARD_STREAM_ERROR_INVALID_TOKEN`); the others go ahead.

use chorus_proto::{ErrorCode, ForwardStreamInfo, RtcError};
use chorus_token::Privilege;

use super::room::check_id;
use super::{Answer, Session, invalid};
use crate::clock::now_secs;
use crate::room::{ForwardOp, ForwardTarget, SessionRequest};
use crate::signal::auth::{TokenFor, check_room_token};

/// Most target rooms in one call: enough for co-hosting, few enough that one call cannot make
/// the server start rooms by the thousand.
const MAX_FORWARD_ROOMS: usize = 16;

/// Which forwarding call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ForwardCall {
    Stop,
    Pause,
    Resume,
}

impl Session {
    /// `startForwardStreamToRooms` (`start`) or `updateForwardStreamToRooms`.
    pub(super) async fn forward_to(
        &mut self,
        id: u64,
        infos: Vec<ForwardStreamInfo>,
        start: bool,
    ) -> Result<Answer, RtcError> {
        if infos.len() > MAX_FORWARD_ROOMS {
            return Err(invalid(format!(
                "at most {MAX_FORWARD_ROOMS} target rooms at once"
            )));
        }
        let targets = infos
            .into_iter()
            .map(|info| self.forward_target(info))
            .collect::<Result<Vec<_>, _>>()?;
        let op = if start {
            ForwardOp::Start(targets)
        } else {
            ForwardOp::Update(targets)
        };
        self.route_forward(SessionRequest::Forward { id, op }).await
    }

    /// `stopForwardStreamToRooms`, `pauseForwardStreamToAllRooms`,
    /// `resumeForwardStreamToAllRooms`.
    pub(super) async fn forward_call(
        &mut self,
        id: u64,
        call: ForwardCall,
    ) -> Result<Answer, RtcError> {
        let op = match call {
            ForwardCall::Stop => ForwardOp::Stop,
            ForwardCall::Pause => ForwardOp::Pause,
            ForwardCall::Resume => ForwardOp::Resume,
        };
        self.route_forward(SessionRequest::Forward { id, op }).await
    }

    /// Outside a room nothing is forwarded: every call is out of turn.
    async fn route_forward(&mut self, request: SessionRequest) -> Result<Answer, RtcError> {
        self.route_or(request, ErrorCode::UnexpectedInvokeForwardStream)
            .await
    }

    /// One target room with its token checked; a malformed room id fails the whole call.
    fn forward_target(&self, info: ForwardStreamInfo) -> Result<ForwardTarget, RtcError> {
        check_id("roomId", &info.room_id)?;
        let Some((app_id, user_id)) = self.joined_as() else {
            return Err(RtcError::new(
                ErrorCode::UnexpectedInvokeForwardStream,
                "not in a room; join the room to forward from first",
            ));
        };
        let wanted = TokenFor {
            engine_app: Some(app_id),
            room_id: &info.room_id,
            user_id,
            code: ErrorCode::InvalidToken,
        };
        let now = now_secs();
        let grant = check_room_token(&self.ctx.config.apps, Some(&info.token), &wanted, now)
            .ok()
            .map(|(_, grant)| grant)
            .filter(|grant| {
                let now_ms = now * 1000;
                [
                    Privilege::PublishStream,
                    Privilege::PublishAudio,
                    Privilege::PublishVideo,
                ]
                .into_iter()
                .any(|p| grant.allows(p, now_ms))
            });
        Ok(ForwardTarget {
            room_id: info.room_id,
            grant,
        })
    }
}
