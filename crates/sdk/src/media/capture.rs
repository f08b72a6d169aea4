//! Capture pipelines: a source (or the app's pushed frames), paced in real time, encoded once
//! per frame (Opus, H.264), handed to the conductor as [`EncodedFrame`]s.
//!
//! Each pipeline runs on its own OS thread: encoding is CPU work that would stall a tokio
//! worker (and with it the engine's signalling), and a thread paces a source with a plain
//! `sleep`. A pipeline never blocks on its consumer: if the conductor is behind, the frame is
//! dropped like a late packet. Depends on the codecs and the source traits only; knows nothing
//! of transports, rooms or the engine.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chorus_media::{
    AudioFrame, AudioSource, FRAME_MS, H264Encoder, OpusEncoder, SeiSchedule, VideoFrame,
    VideoSource, with_sei,
};
use chorus_proto::{StreamIndex, TrackKind};
use tokio::sync::mpsc;

use crate::media::encoder_target::{EncoderSlot, EncoderTarget};
use crate::media::volume::Volumes;
use crate::mixing::MixingHub;

/// Opus bitrate: speech and test tones at full band.
const OPUS_BITRATE: u32 = 64_000;
/// Frame rate assumed for pushed video (it only tunes the encoder's rate control).
const PUSHED_FPS: u32 = 30;
/// Longest run of pushed video without a keyframe. Pushed frames often come from a pipeline
/// others tune into at any moment (a server's public-stream compositor, a bridge), and what is
/// relayed on from there (to a CDN, say) expects a keyframe at least every 2 s. A keyframe
/// falls due on the first frame past the interval, which comes a frame period late, or later
/// when the pipeline stalls on a loaded machine: 1.5 s keeps the gaps within 2 s through half
/// a second of lateness.
const PUSHED_KEYFRAME_INTERVAL: Duration = Duration::from_millis(1500);
/// Behind schedule by more than this, a paced source skips ahead instead of bursting.
const MAX_LAG: Duration = Duration::from_millis(200);
/// How often a pipeline of pushed frames checks whether it was stopped while idle.
const IDLE_CHECK: Duration = Duration::from_millis(100);

/// One encoded frame, as a pipeline hands it on.
#[derive(Debug, Clone)]
pub(crate) struct EncodedFrame {
    /// Main or screen.
    pub(crate) index: StreamIndex,
    /// Audio or video.
    pub(crate) kind: TrackKind,
    /// Opus packet or Annex-B access unit.
    pub(crate) data: Vec<u8>,
    /// Samples per channel (audio) the frame covers; 0 for video.
    pub(crate) samples: u32,
    /// When the frame was captured (or pushed).
    pub(crate) captured_at: Instant,
}

/// The latest captured picture of a video stream, for `take_local_snapshot`.
pub(crate) type PictureSlot = Arc<Mutex<Option<VideoFrame>>>;

/// Stores `frame` as the stream's latest picture.
fn keep_picture(slot: &PictureSlot, frame: &VideoFrame) {
    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(frame.clone());
}

/// The SEI messages waiting for a video stream's next pictures (`send_sei_message`).
pub(crate) type SeiSlot = Arc<Mutex<SeiSchedule>>;

/// `access_unit` with the SEI units its picture carries, if any (an empty one, a frame the
/// encoder skipped, carries none).
fn add_sei(slot: &SeiSlot, access_unit: Vec<u8>) -> Vec<u8> {
    if access_unit.is_empty() {
        return access_unit;
    }
    let units = slot
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .next_picture(Instant::now());
    if units.is_empty() {
        access_unit
    } else {
        with_sei(&access_unit, &units)
    }
}

/// Where a pipeline's frames come from.
pub(crate) enum Input<S, F> {
    /// A source, paced by the pipeline.
    Source(S),
    /// Frames the app pushes, encoded as they come.
    Pushed(Receiver<F>),
}

/// Audio input.
pub(crate) type AudioInput = Input<Box<dyn AudioSource>, AudioFrame>;
/// Video input.
pub(crate) type VideoInput = Input<Box<dyn VideoSource>, VideoFrame>;

/// A running pipeline. Dropping it stops the thread (at its next frame), without waiting.
pub(crate) struct Capture {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Capture {
    /// Whether the pipeline ended on its own (its source ran out or its codec failed).
    pub(crate) fn has_ended(&self) -> bool {
        self.thread.is_finished()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// Real-time pacing of a source: when the next frame is due.
struct Pace {
    due: Instant,
    period: Duration,
}

impl Pace {
    fn new(period: Duration) -> Self {
        Pace {
            due: Instant::now(),
            period,
        }
    }

    /// Sleeps until the next frame is due; a source far behind skips ahead instead.
    fn wait(&mut self) {
        self.due += self.period;
        let now = Instant::now();
        if self.due > now {
            std::thread::sleep(self.due - now);
        } else if now - self.due > MAX_LAG {
            self.due = now;
        }
    }
}

/// What every pipeline thread shares.
struct Ctx {
    index: StreamIndex,
    out: mpsc::Sender<EncodedFrame>,
    stop: Arc<AtomicBool>,
}

impl Ctx {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire) || self.out.is_closed()
    }

