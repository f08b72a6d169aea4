//! The media conductor: one task per engine that owns everything media. It keeps what is
//! captured (and from where), follows the room as the signalling machine reports it, starts
//! and drops the two transports, forwards encoded frames of published tracks to the
//! publisher, hands the SFU's offers to the subscriber, and tells the room about capture
//! (`setCaptureState`, and `publishStream` when the join asked for auto-publishing).
//!
//! This file is the tokio shell: channels, spawns, the timer. Every decision about the room
//! and the transports is made by the sans-IO [`Rules`] (`rules.rs`), whose [`Effect`]s the
//! shell carries out; the capture pipelines' own rules are in `captures.rs`.
//!
//! Its inputs arrive on one channel, from the app's calls and from the engine's signalling
//! task alike, so a room change the machine reports before answering a call is seen before
//! any call the app makes after that answer. It never waits on a transport or on the server:
//! requests it makes are awaited by small spawned tasks, transports report back on channels.

mod captures;
mod rules;
#[cfg(test)]
mod tests;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use chorus_media::{AudioFrame, SeiSchedule, VideoFrame};
use chorus_proto::{ErrorCode, Request, RtcError, StreamIndex, TrackKind, VideoSourceType};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::caller::Caller;
use crate::cloud_proxy::ProxySetting;
use crate::event::EngineEvent;
use crate::media::capture::{EncodedFrame, PictureSlot, SeiSlot};
use crate::media::encoder_target::EncoderSlot;
use crate::media::inbox::{MediaCall, MediaInput, Reply, SeiRequest};
use crate::media::outlet::EncodedMedia;
use crate::media::outlet::Outlets;
use crate::media::publisher::{KeyframeFlags, Publisher, PublisherSetup, Report};
use crate::media::source::AudioSourceType;
use crate::media::subscriber::{Subscriber, SubscriberSetup};
use crate::media::transport::local_ip_toward;
use crate::media::turn::RelayPlan;
use crate::mixing::MixingHub;
use captures::Slot;
use rules::{Capturing, Effect, Rules};

/// Encoded frames queued from the capture pipelines before newer ones are dropped.
const FRAME_QUEUE: usize = 256;
/// Pushed frames queued for their encoder before newer ones are dropped.
const PUSH_QUEUE: usize = 16;

/// How long an SEI message waits for a picture to carry it (the vendor's: 2 s).
const SEI_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(2);

/// A first SEI sequence number unlike another engine's, so that a receiver that saw one
/// engine's messages does not take another's for repeats.
fn sei_start() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32).rotate_left(16))
        .unwrap_or(0);
    nanos.wrapping_mul(0x9E37_79B9)
}

fn err(code: ErrorCode, message: impl Into<String>) -> RtcError {
    RtcError::new(code, message)
}

/// How the engine's media may relay: the config's `relay_only`, and the cloud proxy.
pub(crate) struct Relaying {
    /// Media only through a relay.
    pub(crate) relay_only: bool,
    /// The cloud proxy setting.
    pub(crate) proxy: ProxySetting,
    /// What `turns:` servers are checked against (the engine's `tls`).
    pub(crate) tls: Option<chorus_tls::ClientTls>,
}

/// The conductor's task state; [`Conductor::run`] is its task.
pub(crate) struct Conductor {
    inbox: mpsc::UnboundedReceiver<MediaInput>,
    caller: Caller,
    events: mpsc::UnboundedSender<EngineEvent>,
    outlets: Outlets,
    /// Audio mixing, handed to each audio pipeline.
    mixing: MixingHub,
    signal_url: Result<String, String>,
    local_ip: IpAddr,
    /// The current session's TURN servers, and whether media must be relayed.
    relay: RelayPlan,
    /// The cloud proxy: while on, media goes only through its relays.
    proxy: ProxySetting,
    frames_tx: mpsc::Sender<EncodedFrame>,
    frames: mpsc::Receiver<EncodedFrame>,
    reports_tx: mpsc::UnboundedSender<Report>,
    reports: mpsc::UnboundedReceiver<Report>,
    rules: Rules<Reply<()>>,
    audio: Slot<AudioFrame>,
    video: [Slot<VideoFrame>; 2],
    pictures: [PictureSlot; 2],
    seis: [SeiSlot; 2],
    encoders: [EncoderSlot; 2],
    /// The sequence number of the last SEI message queued.
    sei_seq: u32,
    keyframes: KeyframeFlags,
    publisher: Option<Publisher>,
    subscriber: Option<Subscriber>,
}

