//! The media conductor: one task per engine that owns everything media. It keeps what is captured
//! (and from where), follows the room as the signalling machine reports it, starts and drops
//! the two transports, forwards encoded frames of published tracks to the publisher, hands the
//! SFU's offers to the subscriber, and tells the room about capture (`setCaptureState`, and
//! `publishStream` when the join asked for auto-publishing).
//!
//! Its inputs arrive on one channel, from the app's calls and from the engine's signalling
//! task alike, so a room change the machine reports before answering a call is seen before
//! any call the app makes after that answer. It never waits on a transport or on the server:
//! requests it makes are awaited by small spawned tasks, transports report back on channels.

mod captures;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use chorus_media::{AudioFrame, VideoFrame};
use chorus_proto::{
    CaptureStateParams, ErrorCode, MediaParams, MediaType, Request, RtcError, StreamIndex,
    SubscriberOfferEvent, TrackKind, VideoSourceType,
};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::caller::Caller;
use crate::event::EngineEvent;
use crate::media::capture::{EncodedFrame, PictureSlot};
use crate::media::inbox::{MediaCall, MediaInput, Reply};
use crate::media::outlet::Outlets;
use crate::media::publisher::{KeyframeFlags, Publisher, PublisherSetup, Report};
use crate::media::source::AudioSourceType;
use crate::media::subscriber::{Subscriber, SubscriberSetup};
use crate::media::transport::local_ip_toward;
use crate::room::RoomView;
use captures::Slot;

/// Encoded frames queued from the capture pipelines before newer ones are dropped.
const FRAME_QUEUE: usize = 256;
/// Pushed frames queued for their encoder before newer ones are dropped.
const PUSH_QUEUE: usize = 16;
/// The first pause before a failed publisher transport is set up again.
const FIRST_RETRY: Duration = Duration::from_secs(1);
/// The longest such pause.
const MAX_RETRY: Duration = Duration::from_secs(16);

fn err(code: ErrorCode, message: impl Into<String>) -> RtcError {
    RtcError::new(code, message)
}

enum PublisherState {
    Negotiating(Vec<Reply<()>>),
    Ready,
    Failed(RtcError),
}

struct PublisherSlot {
    epoch: u64,
    generation: u64,
    publisher: Publisher,
    state: PublisherState,
}

/// The conductor's state; [`Conductor::run`] is its task.
pub(crate) struct Conductor {
    inbox: mpsc::UnboundedReceiver<MediaInput>,
    caller: Caller,
    events: mpsc::UnboundedSender<EngineEvent>,
    outlets: Outlets,
    signal_url: Result<String, String>,
    local_ip: IpAddr,
    frames_tx: mpsc::Sender<EncodedFrame>,
    frames: mpsc::Receiver<EncodedFrame>,
    reports_tx: mpsc::UnboundedSender<Report>,
    reports: mpsc::UnboundedReceiver<Report>,
    /// When to set up a publisher transport again after one failed.
    retry_at: Option<Instant>,
    /// The pause before the next such retry; grows while failures repeat.
    retry_wait: Duration,
    audio: Slot<AudioFrame>,
    video: [Slot<VideoFrame>; 2],
    pictures: [PictureSlot; 2],
    keyframes: KeyframeFlags,
    view: Option<RoomView>,
    publisher: Option<PublisherSlot>,
    generations: u64,
    subscriber: Option<Subscriber>,
}

fn slot_of(index: StreamIndex) -> usize {
    usize::from(index.value())
}

impl Conductor {
    /// A conductor for the engine whose signalling URL is `signal_url`.
    pub(crate) fn new(
        inbox: mpsc::UnboundedReceiver<MediaInput>,
        caller: Caller,
        events: mpsc::UnboundedSender<EngineEvent>,
        outlets: Outlets,
        signal_url: Result<String, String>,
    ) -> Conductor {
        let (frames_tx, frames) = mpsc::channel(FRAME_QUEUE);
        let (reports_tx, reports) = mpsc::unbounded_channel();
        Conductor {
            inbox,
            caller,
            events,
            outlets,
            signal_url,
            local_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            frames_tx,
            frames,
            reports_tx,
            reports,
            retry_at: None,
            retry_wait: FIRST_RETRY,
            audio: Slot::new(),
            video: [Slot::new(), Slot::new()],
            pictures: Default::default(),
            keyframes: KeyframeFlags::default(),
            view: None,
            publisher: None,
            generations: 0,
            subscriber: None,
        }
    }

