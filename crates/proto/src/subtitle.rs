//! Bodies of real-time subtitles: a member turns subtitles on for themselves, and the server
//! recognises (and optionally translates) what each speaker in the room says, sending the text
//! to every member who turned them on.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ErrorCode, SubtitleEventType, SubtitleMode};

/// One language code or several (`targetLanguage` of [`StartSubtitleParams`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(untagged)]
pub enum Languages {
    /// One language.
    One(String),
    /// Several languages; subtitles use the first.
    Many(Vec<String>),
}

impl Languages {
    /// The first language named, if any.
    pub fn first(&self) -> Option<&str> {
        match self {
            Languages::One(one) => Some(one.as_str()),
            Languages::Many(many) => many.first().map(String::as_str),
        }
    }
}

/// `startSubtitle` parameters (the contract's `RTCSubtitleConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StartSubtitleParams {
    /// Recognition alone, or recognition and translation.
    pub mode: SubtitleMode,
    /// The language to translate into (translation mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub target_language: Option<Languages>,
}

/// `updateSubtitleConfig` parameters (the contract's `UpdateSubtitleConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSubtitleParams {
    /// The language the speakers speak (`zh`, `ja`, `en`, `ko`).
    pub source_language: String,
}

/// `onSubtitleStateChanged` (the contract's `SubtitleEvent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SubtitleStateEvent {
    /// Started, stopped, failed or updated.
    pub event: SubtitleEventType,
    /// Why it failed, with `ERROR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error_code: Option<ErrorCode>,
    /// What happened, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error_message: Option<String>,
}

/// One subtitle (the contract's `SubtitleMessage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SubtitleMessage {
    /// Who spoke.
    pub user_id: String,
    /// What they said (or its translation), UTF-8.
    pub text: String,
    /// True for the final text of an utterance, false for a partial one.
    pub definite: bool,
    /// Increases with each subtitle of this speaker, partial or final.
    pub sequence: u64,
    /// The text's language code.
    pub language: String,
    /// Recognition alone, or its translation.
    pub mode: SubtitleMode,
}

/// `onSubtitleMessageReceived`: subtitles, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(transparent)]
pub struct SubtitleMessages(pub Vec<SubtitleMessage>);
