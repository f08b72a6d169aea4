//! The recognition thread of one room: each speaker's audio goes through their [`Segmenter`];
//! each segment due goes to the recognizer, and its text (and, in translation mode, its
//! translations) becomes subtitles numbered per speaker. An OS thread of its own, since
//! recognizers and translators block.

use std::collections::{BTreeSet, HashMap};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chorus_proto::{SubtitleMessage, SubtitleMode};

use crate::error::SubtitleError;
use crate::recognizer::Recognizer;
use crate::segmenter::{Segment, Segmenter, SegmenterSettings};
use crate::translator::Translator;

/// Makes the recognizer, on the recognition thread (loading a model takes a while).
pub type RecognizerFactory = Box<dyn FnOnce() -> Result<Box<dyn Recognizer>, SubtitleError> + Send>;
/// Makes the translator, on the recognition thread, the first time one is needed.
pub type TranslatorFactory = Box<dyn FnOnce() -> Result<Box<dyn Translator>, SubtitleError> + Send>;

/// What the recognition thread is told.
#[derive(Debug)]
pub(crate) enum Input {
    /// 16 kHz mono audio of a speaker.
    Audio { user: String, audio: Vec<f32> },
    /// The speaker stopped sending.
    Gone { user: String },
    /// The languages subtitles are wanted in, besides the source's own.
    Targets(BTreeSet<String>),
    /// The language speakers speak.
    SourceLanguage(String),
}

/// What the recognition thread reports.
#[derive(Debug, Clone, PartialEq)]
pub enum CaptionEvent {
    /// The recognizer is loaded and listening.
    Ready,
    /// New subtitles: recognised ones have [`SubtitleMode::AsrOnly`], translations
    /// [`SubtitleMode::AsrAndTranslation`] and their target language.
    Captions(Vec<SubtitleMessage>),
    /// Subtitles failed; the captioner has stopped.
    Failed(SubtitleError),
}

/// A speaker silent this long is taken as having stopped: their utterance ends.
const SILENT_SPEAKER: Duration = Duration::from_millis(300);

struct Speaker {
    segmenter: Segmenter,
    sequence: u64,
    heard: Instant,
}

pub(crate) struct Recognition {
    pub(crate) recognizer: RecognizerFactory,
    pub(crate) translator: Option<TranslatorFactory>,
    pub(crate) segmenter: SegmenterSettings,
    pub(crate) source_language: String,
    pub(crate) targets: BTreeSet<String>,
}

struct Running {
    recognizer: Box<dyn Recognizer>,
    translator_factory: Option<TranslatorFactory>,
    translator: Option<Box<dyn Translator>>,
    source_language: String,
    targets: BTreeSet<String>,
    speakers: HashMap<String, Speaker>,
    settings: SegmenterSettings,
}

impl Recognition {
    /// Runs until the input closes or something fails; reports on `out`.
    pub(crate) fn run(self, input: mpsc::Receiver<Input>, out: impl Fn(CaptionEvent)) {
        let recognizer = match (self.recognizer)() {
            Ok(r) => r,
            Err(e) => return out(CaptionEvent::Failed(e)),
        };
        out(CaptionEvent::Ready);
        let mut running = Running {
            recognizer,
            translator_factory: self.translator,
            translator: None,
            source_language: self.source_language,
            targets: self.targets,
            speakers: HashMap::new(),
            settings: self.segmenter,
        };
        if let Err(e) = running.serve(&input, &out) {
            out(CaptionEvent::Failed(e));
        }
    }
}

impl Running {
    fn serve(
        &mut self,
        input: &mpsc::Receiver<Input>,
        out: &impl Fn(CaptionEvent),
    ) -> Result<(), SubtitleError> {
        loop {
            match input.recv_timeout(Duration::from_millis(100)) {
                Ok(Input::Audio { user, audio }) => {
                    let settings = self.settings;
                    let speaker = self
                        .speakers
                        .entry(user.clone())
                        .or_insert_with(|| Speaker {
                            segmenter: Segmenter::new(settings),
                            sequence: 0,
                            heard: Instant::now(),
                        });
                    speaker.heard = Instant::now();
                    let segments: Vec<Segment> = audio
                        .chunks(320)
                        .filter_map(|f| speaker.segmenter.push(f))
                        .collect();
                    for segment in segments {
                        self.recognise(&user, segment, out)?;
                    }
                }
                Ok(Input::Gone { user }) => self.flush(&user, out)?,
                Ok(Input::Targets(targets)) => self.targets = targets,
                Ok(Input::SourceLanguage(language)) => self.source_language = language,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let silent: Vec<String> = self
                        .speakers
                        .iter()
                        .filter(|(_, s)| {
                            s.segmenter.speaking() && s.heard.elapsed() > SILENT_SPEAKER
                        })
                        .map(|(user, _)| user.clone())
                        .collect();
                    for user in silent {
                        self.flush(&user, out)?;
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
    }

    fn flush(&mut self, user: &str, out: &impl Fn(CaptionEvent)) -> Result<(), SubtitleError> {
        let segment = self
            .speakers
            .get_mut(user)
            .and_then(|s| s.segmenter.flush());
        match segment {
            Some(segment) => self.recognise(user, segment, out),
            None => Ok(()),
        }
    }

    fn recognise(
        &mut self,
        user: &str,
        segment: Segment,
        out: &impl Fn(CaptionEvent),
    ) -> Result<(), SubtitleError> {
        let text = self.recognizer.transcribe(&segment.audio)?;
        if text.is_empty() {
            return Ok(());
        }
        let Some(speaker) = self.speakers.get_mut(user) else {
            return Ok(());
        };
        speaker.sequence += 1;
        let sequence = speaker.sequence;
        let mut captions = vec![SubtitleMessage {
            user_id: user.to_owned(),
            text: text.clone(),
            definite: segment.definite,
            sequence,
            language: self.source_language.clone(),
            mode: SubtitleMode::AsrOnly,
        }];
        if !self.targets.is_empty() {
            if self.translator.is_none() {
                let factory =
                    self.translator_factory
                        .take()
                        .ok_or_else(|| SubtitleError::Connection {
                            what: "translator",
                            detail: "no translator is configured (subtitles.translator-url)".into(),
                        })?;
                self.translator = Some(factory()?);
            }
            let translator = self
                .translator
                .as_mut()
                .expect("the translator was made just above");
            for target in &self.targets {
                let translated = translator.translate(&text, &self.source_language, target)?;
                captions.push(SubtitleMessage {
                    user_id: user.to_owned(),
                    text: translated,
                    definite: segment.definite,
                    sequence,
                    language: target.clone(),
                    mode: SubtitleMode::AsrAndTranslation,
                });
            }
        }
        out(CaptionEvent::Captions(captions));
        Ok(())
    }
}