    /// Runs until the engine is destroyed or every handle to it is gone.
    pub(crate) async fn run(mut self) {
        if let Ok(url) = &self.signal_url {
            self.local_ip = local_ip_toward(url).await;
        }
        loop {
            tokio::select! {
                input = self.inbox.recv() => match input {
                    None | Some(MediaInput::Destroy) => break,
                    Some(MediaInput::Room(view)) => self.on_room(view),
                    Some(MediaInput::SubscriberOffer(offer)) => self.on_offer(offer),
                    Some(MediaInput::Call(call)) => self.on_call(call),
                },
                Some(frame) = self.frames.recv() => self.route(frame),
                Some(report) = self.reports.recv() => self.on_report(report),
                () = retry_timer(self.retry_at) => self.retry_publisher(),
            }
        }
        self.outlets.close();
    }

    /// Sends `request` for the room; its outcome only matters to the log.
    fn request(&self, request: Request) {
        let method = request.method();
        let answer = self.caller.send(request);
        tokio::spawn(async move {
            if let Err(e) = answer.await {
                tracing::debug!(method, error = %e, "media request refused");
            }
        });
    }

    fn on_call(&mut self, call: MediaCall) {
        match call {
            MediaCall::StartAudio(source, reply) => {
                let _ = reply.send(self.start_audio(source));
            }
            MediaCall::StopAudio(reply) => {
                let _ = reply.send(self.stop_audio());
            }
            MediaCall::StartVideo(index, source, reply) => {
                let _ = reply.send(self.start_video(index, source));
            }
            MediaCall::StopVideo(index, reply) => {
                let _ = reply.send(self.stop_video(index));
            }
            MediaCall::SetAudioSourceType(kind, reply) => {
                let internal = kind == AudioSourceType::Internal;
                if self.audio.internal != internal {
                    self.audio.internal = internal;
                    if self.audio.stop() {
                        self.capture_changed(StreamIndex::Main, TrackKind::Audio, false);
                    }
                }
                let _ = reply.send(Ok(()));
            }
            MediaCall::SetVideoSourceType(index, kind, reply) => {
                let internal = kind == VideoSourceType::Internal;
                let slot = &mut self.video[slot_of(index)];
                if slot.internal != internal {
                    slot.internal = internal;
                    if slot.stop() {
                        self.capture_changed(index, TrackKind::Video, false);
                    }
                }
                let _ = reply.send(Ok(()));
            }
            MediaCall::PushAudio(frame, reply) => {
                let _ = reply.send(self.push_audio(frame));
            }
            MediaCall::PushVideo(index, frame, reply) => {
                let _ = reply.send(self.push_video(index, frame));
            }
            MediaCall::LocalPicture(index, reply) => {
                let answer = if self.video[slot_of(index)].capturing() {
                    Ok(self.pictures[slot_of(index)].clone())
                } else {
                    Err(err(
                        ErrorCode::InvokedBeforeCapture,
                        format!(
                            "nothing is captured on stream {index:?}; start capture (or push frames) before taking a snapshot"
                        ),
                    ))
                };
                let _ = reply.send(answer);
            }
            MediaCall::AwaitPublisher(reply) => self.await_publisher(reply),
        }
    }

    /// Capture of `kind` on `index` started or stopped: the room hears of it (for the main
    /// stream, the only one the protocol reports), and a join that asked for auto-publishing
    /// publishes what starts.
    fn capture_changed(&mut self, index: StreamIndex, kind: TrackKind, capturing: bool) {
        if !capturing {
            *self.pictures[slot_of(index)]
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        }
        let Some(view) = &self.view else {
            return;
        };
        if index != StreamIndex::Main {
            return;
        }
        self.request(Request::SetCaptureState(CaptureStateParams {
            kind,
            capturing,
        }));
        let published = view.main.is_some_and(|m| kind.within(m));
        if capturing && auto_publish(view) && !published {
            self.request(Request::PublishStream(MediaParams {
                media_type: kind.media_type(),
            }));
        }
    }

    fn on_room(&mut self, view: Option<RoomView>) {
        let before = self.view.as_ref().map(|v| v.epoch);
        let after = view.as_ref().map(|v| v.epoch);
        self.view = view;
        if before != after {
            // A new server session (or none): its transports start from scratch.
            self.retry_at = None;
            self.retry_wait = FIRST_RETRY;
            self.drop_publisher("left the room before the media transport was set up");
            self.subscriber = None;
            match &self.view {
                None => {
                    self.outlets.forget_pictures();
                    return;
                }
                Some(view) => {
                    let audio = self.audio.capturing();
                    let video = self.video[slot_of(StreamIndex::Main)].capturing();
                    for (kind, on) in [(TrackKind::Audio, audio), (TrackKind::Video, video)] {
                        if on {
                            self.request(Request::SetCaptureState(CaptureStateParams {
                                kind,
                                capturing: true,
                            }));
                        }
                    }
                    let unpublished = |kind: TrackKind| !view.main.is_some_and(|m| kind.within(m));
                    let wanted = MediaType::from_parts(
                        audio && unpublished(TrackKind::Audio),
                        video && unpublished(TrackKind::Video),
                    );
                    if let Some(media_type) = wanted.filter(|_| auto_publish(view)) {
                        self.request(Request::PublishStream(MediaParams { media_type }));
                    }
                }
            }
        }
        self.ensure_publisher();
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
        let Some(view) = self.view.as_ref().filter(|_| self.publishing()) else {
            return;
        };
        if let Some(p) = &self.publisher
            && p.epoch == view.epoch
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
        let publisher = Publisher::start(PublisherSetup {
            local_ip: self.local_ip,
            caller: self.caller.clone(),
            events: self.events.clone(),
            report: self.reports_tx.clone(),
            generation: self.generations,
            keyframes: self.keyframes.clone(),
        });
        self.publisher = Some(PublisherSlot {
            epoch: view.epoch,
            generation: self.generations,
            publisher,
            state: PublisherState::Negotiating(waiting),
        });
    }

