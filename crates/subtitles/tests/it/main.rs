//! Subtitles end to end: a real server, real SDK clients publishing speech that espeak-ng
//! spoke, the bundled recognizer (a worker process), and the subtitles that arrive. One
//! binary; `common` holds what the modules share.

mod common;

mod errors;
mod fixture;
mod over_tls;
mod resume;
mod transcription;
mod translation;
