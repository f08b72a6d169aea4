//! The media hub: one task per engine that owns everything media. It keeps what is captured
//! (and from where), follows the room as the signalling machine reports it, starts and drops
//! the two transports, forwards encoded frames of published tracks to the publisher, hands the
//! SFU's offers to the subscriber, and tells the room about capture (`setCaptureState`, and
//! `publishStream` when the join asked for auto-publishing).
//!
//! Its inputs arrive on one channel, from the app's calls and from the engine's signalling
//! task alike, so a room change the machine reports before answering a call is seen before
//! any call the app makes after that answer. It never waits on a transport or on the server:
//! requests it makes are awaited by small spawned tasks, transports report back on channels.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::mpsc::{SyncSender, TrySendError};

use chorus_media::{AudioFrame, AudioSource, FRAME_SAMPLES, VideoFrame, VideoSource};
use chorus_proto::{
    CaptureStateParams, ErrorCode, MediaParams, MediaType, Request, RtcError, StreamIndex,
    SubscriberOfferEvent, TrackKind, VideoSourceType,
};
use tokio::sync::{mpsc, oneshot};

use crate::connection::Caller;
use crate::event::EngineEvent;
use crate::media::capture::{self, Capture, EncodedFrame, Input, PictureSlot};
use crate::media::outlet::Outlets;
use crate::media::publisher::{KeyframeFlags, Negotiated, Publisher, PublisherSetup};
use crate::media::source::AudioSourceType;
use crate::media::subscriber::{Subscriber, SubscriberSetup};
use crate::media::transport::local_ip_toward;
use crate::room::RoomView;

/// Encoded frames queued from the capture pipelines before newer ones are dropped.
const FRAME_QUEUE: usize = 256;
/// Pushed frames queued for their encoder before newer ones are dropped.
const PUSH_QUEUE: usize = 16;

/// How a call is answered.
pub(crate) type Reply<T> = oneshot::Sender<Result<T, RtcError>>;

/// An app call the hub answers.
pub(crate) enum MediaCall {
    StartAudio(Box<dyn AudioSource>, Reply<()>),
    StopAudio(Reply<()>),
    StartVideo(StreamIndex, Box<dyn VideoSource>, Reply<()>),
    StopVideo(StreamIndex, Reply<()>),
    SetAudioSourceType(AudioSourceType, Reply<()>),
    SetVideoSourceType(StreamIndex, VideoSourceType, Reply<()>),
    PushAudio(AudioFrame, Reply<()>),
    PushVideo(StreamIndex, VideoFrame, Reply<()>),
    /// Where the latest local picture of a stream is kept, if it captures.
    LocalPicture(StreamIndex, Reply<PictureSlot>),
    /// Answered once the publisher transport is negotiated (at once if nothing is published).
    AwaitPublisher(Reply<()>),
}

/// Everything the hub hears.
pub(crate) enum HubInput {
    /// The room as media sees it changed (from the signalling machine).
    Room(Option<RoomView>),
    /// The SFU offers the subscriber transport.
    SubscriberOffer(SubscriberOfferEvent),
    /// An app call.
    Call(MediaCall),
    /// The engine is destroyed: stop everything.
    Destroy,
}

fn err(code: ErrorCode, message: impl Into<String>) -> RtcError {
    RtcError::new(code, message)
}

/// A stream's capture: internal from a source, or external from pushed frames.
struct Slot<F> {
    internal: bool,
    capture: Option<Capture>,
    /// The pipeline's input, when external.
    pushed: Option<SyncSender<F>>,
}

impl<F> Slot<F> {
    fn new() -> Self {
        Slot {
            internal: true,
            capture: None,
            pushed: None,
        }
    }

    fn capturing(&self) -> bool {
        self.capture.as_ref().is_some_and(|c| !c.has_ended())
    }

