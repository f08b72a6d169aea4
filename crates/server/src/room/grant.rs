//! What a verified token grants a participant: how long it may stay, and which privileges it
//! holds until when. Kept apart from the token crate's `Claims` so the room never sees
//! signatures or raw bytes.

use std::collections::BTreeMap;

use chorus_token::{Claims, Privilege};

/// Unix milliseconds: the room core's clock.
pub(crate) type Millis = u64;

/// A token's grant, as the room enforces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    /// When the token expires, unix seconds; 0 never.
    pub(crate) expire_at: u32,
    /// Privilege -> expiry, unix seconds; 0 never.
    pub(crate) privileges: BTreeMap<Privilege, u32>,
}

impl Grant {
    pub(crate) fn from_claims(claims: &Claims) -> Self {
        Grant {
            expire_at: claims.expire_at(),
            privileges: claims.privileges().clone(),
        }
    }

    /// When the token has expired, if it does: the end of its `expire_at` second, which
    /// the vendor's samples still count as valid.
    pub(crate) fn expires_ms(&self) -> Option<Millis> {
        (self.expire_at != 0).then(|| (u64::from(self.expire_at) + 1) * 1000)
    }

    /// Whether `privilege` is held at `now`.
    pub(crate) fn allows(&self, privilege: Privilege, now: Millis) -> bool {
        match self.privileges.get(&privilege) {
            Some(0) => true,
            Some(&until) => (u64::from(until) + 1) * 1000 > now,
            None => false,
        }
    }
}
