//! The engine's subscribe fallback methods: what the server may do to what this engine
//! receives when its downlink is too narrow, and whose video it keeps longest. The server
//! keeps both for the connection, so they may be set before joining, as the vendor asks (the
//! engine sends them again on each new connection after a drop); each step the server takes
//! arrives as `EngineEvent::Room(Event::SimulcastSubscribeFallback)`.

use chorus_proto::{
    FallbackOptionParams, RemoteUserPriority, Request, RtcError, SubscribeFallbackOption,
    UserPriorityParams,
};

use super::RtcEngine;
use crate::validate::check_user_id;

impl RtcEngine {
    /// Sets the subscribe fallback option: with `VideoStreamLow` the server lowers the
    /// simulcast layers received when the downlink estimate falls short, with `AudioOnly` it
    /// then stops video too; both come back as the estimate recovers. `Disable` (the
    /// default) lifts whatever fallback lowered. Set it before joining, as the vendor asks:
    /// turned on in a room it applies from the next join (turning it off applies at once).
    pub async fn set_subscribe_fallback_option(
        &self,
        option: SubscribeFallbackOption,
    ) -> Result<(), RtcError> {
        let request = Request::SetSubscribeFallbackOption(FallbackOptionParams { option });
        self.call(request).await.map(drop)
    }

    /// Sets `user_id`'s priority under fallback: lower-priority users' video is lowered
    /// first and restored last. `Low` when not set.
    pub async fn set_remote_user_priority(
        &self,
        user_id: &str,
        priority: RemoteUserPriority,
    ) -> Result<(), RtcError> {
        self.check_live()?;
        check_user_id(user_id)?;
        let request = Request::SetRemoteUserPriority(UserPriorityParams {
            user_id: user_id.to_owned(),
            priority,
        });
        self.call(request).await.map(drop)
    }
}
