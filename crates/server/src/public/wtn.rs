//! WTN streams pushed without compositing: a client publishes its own tracks under a stream id
//! (the vendor's `startPushWTN`) by joining that id's public-stream room in the publisher's
//! place, so the SFU forwards its packets to the players as they are, with no decode. This
//! module only keeps which ids are so pushed, so that an id has one publisher at a time
//! (a second WTN push or a compositor for it gets `REPEAT_PUSH`); the room and the SFU do the
//! rest. Its lock is taken per push and per end of one, never on a media path.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use chorus_proto::{ErrorCode, RtcError};

/// The (app, stream id) pairs pushed as WTN streams on this server.
#[derive(Clone, Default)]
pub(super) struct WtnPushes(Arc<Mutex<HashSet<(String, String)>>>);

/// One WTN stream id held by its pusher's session; dropping it (the session leaves its room,
/// loses its connection or ends) frees the id.
pub(crate) struct WtnClaim {
    pushes: WtnPushes,
    key: (String, String),
}

impl WtnPushes {
    /// Whether `stream_id` of `app_id` is pushed as a WTN stream.
    pub(super) fn holds(&self, app_id: &str, stream_id: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&(app_id.to_owned(), stream_id.to_owned()))
    }

    /// Takes `stream_id` for a WTN push; `REPEAT_PUSH` when a WTN push holds it already.
    pub(super) fn claim(&self, app_id: &str, stream_id: &str) -> Result<WtnClaim, RtcError> {
        let key = (app_id.to_owned(), stream_id.to_owned());
        let mut held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if !held.insert(key.clone()) {
            return Err(repeat_push(stream_id));
        }
        tracing::info!(app_id, stream_id, "WTN stream pushed");
        Ok(WtnClaim {
            pushes: self.clone(),
            key,
        })
    }
}

impl Drop for WtnClaim {
    fn drop(&mut self) {
        self.pushes
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
        tracing::info!(app_id = %self.key.0, stream_id = %self.key.1, "WTN stream stopped");
    }
}

/// `REPEAT_PUSH` for `stream_id`, pushed already by a compositor or a WTN push.
pub(super) fn repeat_push(stream_id: &str) -> RtcError {
    RtcError::new(
        ErrorCode::RepeatPush,
        format!("stream {stream_id:?} is already pushed; stop it first or push another id"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_has_one_wtn_pusher_until_its_claim_drops() {
        let pushes = WtnPushes::default();
        let claim = pushes.claim("app", "s").expect("free");
        assert!(pushes.holds("app", "s"));
        let again = pushes.claim("app", "s").err().expect("held");
        assert_eq!(again.code, ErrorCode::RepeatPush);
        // Another app's stream of the same id is another stream.
        let other = pushes.claim("other", "s").expect("another app");
        drop(claim);
        assert!(!pushes.holds("app", "s"));
        pushes.claim("app", "s").expect("free again");
        drop(other);
    }
}