    fn emit(&self, kind: TrackKind, data: Vec<u8>, samples: u32, captured_at: Instant) {
        if data.is_empty() {
            return;
        }
        let frame = EncodedFrame {
            index: self.index,
            kind,
            data,
            samples,
            captured_at,
        };
        // Full means the conductor is behind: the frame is lost like a late packet.
        let _ = self.out.try_send(frame);
    }
}

/// The next pushed frame, or `None` once stopped or the app's side is gone.
fn next_pushed<F>(rx: &Receiver<F>, ctx: &Ctx) -> Option<F> {
    loop {
        if ctx.stopped() {
            return None;
        }
        match rx.recv_timeout(IDLE_CHECK) {
            Ok(frame) => return Some(frame),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
}

fn spawn(name: String, body: impl FnOnce() + Send + 'static) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name(name).spawn(body)
}

/// Starts an audio pipeline for `index`; each frame is scaled to the capture volume, then
/// `mixing` is summed into it before encoding (the capture volume is the microphone's, not
/// the mixed music's).
pub(crate) fn start_audio(
    input: AudioInput,
    index: StreamIndex,
    out: mpsc::Sender<EncodedFrame>,
    mixing: MixingHub,
    volumes: Volumes,
) -> std::io::Result<Capture> {
    let stop = Arc::new(AtomicBool::new(false));
    let ctx = Ctx {
        index,
        out,
        stop: stop.clone(),
    };
    let thread = spawn("chorus-audio-capture".into(), move || {
        run_audio(input, &ctx, &mixing, &volumes)
    })?;
    Ok(Capture { stop, thread })
}

fn run_audio(input: AudioInput, ctx: &Ctx, mixing: &MixingHub, volumes: &Volumes) {
    let mut encoder: Option<(u16, OpusEncoder)> = None;
    let mut encode = |frame: &mut AudioFrame| {
        volumes.apply_capture(ctx.index, frame);
        mixing.mix(frame);
        volumes.levels().sent(ctx.index, frame);
        if encoder.as_ref().is_none_or(|(c, _)| *c != frame.channels) {
            match OpusEncoder::new(frame.channels, OPUS_BITRATE) {
                Ok(e) => encoder = Some((frame.channels, e)),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot make an Opus encoder; audio frame dropped");
                    return;
                }
            }
        }
        let Some((_, opus)) = encoder.as_mut() else {
            return;
        };
        match opus.encode(frame) {
            Ok(packet) => {
                let samples = u32::try_from(frame.samples_per_channel()).unwrap_or(0);
                ctx.emit(TrackKind::Audio, packet, samples, Instant::now());
            }
            Err(e) => tracing::debug!(error = %e, "audio frame not encoded"),
        }
    };
    match input {
        Input::Source(mut source) => {
            let mut pace = Pace::new(Duration::from_millis(u64::from(FRAME_MS)));
            while !ctx.stopped() {
                let Some(mut frame) = source.next_frame() else {
                    tracing::info!("the audio source ended");
                    return;
                };
                encode(&mut frame);
                pace.wait();
            }
        }
        Input::Pushed(rx) => {
            while let Some(mut frame) = next_pushed(&rx, ctx) {
                encode(&mut frame);
            }
        }
    }
}

/// Starts a video pipeline for `index`. `keyframe` asks for the next frame to be a keyframe
/// (set on PLI/FIR and when the transport connects); `picture` keeps the latest frame; `sei`
/// holds the SEI messages the next pictures carry.
pub(crate) fn start_video(
    input: VideoInput,
    index: StreamIndex,
    out: mpsc::Sender<EncodedFrame>,
    keyframe: Arc<AtomicBool>,
    picture: PictureSlot,
    sei: SeiSlot,
    target: EncoderSlot,
) -> std::io::Result<Capture> {
    let stop = Arc::new(AtomicBool::new(false));
    let ctx = Ctx {
        index,
        out,
        stop: stop.clone(),
    };
    let thread = spawn("chorus-video-capture".into(), move || {
        run_video(input, &ctx, &keyframe, &picture, &sei, &target)
    })?;
    Ok(Capture { stop, thread })
}

/// A bitrate for `width`x`height` at `fps`: 0.1 bit per pixel, within sane bounds.
fn video_bitrate(width: u32, height: u32, fps: u32) -> u32 {
    let bits = u64::from(width) * u64::from(height) * u64::from(fps) / 10;
    u32::try_from(bits.clamp(150_000, 4_000_000)).unwrap_or(4_000_000)
}

/// When a video pipeline owes a keyframe on a timer: `interval` after the last one sent.
#[derive(Debug, Clone, Copy)]
struct KeyframeClock {
    interval: Duration,
    last: Instant,
}

impl KeyframeClock {
    fn new(interval: Duration, now: Instant) -> Self {
        KeyframeClock {
            interval,
            last: now,
        }
    }

    /// Whether the next picture should be a keyframe.
    fn due(&self, now: Instant) -> bool {
        now.duration_since(self.last) >= self.interval
    }

    /// A keyframe went out (asked for or not): the interval starts again.
    fn keyframe_sent(&mut self, now: Instant) {
        self.last = now;
    }
}

fn run_video(
    input: VideoInput,
    ctx: &Ctx,
    keyframe: &AtomicBool,
    picture: &PictureSlot,
    sei: &SeiSlot,
    target: &EncoderTarget,
) {
    let natural_fps = match &input {
        Input::Source(source) => source.fps().max(1),
        Input::Pushed(_) => PUSHED_FPS,
    };
    let fps = target.get().frame_rate.unwrap_or(natural_fps);
    // The encoder, and the size, frame rate and bitrate it was made for.
    let mut encoder: Option<((u32, u32, u32, u32), H264Encoder)> = None;
    // Pushed video gets a keyframe on a timer too; captured video only on request.
    let mut periodic = matches!(input, Input::Pushed(_))
        .then(|| KeyframeClock::new(PUSHED_KEYFRAME_INTERVAL, Instant::now()));
    let mut encode = |frame: &VideoFrame| {
        keep_picture(picture, frame);
        // What the app asked for (set_video_encoder_config), else what suits the picture.
        let asked = target.get();
        let fps = asked.frame_rate.unwrap_or(natural_fps);
        let bitrate = asked.max_kbps.map_or_else(
            || video_bitrate(frame.width, frame.height, fps),
            |kbps| kbps * 1000,
        );
        let made_for = (frame.width, frame.height, fps, bitrate);
        if encoder.as_ref().is_none_or(|(m, _)| *m != made_for) {
            match H264Encoder::new(frame.width, frame.height, fps, bitrate) {
                Ok(e) => encoder = Some((made_for, e)),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot make an H.264 encoder; video frame dropped");
                    return;
                }
            }
        }
        let Some((_, h264)) = encoder.as_mut() else {
            return;
        };
        let due = periodic.as_ref().is_some_and(|c| c.due(Instant::now()));
        let force = keyframe.swap(false, Ordering::AcqRel) || due;
        match h264.encode(frame, force) {
            Ok(encoded) => {
                if let Some(clock) = periodic.as_mut().filter(|_| encoded.keyframe) {
                    clock.keyframe_sent(Instant::now());
                }
                ctx.emit(
                    TrackKind::Video,
                    add_sei(sei, encoded.data),
                    0,
                    Instant::now(),
                );
            }
            Err(e) => {
                // Whatever the failure, the next frame should stand on its own.
                keyframe.store(true, Ordering::Release);
                tracing::debug!(error = %e, "video frame not encoded");
            }
        }
    };
    match input {
        Input::Source(mut source) => {
            let mut pace = Pace::new(Duration::from_secs(1) / fps);
            while !ctx.stopped() {
                let Some(frame) = source.next_frame() else {
                    tracing::info!("the video source ended");
                    return;
                };
                encode(&frame);
                pace.wait();
            }
        }
        Input::Pushed(rx) => {
            while let Some(frame) = next_pushed(&rx, ctx) {
                encode(&frame);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushed_video_owes_a_keyframe_within_two_seconds_of_the_last() {
        let t0 = Instant::now();
        let mut clock = KeyframeClock::new(PUSHED_KEYFRAME_INTERVAL, t0);
        assert!(!clock.due(t0 + Duration::from_millis(1499)));
        assert!(clock.due(t0 + Duration::from_millis(1500)));
        // A keyframe asked for meanwhile (a player joined) starts the interval again.
        clock.keyframe_sent(t0 + Duration::from_millis(1200));
        assert!(!clock.due(t0 + Duration::from_millis(2699)));
        assert!(clock.due(t0 + Duration::from_millis(2700)));
    }

    #[test]
    fn bitrates_scale_with_pixels_within_bounds() {
        assert_eq!(video_bitrate(320, 240, 30), 230_400);
        assert_eq!(video_bitrate(16, 16, 1), 150_000);
        assert_eq!(video_bitrate(3840, 2160, 60), 4_000_000);
    }

    #[test]
    fn pacing_skips_ahead_when_far_behind() {
        // A long period, so that a wait which slept one would stand out from a thread the
        // scheduler of a loaded machine merely kept waiting.
        let mut pace = Pace::new(Duration::from_secs(5));
        pace.due -= Duration::from_secs(60);
        let before = Instant::now();
        pace.wait();
        assert!(before.elapsed() < Duration::from_secs(2));
        assert!(pace.due >= before);
    }
}
