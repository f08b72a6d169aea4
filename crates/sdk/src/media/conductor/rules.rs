//! The conductor's rules: what media does as the room changes, capture starts and stops, the
//! publisher transport reports and time passes. When to tell the room about capture, when to
//! auto-publish, when to start, drop or retry the publisher transport, which reports still
//! count, who waits for the publisher and what they hear.
//!
//! Sans-IO, in the manner of the signalling [`crate::machine`]: inputs come with `now`;
//! [`Effect`]s are queued for the tokio shell in `mod.rs` to carry out, and
//! [`Rules::poll_timeout`] says when to call [`Rules::handle_timeout`]. No tokio, no tasks,
//! no clock here, so every rule is testable with made-up time. It must not depend on the
//! shell, the transports or the capture pipelines: what it needs of them arrives as plain
//! facts (a publisher's generation and outcome, whether something captures). The waiter type
//! `W` is whatever the shell answers callers with.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chorus_proto::{
    CaptureStateParams, ErrorCode, MediaParams, MediaType, Request, RtcError, StreamIndex,
    SubscriberOfferEvent, TrackKind,
};

use crate::room::RoomView;

/// The first pause before a failed publisher transport is set up again.
pub(crate) const FIRST_RETRY: Duration = Duration::from_secs(1);
/// The longest such pause.
pub(crate) const MAX_RETRY: Duration = Duration::from_secs(16);

/// What the rules ask the shell to do, in order.
#[derive(Debug, PartialEq)]
pub(crate) enum Effect<W> {
    /// Send a request to the room; its outcome only matters to the log.
    Request(Request),
    /// Start a publisher transport numbered `generation`, replacing any running one. It
    /// reports with [`Rules::handle_report`].
    StartPublisher { generation: u64 },
    /// Drop the publisher transport.
    StopPublisher,
    /// Drop the subscriber transport.
    StopSubscriber,
    /// Hand an offer to the subscriber transport, or to a new one if it will not take it.
    Offer(SubscriberOfferEvent),
    /// Forget the latest remote pictures (the room was left).
    ForgetPictures,
    /// Answer a caller waiting for the publisher transport.
    Reply(W, Result<(), RtcError>),
}

/// What the main stream captures when the room changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Capturing {
    /// Audio is captured.
    pub(crate) audio: bool,
    /// Main video is captured.
    pub(crate) video: bool,
}

#[derive(Debug)]
enum PublisherState<W> {
    Negotiating(Vec<W>),
    Ready,
    Failed(RtcError),
}

/// The publisher transport, as the rules know it.
#[derive(Debug)]
struct PublisherSlot<W> {
    /// The room session it was started for.
    epoch: u64,
    /// Its number, so a late report of a replaced one is recognised.
    generation: u64,
    state: PublisherState<W>,
}

/// The conductor's state and rules.
#[derive(Debug)]
pub(crate) struct Rules<W> {
    view: Option<RoomView>,
    publisher: Option<PublisherSlot<W>>,
    /// Publisher transports started so far.
    generations: u64,
    /// When to set up a publisher transport again after one failed.
    retry_at: Option<Instant>,
    /// The pause before the next such retry; grows while failures repeat.
    retry_wait: Duration,
    effects: VecDeque<Effect<W>>,
}

impl<W> Default for Rules<W> {
    fn default() -> Self {
        Rules {
            view: None,
            publisher: None,
            generations: 0,
            retry_at: None,
            retry_wait: FIRST_RETRY,
            effects: VecDeque::new(),
        }
    }
}

fn err(code: ErrorCode, message: impl Into<String>) -> RtcError {
    RtcError::new(code, message)
}

/// Whether the join asked for captured media to be published (the default).
fn auto_publish(view: &RoomView) -> bool {
    view.config.is_auto_publish != Some(false)
}

impl<W> Rules<W> {
    /// The next thing to do, if any.
    pub(crate) fn poll_effect(&mut self) -> Option<Effect<W>> {
        self.effects.pop_front()
    }