    fn drop_publisher(&mut self, why: &str) {
        if let Some(PublisherSlot {
            state: PublisherState::Negotiating(waiting),
            ..
        }) = self.publisher.take()
        {
            for reply in waiting {
                let _ = reply.send(Err(err(ErrorCode::PublishFailed, why)));
            }
        }
    }

    fn await_publisher(&mut self, reply: Reply<()>) {
        if !self.publishing() {
            let _ = reply.send(Ok(()));
            return;
        }
        if self
            .publisher
            .as_ref()
            .is_some_and(|p| matches!(p.state, PublisherState::Failed(_)))
        {
            // Publishing again is the way to retry a transport that failed.
            self.publisher = None;
        }
        self.ensure_publisher();
        match self.publisher.as_mut().map(|p| &mut p.state) {
            Some(PublisherState::Negotiating(waiting)) => waiting.push(reply),
            Some(PublisherState::Failed(e)) => {
                let _ = reply.send(Err(e.clone()));
            }
            Some(PublisherState::Ready) | None => {
                let _ = reply.send(Ok(()));
            }
        }
    }

    /// A publisher's report: negotiated (or refused), answering those waiting; or, later,
    /// failed, which schedules a new transport.
    fn on_report(&mut self, report: Report) {
        let Some(slot) = self
            .publisher
            .as_mut()
            .filter(|p| p.generation == report.generation)
        else {
            return;
        };
        let state = match &report.outcome {
            Ok(()) => PublisherState::Ready,
            Err(e) => PublisherState::Failed(e.clone()),
        };
        match std::mem::replace(&mut slot.state, state) {
            PublisherState::Negotiating(waiting) => {
                for reply in waiting {
                    let _ = reply.send(report.outcome.clone());
                }
            }
            PublisherState::Ready if report.outcome.is_err() => {
                // A transport that worked broke: set one up again, after a pause that grows
                // while failures repeat. (A refused offer waits for the next publish instead.)
                self.retry_at = Some(Instant::now() + self.retry_wait);
                self.retry_wait = (self.retry_wait * 2).min(MAX_RETRY);
            }
            _ => {}
        }
    }

    fn retry_publisher(&mut self) {
        self.retry_at = None;
        if self
            .publisher
            .as_ref()
            .is_some_and(|p| matches!(p.state, PublisherState::Failed(_)))
        {
            self.publisher = None;
            self.ensure_publisher();
        }
    }

    /// Hands an offer to the subscriber transport, or to a new one: the first, one after the
    /// last ended, or one for an offer from a transport the SFU made afresh (after a failure
    /// on its side it starts over with new ICE credentials and certificate).
    fn on_offer(&mut self, offer: SubscriberOfferEvent) {
        if self.view.is_none() {
            return;
        }
        let offer = match &self.subscriber {
            Some(subscriber) => match subscriber.offer(offer) {
                Ok(()) => return,
                Err(offer) => offer,
            },
            None => offer,
        };
        let setup = SubscriberSetup {
            local_ip: self.local_ip,
            caller: self.caller.clone(),
            events: self.events.clone(),
            outlets: self.outlets.clone(),
        };
        self.subscriber = Some(Subscriber::start(setup, offer));
    }

    /// Hands a frame of a published track to the publisher.
    fn route(&self, frame: EncodedFrame) {
        let Some(view) = &self.view else {
            return;
        };
        let published = match frame.index {
            StreamIndex::Main => view.main,
            StreamIndex::Screen => view.screen,
        };
        if !published.is_some_and(|m| frame.kind.within(m)) {
            return;
        }
        if let Some(slot) = &self.publisher
            && matches!(slot.state, PublisherState::Ready)
        {
            slot.publisher.send(frame);
        }
    }
}

/// Sleeps until `at`; forever without one.
async fn retry_timer(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Whether the join asked for captured media to be published (the default).
fn auto_publish(view: &RoomView) -> bool {
    view.config.is_auto_publish != Some(false)
}
