//! The replay guard: refuses a request signature that was already accepted, for as long as that
//! signature could still verify.
//!
//! A signature verifies while its `X-Date` is within the allowed skew of the server's clock, so
//! a captured request could be sent again for that long. The guard remembers each accepted
//! signature until then, and no longer. It is bounded: when it holds `capacity` signatures that
//! are all still live, it refuses new requests ([`ReplayError::Full`]) rather than forgetting
//! one, because a forgotten signature could be replayed. Only signatures that verified reach
//! it, so filling it takes the caller's own keys.
//!
//! Like the rest of this crate it is a pure core: no clock, no lock, no I/O. The caller passes
//! `now` and keeps the guard behind whatever lock it uses.

use std::collections::{BTreeSet, HashSet};

use crate::VerifiedRequest;

/// Why [`ReplayGuard::admit`] refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// The same signature was accepted before and could still verify.
    #[error(
        "this signed request was already received: sign every request anew (requests identical in method, query, body and signing second have the same signature and count as one)"
    )]
    Replayed,
    /// The guard holds `capacity` live signatures and cannot take one more without forgetting
    /// one that could be replayed.
    #[error(
        "too many distinct signed requests within the signature window (at most {capacity}); retry later"
    )]
    Full {
        /// How many live signatures the guard holds at most.
        capacity: usize,
    },
}

impl ReplayError {
    /// The error code for `ResponseMetadata.Error.Code`. The vendor documents no code for a
    /// replay, so [`Replayed`](Self::Replayed) has one of Chorus's own;
    /// [`Full`](Self::Full) is the vendor's code for a caller over its rate.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Replayed => "SignatureReplayed",
            Self::Full { .. } => "FlowLimitExceeded",
        }
    }

    /// The HTTP status: 400 for a replay (the request itself is at fault), 429 when full.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Replayed => 400,
            Self::Full { .. } => 429,
        }
    }
}

/// The signatures accepted within the last window, each until it expires.
#[derive(Debug)]
pub struct ReplayGuard {
    window_secs: u64,
    capacity: usize,
    seen: HashSet<[u8; 32]>,
    /// The same signatures ordered by when they stop verifying, to forget them in order.
    by_expiry: BTreeSet<(u64, [u8; 32])>,
}

impl ReplayGuard {
    /// A guard for signatures that verify up to `window_secs` from their `X-Date` (the
    /// `max_skew_secs` given to [`verify`](crate::verify)), holding at most `capacity`.
    pub fn new(window_secs: u64, capacity: usize) -> Self {
        Self {
            window_secs,
            capacity,
            seen: HashSet::new(),
            by_expiry: BTreeSet::new(),
        }
    }

    /// Accepts `request` (one that [`verify`](crate::verify) accepted) unless its signature
    /// was accepted before and could still verify at `now_unix`, or the guard is full.
    pub fn admit(&mut self, request: &VerifiedRequest, now_unix: u64) -> Result<(), ReplayError> {
        self.forget_expired(now_unix);
        if self.seen.contains(&request.signature) {
            return Err(ReplayError::Replayed);
        }
        if self.seen.len() >= self.capacity {
            return Err(ReplayError::Full {
                capacity: self.capacity,
            });
        }
        let expires_at = request.signed_at.saturating_add(self.window_secs);
        self.seen.insert(request.signature);
        self.by_expiry.insert((expires_at, request.signature));
        Ok(())
    }

    /// How many signatures the guard holds.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether the guard holds no signature.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// Drops the signatures that no longer verify: `verify` accepts `X-Date` up to
    /// `window_secs` in the past, so one expiring at `now_unix` is still live.
    fn forget_expired(&mut self, now_unix: u64) {
        while let Some(&(expires_at, signature)) = self.by_expiry.first() {
            if expires_at >= now_unix {
                break;
            }
            self.by_expiry.pop_first();
            self.seen.remove(&signature);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(byte: u8, signed_at: u64) -> VerifiedRequest {
        VerifiedRequest {
            access_key: "AK".into(),
            region: "cn-north-1".into(),
            service: "rtc".into(),
            signature: [byte; 32],
            signed_at,
        }
    }

    #[test]
    fn a_signature_is_accepted_once_within_its_window() {
        let mut guard = ReplayGuard::new(900, 10);
        assert_eq!(guard.admit(&signed(1, 1000), 1000), Ok(()));
        assert_eq!(guard.admit(&signed(2, 1000), 1000), Ok(()));
        assert_eq!(
            guard.admit(&signed(1, 1000), 1899),
            Err(ReplayError::Replayed)
        );
        assert_eq!(
            guard.admit(&signed(1, 1000), 1900),
            Err(ReplayError::Replayed),
            "still verifiable at exactly the window's end"
        );
        assert_eq!(guard.len(), 2);
    }

    #[test]
    fn expired_signatures_are_forgotten() {
        let mut guard = ReplayGuard::new(900, 10);
        guard.admit(&signed(1, 1000), 1000).unwrap();
        guard.admit(&signed(2, 1500), 1500).unwrap();
        // At 1901 the first can no longer verify, so the guard need not hold it.
        guard.admit(&signed(3, 1901), 1901).unwrap();
        assert_eq!(guard.len(), 2);
        assert_eq!(guard.admit(&signed(1, 1000), 1901), Ok(()));
    }

    #[test]
    fn a_full_guard_refuses_rather_than_forgets() {
        let mut guard = ReplayGuard::new(900, 2);
        guard.admit(&signed(1, 1000), 1000).unwrap();
        guard.admit(&signed(2, 1000), 1000).unwrap();
        let full = guard.admit(&signed(3, 1000), 1000);
        assert_eq!(full, Err(ReplayError::Full { capacity: 2 }));
        assert_eq!(full.unwrap_err().http_status(), 429);
        // Both held signatures are still refused as replays.
        assert_eq!(
            guard.admit(&signed(1, 1000), 1001),
            Err(ReplayError::Replayed)
        );
        // Once they expire there is room again.
        assert_eq!(guard.admit(&signed(3, 2000), 2000), Ok(()));
        assert_eq!(guard.len(), 1);
    }

    #[test]
    fn a_future_dated_signature_lives_until_its_own_window_ends() {
        let mut guard = ReplayGuard::new(900, 10);
        guard.admit(&signed(1, 1900), 1000).unwrap();
        assert_eq!(
            guard.admit(&signed(1, 1900), 2800),
            Err(ReplayError::Replayed)
        );
        assert_eq!(guard.admit(&signed(1, 1900), 2801), Ok(()));
    }
}
