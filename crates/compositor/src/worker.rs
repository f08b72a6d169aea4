//! The worker: feeds a [`Compositor`] from real rooms and publishes what it makes, through the
//! native SDK, on an OS thread with a runtime of its own, so a slow composite never delays the
//! server's tasks (the SFU included, which it reaches only as any client does).
//!
//! For public stream `P` it runs one engine per source room, joined invisibly as the user
//! `@public.P` (auto-subscribing, so publishers who come late are received too), whose decoded
//! pictures and audio go to the compositor; and one output engine in the room `@public.P`,
//! which pushes the composite as external video and audio (the SDK encodes H.264 and Opus, and
//! answers players' keyframe requests). Players join that room invisibly with a token for `P`.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use chorus_media::{AudioFrame, RgbaImage, VideoFrame};
use chorus_proto::{Event, MediaType, RoomConfig, StreamIndex, UserInfo, public_stream_room};
use chorus_sdk::{
    AudioSourceType, EngineConfig, EngineEvent, RtcEngine, RtcError, VideoEncoderConfig,
    VideoSourceType, create_engine, destroy_engine,
};
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::{Compositor, Layout, Output, SourceKey};

/// Mints a token of the app for a room and user, with every privilege.
pub type Mint = Arc<dyn Fn(&str, &str) -> String + Send + Sync>;

/// Where a worker connects and as what.
#[derive(Clone)]
pub struct WorkerConfig {
    /// The server's URL (`http://127.0.0.1:port`), reached like any client.
    pub server_url: String,
    /// The app the public stream belongs to.
    pub app_id: String,
    /// The public stream id.
    pub stream_id: String,
    /// Mints the worker's tokens (the server holds the app's key).
    pub mint: Mint,
}

enum Control {
    Layout(Layout),
    BackgroundImage(String, RgbaImage),
    Stop,
}

enum Media {
    Video(VideoFrame),
    Audio(AudioFrame),
    Gone,
}

/// A running public stream. Dropping it (or [`PublicStreamWorker::stop`]) ends it: its engines
/// leave their rooms, and players see the publisher go.
pub struct PublicStreamWorker {
    control: mpsc::UnboundedSender<Control>,
    /// The output engine, once it is in the public stream's room.
    output: Arc<OnceLock<RtcEngine>>,
    /// The mixed audio, before the Opus encoder (for outputs in other codecs).
    mix_tap: broadcast::Sender<AudioFrame>,
    thread: Option<JoinHandle<()>>,
}

/// Mixed frames a slow reader of [`PublicStreamWorker::mixed_audio`] may lag behind by
/// before it loses the oldest (one second).
const MIX_TAP_FRAMES: usize = 50;

