//! What a verified token grants a participant: how long it may stay, and which privileges it
//! holds until when. Kept apart from the token crate's `Claims` so the room never sees
//! signatures or raw bytes.

use std::collections::BTreeMap;

use chorus_proto::TrackKind;
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

    /// When publishing `kind` stops being allowed: the later end of the kind's own privilege
    /// and `PublishStream`. None when it never ends or was never held.
    pub(crate) fn publish_ends_ms(&self, kind: TrackKind) -> Option<Millis> {
        let own = match kind {
            TrackKind::Audio => Privilege::PublishAudio,
            TrackKind::Video => Privilege::PublishVideo,
        };
        let ends = [own, Privilege::PublishStream]
            .into_iter()
            .filter_map(|p| self.privileges.get(&p));
        let mut latest = None;
        for &until in ends {
            if until == 0 {
                return None;
            }
            latest = latest.max(Some((u64::from(until) + 1) * 1000));
        }
        latest
    }

    /// The first moment after `after` at which publishing some kind stops being allowed.
    pub(crate) fn next_publish_end(&self, after: Millis) -> Option<Millis> {
        [TrackKind::Audio, TrackKind::Video]
            .into_iter()
            .filter_map(|kind| self.publish_ends_ms(kind))
            .filter(|&end| end > after)
            .min()
    }

    /// When subscribing stops being allowed: the end of `SubscribeStream`. None when it never
    /// ends or was never held.
    pub(crate) fn subscribe_ends_ms(&self) -> Option<Millis> {
        match self.privileges.get(&Privilege::SubscribeStream) {
            Some(0) | None => None,
            Some(&until) => Some((u64::from(until) + 1) * 1000),
        }
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
