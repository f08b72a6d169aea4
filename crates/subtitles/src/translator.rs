//! Translators: text in one language to another, behind subtitles' translation mode.
//! Blocking, like recognizers, and run on the same recognition thread.

use crate::error::SubtitleError;

/// Text to text between languages (codes such as `en`, `fr`, `zh`).
pub trait Translator: Send {
    /// `text` (in `from`) in `to`.
    fn translate(&mut self, text: &str, from: &str, to: &str) -> Result<String, SubtitleError>;
}
