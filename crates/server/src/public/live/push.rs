//! One RTMP push: a thread that connects to the RTMP server, then sends the composite as the
//! public-stream worker's output engine encodes it (its H.264 access units, no second video
//! encode) and its mixed audio encoded as AAC-LC, as FLV tags. Video is stamped by capture
//! time from the first keyframe; audio by its sample count from its first frame after that
//! keyframe. How it goes is told through `notify`, in the vendor's terms.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chorus_compositor::{EncodedMedia, MediaStream};
use chorus_media::AudioFrame;
use chorus_proto::{StreamMixingErrorCode, StreamMixingEventType, TrackKind};
use tokio::sync::{broadcast, oneshot};

use super::aac::{AacEncoder, AacParams, FRAME_SAMPLES};
use super::amf::Amf;
use super::flv;
use super::rtmp::{Publisher, RtmpError, RtmpUrl};

/// Tells the caller how the push goes.
pub(crate) type Notify =
    Arc<dyn Fn(StreamMixingEventType, StreamMixingErrorCode, String) + Send + Sync>;

/// The composite's media: its encoded video and its mixed audio.
pub(crate) type Media = (MediaStream<EncodedMedia>, broadcast::Receiver<AudioFrame>);

/// Finds the composite's media once the worker is publishing; `None` until then.
pub(crate) type Source = Box<dyn FnMut() -> Option<Media> + Send>;

/// How long the composite may take to start publishing.
const SOURCE_WAIT: Duration = Duration::from_secs(20);

/// What is pushed.
#[derive(Debug, Clone)]
pub(crate) struct PushConfig {
    pub(crate) url: RtmpUrl,
    pub(crate) audio: AacParams,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) fps: u32,
    pub(crate) kbps: u32,
}

/// A running push; dropping it stops it (the thread closes the connection and ends).
pub(crate) struct Push {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    /// START_FAILED was told: the push is over, though its thread may still be winding down.
    failed: Arc<AtomicBool>,
}

