//! TURN credentials: the ICE servers a joining client is handed, with time-limited REST
//! credentials (the convention coturn's `use-auth-secret` checks). Pure: it takes the user,
//! the token's expiry and `now`, and makes strings; no I/O, and nothing of rooms or media.
//!
//! The TURN server and Chorus share only a secret. A credential names its own expiry in its
//! username, so the TURN server refuses it once that second has passed, without asking
//! Chorus; no list of users is kept anywhere.

use base64::Engine as _;
use chorus_proto::IceServer;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The TURN servers to hand out and the secret they share with Chorus.
#[derive(Clone)]
pub(crate) struct TurnServers {
    urls: Vec<String>,
    secret: String,
    /// The longest a credential lives, in seconds, when the token lives longer (or forever).
    max_ttl_secs: u64,
}

impl std::fmt::Debug for TurnServers {
    // The secret stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnServers")
            .field("urls", &self.urls)
            .field("max_ttl_secs", &self.max_ttl_secs)
            .finish_non_exhaustive()
    }
}

/// Whether `url` is an ICE server URL a browser takes: `turn:`, `turns:` or `stun:` and a host.
pub(crate) fn is_ice_url(url: &str) -> bool {
    ["turn:", "turns:", "stun:"]
        .iter()
        .find_map(|scheme| url.strip_prefix(scheme))
        .is_some_and(|rest| {
            let host = rest.split(['?', ':']).next().unwrap_or_default();
            !host.is_empty() && !rest.contains(char::is_whitespace)
        })
}

impl TurnServers {
    /// The servers at `urls`, sharing `secret`; credentials live at most `max_ttl_secs`.
    pub(crate) fn new(urls: Vec<String>, secret: String, max_ttl_secs: u64) -> Self {
        TurnServers {
            urls,
            secret,
            max_ttl_secs,
        }
    }

    /// The ICE servers for `user_id`, whose token expires at `token_expire_at` (unix seconds,
    /// 0 never), at `now` (unix seconds): the credential expires with the token, or after the
    /// longest lifetime if that comes first.
    pub(crate) fn ice_server(&self, user_id: &str, token_expire_at: u32, now: u64) -> IceServer {
        let longest = now.saturating_add(self.max_ttl_secs);
        let expiry = match u64::from(token_expire_at) {
            0 => longest,
            // The token still counts during its `expire_at` second (see `Grant`).
            token => token.saturating_add(1).min(longest),
        };
        let username = format!("{expiry}:{user_id}");
        IceServer {
            urls: self.urls.clone(),
            credential: credential(&self.secret, &username),
            username,
        }
    }
}

/// base64(HMAC-SHA1(secret, username)): what a TURN REST server computes to check a client.
fn credential(secret: &str, username: &str) -> String {
    let mut mac =
        Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn servers() -> TurnServers {
        TurnServers::new(
            vec!["turn:turn.example.com:3478?transport=udp".into()],
            "north".into(),
            3600,
        )
    }

    #[test]
    fn the_credential_is_the_rest_conventions_hmac() {
        // RFC 2202 test case 2 for HMAC-SHA1: key "Jefe".
        assert_eq!(
            credential("Jefe", "what do ya want for nothing?"),
            base64::engine::general_purpose::STANDARD
                .encode(hex_bytes("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"))
        );
    }

    #[test]
    fn the_credential_expires_with_the_token_or_sooner() {
        let now = 1_000_000;
        let soon = servers().ice_server("alice", 1_000_100, now);
        assert_eq!(soon.username, "1000101:alice");
        assert_eq!(soon.credential, credential("north", "1000101:alice"));
        let later = servers().ice_server("alice", 2_000_000, now);
        assert_eq!(
            later.username, "1003600:alice",
            "at most the longest lifetime"
        );
        let never = servers().ice_server("bob", 0, now);
        assert_eq!(never.username, "1003600:bob");
        assert_eq!(never.urls, ["turn:turn.example.com:3478?transport=udp"]);
    }

    #[test]
    fn ice_urls_need_a_scheme_and_a_host() {
        for good in [
            "turn:10.0.0.1:3478?transport=tcp",
            "turns:turn.example.com:443?transport=tcp",
            "stun:stun.example.com",
            "turn:[::1]:3478",
        ] {
            assert!(is_ice_url(good), "{good}");
        }
        for bad in [
            "http://x",
            "turn:",
            "turn::3478",
            "turn:a b",
            "10.0.0.1:3478",
        ] {
            assert!(!is_ice_url(bad), "{bad}");
        }
    }

    fn hex_bytes(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
            .collect()
    }
}