    /// When [`Rules::handle_timeout`] is due, if ever.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.retry_at
    }

    /// Whether the engine is in a room.
    pub(crate) fn in_room(&self) -> bool {
        self.view.is_some()
    }

    /// Whether a frame of `kind` on `index` goes to the publisher transport: the track is
    /// published and the transport is negotiated.
    pub(crate) fn forwards(&self, index: StreamIndex, kind: TrackKind) -> bool {
        let Some(view) = &self.view else {
            return false;
        };
        let published = match index {
            StreamIndex::Main => view.main,
            StreamIndex::Screen => view.screen,
        };
        published.is_some_and(|m| kind.within(m))
            && self
                .publisher
                .as_ref()
                .is_some_and(|p| matches!(p.state, PublisherState::Ready))
    }

    /// Capture of `kind` on `index` started or stopped: the room hears of it (for the main
    /// stream, the only one the protocol reports), and a join that asked for auto-publishing
    /// publishes what starts.
    pub(crate) fn handle_capture(&mut self, index: StreamIndex, kind: TrackKind, capturing: bool) {
        let Some(view) = &self.view else {
            return;
        };
        if index != StreamIndex::Main {
            return;
        }
        let published = view.main.is_some_and(|m| kind.within(m));
        let publish = capturing && auto_publish(view) && !published;
        self.effects
            .push_back(Effect::Request(Request::SetCaptureState(
                CaptureStateParams { kind, capturing },
            )));
        if publish {
            self.effects
                .push_back(Effect::Request(Request::PublishStream(MediaParams {
                    media_type: kind.media_type(),
                })));
        }
    }

    /// The room as media sees it changed; `capturing` is what the main stream captures now.
    /// A new server session (or none) starts its transports from scratch, tells the room what
    /// is captured and, with auto-publish, publishes it.
    pub(crate) fn handle_room(&mut self, view: Option<RoomView>, capturing: Capturing) {
        let before = self.view.as_ref().map(|v| v.epoch);
        let after = view.as_ref().map(|v| v.epoch);
        self.view = view;
        if before != after {
            self.retry_at = None;
            self.retry_wait = FIRST_RETRY;
            self.drop_publisher("left the room before the media transport was set up");
            self.effects.push_back(Effect::StopSubscriber);
            let Some(view) = &self.view else {
                self.effects.push_back(Effect::ForgetPictures);
                return;
            };
            for (kind, on) in [
                (TrackKind::Audio, capturing.audio),
                (TrackKind::Video, capturing.video),
            ] {
                if on {
                    self.effects
                        .push_back(Effect::Request(Request::SetCaptureState(
                            CaptureStateParams {
                                kind,
                                capturing: true,
                            },
                        )));
                }
            }
            let unpublished = |kind: TrackKind| !view.main.is_some_and(|m| kind.within(m));
            let wanted = MediaType::from_parts(
                capturing.audio && unpublished(TrackKind::Audio),
                capturing.video && unpublished(TrackKind::Video),
            );
            if let Some(media_type) = wanted.filter(|_| auto_publish(view)) {
                self.effects
                    .push_back(Effect::Request(Request::PublishStream(MediaParams {
                        media_type,
                    })));
            }
        }
        self.ensure_publisher();
    }

    /// The SFU offers the subscriber transport; outside a room the offer is stale.
    pub(crate) fn handle_offer(&mut self, offer: SubscriberOfferEvent) {
        if self.view.is_some() {
            self.effects.push_back(Effect::Offer(offer));
        }
    }

    /// A caller waits for the publisher transport: answered once it is negotiated, at once
    /// if nothing is published.
    pub(crate) fn handle_await_publisher(&mut self, waiter: W) {
        if !self.publishing() {
            self.effects.push_back(Effect::Reply(waiter, Ok(())));
            return;
        }
        if self
            .publisher
            .as_ref()
            .is_some_and(|p| matches!(p.state, PublisherState::Failed(_)))
        {
            // Publishing again is the way to retry a transport that failed.
            self.publisher = None;
            self.effects.push_back(Effect::StopPublisher);
        }
        self.ensure_publisher();
        match self.publisher.as_mut().map(|p| &mut p.state) {
            Some(PublisherState::Negotiating(waiting)) => waiting.push(waiter),
            Some(PublisherState::Failed(e)) => {
                let e = e.clone();
                self.effects.push_back(Effect::Reply(waiter, Err(e)));
            }
            Some(PublisherState::Ready) | None => {
                self.effects.push_back(Effect::Reply(waiter, Ok(())));
            }
        }
    }

    /// Publisher `generation` reports: negotiated (or refused), answering those waiting; or,
    /// later, failed, which schedules a new transport. Reports of a replaced publisher (an
    /// older generation, or one dropped with its room session) are ignored.
    pub(crate) fn handle_report(
        &mut self,
        now: Instant,
        generation: u64,
        outcome: Result<(), RtcError>,
    ) {
        let Some(slot) = self
            .publisher
            .as_mut()
            .filter(|p| p.generation == generation)
        else {
            return;
        };
        let state = match &outcome {
            Ok(()) => PublisherState::Ready,
            Err(e) => PublisherState::Failed(e.clone()),
        };
        match std::mem::replace(&mut slot.state, state) {
            PublisherState::Negotiating(waiting) => {
                for waiter in waiting {
                    self.effects
                        .push_back(Effect::Reply(waiter, outcome.clone()));
                }
            }
            PublisherState::Ready if outcome.is_err() => {
                // A transport that worked broke: set one up again, after a pause that grows
                // while failures repeat. (A refused offer waits for the next publish instead.)
                self.retry_at = Some(now + self.retry_wait);
                self.retry_wait = (self.retry_wait * 2).min(MAX_RETRY);
            }
            _ => {}
        }
    }

    /// Time passed: a scheduled publisher retry may be due.
    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        if self.retry_at.is_none_or(|at| now < at) {
            return;
        }
        self.retry_at = None;
        if self
            .publisher
            .as_ref()
            .is_some_and(|p| matches!(p.state, PublisherState::Failed(_)))
        {
            self.publisher = None;
            self.effects.push_back(Effect::StopPublisher);
            self.ensure_publisher();
        }
    }

    /// Whether something is published in the current session.
    fn publishing(&self) -> bool {
        self.view
            .as_ref()
            .is_some_and(|v| v.main.is_some() || v.screen.is_some())
    }

    /// Starts a publisher transport when something is published and none is up (or the
    /// last one failed).
    fn ensure_publisher(&mut self) {
        let Some(epoch) = self
            .view
            .as_ref()
            .filter(|_| self.publishing())
            .map(|v| v.epoch)
        else {
            return;
        };
        if let Some(p) = &self.publisher
            && p.epoch == epoch
            && !matches!(p.state, PublisherState::Failed(_))
        {
            return;
        }
        let waiting = match self.publisher.take() {
            Some(PublisherSlot {
                state: PublisherState::Negotiating(waiting),
                ..
            }) => waiting,
            _ => Vec::new(),
        };
        self.generations += 1;
        self.effects.push_back(Effect::StartPublisher {
            generation: self.generations,
        });
        self.publisher = Some(PublisherSlot {
            epoch,
            generation: self.generations,
            state: PublisherState::Negotiating(waiting),
        });
    }

    /// Drops the publisher transport, failing those who wait for it with `why`.
    fn drop_publisher(&mut self, why: &str) {
        let Some(slot) = self.publisher.take() else {
            return;
        };
        self.effects.push_back(Effect::StopPublisher);
        if let PublisherState::Negotiating(waiting) = slot.state {
            for waiter in waiting {
                self.effects.push_back(Effect::Reply(
                    waiter,
                    Err(err(ErrorCode::PublishFailed, why)),
                ));
            }
        }
    }
}
