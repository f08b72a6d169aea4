//! The publisher transport: one task that offers the SFU three send-only m-lines (main audio,
//! main video, screen video), sends the offer with `publisherOffer`, applies the answer, then
//! writes encoded frames as whole frames (str0m packetizes, keeps them for NACK/RTX, and
//! paces them), turns PLI/FIR into keyframes and str0m's egress counters into
//! `onLocalStreamStats`.
//!
//! All three m-lines are negotiated at once, whatever is published first, so publishing more
//! later needs no renegotiation: what flows is decided by the conductor, which only forwards frames
//! of published tracks. The task ends when its handle is dropped (leaving the room, a new
//! server session) and reports how negotiation went to the conductor.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chorus_media::RtcSetup;
use chorus_proto::{
    ErrorCode, PublishedTrack, PublisherOfferParams, Request, RtcError, SdpAnswer, StreamIndex,
    TrackKind,
};
use str0m::media::{Direction, MediaTime, Mid, Pt};
use str0m::{Event, IceConnectionState, Rtc};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use crate::caller::Caller;
use crate::event::{EngineEvent, MediaTransport, TransportState};
use crate::media::capture::EncodedFrame;
use crate::media::stats::{RateMeter, StatsBook, StreamStats, millis};
use crate::media::transport::{BindError, TrackInfo, Transport, clock_of, codec_of, media_kind};
use crate::media::turn::RelayPlan;

/// The m-lines offered, in order.
const TRACKS: [(StreamIndex, TrackKind); 3] = [
    (StreamIndex::Main, TrackKind::Audio),
    (StreamIndex::Main, TrackKind::Video),
    (StreamIndex::Screen, TrackKind::Video),
];

/// Frames queued for the transport before newer ones are dropped.
const FRAME_QUEUE: usize = 256;

/// "Make the next frame a keyframe" of the main and screen video pipelines, shared with them.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyframeFlags {
    main: Arc<AtomicBool>,
    screen: Arc<AtomicBool>,
}

impl KeyframeFlags {
    /// The flag of `index`.
    pub(crate) fn of(&self, index: StreamIndex) -> &Arc<AtomicBool> {
        match index {
            StreamIndex::Main => &self.main,
            StreamIndex::Screen => &self.screen,
        }
    }

    fn raise_all(&self) {
        self.main.store(true, Ordering::Release);
        self.screen.store(true, Ordering::Release);
    }
}

/// What a publisher tells the conductor: how negotiation ended (`Ok`, or why not), and later, if
/// it comes to that, that the transport failed (a second, `Err`, report).
#[derive(Debug)]
pub(crate) struct Report {
    /// Which publisher (the conductor numbers them), so a late report of a replaced one is
    /// recognised.
    pub(crate) generation: u64,
    /// Negotiated, or why not; or why the negotiated transport failed.
    pub(crate) outcome: Result<(), RtcError>,
}

/// How long ICE may stay disconnected before the transport counts as failed. str0m's agent
/// never gives up on its own; the SFU drops a transport it has not heard from much sooner.
const DISCONNECTED_LIMIT: Duration = Duration::from_secs(10);

/// What a publisher task needs.
pub(crate) struct PublisherSetup {
    /// The local IP to bind.
    pub(crate) local_ip: IpAddr,
    /// Signalling.
    pub(crate) caller: Caller,
    /// The app's events.
    pub(crate) events: mpsc::UnboundedSender<EngineEvent>,
    /// Where the negotiation's outcome goes.
    pub(crate) report: mpsc::UnboundedSender<Report>,
    /// The conductor's number for this publisher.
    pub(crate) generation: u64,
    /// Keyframe requests for the capture pipelines.
    pub(crate) keyframes: KeyframeFlags,
    /// Where the latest figures are kept for the stats getters.
    pub(crate) stats: StatsBook,
    /// TURN servers, and whether media must go through one.
    pub(crate) relay: RelayPlan,
}

/// The running publisher transport. Dropping it ends the task and closes the transport.
pub(crate) struct Publisher {
    frames: mpsc::Sender<EncodedFrame>,
    task: AbortHandle,
}

impl Drop for Publisher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Publisher {
    /// Starts the task: bind, offer, send, answer, then run.
    pub(crate) fn start(setup: PublisherSetup) -> Publisher {
        let (frames, frames_rx) = mpsc::channel(FRAME_QUEUE);
        let task = tokio::spawn(run(setup, frames_rx)).abort_handle();
        Publisher { frames, task }
    }

    /// Hands a frame to the transport; dropped if it is behind.
    pub(crate) fn send(&self, frame: EncodedFrame) {
        let _ = self.frames.try_send(frame);
    }
}

