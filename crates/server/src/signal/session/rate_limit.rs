//! Per-sender rate limits: a token bucket per session for each kind of request that makes a
//! room do work for others (messages; state changes), checked before the room sees the
//! request, so a flood costs the room nothing.
//!
//! Sans-IO: `now` is an input and nothing here reads a clock, owns a task or knows the
//! socket, so the limits are tested with made-up time. It knows the protocol's requests only
//! to sort them into kinds.

use std::time::{Duration, Instant};

use chorus_proto::{ErrorCode, Request, RtcError};

use crate::config::Rate;

/// What a limited request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// In-room messages, to the room or to one user, text or binary.
    Message,
    /// Publishing, visibility, capture and subscription changes.
    StateChange,
}

impl Kind {
    /// The kind `request` counts against, if it is limited.
    pub(super) fn of(request: &Request) -> Option<Kind> {
        match request {
            Request::SendUserMessage(_)
            | Request::SendUserBinaryMessage(_)
            | Request::SendRoomMessage(_)
            | Request::SendRoomBinaryMessage(_) => Some(Kind::Message),
            Request::SetUserVisibility(_)
            | Request::PublishStream(_)
            | Request::UnpublishStream(_)
            | Request::PublishScreen(_)
            | Request::UnpublishScreen(_)
            | Request::SetCaptureState(_)
            | Request::SubscribeStream(_)
            | Request::UnsubscribeStream(_)
            | Request::SubscribeScreen(_)
            | Request::UnsubscribeScreen(_)
            | Request::PauseAllSubscribedStream(_)
            | Request::ResumeAllSubscribedStream(_)
            | Request::SetRemoteSimulcastStreamType(_)
            | Request::StartForwardStreamToRooms(_)
            | Request::UpdateForwardStreamToRooms(_)
            | Request::StopForwardStreamToRooms(_)
            | Request::PauseForwardStreamToAllRooms(_)
            | Request::ResumeForwardStreamToAllRooms(_)
            | Request::SetSubscribeFallbackOption(_)
            | Request::SetRemoteUserPriority(_)
            | Request::StartPushPublicStream(_)
            | Request::UpdatePublicStreamParam(_)
            | Request::StopPushPublicStream(_)
            | Request::StartLiveTranscoding(_)
            | Request::UpdateLiveTranscoding(_)
            | Request::StopLiveTranscoding(_)
            // Starting subtitles may start a captioner and its recognizer: not for a flood.
            | Request::StartSubtitle(_)
            | Request::UpdateSubtitleConfig(_)
            | Request::StopSubtitle(_) => Some(Kind::StateChange),
            // Named one by one, so a new request is a decision here, not a silent default.
            // These do not make a room work for its other members, which is what is limited.
            Request::JoinRoom(_)
            | Request::LeaveRoom(_)
            | Request::UpdateToken(_)
            | Request::Login(_)
            | Request::Logout(_)
            | Request::UpdateLoginToken(_)
            | Request::GetPeerOnlineStatus(_)
            | Request::SendUserMessageOutsideRoom(_)
            | Request::SendUserBinaryMessageOutsideRoom(_)
            | Request::SetServerParams(_)
            | Request::SendServerMessage(_)
            | Request::SendServerBinaryMessage(_)
            | Request::PublisherOffer(_)
            | Request::SubscriberAnswer(_) => None,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Kind::Message => "messages",
            Kind::StateChange => "publish, visibility, capture and subscription changes",
        }
    }
}

/// A request refused because its sender is over its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many {} from this client: at most {per_sec} a second, {burst} at once; retry in {} ms", kind.what(), retry_after.as_millis().max(1))]
pub(super) struct Throttled {
    kind: Kind,
    per_sec: u32,
    burst: u32,
    /// When one more request of the kind would be allowed.
    retry_after: Duration,
}

impl From<Throttled> for RtcError {
    /// The contract has no "too frequent" code (the vendor's USER_MESSAGE_EXCEED_QPS is not
    /// in it): UNEXPECTED_ERROR is its general code whose message says what happened.
    fn from(throttled: Throttled) -> Self {
        RtcError::new(ErrorCode::UnexpectedError, throttled.to_string())
    }
}

/// A token bucket: holds up to `burst` tokens, refills `per_sec` a second, and a request
/// takes one.
#[derive(Debug, Clone)]
pub(super) struct TokenBucket {
    rate: Rate,
    /// Tokens in the bucket as of `at`, in billionths of a token, so refills add up exactly.
    nanotokens: u128,
    at: Instant,
}

const NANO: u128 = 1_000_000_000;

