//! Bans as one room enforces them: the room itself, users within it, and users banned across
//! the whole app (a copy the directory keeps current).

use std::collections::HashMap;

use chorus_proto::{ErrorCode, RtcError};

use super::grant::Millis;

/// Who a ban covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum BanScope {
    /// Everyone in the room.
    Room,
    /// One user in this room.
    RoomUser(String),
    /// One user in every room of the app.
    User(String),
}

impl BanScope {
    pub(crate) fn covers(&self, user_id: &str) -> bool {
        match self {
            BanScope::Room => true,
            BanScope::RoomUser(u) | BanScope::User(u) => u == user_id,
        }
    }

    /// The code a covered user sees.
    pub(crate) fn code(&self) -> ErrorCode {
        match self {
            BanScope::Room => ErrorCode::RoomForbidden,
            BanScope::RoomUser(_) | BanScope::User(_) => ErrorCode::UserForbidden,
        }
    }
}

/// The bans that apply to one room, with their ends.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bans {
    until: HashMap<BanScope, Millis>,
}

impl Bans {
    pub(crate) fn set(&mut self, scope: BanScope, until: Millis) {
        self.until.insert(scope, until);
    }

    pub(crate) fn lift(&mut self, scope: &BanScope) {
        self.until.remove(scope);
    }

    /// The ban that refuses `user_id` at `now`, if any: the error to answer with.
    pub(crate) fn refusal(&mut self, user_id: &str, now: Millis) -> Option<RtcError> {
        self.until.retain(|_, until| *until > now);
        let (scope, until) = self
            .until
            .iter()
            .filter(|(scope, _)| scope.covers(user_id))
            .max_by_key(|(_, until)| **until)?;
        let secs = (until - now).div_ceil(1000);
        let what = match scope {
            BanScope::Room => "this room is banned".to_owned(),
            BanScope::RoomUser(u) => format!("user {u} is banned from this room"),
            BanScope::User(u) => format!("user {u} is banned"),
        };
        Some(RtcError::new(
            scope.code(),
            format!("{what} for {secs} more seconds; try again after the ban ends"),
        ))
    }
}
