//! A spanning room's link, vouched for. A link joins rooms through clients whose user ids
//! start with [`LINK_PREFIX`](crate::room::LINK_PREFIX), and a room treats such a client as
//! no user: not counted against its limit, told of invisible users' leaves. But a user id is
//! the app's to choose, and an app whose token service signs whatever id a user asks for
//! would let anyone take that place. So a link's requests (its signalling WebSocket, its
//! questions to the home) carry a header signed with the cluster's key naming the link's
//! user, and only a request that shows it may act under such an id. Pure: no I/O.
//!
//! It is the same key and form as a relayed client's address (`client_addr`), with a claim
//! of its own kind, so that neither can be passed off as the other.

use super::client_addr::{MAX_AGE_SECS, RelayKey, Unvouched};

/// The request header a link vouches for its user in: `span-link;USER;UNIX_SECS;PROOF`.
pub(crate) const HEADER: &str = "x-chorus-span-link";

/// What a link claim starts with.
const KIND: &str = "span-link;";

impl RelayKey {
    /// The header value vouching that the request comes from the link client `user`.
    pub(crate) fn vouch_link(&self, user: &str, now_secs: u64) -> String {
        self.sign(&format!("{KIND}{user};{now_secs}"))
    }

    /// The link user `header` vouches for, if a node of this cluster signed it within
    /// [`MAX_AGE_SECS`] of `now_secs`.
    pub(crate) fn verify_link(&self, header: &str, now_secs: u64) -> Result<String, Unvouched> {
        let claim = self.open(header)?;
        let (user, secs) = claim
            .strip_prefix(KIND)
            .and_then(|rest| rest.rsplit_once(';'))
            .ok_or(Unvouched::Malformed)?;
        let secs: u64 = secs.parse().map_err(|_| Unvouched::Malformed)?;
        if secs.abs_diff(now_secs) > MAX_AGE_SECS {
            return Err(Unvouched::Stale);
        }
        Ok(user.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AppCredentials;

    fn key(secret: &str) -> RelayKey {
        let app = AppCredentials {
            id: "a".into(),
            key: secret.into(),
            ..AppCredentials::default()
        };
        RelayKey::derive(&[app], &[])
    }

    #[test]
    fn a_link_is_vouched_for_only_by_the_same_key_in_time_and_as_a_link() {
        let key = key("k");
        let header = key.vouch_link("chorus-span-b-in", 1_000);
        assert_eq!(
            key.verify_link(&header, 1_060),
            Ok("chorus-span-b-in".into())
        );
        assert_eq!(key.verify_link(&header, 1_061), Err(Unvouched::Stale));
        assert_eq!(
            self::key("other").verify_link(&header, 1_000),
            Err(Unvouched::BadProof)
        );
        let forged = header.replace("-in;", "-out;");
        assert_eq!(key.verify_link(&forged, 1_000), Err(Unvouched::BadProof));
        // A relayed client's address, signed with the same key, is no link.
        let address = key.vouch("127.0.0.1:5000".parse().unwrap(), 1_000);
        assert_eq!(key.verify_link(&address, 1_000), Err(Unvouched::Malformed));
        assert_eq!(key.verify(&header, 1_000), Err(Unvouched::Malformed));
        for bad in ["", "span-link;u;1", "span-link;u;1;!"] {
            assert!(key.verify_link(bad, 1_000).is_err(), "{bad:?}");
        }
    }
}