fn slot_of(index: StreamIndex) -> usize {
    usize::from(index.value())
}

fn now() -> std::time::Instant {
    Instant::now().into_std()
}

impl Conductor {
    /// A conductor for the engine whose signalling URL is `signal_url`.
    pub(crate) fn new(
        inbox: mpsc::UnboundedReceiver<MediaInput>,
        caller: Caller,
        events: mpsc::UnboundedSender<EngineEvent>,
        outlets: Outlets,
        mixing: MixingHub,
        signal_url: Result<String, String>,
        relaying: Relaying,
    ) -> Conductor {
        let (frames_tx, frames) = mpsc::channel(FRAME_QUEUE);
        let (reports_tx, reports) = mpsc::unbounded_channel();
        Conductor {
            inbox,
            caller,
            events,
            outlets,
            mixing,
            signal_url,
            local_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            relay: RelayPlan {
                ice_servers: Vec::new(),
                relay_only: relaying.relay_only,
                tls: relaying.tls,
            },
            proxy: relaying.proxy,
            frames_tx,
            frames,
            reports_tx,
            reports,
            rules: Rules::default(),
            audio: Slot::new(),
            video: [Slot::new(), Slot::new()],
            pictures: Default::default(),
            seis: std::array::from_fn(|_| {
                Arc::new(std::sync::Mutex::new(SeiSchedule::new(SEI_MAX_AGE)))
            }),
            encoders: Default::default(),
            sei_seq: sei_start(),
            keyframes: KeyframeFlags::default(),
            publisher: None,
            subscriber: None,
        }
    }

    /// Runs until the engine is destroyed or every handle to it is gone.
    pub(crate) async fn run(mut self) {
        if let Ok(url) = &self.signal_url {
            self.local_ip = local_ip_toward(url).await;
        }
        loop {
            self.apply();
            let retry_at = self.rules.poll_timeout().map(Instant::from_std);
            tokio::select! {
                input = self.inbox.recv() => match input {
                    None | Some(MediaInput::Destroy) => break,
                    Some(MediaInput::Room(view)) => {
                        if let Some(view) = &view {
                            self.relay.ice_servers.clone_from(&view.ice_servers);
                        }
                        let capturing = Capturing {
                            audio: self.audio.capturing(),
                            video: self.video[slot_of(StreamIndex::Main)].capturing(),
                        };
                        self.rules.handle_room(view, capturing);
                    }
                    Some(MediaInput::SubscriberOffer(offer)) => self.rules.handle_offer(offer),
                    Some(MediaInput::Call(call)) => self.on_call(call),
                },
                Some(frame) = self.frames.recv() => self.route(frame),
                Some(report) = self.reports.recv() => {
                    self.rules.handle_report(now(), report.generation, report.outcome);
                }
                () = retry_timer(retry_at) => self.rules.handle_timeout(now()),
            }
        }
        self.outlets.close();
    }

