//! The session's subscribe fallback settings: the option and the remote users' priorities.
//! The vendor sets them before joining, so the session keeps them and hands them to the SFU
//! whenever its peer opens (each join), and at once when it is already open. Bounded: a
//! client cannot make the session or the SFU hold priorities for more than
//! [`MAX_PRIORITIES`] users.

use std::collections::HashMap;
use std::sync::Arc;

use chorus_proto::{
    ErrorCode, FallbackOptionParams, RemoteUserPriority, RtcError, SubscribeFallbackOption,
    UserPriorityParams,
};

use super::room::check_id;
use super::{Answer, Session};

/// Most users a session keeps a priority for.
pub(super) const MAX_PRIORITIES: usize = 256;

/// The settings, as last set by the client.
#[derive(Debug, Default)]
pub(super) struct FallbackSettings {
    option: Option<SubscribeFallbackOption>,
    priorities: HashMap<Arc<str>, RemoteUserPriority>,
}

impl Session {
    /// `setSubscribeFallbackOption`.
    pub(super) async fn set_fallback_option(
        &mut self,
        p: FallbackOptionParams,
    ) -> Result<Answer, RtcError> {
        self.fallback.option = Some(p.option);
        if let Some(peer) = self.media_peer_if_open() {
            self.ctx.sfu.set_fallback(peer, p.option).await;
        }
        Ok(Answer::Now)
    }

    /// `setRemoteUserPriority`.
    pub(super) async fn set_user_priority(
        &mut self,
        p: UserPriorityParams,
    ) -> Result<Answer, RtcError> {
        check_id("userId", &p.user_id)?;
        let user: Arc<str> = p.user_id.into();
        let known = self.fallback.priorities.contains_key(&user);
        if !known && self.fallback.priorities.len() >= MAX_PRIORITIES {
            return Err(RtcError::new(
                ErrorCode::InvalidParams,
                format!(
                    "setRemoteUserPriority: priorities are kept for at most {MAX_PRIORITIES} users"
                ),
            ));
        }
        self.fallback.priorities.insert(user.clone(), p.priority);
        if let Some(peer) = self.media_peer_if_open() {
            self.ctx.sfu.set_priority(peer, user, p.priority).await;
        }
        Ok(Answer::Now)
    }

    /// Hands every setting to the SFU: the peer just opened.
    pub(super) async fn push_fallback_settings(&mut self) {
        let Some(peer) = self.media_peer_if_open() else {
            return;
        };
        if let Some(option) = self.fallback.option {
            self.ctx.sfu.set_fallback(peer, option).await;
        }
        let priorities: Vec<_> = self
            .fallback
            .priorities
            .iter()
            .map(|(u, p)| (u.clone(), *p))
            .collect();
        for (user, priority) in priorities {
            self.ctx.sfu.set_priority(peer, user, priority).await;
        }
    }
}