impl TokenBucket {
    /// A full bucket.
    pub(super) fn new(rate: Rate, now: Instant) -> Self {
        TokenBucket {
            rate,
            nanotokens: u128::from(rate.burst) * NANO,
            at: now,
        }
    }

    /// Takes one token as of `now`, or says how long until one is there.
    pub(super) fn take(&mut self, now: Instant) -> Result<(), Duration> {
        let full = u128::from(self.rate.burst) * NANO;
        // A clock that steps back adds nothing and is not an error.
        let elapsed = now.saturating_duration_since(self.at).as_nanos();
        self.nanotokens = self
            .nanotokens
            .saturating_add(elapsed.saturating_mul(u128::from(self.rate.per_sec)))
            .min(full);
        self.at = now;
        if self.nanotokens >= NANO {
            self.nanotokens -= NANO;
            return Ok(());
        }
        let missing = NANO - self.nanotokens;
        let per_sec = u128::from(self.rate.per_sec.max(1));
        let nanos = missing.div_ceil(per_sec);
        Err(Duration::from_nanos(
            u64::try_from(nanos).unwrap_or(u64::MAX),
        ))
    }
}

/// One session's buckets, one per kind.
#[derive(Debug, Clone)]
pub(super) struct SenderLimits {
    messages: TokenBucket,
    state_changes: TokenBucket,
}

impl SenderLimits {
    /// Full buckets at the configured rates.
    pub(super) fn new(messages: Rate, state_changes: Rate, now: Instant) -> Self {
        SenderLimits {
            messages: TokenBucket::new(messages, now),
            state_changes: TokenBucket::new(state_changes, now),
        }
    }

    /// Counts one request of `kind` at `now`; refused past the kind's limit.
    pub(super) fn check(&mut self, kind: Kind, now: Instant) -> Result<(), Throttled> {
        let bucket = match kind {
            Kind::Message => &mut self.messages,
            Kind::StateChange => &mut self.state_changes,
        };
        bucket.take(now).map_err(|retry_after| Throttled {
            kind,
            per_sec: bucket.rate.per_sec,
            burst: bucket.rate.burst,
            retry_after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: Rate = Rate {
        per_sec: 10,
        burst: 20,
    };

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_full_bucket_allows_its_burst_then_refuses() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::new(RATE, t0);
        for _ in 0..20 {
            assert_eq!(bucket.take(t0), Ok(()));
        }
        assert_eq!(bucket.take(t0), Err(ms(100)));
    }

    #[test]
    fn tokens_come_back_at_the_rate() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::new(RATE, t0);
        for _ in 0..20 {
            bucket.take(t0).expect("within the burst");
        }
        assert_eq!(bucket.take(t0 + ms(40)), Err(ms(60)));
        assert_eq!(bucket.take(t0 + ms(100)), Ok(()));
        assert!(bucket.take(t0 + ms(100)).is_err());
        // A second refills ten, not more.
        let t1 = t0 + ms(1_100);
        for _ in 0..10 {
            assert_eq!(bucket.take(t1), Ok(()));
        }
        assert!(bucket.take(t1).is_err());
    }

    #[test]
    fn a_long_pause_refills_only_to_the_burst() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::new(RATE, t0);
        bucket.take(t0).expect("full");
        let later = t0 + Duration::from_secs(3_600);
        for _ in 0..20 {
            assert_eq!(bucket.take(later), Ok(()));
        }
        assert!(bucket.take(later).is_err());
    }

    #[test]
    fn a_clock_stepping_back_adds_nothing() {
        let t0 = Instant::now() + Duration::from_secs(10);
        let mut bucket = TokenBucket::new(
            Rate {
                per_sec: 1,
                burst: 1,
            },
            t0,
        );
        bucket.take(t0).expect("full");
        assert!(bucket.take(t0 - Duration::from_secs(5)).is_err());
        assert!(bucket.take(t0 - Duration::from_secs(5)).is_err());
    }

    #[test]
    fn each_kind_has_its_own_bucket() {
        let t0 = Instant::now();
        let mut limits = SenderLimits::new(
            RATE,
            Rate {
                per_sec: 1,
                burst: 2,
            },
            t0,
        );
        limits.check(Kind::StateChange, t0).expect("first");
        limits.check(Kind::StateChange, t0).expect("second");
        let refused = limits
            .check(Kind::StateChange, t0)
            .expect_err("past the burst");
        assert_eq!(refused.retry_after, ms(1_000));
        let error = RtcError::from(refused);
        assert_eq!(error.code, ErrorCode::UnexpectedError);
        assert!(
            error.message.contains("retry in 1000 ms"),
            "{}",
            error.message
        );
        for _ in 0..20 {
            limits
                .check(Kind::Message, t0)
                .expect("messages are not state changes");
        }
    }
}
