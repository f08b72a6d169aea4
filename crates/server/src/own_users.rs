//! Chorus's own clients and the tokens they join with. The server joins rooms itself under
//! user ids of its own: a spanning room's link (`chorus-span-...`), a public stream's
//! compositor (`@public.` and the stream id) and the subtitles' captioner
//! (`chorus-subtitles`); the room defines them (`room::is_own_client`) and treats them as no
//! users (never counted, listed or kept out by its limit; the links are also told of
//! invisible users). Each holds a place an app user must not take: a user joining under one
//! would push the compositor out of its rooms, or publish as it.
//!
//! An app's token service may sign whatever user id its users ask for, so a token signed
//! with the app's key cannot stand for these ids. Their tokens are signed with a key Chorus
//! derives from the app's key instead ([`own_key`]): every node serving the app derives the
//! same one, so the tokens hold across a cluster, and only Chorus (or the app's own
//! back end, which holds the app's key anyway) can make them. Pure: no I/O.

use std::borrow::Cow;

use chorus_token::AccessToken;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::room::is_own_client;

/// The key tokens for `user_id` are signed with: the app's own, or for Chorus's own clients
/// the key derived from it.
pub(crate) fn signing_key<'a>(app_key: &'a str, user_id: &str) -> Cow<'a, str> {
    if is_own_client(user_id) {
        Cow::Owned(own_key(app_key))
    } else {
        Cow::Borrowed(app_key)
    }
}

/// A token the server makes for a client of its own to join `room` as `user`: signed with
/// [`signing_key`], so one of Chorus's own user ids gets the derived key and an app user's
/// id (a span link's mirror of that user) the app's. The caller adds privileges and expiry.
pub(crate) fn server_token(app_id: &str, app_key: &str, room: &str, user: &str) -> AccessToken {
    AccessToken::new(app_id, signing_key(app_key, user).into_owned(), room, user)
}

/// base64(HMAC-SHA256(app key, label)): a key no token the app's key signs verifies under.
fn own_key(app_key: &str) -> String {
    use base64::Engine as _;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(app_key.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(b"chorus own clients' token key v1");
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use chorus_token::{Claims, Expected};

    use super::*;

    const APP: &str = "123456781234567812345678";

    fn checks(token: &str, key: &str, user: &str) -> bool {
        let claims = Claims::parse(token).expect("a token");
        let expected = Expected {
            app_id: APP,
            app_key: key,
            room_id: "r",
            user_id: user,
        };
        claims.check(&expected, 1_000).is_ok()
    }

    #[test]
    fn an_own_users_token_holds_only_under_the_derived_key() {
        for user in ["chorus-span-b-in", "@public.show", "chorus-subtitles"] {
            assert!(is_own_client(user), "{user}");
            let own = server_token(APP, "k", "r", user).serialize().unwrap();
            assert!(checks(&own, &signing_key("k", user), user), "{user}");
            assert!(!checks(&own, &signing_key("other", user), user), "{user}");
            // What the app's own token service makes for that id does not pass.
            let app = AccessToken::new(APP, "k", "r", user).serialize().unwrap();
            assert!(!checks(&app, &signing_key("k", user), user), "{user}");
        }
        for user in [
            "alice",
            "chorus-subtitles2",
            "public.show",
            "x-chorus-span-",
        ] {
            assert!(!is_own_client(user), "{user}");
            let token = server_token(APP, "k", "r", user).serialize().unwrap();
            assert!(checks(&token, "k", user), "{user}");
        }
    }
}
