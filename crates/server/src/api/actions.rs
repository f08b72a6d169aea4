//! The catalogue of OpenAPI actions: each action's name, the HTTP method and the versions the
//! vendor documents for it, and which function does its work. The edge (`api`) checks a
//! request against this table; the action groups (`rooms`, `messages`, `public_streams`) know nothing of it.
//!
//! Methods and versions follow the vendor's API reference and its Go server SDK
//! (volc-sdk-golang `service/rtc/v<version>`): the read action `GetRoomOnlineUsers` is a GET
//! with query parameters, every other action a POST with a JSON body.

use super::caller::Caller;
use super::failure::ActionResult;
use super::{messages, public_streams, records, rooms};

/// How an action's parameters travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    /// `GET`, parameters in the query string, no body.
    Get,
    /// `POST`, parameters in a JSON body.
    Post,
}

/// An action Chorus answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    KickUser,
    DismissRoom,
    BanRoomUser,
    UpdateBanRoomUserRule,
    BanUserStream,
    UnbanUserStream,
    GetRoomOnlineUsers,
    SendUnicast,
    SendRoomUnicast,
    BatchSendRoomUnicast,
    SendBroadcast,
    StartPushPublicStream,
    UpdatePublicStreamParam,
    StopPushPublicStream,
    StartRecord,
    StopRecord,
}

impl Action {
    /// Every action, in the order the docs list them.
    pub(super) const ALL: [Action; 16] = [
        Action::KickUser,
        Action::DismissRoom,
        Action::BanRoomUser,
        Action::UpdateBanRoomUserRule,
        Action::BanUserStream,
        Action::UnbanUserStream,
        Action::GetRoomOnlineUsers,
        Action::SendUnicast,
        Action::SendRoomUnicast,
        Action::BatchSendRoomUnicast,
        Action::SendBroadcast,
        Action::StartPushPublicStream,
        Action::UpdatePublicStreamParam,
        Action::StopPushPublicStream,
        Action::StartRecord,
        Action::StopRecord,
    ];

    /// The action called `name` (the `Action` query value, case-sensitive as the vendor's).
    pub(super) fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The action's name on the wire; also its metrics label.
    pub(super) fn name(self) -> &'static str {
        match self {
            Action::KickUser => "KickUser",
            Action::DismissRoom => "DismissRoom",
            Action::BanRoomUser => "BanRoomUser",
            Action::UpdateBanRoomUserRule => "UpdateBanRoomUserRule",
            Action::BanUserStream => "BanUserStream",
            Action::UnbanUserStream => "UnbanUserStream",
            Action::GetRoomOnlineUsers => "GetRoomOnlineUsers",
            Action::SendUnicast => "SendUnicast",
            Action::SendRoomUnicast => "SendRoomUnicast",
            Action::BatchSendRoomUnicast => "BatchSendRoomUnicast",
            Action::SendBroadcast => "SendBroadcast",
            Action::StartPushPublicStream => "StartPushPublicStream",
            Action::UpdatePublicStreamParam => "UpdatePublicStreamParam",
            Action::StopPushPublicStream => "StopPushPublicStream",
            Action::StartRecord => "StartRecord",
            Action::StopRecord => "StopRecord",
        }
    }

    /// The method the vendor documents for the action.
    pub(super) fn method(self) -> Method {
        match self {
            Action::GetRoomOnlineUsers => Method::Get,
            _ => Method::Post,
        }
    }

    /// Whether the action takes `method`. A GET action also takes a POST with the same
    /// parameters as a JSON body, the form Chorus answered before it took GET, so that
    /// existing callers keep working.
    pub(super) fn takes(self, method: Method) -> bool {
        method == Method::Post || self.method() == method
    }

    /// The versions the action answers to: those the vendor documents for it, plus
    /// 2020-12-01 for GetRoomOnlineUsers, which Chorus answered at that version before.
    pub(super) fn versions(self) -> &'static [&'static str] {
        match self {
            Action::KickUser | Action::DismissRoom => &["2020-12-01"],
            Action::BanRoomUser
            | Action::UpdateBanRoomUserRule
            | Action::BanUserStream
            | Action::UnbanUserStream => &["2020-12-01", "2023-11-01"],
            Action::GetRoomOnlineUsers => &["2020-12-01", "2023-08-01", "2023-11-01"],
            Action::SendUnicast
            | Action::SendRoomUnicast
            | Action::BatchSendRoomUnicast
            | Action::SendBroadcast => &["2020-12-01", "2023-07-20"],
            Action::StartPushPublicStream
            | Action::UpdatePublicStreamParam
            | Action::StopPushPublicStream => &["2020-12-01", "2023-11-01"],
            // The vendor's recording versions, and 2020-12-01, which every Chorus action takes.
            Action::StartRecord | Action::StopRecord => &["2020-12-01", "2022-06-01", "2023-11-01"],
        }
    }

    /// Does the action's work on its parameters, as a JSON object.
    pub(super) async fn run(self, ctx: &Caller<'_>, params: &[u8]) -> ActionResult {
        match self {
            Action::KickUser => rooms::kick_user(ctx, params).await,
            Action::DismissRoom => rooms::dismiss_room(ctx, params).await,
            Action::BanRoomUser => rooms::ban_room_user(ctx, params, false).await,
            Action::UpdateBanRoomUserRule => rooms::ban_room_user(ctx, params, true).await,
            Action::BanUserStream => rooms::ban_user_stream(ctx, params).await,
            Action::UnbanUserStream => rooms::unban_user_stream(ctx, params).await,
            Action::GetRoomOnlineUsers => rooms::online_users(ctx, params).await,
            Action::SendUnicast => messages::send_unicast(ctx, params).await,
            Action::SendRoomUnicast => messages::send_room_unicast(ctx, params).await,
            Action::BatchSendRoomUnicast => messages::batch_send_room_unicast(ctx, params).await,
            Action::SendBroadcast => messages::send_broadcast(ctx, params).await,
            Action::StartPushPublicStream => public_streams::push(ctx, params, false).await,
            Action::UpdatePublicStreamParam => public_streams::push(ctx, params, true).await,
            Action::StopPushPublicStream => public_streams::stop(ctx, params).await,
            Action::StartRecord => records::start(ctx, params).await,
            Action::StopRecord => records::stop(ctx, params).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_only_known_names_parse() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.name()), Some(action));
        }
        assert_eq!(Action::parse("kickuser"), None);
        assert_eq!(Action::parse(""), None);
    }

    #[test]
    fn read_actions_are_get_and_also_take_post() {
        assert!(Action::GetRoomOnlineUsers.takes(Method::Get));
        assert!(Action::GetRoomOnlineUsers.takes(Method::Post));
        assert!(Action::KickUser.takes(Method::Post));
        assert!(!Action::KickUser.takes(Method::Get));
    }
}
