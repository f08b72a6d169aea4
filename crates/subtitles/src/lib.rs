//! chorus-subtitles: real-time subtitles of a room's speakers.
//!
//! A sans-IO core cuts each speaker's speech into utterances ([`Vad`], [`Segmenter`]): partial
//! segments while they speak, the final one when they stop. Segments go to a [`Recognizer`]
//! (the bundled offline [`WorkerRecognizer`], a worker process running Moonshine's English
//! model from its PyPI wheel; or an OpenAI-compatible [`EndpointRecognizer`]) and, in
//! translation mode, their text to a [`Translator`] ([`EndpointTranslator`]). Recognizers
//! and translators block, so they run on a thread of their own, never on an async runtime.
//!
//! The shell is a [`Captioner`] per room: an in-process Chorus client (chorus-sdk) that joins
//! the room invisibly, decodes every speaker's Opus and feeds the core. Errors are
//! [`SubtitleError`]s, each with the contract's `SUBTITLE_*` code. Depends on the SDK and the
//! protocol, never on the server: the server wires it in.

#![warn(clippy::unwrap_used)]

mod audio;
mod captioner;
mod endpoint;
mod error;
mod recognition;
mod recognizer;
mod segmenter;
mod translator;
mod vad;

pub use audio::{Downsampler, wav_bytes};
pub use captioner::{CAPTIONER_USER_ID, CaptionSink, Captioner, CaptionerConfig};
pub use endpoint::{Endpoint, EndpointRecognizer, EndpointTranslator};
pub use error::SubtitleError;
pub use recognition::{CaptionEvent, RecognizerFactory, TranslatorFactory};
pub use recognizer::{Recognizer, WORKER_SCRIPT, WorkerRecognizer};
pub use segmenter::{Segment, Segmenter, SegmenterSettings};
pub use translator::Translator;
pub use vad::{Activity, SAMPLE_RATE, Vad, VadSettings};
