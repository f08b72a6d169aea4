//! What the server's operators do to a room through the OpenAPI: kick, dismiss, ban, and ask
//! who is there. Part of the room core (same sans-IO rules).

use chorus_proto::{ErrorCode, openapi::RoomOnlineUsers};

use super::ban::BanScope;
use super::core::{Removal, Room};
use super::grant::Millis;
use super::membership::is_own_client;
use super::participant::Participant;

impl Room {
    /// The OpenAPI removes `user`. Returns whether they were here.
    pub(crate) fn kick(&mut self, user: &str) -> bool {
        if !self.users.contains_key(user) {
            return false;
        }
        let message = format!("removed from room {} by the server", self.id);
        self.remove(user, Removal::by_admin(ErrorCode::KickedOut, message, None));
        true
    }

    /// The OpenAPI dismisses the room: everyone goes.
    pub(crate) fn dismiss(&mut self) {
        let users: Vec<String> = self.users.keys().cloned().collect();
        for user in users {
            let message = format!("room {} was dismissed by the server", self.id);
            self.remove(
                &user,
                Removal::by_admin(ErrorCode::RoomDismiss, message, None),
            );
        }
    }

    /// A ban on `scope` until `until`; whoever it covers goes now. A ban that ends at or before
    /// `now` only removes (interval 0 means "kick").
    pub(crate) fn ban(&mut self, now: Millis, scope: BanScope, until: Millis) {
        let covered: Vec<String> = self
            .users
            .keys()
            .filter(|u| scope.covers(u))
            .cloned()
            .collect();
        let seconds = until.saturating_sub(now).div_ceil(1000);
        for user in covered {
            let removal = if seconds == 0 {
                Removal::by_admin(
                    ErrorCode::KickedOut,
                    format!("removed from room {} by the server", self.id),
                    None,
                )
            } else {
                Removal::by_admin(
                    scope.code(),
                    format!("banned from room {} for {seconds} seconds", self.id),
                    Some(seconds),
                )
            };
            self.remove(&user, removal);
        }
        if seconds > 0 {
            self.bans.set(scope, until);
        }
    }

    /// Lifts a ban.
    pub(crate) fn lift(&mut self, scope: &BanScope) {
        self.bans.lift(scope);
    }

    /// Who is here, for `GetRoomOnlineUsers`.
    pub(crate) fn online_users(&self) -> RoomOnlineUsers {
        // Chorus's own clients are no users (a spanning room's mirrors are: see
        // `cluster::span`).
        let (visible, invisible): (Vec<&Participant>, Vec<&Participant>) = self
            .users
            .values()
            .filter(|p| !is_own_client(&p.info.user_id))
            .partition(|p| p.visible);
        let total = self.users_counted();
        RoomOnlineUsers {
            // A room that holds only Chorus's own clients (a compositor waiting for its
            // users to come back) is no room to the app.
            room_exists: total > 0,
            total_user: total as u64,
            visible_user_list: visible.iter().map(|p| p.info.user_id.clone()).collect(),
            total_invisible_user: invisible.len() as u64,
            invisible_user_list: invisible.iter().map(|p| p.info.user_id.clone()).collect(),
        }
    }
}
