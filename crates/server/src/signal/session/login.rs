//! The session's login part: logging in to messaging outside rooms, and what a login allows
//! (peer status, messages to other logged-in users, messages to the app's business server).
//! The login registry answers through the outbox; business-server posts run off the session
//! task and answer the same way, so a slow business server never holds up the socket.

use chorus_proto::{
    ErrorCode, LoginParams, RtcError, ServerFrame, ServerMessageResult, ServerParams,
    UserMessageParams,
};

use super::room::check_id;
use super::{Answer, Session, payload};
use crate::clock::now_secs;
use crate::frame::Frame;
use crate::messaging::LoginKey;
use crate::room::Outbound;
use crate::signal::auth::{TokenFor, check_room_token};

/// Most server messages one connection may have in flight; past it a message is refused at
/// once, so a client that floods a slow business server takes no more of its app's slots.
pub(crate) const SERVER_MESSAGES_IN_FLIGHT: usize = 4;

/// A login to messaging outside rooms.
pub(super) struct Login {
    key: LoginKey,
    /// Which of this session's logins this is.
    generation: u64,
    /// Set by `setServerParams`: (signature, url).
    server: Option<ServerParams>,
}

impl Session {
    pub(super) async fn login(&mut self, id: u64, p: LoginParams) -> Result<Answer, RtcError> {
        if let Some(login) = &self.login {
            return Err(RtcError::new(
                ErrorCode::AlreadyLogin,
                format!(
                    "already logged in as {}; call logout first",
                    login.key.user_id
                ),
            ));
        }
        check_id("userId", &p.user_id)?;
        let wanted = TokenFor {
            engine_app: self.engine_app.as_deref(),
            room_id: "",
            user_id: &p.user_id,
            code: ErrorCode::LoginFailed,
        };
        let (app_id, grant) =
            check_room_token(&self.ctx.config.apps, Some(&p.token), &wanted, now_secs())?;
        self.authenticated = true;
        let key = LoginKey {
            app_id: app_id.into(),
            user_id: p.user_id.into(),
        };
        self.logins += 1;
        let generation = self.logins;
        self.ctx
            .logins
            .login(
                key.clone(),
                self.link.clone(),
                generation,
                grant.expires_ms(),
                id,
            )
            .await;
        self.login = Some(Login {
            key,
            generation,
            server: None,
        });
        Ok(Answer::Routed)
    }

    pub(super) async fn logout(&mut self) -> Result<Answer, RtcError> {
        if let Some(login) = self.login.take() {
            self.ctx.logins.logout(login.key, self.link.session).await;
        }
        Ok(Answer::Now)
    }

    fn logged_in(&self, code: ErrorCode) -> Result<&Login, RtcError> {
        self.login
            .as_ref()
            .ok_or_else(|| RtcError::new(code, "not logged in; call login first"))
    }

    /// Replaces the login's token: the login now ends when the new one expires.
    pub(super) async fn update_login_token(&mut self, token: &str) -> Result<Answer, RtcError> {
        let login = self.logged_in(ErrorCode::NotLogin)?;
        let wanted = TokenFor {
            engine_app: Some(&login.key.app_id),
            room_id: "",
            user_id: &login.key.user_id,
            code: ErrorCode::RtmTokenError,
        };
        let (_, grant) = check_room_token(&self.ctx.config.apps, Some(token), &wanted, now_secs())?;
        let (key, generation) = (login.key.clone(), login.generation);
        self.ctx
            .logins
            .renew(key, self.link.session, generation, grant.expires_ms())
            .await;
        Ok(Answer::Now)
    }

    pub(super) async fn peer_status(&mut self, id: u64, peer: String) -> Result<Answer, RtcError> {
        let key = self.logged_in(ErrorCode::NotLogin)?.key.clone();
        check_id("userId", &peer)?;
        self.ctx
            .logins
            .status(key, peer, self.link.clone(), id)
            .await;
        Ok(Answer::Routed)
    }

    pub(super) async fn outside_message(
        &mut self,
        id: u64,
        p: UserMessageParams,
        binary: bool,
    ) -> Result<Answer, RtcError> {
        let from = self.logged_in(ErrorCode::UserMessageNotLogin)?.key.clone();
        check_id("userId", &p.user_id)?;
        let payload = payload(p.message, binary)?;
        self.ctx
            .logins
            .message(from, p.user_id, payload, self.link.clone(), id)
            .await;
        Ok(Answer::Routed)
    }

    pub(super) fn set_server_params(&mut self, params: ServerParams) -> Result<Answer, RtcError> {
        let login = self.logged_in(ErrorCode::NotLogin)?;
        self.ctx
            .business
            .check_url(&login.key.app_id, &params.url)?;
        if let Some(login) = &mut self.login {
            login.server = Some(params);
        }
        Ok(Answer::Now)
    }

    /// Posts to the business server off the session task, answering through the outbox.
    pub(super) fn server_message(
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
        let Ok(slot) = self.server_messages.clone().try_acquire_owned() else {
            return Err(RtcError::new(
                ErrorCode::UserMessageSendToServerError,
                format!(
                    "the business server was not called: {SERVER_MESSAGES_IN_FLIGHT} of this \
                     connection's server messages are in flight already"
                ),
            ));
        };
        let business = self.ctx.business.clone();
        let link = self.link.clone();
        tokio::spawn(async move {
            let _slot = slot;
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
            let _ = link.push(Outbound::Frame(Frame::from(text)));
        });
        Ok(Answer::Routed)
    }

    pub(super) fn logged_out(&mut self, generation: u64) {
        if self
            .login
            .as_ref()
            .is_some_and(|l| l.generation == generation)
        {
            self.login = None;
        }
    }

    /// Ends the login, if any, when the session's connection is gone.
    pub(super) async fn drop_login(&mut self) {
        if let Some(login) = self.login.take() {
            self.ctx.logins.logout(login.key, self.link.session).await;
        }
    }
}