    /// Carries out what the rules asked for.
    fn apply(&mut self) {
        while let Some(effect) = self.rules.poll_effect() {
            match effect {
                Effect::Request(request) => self.request(request),
                Effect::StartPublisher { generation } => {
                    self.publisher = Some(Publisher::start(PublisherSetup {
                        local_ip: self.local_ip,
                        caller: self.caller.clone(),
                        events: self.events.clone(),
                        report: self.reports_tx.clone(),
                        generation,
                        keyframes: self.keyframes.clone(),
                        stats: self.outlets.stats().clone(),
                        relay: self.relay_plan(),
                    }));
                }
                Effect::StopPublisher => self.publisher = None,
                Effect::StopSubscriber => self.subscriber = None,
                Effect::Offer(offer) => {
                    // The running subscriber takes it, unless it is from a transport the SFU
                    // made afresh (after a failure on its side it starts over with new ICE
                    // credentials and certificate), or there is none: then a new one does.
                    let offer = match &self.subscriber {
                        Some(subscriber) => match subscriber.offer(offer) {
                            Ok(()) => continue,
                            Err(offer) => offer,
                        },
                        None => offer,
                    };
                    let setup = SubscriberSetup {
                        local_ip: self.local_ip,
                        caller: self.caller.clone(),
                        events: self.events.clone(),
                        outlets: self.outlets.clone(),
                        relay: self.relay_plan(),
                    };
                    self.subscriber = Some(Subscriber::start(setup, offer));
                }
                Effect::ForgetPictures => self.outlets.forget_pictures(),
                Effect::Reply(reply, outcome) => {
                    // The caller may have stopped waiting; that is its business.
                    let _ = reply.send(outcome);
                }
            }
        }
    }

    /// How a new transport relays: through the cloud proxy's relays only while it is on.
    fn relay_plan(&self) -> RelayPlan {
        match self.proxy.get() {
            Some(route) => RelayPlan {
                ice_servers: route.relays(&self.relay.ice_servers),
                relay_only: true,
                tls: self.relay.tls.clone(),
            },
            None => self.relay.clone(),
        }
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
            MediaCall::SendSei(request, reply) => {
                let _ = reply.send(self.send_sei(request));
            }
            MediaCall::SetVideoEncoderConfig(index, config, reply) => {
                self.encoders[slot_of(index)].set(config);
                let _ = reply.send(Ok(()));
            }
            MediaCall::AwaitPublisher(reply) => self.rules.handle_await_publisher(reply),
        }
    }

    /// Queues an SEI message for the next pictures of the stream's video, in a room, which
    /// must be captured (or pushed).
    fn send_sei(&mut self, request: SeiRequest) -> Result<(), RtcError> {
        let index = request.index;
        if !self.rules.in_room() {
            return Err(err(
                ErrorCode::NotConnectedYet,
                "SEI messages travel in published video; join a room first",
            ));
        }
        if !self.video[slot_of(index)].capturing() {
            return Err(err(
                ErrorCode::StreamNotExist,
                format!(
                    "stream {index:?} has no video; SEI travels in the video frames, so capture (or push) video first"
                ),
            ));
        }
        self.sei_seq = self.sei_seq.wrapping_add(1);
        let queued = self.seis[slot_of(index)]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .add(
                self.sei_seq,
                &request.payload,
                request.frames,
                request.multi,
                std::time::Instant::now(),
            );
        if !queued {
            return Err(err(
                ErrorCode::InvalidParams,
                format!(
                    "{} SEI messages sent in the last 2 s still wait for pictures; send at most one per picture",
                    chorus_media::MAX_SEI_PENDING
                ),
            ));
        }
        Ok(())
    }

    /// Capture of `kind` on `index` started or stopped: a stream that stops forgets its
    /// latest picture, and the rules tell the room.
    fn capture_changed(&mut self, index: StreamIndex, kind: TrackKind, capturing: bool) {
        if !capturing {
            *self.pictures[slot_of(index)]
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        }
        self.rules.handle_capture(index, kind, capturing);
    }

    /// Hands a frame of a published track to the publisher, once it is negotiated.
    fn route(&self, frame: EncodedFrame) {
        if self.outlets.take_keyframe_wish() {
            self.keyframes
                .of(StreamIndex::Main)
                .store(true, std::sync::atomic::Ordering::Release);
        }
        self.outlets.deliver_encoded(|| EncodedMedia {
            index: frame.index,
            kind: frame.kind,
            data: frame.data.clone(),
            samples: frame.samples,
            captured_at: frame.captured_at,
        });
        if self.rules.forwards(frame.index, frame.kind)
            && let Some(publisher) = &self.publisher
        {
            publisher.send(frame);
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
