//! The test app every test server knows, and tokens for it. Pure: no server, no clock but
//! the system's.

use std::time::{SystemTime, UNIX_EPOCH};

use chorus_sdk::UserInfo;
use chorus_token::{AccessToken, Privilege};

/// The id of the app every test server is configured with.
pub const APP_ID: &str = "chorustestapp00000000001";
/// That app's key, which signs its tokens.
pub const APP_KEY: &str = "test-app-key";

/// Seconds since 1970, as tokens count them.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

/// A token builder for `user` in `room` with the publish and subscribe privileges, never
/// expiring: tests add or change what they are about.
pub fn token_builder(room: &str, user: &str) -> AccessToken {
    AccessToken::new(APP_ID, APP_KEY, room, user)
        .add_privilege(Privilege::PublishStream, 0)
        .add_privilege(Privilege::SubscribeStream, 0)
}

/// A never-expiring token to publish and subscribe in `room` as `user`.
pub fn token(room: &str, user: &str) -> String {
    token_builder(room, user)
        .serialize()
        .expect("a token of valid ids serializes")
}

/// A never-expiring login token (room "") for `user`.
pub fn login_token(user: &str) -> String {
    AccessToken::new(APP_ID, APP_KEY, "", user)
        .serialize()
        .expect("a token of valid ids serializes")
}

/// `user` as a user, with no extra info.
pub fn user_info(user: &str) -> UserInfo {
    UserInfo {
        user_id: user.into(),
        extra_info: None,
    }
}
