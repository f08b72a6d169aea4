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
            let mut due = Vec::new();
            match input.recv_timeout(Duration::from_millis(100)) {
                Ok(first) => self.take(first, &mut due),
                Err(mpsc::RecvTimeoutError::Timeout) => self.end_silent_speakers(&mut due),
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
            }
            // Whatever else waits is taken at once: while recognition runs audio queues up,
            // and segmenting it all first lets finals go ahead of stale partials.
            while let Ok(next) = input.try_recv() {
                self.take(next, &mut due);
            }
            for (user, segment) in prioritise(due) {
                self.recognise(&user, segment, out)?;
            }
        }
    }

    /// Applies one input; segments that became due are appended to `due`.
    fn take(&mut self, input: Input, due: &mut Vec<(String, Segment)>) {
        match input {
            Input::Audio { user, audio } => {
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
                for frame in audio.chunks(320) {
                    if let Some(segment) = speaker.segmenter.push(frame) {
                        due.push((user.clone(), segment));
                    }
                }
            }
            Input::Gone { user } => {
                if let Some(segment) = self
                    .speakers
                    .get_mut(&user)
                    .and_then(|s| s.segmenter.flush())
                {
                    due.push((user, segment));
                }
            }
            Input::Targets(targets) => self.targets = targets,
            Input::SourceLanguage(language) => self.source_language = language,
        }
    }

    /// Ends the utterances of speakers who stopped sending mid-speech.
    fn end_silent_speakers(&mut self, due: &mut Vec<(String, Segment)>) {
        for (user, speaker) in &mut self.speakers {
            // flush() ends nothing unless the speaker was mid-utterance.
            if speaker.heard.elapsed() > SILENT_SPEAKER
                && let Some(segment) = speaker.segmenter.flush()
            {
                due.push((user.clone(), segment));
            }
        }
    }

    fn recognise(
        &mut self,
        user: &str,
        segment: Segment,
        out: &impl Fn(CaptionEvent),
    ) -> Result<(), SubtitleError> {
        if segment.audio.is_empty() {
            return Ok(());
        }
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

/// The order to recognise a batch in: every final, in order, then for each speaker the latest
/// partial that came after their last final. Earlier partials are stale (a later segment of the
/// same utterance covers them), so under load recognition does the least that keeps up.
fn prioritise(due: Vec<(String, Segment)>) -> Vec<(String, Segment)> {
    let mut finals = Vec::new();
    let mut partials: Vec<(String, Segment)> = Vec::new();
    for (user, segment) in due {
        if segment.definite {
            partials.retain(|(u, _)| *u != user);
            finals.push((user, segment));
        } else {
            partials.retain(|(u, _)| *u != user);
            partials.push((user, segment));
        }
    }
    finals.extend(partials);
    finals
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(definite: bool, len: usize) -> Segment {
        Segment {
            audio: vec![0.0; len],
            definite,
        }
    }

    #[test]
    fn finals_go_first_and_stale_partials_are_dropped() {
        let due = vec![
            ("a".to_string(), seg(false, 1)),
            ("b".to_string(), seg(false, 2)),
            ("a".to_string(), seg(false, 3)),
            ("b".to_string(), seg(true, 4)),
            ("a".to_string(), seg(true, 5)),
            ("a".to_string(), seg(false, 6)),
        ];
        let order: Vec<(String, bool, usize)> = prioritise(due)
            .into_iter()
            .map(|(u, s)| (u, s.definite, s.audio.len()))
            .collect();
        assert_eq!(
            order,
            [
                ("b".to_string(), true, 4),
                ("a".to_string(), true, 5),
                ("a".to_string(), false, 6),
            ]
        );
    }
}
