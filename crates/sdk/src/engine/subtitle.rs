//! The engine's subtitle methods: the server recognises (and optionally translates) what each
//! speaker in the room says and sends it to every member who turned subtitles on, as
//! `onSubtitleMessageReceived`; `onSubtitleStateChanged` says when subtitles started, stopped,
//! changed settings or failed (with a `SUBTITLE_*` code). Both arrive as
//! [`crate::EngineEvent::Room`].

use chorus_proto::{
    Empty, Languages, Request, RtcError, StartSubtitleParams, SubtitleMode, UpdateSubtitleParams,
};

use super::RtcEngine;

impl RtcEngine {
    /// Turns subtitles on for this engine, in `mode`; translation mode needs
    /// `target_language` (a code such as `fr`). Already on: `SUBTITLE_ALREADY_ON`; not in a
    /// room: `SUBTITLE_NOT_TURNED_ON`. `onSubtitleStateChanged` STARTED follows once the
    /// recognizer is ready, or ERROR if it cannot be reached.
    pub async fn start_subtitle(
        &self,
        mode: SubtitleMode,
        target_language: Option<&str>,
    ) -> Result<(), RtcError> {
        let params = StartSubtitleParams {
            mode,
            target_language: target_language.map(|l| Languages::One(l.to_owned())),
        };
        self.call(Request::StartSubtitle(params)).await.map(drop)
    }

    /// Sets the language the room's speakers speak (`zh`, `ja`, `en`, `ko`); everyone with
    /// subtitles on gets `onSubtitleStateChanged` UPDATED. Subtitles off:
    /// `SUBTITLE_NOT_TURNED_ON`.
    pub async fn update_subtitle_config(&self, source_language: &str) -> Result<(), RtcError> {
        let params = UpdateSubtitleParams {
            source_language: source_language.to_owned(),
        };
        self.call(Request::UpdateSubtitleConfig(params))
            .await
            .map(drop)
    }

    /// Turns subtitles off for this engine (`onSubtitleStateChanged` STOPPED); a no-op when
    /// they are off.
    pub async fn stop_subtitle(&self) -> Result<(), RtcError> {
        self.call(Request::StopSubtitle(Empty {})).await.map(drop)
    }
}
