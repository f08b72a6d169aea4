//! Token checks for the signalling edge: which app a token is for, whether its signature,
//! room, user and expiry hold, and the contract error when they do not.

use chorus_proto::{ErrorCode, RtcError};
use chorus_token::{Claims, Expected};

use crate::config::Apps;
use crate::own_users;
use crate::room::Grant;

/// What a token must be good for, and the error that says it is not.
pub(crate) struct TokenFor<'a> {
    /// The app the client's engine was created for (or the session's own), when known.
    pub(crate) engine_app: Option<&'a str>,
    /// The room; empty for logins outside rooms.
    pub(crate) room_id: &'a str,
    pub(crate) user_id: &'a str,
    /// The error to answer with (INVALID_TOKEN for joins, UPDATE_TOKEN_WITH_INVALID_TOKEN for
    /// updates, LOGIN_FAILED for logins...).
    pub(crate) code: ErrorCode,
}

/// Checks `token` for what `wanted` names at `now` (unix seconds). Returns the app id and
/// what the token grants. A token for one of Chorus's own user ids must be signed with the
/// key Chorus derives for them (`own_users`), never the app's.
pub(crate) fn check_room_token(
    apps: &Apps,
    token: Option<&str>,
    wanted: &TokenFor<'_>,
    now: u64,
) -> Result<(String, Grant), RtcError> {
    let TokenFor {
        engine_app,
        room_id,
        user_id,
        code,
    } = *wanted;
    let fail = |why: String| RtcError::new(code, why);
    let token = token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| fail("a token is required; generate one with the app's key".into()))?;
    let claims = Claims::parse(token).map_err(|e| fail(format!("malformed token: {e}")))?;
    let app_id = claims.app_id();
    let app_key = apps.key(app_id).ok_or_else(|| {
        fail(format!(
            "the token is for app {app_id:?}, which this server does not host"
        ))
    })?;
    if let Some(engine_app) = engine_app.filter(|a| *a != app_id) {
        return Err(fail(format!(
            "the token is for app {app_id:?} but the engine was created for app {:?}",
            chorus_proto::clip(engine_app)
        )));
    }
    let key = own_users::signing_key(app_key, user_id);
    let expected = Expected {
        app_id,
        app_key: &key,
        room_id,
        user_id,
    };
    claims.check(&expected, now).map_err(|e| {
        if crate::room::is_own_client(user_id) && claims.user_id() == user_id {
            fail(format!(
                "user id {user_id:?} is one of Chorus's own clients; an app's token cannot name it"
            ))
        } else {
            fail(e.to_string())
        }
    })?;
    Ok((app_id.to_owned(), Grant::from_claims(&claims)))
}