fn emit_state(setup: &PublisherSetup, state: TransportState, reason: Option<String>) {
    let _ = setup.events.send(EngineEvent::TransportStateChanged {
        transport: MediaTransport::Publisher,
        state,
        reason,
    });
}

fn report(setup: &PublisherSetup, outcome: Result<(), RtcError>) {
    let _ = setup.report.send(Report {
        generation: setup.generation,
        outcome,
    });
}

async fn run(setup: PublisherSetup, frames: mpsc::Receiver<EncodedFrame>) {
    let (transport, tracks) = match negotiate(&setup).await {
        Ok(ready) => ready,
        Err(e) => {
            emit_state(&setup, TransportState::Failed, Some(e.message.clone()));
            report(&setup, Err(e));
            return;
        }
    };
    report(&setup, Ok(()));
    emit_state(&setup, TransportState::Connecting, None);
    let Some(why) = send(&setup, transport, tracks, frames).await else {
        return;
    };
    emit_state(&setup, TransportState::Failed, Some(why.clone()));
    report(
        &setup,
        Err(RtcError::new(
            ErrorCode::PublishFailed,
            format!("the media transport failed: {why}"),
        )),
    );
}

/// Runs the negotiated transport until it fails (why) or the conductor drops it (`None`).
async fn send(
    setup: &PublisherSetup,
    mut transport: Transport,
    tracks: Vec<TrackInfo>,
    mut frames: mpsc::Receiver<EncodedFrame>,
) -> Option<String> {
    let mut state = Sending {
        setup,
        tracks,
        pts: HashMap::new(),
        connected: false,
        disconnected: None,
        audio_clock: [0; 2],
        started: Instant::now(),
        meter: RateMeter::default(),
    };
    loop {
        if let Err(e) = transport.drain(|rtc, event| state.on_event(rtc, event)) {
            return Some(e.to_string());
        }
        if !transport.is_alive() {
            return Some("closed".into());
        }
        if state
            .disconnected
            .is_some_and(|since| since.elapsed() > DISCONNECTED_LIMIT)
        {
            return Some(format!("ICE disconnected for over {DISCONNECTED_LIMIT:?}"));
        }
        tokio::select! {
            wake = transport.wait() => match wake {
                Ok(wake) => transport.feed(wake),
                Err(e) => return Some(format!("socket: {e}")),
            },
            frame = frames.recv() => match frame {
                Some(frame) => state.write(transport.rtc(), frame),
                None => return None,
            },
        }
    }
}

/// A local failure to set the transport up: the publish cannot carry media.
fn publish_failed(what: impl std::fmt::Display) -> RtcError {
    RtcError::new(
        ErrorCode::PublishFailed,
        format!("the media transport could not be set up: {what}"),
    )
}

/// Binds, offers, and applies the SFU's answer.
async fn negotiate(setup: &PublisherSetup) -> Result<(Transport, Vec<TrackInfo>), RtcError> {
    let rtc = RtcSetup::sdk().config().build(Instant::now());
    let mut transport = Transport::bind(setup.local_ip, rtc, &setup.relay)
        .await
        .map_err(|e| match e {
            BindError::NoRelay(why) => RtcError::new(ErrorCode::IceServerWrong, why),
            BindError::Socket(_) => publish_failed(e),
        })?;
    let mut api = transport.rtc().sdp_api();
    let tracks: Vec<TrackInfo> = TRACKS
        .iter()
        .map(|&(index, kind)| {
            let stream = format!("chorus-{}", index.value());
            let track = format!("chorus-{}-{}", index.value(), kind.as_str());
            let mid = api.add_media(
                media_kind(kind),
                Direction::SendOnly,
                Some(stream),
                Some(track),
                None,
            );
            TrackInfo { mid, index, kind }
        })
        .collect();
    let (offer, pending) = api
        .apply()
        .ok_or_else(|| publish_failed("str0m made no offer"))?;
    transport.drain(|_, _| {}).map_err(publish_failed)?;
    let params = PublisherOfferParams {
        sdp: offer.to_sdp_string(),
        tracks: tracks
            .iter()
            .map(|t| PublishedTrack {
                mid: t.mid.to_string(),
                stream_index: t.index,
                kind: t.kind,
            })
            .collect(),
    };
    let answer = setup.caller.send(Request::PublisherOffer(params)).await?;
    let answer: SdpAnswer = serde_json::from_value(answer).map_err(|e| {
        RtcError::new(
            ErrorCode::UnexpectedError,
            format!("the server's answer to publisherOffer is not what the protocol says: {e}"),
        )
    })?;
    let answer = str0m::change::SdpAnswer::from_sdp_string(&answer.sdp)
        .map_err(|e| publish_failed(format!("the SFU's answer is not SDP: {e}")))?;
    transport
        .rtc()
        .sdp_api()
        .accept_answer(pending, answer)
        .map_err(|e| publish_failed(format!("the SFU's answer was refused: {e}")))?;
    transport.drain(|_, _| {}).map_err(publish_failed)?;
    Ok((transport, tracks))
}