impl Push {
    /// Starts pushing on a thread of its own; `on_end` runs when the push ends, however.
    pub(crate) fn start(
        config: PushConfig,
        source: Source,
        on_end: Box<dyn FnOnce() + Send>,
        notify: Notify,
    ) -> std::io::Result<Push> {
        let (stop, stopped) = oneshot::channel();
        let failed = Arc::new(AtomicBool::new(false));
        // Marked before the client hears it: a new start the client sends on hearing of the
        // failure must find this push over, not still running.
        let notify: Notify = {
            let failed = failed.clone();
            Arc::new(move |event, code, message| {
                if event == StreamMixingEventType::StartFailed {
                    failed.store(true, Ordering::Release);
                }
                notify(event, code, message);
            })
        };
        let thread = std::thread::Builder::new()
            .name("rtmp-push".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        notify(
                            StreamMixingEventType::StartFailed,
                            StreamMixingErrorCode::Unknown,
                            format!("no runtime for the push: {e}"),
                        );
                        on_end();
                        return;
                    }
                };
                runtime.block_on(run(config, source, stopped, &notify));
                on_end();
            })?;
        Ok(Push {
            stop: Some(stop),
            thread: Some(thread),
            failed,
        })
    }

    /// Whether the push has ended on its own (it failed, or its composite ended).
    pub(crate) fn is_finished(&self) -> bool {
        self.failed.load(Ordering::Acquire) || self.thread.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Stops the push: its thread closes the connection and ends on its own, at once or,
    /// in the middle of a write to a stalled server, within the write timeout. Never waits,
    /// so no caller's task is held by a slow RTMP server.
    pub(crate) fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for Push {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn failed(notify: &Notify, code: StreamMixingErrorCode, message: String) {
    tracing::info!(%message, "live transcoding failed");
    notify(StreamMixingEventType::StartFailed, code, message);
}

async fn run(
    config: PushConfig,
    mut source: Source,
    mut stopped: oneshot::Receiver<()>,
    notify: &Notify,
) {
    let connected = tokio::select! {
        _ = &mut stopped => return,
        c = Publisher::connect(&config.url) => c,
    };
    let mut publisher = match connected {
        Ok(p) => p,
        Err(e) => {
            let code = match e {
                RtmpError::BadUrl(_) => StreamMixingErrorCode::ParamInvalid,
                _ => StreamMixingErrorCode::PushCdn,
            };
            return failed(
                notify,
                code,
                format!("cannot push to {}: {e}", describe(&config.url)),
            );
        }
    };
    let until = Instant::now() + SOURCE_WAIT;
    let (mut video, mut audio) = loop {
        if let Some(media) = source() {
            break media;
        }
        if Instant::now() > until {
            return failed(
                notify,
                StreamMixingErrorCode::FrameTimeout,
                format!("the composite did not start within {SOURCE_WAIT:?}"),
            );
        }
        tokio::select! {
            _ = &mut stopped => return,
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    };
    let mut encoder = match AacEncoder::new(config.audio) {
        Ok(e) => e,
        Err(e) => {
            return failed(
                notify,
                StreamMixingErrorCode::Postprocess,
                format!("cannot start the AAC encoder: {e}"),
            );
        }
    };
    if let Err(e) = publisher.metadata(metadata(&config)).await {
        return failed(notify, StreamMixingErrorCode::PushCdn, e.to_string());
    }
    notify(
        StreamMixingEventType::StartSuccess,
        StreamMixingErrorCode::Ok,
        format!("pushing to {}", describe(&config.url)),
    );
    let mut state = Stamps::default();
    let ended = loop {
        let sent = tokio::select! {
            _ = &mut stopped => return,
            e = publisher.closed() => break e.to_string(),
            frame = video.next() => match frame {
                Some(frame) if frame.kind == TrackKind::Video => {
                    send_video(&mut publisher, &mut state, &frame).await
                }
                Some(_) => Ok(()),
                None => break "the composite ended".to_owned(),
            },
            mix = audio.recv() => match mix {
                Ok(mix) => send_audio(&mut publisher, &mut state, &mut encoder, &mix).await,
                // A slow moment: the lost frames are skipped, timing stays by sample count.
                Err(broadcast::error::RecvError::Lagged(_)) => Ok(()),
                Err(broadcast::error::RecvError::Closed) => break "the composite ended".to_owned(),
            },
        };
        if let Err(e) = sent {
            break e.to_string();
        }
    };
    failed(
        notify,
        StreamMixingErrorCode::PushCdn,
        format!("pushing to {} stopped: {ended}", describe(&config.url)),
    );
}

/// The URL without its stream name, which may hold a secret key.
fn describe(url: &RtmpUrl) -> String {
    format!("rtmp://{}:{}/{}", url.host, url.port, url.app)
}

fn metadata(config: &PushConfig) -> Vec<(String, Amf)> {
    let n = |v: u32| Amf::Number(f64::from(v));
    vec![
        ("width".into(), n(config.width)),
        ("height".into(), n(config.height)),
        ("framerate".into(), n(config.fps)),
        ("videocodecid".into(), n(7)),
        ("videodatarate".into(), n(config.kbps)),
        ("audiocodecid".into(), n(10)),
        ("audiosamplerate".into(), n(config.audio.sample_rate)),
        ("audiosamplesize".into(), n(16)),
        ("audiodatarate".into(), n(config.audio.kbps)),
        ("stereo".into(), Amf::Bool(config.audio.channels == 2)),
        ("encoder".into(), Amf::str("Chorus")),
    ]
}

/// The stream's clock: where it starts, and what has been sent of each kind.
#[derive(Default)]
struct Stamps {
    /// The first keyframe's capture time: time 0.
    origin: Option<Instant>,
    /// The parameter sets of the last sequence header sent.
    sent_sets: Option<(Vec<u8>, Vec<u8>)>,
    last_video_ms: u32,
    /// Where audio starts (ms) and how many AAC frames were sent since.
    audio_start_ms: Option<u32>,
    aac_frames: u64,
}

fn ms_since(origin: Instant, at: Instant) -> u32 {
    u32::try_from(at.saturating_duration_since(origin).as_millis()).unwrap_or(u32::MAX)
}

async fn send_video(
    publisher: &mut Publisher,
    state: &mut Stamps,
    frame: &EncodedMedia,
) -> std::io::Result<()> {
    let unit = flv::avc_access_unit(&frame.data);
    // Players start at a keyframe with its parameter sets; a new pair (the size changed)
    // needs a new sequence header.
    if let (true, Some(sps), Some(pps)) = (unit.keyframe, &unit.sps, &unit.pps) {
        let origin = *state.origin.get_or_insert(frame.captured_at);
        if state.sent_sets.as_ref() != Some(&(sps.clone(), pps.clone())) {
            let time = ms_since(origin, frame.captured_at).max(state.last_video_ms);
            publisher
                .video(time, &flv::avc_sequence_header(sps, pps))
                .await?;
            state.sent_sets = Some((sps.clone(), pps.clone()));
        }
    }
    let Some(origin) = state.origin else {
        return Ok(());
    };
    let time = ms_since(origin, frame.captured_at).max(state.last_video_ms);
    state.last_video_ms = time;
    publisher.video(time, &unit.body).await
}

async fn send_audio(
    publisher: &mut Publisher,
    state: &mut Stamps,
    encoder: &mut AacEncoder,
    mix: &AudioFrame,
) -> std::io::Result<()> {
    let Some(origin) = state.origin else {
        return Ok(());
    };
    let start = match state.audio_start_ms {
        Some(start) => start,
        None => {
            let start = ms_since(origin, Instant::now());
            publisher
                .audio(
                    start,
                    &flv::aac_sequence_header(encoder.audio_specific_config()),
                )
                .await?;
            state.audio_start_ms = Some(start);
            start
        }
    };
    let rate = u64::from(encoder_rate(encoder));
    let mut frames = Vec::new();
    encoder
        .encode(&mix.samples, |f| frames.push(flv::aac_frame(f)))
        .map_err(|e| std::io::Error::other(format!("AAC encoding: {e}")))?;
    for body in frames {
        let offset = state.aac_frames * u64::from(FRAME_SAMPLES) * 1000 / rate;
        let time = u64::from(start) + offset;
        publisher
            .audio(u32::try_from(time).unwrap_or(u32::MAX), &body)
            .await?;
        state.aac_frames += 1;
    }
    Ok(())
}

fn encoder_rate(encoder: &AacEncoder) -> u32 {
    encoder.params().sample_rate.max(1)
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    /// A client that hears START_FAILED may start again at once: the push must already count
    /// as over then, even while its thread is still inside the notification.
    #[test]
    fn a_failed_push_is_over_before_the_client_hears_of_it() {
        let config = PushConfig {
            // Nothing listens on port 1: the connection fails at once.
            url: RtmpUrl::parse("rtmp://127.0.0.1:1/live/key").expect("a valid URL"),
            audio: AacParams {
                sample_rate: 48_000,
                channels: 2,
                kbps: 64,
            },
            width: 320,
            height: 240,
            fps: 15,
            kbps: 500,
        };
        let (heard, told) = mpsc::channel();
        let (release, held) = mpsc::channel::<()>();
        let held = std::sync::Mutex::new(held);
        let notify: Notify = Arc::new(move |event, _code, _message| {
            if event == StreamMixingEventType::StartFailed {
                let _ = heard.send(());
                // The push's thread stays here until the test has looked.
                let _ = held.lock().map(|h| h.recv());
            }
        });
        let push = Push::start(config, Box::new(|| None), Box::new(|| {}), notify)
            .expect("the push's thread starts");
        told.recv_timeout(Duration::from_secs(10))
            .expect("START_FAILED is told");
        assert!(
            push.is_finished(),
            "the push counts as over once its failure is told"
        );
        let _ = release.send(());
    }
}