    /// Stops whatever runs; whether something did.
    fn stop(&mut self) -> bool {
        self.pushed = None;
        self.capture.take().is_some_and(|c| !c.has_ended())
    }
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

/// The hub's state; [`Hub::run`] is its task.
pub(crate) struct Hub {
    inbox: mpsc::UnboundedReceiver<HubInput>,
    caller: Caller,
    events: mpsc::UnboundedSender<EngineEvent>,
    outlets: Outlets,
    signal_url: Result<String, String>,
    local_ip: IpAddr,
    frames_tx: mpsc::Sender<EncodedFrame>,
    frames: mpsc::Receiver<EncodedFrame>,
    negotiated_tx: mpsc::UnboundedSender<Negotiated>,
    negotiated: mpsc::UnboundedReceiver<Negotiated>,
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

impl Hub {
    /// A hub for the engine whose signalling URL is `signal_url`.
    pub(crate) fn new(
        inbox: mpsc::UnboundedReceiver<HubInput>,
        caller: Caller,
        events: mpsc::UnboundedSender<EngineEvent>,
        outlets: Outlets,
        signal_url: Result<String, String>,
    ) -> Hub {
        let (frames_tx, frames) = mpsc::channel(FRAME_QUEUE);
        let (negotiated_tx, negotiated) = mpsc::unbounded_channel();
        Hub {
            inbox,
            caller,
            events,
            outlets,
            signal_url,
            local_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            frames_tx,
            frames,
            negotiated_tx,
            negotiated,
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
                    None | Some(HubInput::Destroy) => break,
                    Some(HubInput::Room(view)) => self.on_room(view),
                    Some(HubInput::SubscriberOffer(offer)) => self.on_offer(offer),
                    Some(HubInput::Call(call)) => self.on_call(call),
                },
                Some(frame) = self.frames.recv() => self.route(frame),
                Some(report) = self.negotiated.recv() => self.on_negotiated(report),
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

    fn start_audio(&mut self, source: Box<dyn AudioSource>) -> Result<(), RtcError> {
        if !self.audio.internal {
            return Err(err(
                ErrorCode::StreamTypeNotMatch,
                "the audio source type is External: push frames with push_external_audio_frame, or set it to Internal first",
            ));
        }
        if self.audio.capturing() {
            return Err(err(
                ErrorCode::RepeatCapture,
                "audio is being captured already; stop_audio_capture first",
            ));
        }
        let input = Input::Source(source);
        let capture = capture::start_audio(input, StreamIndex::Main, self.frames_tx.clone())
            .map_err(|e| {
                err(
                    ErrorCode::GetAudioTrackFailed,
                    format!("cannot start the capture thread: {e}"),
                )
            })?;
        self.audio.capture = Some(capture);
        self.capture_changed(StreamIndex::Main, TrackKind::Audio, true);
        Ok(())
    }

    fn stop_audio(&mut self) -> Result<(), RtcError> {
        if !self.audio.internal {
            return Err(err(
                ErrorCode::StreamTypeNotMatch,
                "the audio source type is External: there is no internal capture to stop",
            ));
        }
        if self.audio.stop() {
            self.capture_changed(StreamIndex::Main, TrackKind::Audio, false);
        }
        Ok(())
    }

    fn start_video(
        &mut self,
        index: StreamIndex,
        source: Box<dyn VideoSource>,
    ) -> Result<(), RtcError> {
        let slot = &self.video[slot_of(index)];
        if !slot.internal {
            return Err(err(
                ErrorCode::StreamTypeNotMatch,
                format!(
                    "the video source type of stream {index:?} is External: push frames with push_external_video_frame, or set it to Internal first"
                ),
            ));
        }
        if slot.capturing() {
            return Err(err(
                ErrorCode::RepeatCapture,
                format!("stream {index:?} is capturing video already; stop its capture first"),
            ));
        }
        self.start_video_pipeline(index, Input::Source(source))
    }

    fn start_video_pipeline(
        &mut self,
        index: StreamIndex,
        input: capture::VideoInput,
    ) -> Result<(), RtcError> {
        let picture = self.pictures[slot_of(index)].clone();
        *picture
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        let capture = capture::start_video(
            input,
            index,
            self.frames_tx.clone(),
            self.keyframes.of(index).clone(),
            picture,
        )
        .map_err(|e| {
            err(
                ErrorCode::GetVideoTrackFailed,
                format!("cannot start the capture thread: {e}"),
            )
        })?;
        self.video[slot_of(index)].capture = Some(capture);
        self.capture_changed(index, TrackKind::Video, true);
        Ok(())
    }

    fn stop_video(&mut self, index: StreamIndex) -> Result<(), RtcError> {
        let slot = &mut self.video[slot_of(index)];
        if !slot.internal {
            return Err(err(
                ErrorCode::StreamTypeNotMatch,
                format!(
                    "the video source type of stream {index:?} is External: there is no internal capture to stop"
                ),
            ));
        }
        if slot.stop() {
            self.capture_changed(index, TrackKind::Video, false);
        }
        Ok(())
    }

    fn push_audio(&mut self, frame: AudioFrame) -> Result<(), RtcError> {
        if self.audio.internal {
            return Err(err(
                ErrorCode::StreamTypeNotMatch,
                "the audio source type is Internal; set_audio_source_type(External) before pushing frames",
            ));
        }
        let channels = usize::from(frame.channels);
        if !(1..=2).contains(&channels) || frame.samples.len() != FRAME_SAMPLES * channels {
            return Err(err(
                ErrorCode::InvalidParams,
                format!(
                    "an audio frame is 20 ms at 48 kHz: {FRAME_SAMPLES} samples per channel, 1 or 2 channels interleaved; got {} samples for {} channels",
                    frame.samples.len(),
                    frame.channels
                ),
            ));
        }
        if !self.audio.capturing() {
            let (tx, rx) = std::sync::mpsc::sync_channel(PUSH_QUEUE);
            let capture =
                capture::start_audio(Input::Pushed(rx), StreamIndex::Main, self.frames_tx.clone())
                    .map_err(|e| {
                        err(
                            ErrorCode::GetAudioTrackFailed,
                            format!("cannot start the encoder thread: {e}"),
                        )
                    })?;
            self.audio.capture = Some(capture);
            self.audio.pushed = Some(tx);
            self.capture_changed(StreamIndex::Main, TrackKind::Audio, true);
        }
        if let Some(tx) = &self.audio.pushed
            && let Err(TrySendError::Disconnected(_)) = tx.try_send(frame)
        {
            self.audio.pushed = None;
        }
        Ok(())
    }

    fn push_video(&mut self, index: StreamIndex, frame: VideoFrame) -> Result<(), RtcError> {
        if self.video[slot_of(index)].internal {
            return Err(err(
                ErrorCode::StreamTypeNotMatch,
                format!(
                    "the video source type of stream {index:?} is Internal; set_video_source_type({index:?}, External) before pushing frames"
                ),
            ));
        }
        let (w, h) = (frame.width as usize, frame.height as usize);
        let chroma = w.div_ceil(2) * h.div_ceil(2);
        if w == 0
            || h == 0
            || frame.y.len() != w * h
            || frame.u.len() != chroma
            || frame.v.len() != chroma
        {
            return Err(err(
                ErrorCode::InvalidParams,
                format!(
                    "a video frame is I420 with packed planes: {w}x{h} needs {} luma and {chroma} bytes per chroma plane",
                    w * h
                ),
            ));
        }
        if !self.video[slot_of(index)].capturing() {
            let (tx, rx) = std::sync::mpsc::sync_channel(PUSH_QUEUE);
            self.start_video_pipeline(index, Input::Pushed(rx))?;
            self.video[slot_of(index)].pushed = Some(tx);
        }
        let slot = &mut self.video[slot_of(index)];
        if let Some(tx) = &slot.pushed
            && let Err(TrySendError::Disconnected(_)) = tx.try_send(frame)
        {
            slot.pushed = None;
        }
        Ok(())
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
            report: self.negotiated_tx.clone(),
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

    fn on_negotiated(&mut self, report: Negotiated) {
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
        if let PublisherState::Negotiating(waiting) = std::mem::replace(&mut slot.state, state) {
            for reply in waiting {
                let _ = reply.send(report.outcome.clone());
            }
        }
    }

    fn on_offer(&mut self, offer: SubscriberOfferEvent) {
        if self.view.is_none() {
            return;
        }
        match &self.subscriber {
            Some(subscriber) => subscriber.offer(offer),
            None => {
                let setup = SubscriberSetup {
                    local_ip: self.local_ip,
                    caller: self.caller.clone(),
                    events: self.events.clone(),
                    outlets: self.outlets.clone(),
                };
                self.subscriber = Some(Subscriber::start(setup, offer));
            }
        }
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

/// Whether the join asked for captured media to be published (the default).
fn auto_publish(view: &RoomView) -> bool {
    view.config.is_auto_publish != Some(false)
}