impl PublicStreamWorker {
    /// Starts compositing `layout` for `config`'s public stream on a thread of its own.
    pub fn start(config: WorkerConfig, layout: Layout) -> std::io::Result<Self> {
        let (control, rx) = mpsc::unbounded_channel();
        let name = format!("public-{}", config.stream_id);
        let output = Arc::new(OnceLock::new());
        let slot = output.clone();
        let (mix_tap, _) = broadcast::channel(MIX_TAP_FRAMES);
        let tap = mix_tap.clone();
        let thread = std::thread::Builder::new().name(name).spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "public stream: no runtime");
                    return;
                }
            };
            runtime.block_on(run(config, layout, rx, &slot, &tap));
        })?;
        Ok(PublicStreamWorker {
            control,
            output,
            mix_tap,
            thread: Some(thread),
        })
    }

    /// Switches to `layout` (`updatePublicStreamParam`); the next picture follows it.
    pub fn update(&self, layout: Layout) {
        let _ = self.control.send(Control::Layout(layout));
    }

    /// The composite as encoded to be published (H.264 and Opus), for recording it without a
    /// second encode; `None` until the worker is in the public stream's room.
    pub fn encoded_media(&self) -> Option<chorus_sdk::MediaStream<chorus_sdk::EncodedMedia>> {
        self.output.get().map(RtcEngine::local_encoded_media)
    }

    /// A handle on the worker's output for another thread: its encoded video and its mix.
    pub fn output_tap(&self) -> OutputTap {
        OutputTap {
            output: self.output.clone(),
            mix: self.mix_tap.clone(),
            control: self.control.clone(),
        }
    }

    /// Whether the worker has ended on its own (it could not open the public stream's room).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Stops the stream and waits for its thread to end.
    pub fn stop(mut self) {
        let _ = self.control.send(Control::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for PublicStreamWorker {
    fn drop(&mut self) {
        let _ = self.control.send(Control::Stop);
    }
}

/// The output of a worker, for outputs beside its own room (such as an RTMP push): taken
/// from [`PublicStreamWorker::output_tap`], usable from any thread.
#[derive(Clone)]
pub struct OutputTap {
    output: Arc<OnceLock<RtcEngine>>,
    mix: broadcast::Sender<AudioFrame>,
    control: mpsc::UnboundedSender<Control>,
}

impl OutputTap {
    /// The composite as encoded to be published (as [`PublicStreamWorker::encoded_media`]);
    /// `None` until the worker is in the public stream's room. A new reader gets a keyframe.
    pub fn encoded_media(&self) -> Option<chorus_sdk::MediaStream<chorus_sdk::EncodedMedia>> {
        self.output.get().map(RtcEngine::local_encoded_media)
    }

    /// The composite's mixed audio (48 kHz stereo, 20 ms frames) as it goes to the Opus
    /// encoder, from now on: for outputs that need another codec, such as AAC over RTMP.
    pub fn mixed_audio(&self) -> broadcast::Receiver<AudioFrame> {
        self.mix.subscribe()
    }

    /// Paints the decoded background image of `url` under the regions, while the layout
    /// names that URL (the server fetches and decodes it).
    pub fn set_background_image(&self, url: String, image: RgbaImage) {
        let _ = self.control.send(Control::BackgroundImage(url, image));
    }

    /// Ends the worker, as dropping it would: for an output whose only reader is gone (a
    /// failed push), so its composite does not run on for no one.
    pub fn stop_worker(&self) {
        let _ = self.control.send(Control::Stop);
    }
}

/// The source rooms' engines and the tasks that carry each source's media.
struct Sources {
    config: WorkerConfig,
    rooms: HashMap<String, RtcEngine>,
    feeds: HashMap<SourceKey, JoinSet<()>>,
    tx: mpsc::Sender<(SourceKey, Media)>,
}

impl Sources {
    /// Joins the rooms and starts the feeds `layout` needs; leaves and stops the others.
    async fn follow(&mut self, layout: &Layout) {
        let keys = layout.sources();
        let rooms: BTreeSet<&str> = keys.iter().map(|k| k.room_id.as_str()).collect();
        self.feeds.retain(|k, _| keys.contains(k));
        let gone: Vec<String> = self
            .rooms
            .keys()
            .filter(|r| !rooms.contains(r.as_str()))
            .cloned()
            .collect();
        for room in gone {
            if let Some(engine) = self.rooms.remove(&room) {
                let _ = engine.leave_room().await;
                let _ = destroy_engine(&engine);
            }
        }
        for room in rooms {
            if self.rooms.contains_key(room) {
                continue;
            }
            match self.join(room).await {
                Ok(engine) => {
                    self.rooms.insert(room.to_owned(), engine);
                }
                Err(e) => {
                    tracing::warn!(room, error = %e, "public stream: cannot join a source room")
                }
            }
        }
        for key in keys {
            if self.feeds.contains_key(&key) {
                continue;
            }
            let Some(engine) = self.rooms.get(&key.room_id) else {
                continue;
            };
            self.feeds.insert(key.clone(), feed(engine, &key, &self.tx));
        }
    }

    async fn join(&self, room: &str) -> Result<RtcEngine, RtcError> {
        let c = &self.config;
        let user = public_stream_room(&c.stream_id);
        let engine = create_engine(&c.app_id, EngineConfig::new(&c.server_url));
        engine.set_user_visibility(false).await?;
        let token = (c.mint)(room, &user);
        let info = UserInfo {
            user_id: user,
            extra_info: None,
        };
        engine
            .join_room(Some(&token), room, info, RoomConfig::default())
            .await?;
        Ok(engine)
    }

    async fn close(&mut self) {
        self.feeds.clear();
        for (_, engine) in self.rooms.drain() {
            let _ = engine.leave_room().await;
            let _ = destroy_engine(&engine);
        }
    }
}

/// Carries `key`'s decoded pictures and audio, and its unpublishing, to the compositor.
fn feed(engine: &RtcEngine, key: &SourceKey, tx: &mpsc::Sender<(SourceKey, Media)>) -> JoinSet<()> {
    let index = if key.screen {
        StreamIndex::Screen
    } else {
        StreamIndex::Main
    };
    let mut tasks = JoinSet::new();
    let mut video = engine.remote_video(&key.user_id, index);
    let (k, t) = (key.clone(), tx.clone());
    tasks.spawn(async move {
        while let Some(frame) = video.next().await {
            if t.send((k.clone(), Media::Video(frame))).await.is_err() {
                return;
            }
        }
    });
    let mut audio = engine.remote_audio(&key.user_id, index);
    let (k, t) = (key.clone(), tx.clone());
    tasks.spawn(async move {
        while let Some(frame) = audio.next().await {
            if t.send((k.clone(), Media::Audio(frame))).await.is_err() {
                return;
            }
        }
    });
    let mut events = engine.events();
    let (k, t) = (key.clone(), tx.clone());
    tasks.spawn(async move {
        while let Some(event) = events.next().await {
            let gone = match &event {
                EngineEvent::Room(Event::UserUnpublishStream(e)) => {
                    !k.screen && e.user_id == k.user_id && e.media_type.has_video()
                }
                EngineEvent::Room(Event::UserUnpublishScreen(e)) => {
                    k.screen && e.user_id == k.user_id && e.media_type.has_video()
                }
                EngineEvent::Room(Event::UserLeave(e)) => e.user_info.user_id == k.user_id,
                _ => false,
            };
            if gone && t.send((k.clone(), Media::Gone)).await.is_err() {
                return;
            }
        }
    });
    tasks
}

/// Joins the public stream's room as its publisher, pushing external media.
async fn open_output(config: &WorkerConfig) -> Result<RtcEngine, RtcError> {
    let room = public_stream_room(&config.stream_id);
    let engine = create_engine(&config.app_id, EngineConfig::new(&config.server_url));
    engine
        .set_video_source_type(StreamIndex::Main, VideoSourceType::External)
        .await?;
    engine
        .set_audio_source_type(AudioSourceType::External)
        .await?;
    // The token is for the public stream id; the server maps its room.
    let token = (config.mint)(&config.stream_id, &room);
    let info = UserInfo {
        user_id: room.clone(),
        extra_info: None,
    };
    let quiet = RoomConfig {
        is_auto_subscribe_audio: Some(false),
        is_auto_subscribe_video: Some(false),
        ..RoomConfig::default()
    };
    engine.join_room(Some(&token), &room, info, quiet).await?;
    Ok(engine)
}

/// The output's encoder aims at the layout's `video.kBitRate` and `fps`.
async fn encode_as(output: &RtcEngine, layout: &Layout) {
    let config = VideoEncoderConfig {
        max_kbps: Some(layout.kbps),
        frame_rate: Some(layout.fps),
    };
    if let Err(e) = output
        .set_video_encoder_config(StreamIndex::Main, config)
        .await
    {
        tracing::warn!(error = %e, "public stream: encoder settings not taken");
    }
}

async fn run(
    config: WorkerConfig,
    layout: Layout,
    mut control: mpsc::UnboundedReceiver<Control>,
    slot: &OnceLock<RtcEngine>,
    mix_tap: &broadcast::Sender<AudioFrame>,
) {
    let output = match open_output(&config).await {
        Ok(engine) => {
            let _ = slot.set(engine.clone());
            engine
        }
        Err(e) => {
            tracing::warn!(stream = %config.stream_id, error = %e, "public stream: cannot open its room");
            return;
        }
    };
    let (tx, mut media) = mpsc::channel(256);
    let mut sources = Sources {
        config: config.clone(),
        rooms: HashMap::new(),
        feeds: HashMap::new(),
        tx,
    };
    sources.follow(&layout).await;
    encode_as(&output, &layout).await;
    let start = Instant::now();
    let mut compositor = Compositor::new(layout, Duration::ZERO);
    let mut published = false;
    loop {
        let deadline = start + compositor.poll_timeout();
        tokio::select! {
            ctl = control.recv() => match ctl {
                Some(Control::Layout(layout)) => {
                    sources.follow(&layout).await;
                    encode_as(&output, &layout).await;
                    compositor.set_layout(layout);
                }
                Some(Control::BackgroundImage(url, image)) => {
                    compositor.set_background_image(&url, image);
                }
                Some(Control::Stop) | None => break,
            },
            Some((key, m)) = media.recv() => match m {
                Media::Video(frame) => compositor.handle_video(&key, frame),
                Media::Audio(frame) => compositor.handle_audio(&key, &frame),
                Media::Gone => compositor.handle_source_gone(&key),
            },
            () = tokio::time::sleep_until(deadline) => {
                while let Some(out) = compositor.poll_output(start.elapsed()) {
                    let pushed = match out {
                        Output::Video(frame) => {
                            output.push_external_video_frame(StreamIndex::Main, frame).await
                        }
                        Output::Audio(frame) => {
                            if mix_tap.receiver_count() > 0 {
                                let _ = mix_tap.send(frame.clone());
                            }
                            output.push_external_audio_frame(frame).await
                        }
                    };
                    if let Err(e) = pushed {
                        tracing::debug!(error = %e, "public stream: frame not pushed");
                    }
                }
                if !published {
                    // Publishing after the first pushes means players get media at once.
                    published = output.publish_stream(MediaType::AudioAndVideo).await.is_ok();
                }
            }
        }
    }
    sources.close().await;
    let _ = output.leave_room().await;
    let _ = destroy_engine(&output);
}
