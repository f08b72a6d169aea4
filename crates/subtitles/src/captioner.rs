//! The captioner of one room: an in-process Chorus client (chorus-sdk, which decodes Opus)
//! that joins the room invisibly under a reserved user id, receives every speaker's audio,
//! and feeds it, made 16 kHz mono, to the room's recognition thread. The server starts one
//! per room with subtitles on and stops it when the last member turns them off.

use std::collections::{BTreeSet, HashMap};
use std::sync::mpsc;

use chorus_proto::{Event, MediaType, RoomConfig, UserInfo};
use chorus_sdk::{EngineConfig, EngineEvent, RtcEngine, StreamIndex, create_engine};
use tokio::task::JoinHandle;

use crate::audio::Downsampler;
use crate::error::SubtitleError;
use crate::recognition::{CaptionEvent, Input, Recognition, RecognizerFactory, TranslatorFactory};
use crate::segmenter::SegmenterSettings;

/// The user id captioners join rooms under; others never see it (the join is invisible).
pub const CAPTIONER_USER_ID: &str = "chorus-subtitles";

/// What a captioner needs.
pub struct CaptionerConfig {
    /// The server's own URL (`http://127.0.0.1:8080`).
    pub server_url: String,
    /// The room's app.
    pub app_id: String,
    /// The room.
    pub room_id: String,
    /// A token for the app, room and [`CAPTIONER_USER_ID`], with the subscribe privilege.
    pub token: String,
    /// Makes the recognizer.
    pub recognizer: RecognizerFactory,
    /// Makes the translator, for translation mode.
    pub translator: Option<TranslatorFactory>,
    /// How speech is cut.
    pub segmenter: SegmenterSettings,
    /// The language speakers speak at first.
    pub source_language: String,
    /// The languages wanted at first, besides the source's own.
    pub targets: BTreeSet<String>,
}

/// A running captioner.
pub struct Captioner {
    input: mpsc::Sender<Input>,
    task: JoinHandle<()>,
}

/// Where a captioner reports.
pub type CaptionSink = Box<dyn Fn(CaptionEvent) + Send + Sync>;

impl Captioner {
    /// Starts a captioner; it reports on `sink` (from its own threads) until stopped or
    /// failed.
    pub fn start(config: CaptionerConfig, sink: CaptionSink) -> Self {
        let sink = std::sync::Arc::new(sink);
        let (input, rx) = mpsc::channel();
        let recognition = Recognition {
            recognizer: config.recognizer,
            translator: config.translator,
            segmenter: config.segmenter,
            source_language: config.source_language,
            targets: config.targets,
        };
        let thread_sink = sink.clone();
        let spawned = std::thread::Builder::new()
            .name("subtitle-recognition".into())
            .spawn(move || recognition.run(rx, |event| thread_sink(event)));
        if let Err(e) = spawned {
            sink(CaptionEvent::Failed(SubtitleError::Process(format!(
                "cannot start the recognition thread: {e}"
            ))));
        }
        let feed = input.clone();
        let task = tokio::spawn(async move {
            if let Err(e) = listen(
                config.server_url,
                config.app_id,
                config.room_id,
                config.token,
                feed,
            )
            .await
            {
                sink(CaptionEvent::Failed(e));
            }
        });
        Captioner { input, task }
    }

    /// Sets the languages subtitles are wanted in, besides the source's own.
    pub fn set_targets(&self, targets: BTreeSet<String>) {
        let _ = self.input.send(Input::Targets(targets));
    }

    /// Sets the language speakers speak.
    pub fn set_source_language(&self, language: String) {
        let _ = self.input.send(Input::SourceLanguage(language));
    }

    /// Stops: the client leaves the room, and the recognition thread ends once its input
    /// closes.
    pub fn stop(self) {
        self.task.abort();
    }
}

/// Joins the room and forwards each speaker's audio until the engine's events end.
async fn listen(
    server_url: String,
    app_id: String,
    room_id: String,
    token: String,
    feed: mpsc::Sender<Input>,
) -> Result<(), SubtitleError> {
    let engine = create_engine(&app_id, EngineConfig::new(server_url));
    let _leave = Leave(engine.clone());
    let mut events = engine.events();
    let internal = |e: chorus_proto::RtcError| {
        SubtitleError::Process(format!("the captioner could not join the room: {e}"))
    };
    engine.set_user_visibility(false).await.map_err(internal)?;
    let config = RoomConfig {
        is_auto_publish: Some(false),
        is_auto_subscribe_audio: Some(true),
        is_auto_subscribe_video: Some(false),
        ..RoomConfig::default()
    };
    let user = UserInfo {
        user_id: CAPTIONER_USER_ID.into(),
        extra_info: None,
    };
    engine
        .join_room(Some(&token), &room_id, user, config)
        .await
        .map_err(internal)?;
    let mut listeners = Listeners::default();
    while let Some(event) = events.next().await {
        let EngineEvent::Room(event) = event else {
            continue;
        };
        match event {
            Event::UserPublishStream(e) if has_audio(e.media_type) => {
                listeners.0.entry(e.user_id.clone()).or_insert_with(|| {
                    tokio::spawn(forward(engine.clone(), e.user_id, feed.clone()))
                });
            }
            Event::UserUnpublishStream(e) if has_audio(e.media_type) => {
                stop_listening(&mut listeners, &e.user_id, &feed);
            }
            Event::UserLeave(e) => stop_listening(&mut listeners, &e.user_info.user_id, &feed),
            _ => {}
        }
    }
    Ok(())
}

fn has_audio(media: MediaType) -> bool {
    matches!(media, MediaType::Audio | MediaType::AudioAndVideo)
}

/// Each speaker's forwarding task, ended with the captioner (an aborted task drops its
/// locals, and a `JoinHandle` dropped does not end its task).
#[derive(Default)]
struct Listeners(HashMap<String, JoinHandle<()>>);

impl Drop for Listeners {
    fn drop(&mut self) {
        for task in self.0.values() {
            task.abort();
        }
    }
}

fn stop_listening(listeners: &mut Listeners, user: &str, feed: &mpsc::Sender<Input>) {
    if let Some(task) = listeners.0.remove(user) {
        task.abort();
        let _ = feed.send(Input::Gone { user: user.into() });
    }
}

/// Feeds one speaker's decoded audio to the recognition thread.
async fn forward(engine: RtcEngine, user: String, feed: mpsc::Sender<Input>) {
    let mut frames = engine.remote_audio(&user, StreamIndex::Main);
    let mut downsampler = Downsampler::default();
    while let Some(frame) = frames.next().await {
        let audio = downsampler.push(&frame.samples, frame.channels);
        if feed
            .send(Input::Audio {
                user: user.clone(),
                audio,
            })
            .is_err()
        {
            return;
        }
    }
    let _ = feed.send(Input::Gone { user });
}

/// Leaves the room when the captioner's task ends or is aborted.
struct Leave(RtcEngine);

impl Drop for Leave {
    fn drop(&mut self) {
        let engine = self.0.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = engine.leave_room().await;
                let _ = chorus_sdk::destroy_engine(&engine);
            });
        }
    }
}
