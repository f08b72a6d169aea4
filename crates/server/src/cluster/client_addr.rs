//! A relayed client's own address. The room's node sees a relayed connection come from the
//! relaying node; that node therefore vouches, in a header of the relayed WebSocket's
//! request, for the address its client connected from, and the room's node uses that address
//! as the client's (its per-address connection cap counts the client, not the relay). Pure:
//! no I/O.
//!
//! The header is signed, not trusted by the address it comes from: nodes may reach each other
//! through NAT or a proxy, several may share an address, and on one host any process could
//! connect from it. The key is derived from what every node of a cluster must share anyway,
//! its apps' and OpenAPI keys, so it needs no setting of its own; whoever could forge the
//! header holds the whole configuration. A header more than [`MAX_AGE_SECS`] old, from the
//! future by as much, malformed or signed with another key is ignored: the connection then
//! counts as the relaying node's.

use std::net::SocketAddr;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::config::{ApiCredentials, AppCredentials};

/// The request header a relaying node vouches for its client's address in:
/// `ADDR;UNIX_SECS;BASE64(HMAC-SHA256(key, "ADDR;UNIX_SECS"))`.
pub(crate) const HEADER: &str = "x-chorus-relayed-for";

/// How far a vouching's time may be from the room's node's clock (both ways): the relayed
/// request is sent as it is made, so this only allows for the nodes' clocks to differ.
const MAX_AGE_SECS: u64 = 60;

/// The key nodes of one cluster sign and check vouchings with.
#[derive(Clone)]
pub(crate) struct RelayKey([u8; 32]);

impl std::fmt::Debug for RelayKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RelayKey(..)")
    }
}

/// Why a vouching was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Unvouched {
    /// Not `ADDR;SECS;PROOF`.
    #[error("malformed")]
    Malformed,
    /// Its time is too far from this node's.
    #[error("out of date")]
    Stale,
    /// Signed with another key, or altered.
    #[error("not signed by a node of this cluster")]
    BadProof,
}

impl RelayKey {
    /// The key of a cluster whose nodes share `apps` and `openapi_keys` (in any order).
    pub(crate) fn derive(apps: &[AppCredentials], openapi_keys: &[ApiCredentials]) -> Self {
        let mut parts: Vec<String> = apps
            .iter()
            .map(|app| format!("app\n{}\n{}", app.id, app.key))
            .chain(
                openapi_keys
                    .iter()
                    .map(|k| format!("openapi\n{}\n{}", k.access_key, k.secret_key)),
            )
            .collect();
        parts.sort();
        let mut digest = Sha256::new();
        digest.update(b"chorus cluster relay key v1");
        for part in &parts {
            // Length-prefixed, so that no two sets of parts hash alike.
            digest.update((part.len() as u64).to_be_bytes());
            digest.update(part.as_bytes());
        }
        RelayKey(digest.finalize().into())
    }

    fn proof(&self, claim: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .expect("HMAC accepts keys of any length");
        mac.update(claim.as_bytes());
        mac
    }

    /// The header value vouching that the client connected from `client`, at `now_secs`.
    pub(crate) fn vouch(&self, client: SocketAddr, now_secs: u64) -> String {
        let claim = format!("{client};{now_secs}");
        let proof = self.proof(&claim).finalize().into_bytes();
        let proof = base64::engine::general_purpose::STANDARD_NO_PAD.encode(proof);
        format!("{claim};{proof}")
    }

    /// The client's address `header` vouches for, if a node of this cluster signed it
    /// within [`MAX_AGE_SECS`] of `now_secs`.
    pub(crate) fn verify(&self, header: &str, now_secs: u64) -> Result<SocketAddr, Unvouched> {
        let (claim, proof) = header.rsplit_once(';').ok_or(Unvouched::Malformed)?;
        let (addr, secs) = claim.split_once(';').ok_or(Unvouched::Malformed)?;
        let addr: SocketAddr = addr.parse().map_err(|_| Unvouched::Malformed)?;
        let secs: u64 = secs.parse().map_err(|_| Unvouched::Malformed)?;
        let proof = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(proof)
            .map_err(|_| Unvouched::Malformed)?;
        // In constant time: the proof is a secret until it matches.
        self.proof(claim)
            .verify_slice(&proof)
            .map_err(|_| Unvouched::BadProof)?;
        if secs.abs_diff(now_secs) > MAX_AGE_SECS {
            return Err(Unvouched::Stale);
        }
        Ok(addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(id: &str, key: &str) -> AppCredentials {
        AppCredentials {
            id: id.into(),
            key: key.into(),
            ..AppCredentials::default()
        }
    }

    #[test]
    fn a_vouching_holds_only_under_the_same_key_and_in_time() {
        let apps = [app("a", "ka"), app("b", "kb")];
        let key = RelayKey::derive(&apps, &[]);
        let client: SocketAddr = "127.0.0.7:41234".parse().unwrap();
        let header = key.vouch(client, 1_000);
        // Every node derives the same key, whatever the order of its apps.
        let reversed = RelayKey::derive(&[app("b", "kb"), app("a", "ka")], &[]);
        assert_eq!(reversed.verify(&header, 1_030), Ok(client));
        assert_eq!(key.verify(&header, 1_061), Err(Unvouched::Stale));
        let other = RelayKey::derive(&[app("a", "ka"), app("b", "other")], &[]);
        assert_eq!(other.verify(&header, 1_000), Err(Unvouched::BadProof));
        let forged = header.replace("127.0.0.7", "127.0.0.8");
        assert_eq!(key.verify(&forged, 1_000), Err(Unvouched::BadProof));
        for bad in [
            "",
            "127.0.0.7:1",
            "x;1;AAAA",
            "127.0.0.7:1;x;AAAA",
            "127.0.0.7:1;1;!",
        ] {
            assert_eq!(key.verify(bad, 1_000), Err(Unvouched::Malformed), "{bad:?}");
        }
    }
}