/// The running transport's state.
struct Sending<'a> {
    setup: &'a PublisherSetup,
    tracks: Vec<TrackInfo>,
    /// The payload type of each m-line's codec, once looked up.
    pts: HashMap<Mid, Pt>,
    connected: bool,
    /// Since when ICE is disconnected, if it is.
    disconnected: Option<Instant>,
    /// RTP time of the next audio frame, per stream index, in samples.
    audio_clock: [u64; 2],
    /// Video RTP time counts from here.
    started: Instant,
    meter: RateMeter<Mid>,
}

impl Sending<'_> {
    fn track(&self, mid: Mid) -> Option<&TrackInfo> {
        self.tracks.iter().find(|t| t.mid == mid)
    }

    fn on_event(&mut self, _rtc: &mut Rtc, event: Event) {
        match event {
            Event::Connected => {
                self.connected = true;
                // Whoever receives us first needs a picture that stands alone.
                self.setup.keyframes.raise_all();
                emit_state(self.setup, TransportState::Connected, None);
            }
            Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                self.disconnected = Some(Instant::now());
                emit_state(
                    self.setup,
                    TransportState::Disconnected,
                    Some("ICE connectivity lost".into()),
                );
            }
            Event::IceConnectionStateChange(
                IceConnectionState::Connected | IceConnectionState::Completed,
            ) if self.disconnected.is_some() => {
                self.disconnected = None;
                emit_state(self.setup, TransportState::Connected, None);
            }
            Event::KeyframeRequest(request) => {
                if let Some(track) = self.track(request.mid) {
                    self.setup
                        .keyframes
                        .of(track.index)
                        .store(true, Ordering::Release);
                }
            }
            Event::MediaEgressStats(stats) => {
                let Some(track) = self.track(stats.mid).cloned() else {
                    return;
                };
                if stats.packets == 0 {
                    return;
                }
                let bitrate_kbps = self.meter.kbps(stats.mid, stats.bytes, stats.timestamp);
                let figures = StreamStats {
                    kind: track.kind,
                    bitrate_kbps,
                    packets: stats.packets,
                    packet_loss_rate: stats.loss.unwrap_or(0.0),
                    rtt_ms: stats.rtt.map(millis),
                };
                self.setup
                    .stats
                    .set_local(track.index, figures.clone(), Instant::now());
                let _ = self.setup.events.send(EngineEvent::LocalStreamStats {
                    stream_index: track.index,
                    stats: figures,
                });
            }
            _ => {}
        }
    }

    /// Writes one frame on its m-line (dropped before the transport connects: str0m would
    /// drop it anyway, and a receiver starts from a keyframe requested on connect).
    fn write(&mut self, rtc: &mut Rtc, frame: EncodedFrame) {
        if !self.connected {
            return;
        }
        let Some(track) = self
            .tracks
            .iter()
            .find(|t| t.index == frame.index && t.kind == frame.kind)
            .cloned()
        else {
            return;
        };
        let Some(writer) = rtc.writer(track.mid) else {
            return;
        };
        let pt = match self.pts.get(&track.mid) {
            Some(pt) => *pt,
            None => {
                let codec = codec_of(track.kind);
                let Some(pt) = writer
                    .payload_params()
                    .find(|p| p.spec().codec == codec)
                    .map(|p| p.pt())
                else {
                    tracing::warn!(mid = %track.mid, "the SFU accepted no usable codec");
                    return;
                };
                self.pts.insert(track.mid, pt);
                pt
            }
        };
        let ticks = match track.kind {
            TrackKind::Audio => {
                let clock = &mut self.audio_clock[usize::from(track.index.value())];
                let at = *clock;
                *clock += u64::from(frame.samples);
                at
            }
            TrackKind::Video => {
                let since = frame.captured_at.saturating_duration_since(self.started);
                let micros = u64::try_from(since.as_micros()).unwrap_or(u64::MAX);
                micros.saturating_mul(90) / 1000
            }
        };
        let time = MediaTime::new(ticks, clock_of(track.kind));
        if let Err(e) = writer.write(pt, frame.captured_at, time, frame.data) {
            tracing::debug!(error = %e, "frame not written");
        }
    }
}
