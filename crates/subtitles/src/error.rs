//! Why subtitles failed, as a type, and the one mapping to the contract's codes.

use chorus_proto::ErrorCode;

/// A subtitle failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubtitleError {
    /// The recognizer or translator could not be reached (refused, no route, no worker).
    #[error("cannot reach the {what}: {detail}")]
    Connection {
        /// "recognizer" or "translator".
        what: &'static str,
        /// The cause.
        detail: String,
    },
    /// The recognizer timed out or failed mid-stream.
    #[error("the recognizer failed: {0}")]
    Process(String),
    /// Recognition succeeded but translating its text failed.
    #[error("translating the recognised text failed: {0}")]
    Postprocess(String),
    /// The recognizer answered something Chorus cannot read.
    #[error("the recognizer's answer cannot be read: {0}")]
    Unknown(String),
}

impl SubtitleError {
    /// The contract's code for this failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            SubtitleError::Connection { .. } => ErrorCode::SubtitleErrConnectionError,
            SubtitleError::Process(_) => ErrorCode::SubtitleErrProcessError,
            SubtitleError::Postprocess(_) => ErrorCode::SubtitleErrPostprocess,
            SubtitleError::Unknown(_) => ErrorCode::SubtitleErrUnknown,
        }
    }
}
