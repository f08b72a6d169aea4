//! The session's subtitle calls: checked here (in a room, a known mode, a target language
//! for translation), then served by the server's subtitle task.

use chorus_proto::{ErrorCode, RtcError, StartSubtitleParams, SubtitleMode, UpdateSubtitleParams};

use super::{Answer, Session, invalid};
use crate::subtitle::Wanted;

/// Longest language code taken (BCP 47 tags are short).
const MAX_LANGUAGE_LEN: usize = 35;

fn check_language(what: &str, language: &str) -> Result<(), RtcError> {
    let ok = !language.is_empty()
        && language.len() <= MAX_LANGUAGE_LEN
        && language
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} must be a language code such as \"en\" or \"zh-CN\" (letters, digits, '-', at most {MAX_LANGUAGE_LEN})"
        )))
    }
}

impl Session {
    /// `startSubtitle`.
    pub(super) async fn start_subtitle(
        &mut self,
        params: StartSubtitleParams,
    ) -> Result<Answer, RtcError> {
        let key = self.room_key().cloned().ok_or_else(|| {
            RtcError::new(
                ErrorCode::SubtitleNotTurnedOn,
                "not in a room; join a room before startSubtitle",
            )
        })?;
        let target = match params.mode {
            SubtitleMode::AsrOnly => None,
            SubtitleMode::AsrAndTranslation => {
                let target = params
                    .target_language
                    .as_ref()
                    .and_then(|l| l.first())
                    .ok_or_else(|| {
                        invalid("translation mode needs targetLanguage (such as \"fr\")")
                    })?;
                check_language("targetLanguage", target)?;
                Some(target.to_owned())
            }
        };
        let wanted = Wanted {
            mode: params.mode,
            target,
        };
        let user = self
            .joined_as()
            .map(|(_, user)| user.to_owned())
            .unwrap_or_default();
        self.ctx
            .subtitles
            .start_for(key, user, self.link.clone(), wanted)
            .await
            .map(|()| Answer::Now)
    }

    /// `updateSubtitleConfig`.
    pub(super) async fn update_subtitle(
        &mut self,
        params: UpdateSubtitleParams,
    ) -> Result<Answer, RtcError> {
        check_language("sourceLanguage", &params.source_language)?;
        let key = self.room_key().cloned().ok_or_else(|| {
            RtcError::new(
                ErrorCode::SubtitleNotTurnedOn,
                "subtitles are off; join a room and call startSubtitle first",
            )
        })?;
        self.ctx
            .subtitles
            .update(key, self.link.session, params.source_language)
            .await
            .map(|()| Answer::Now)
    }

    /// `stopSubtitle`: a no-op when subtitles are off.
    pub(super) fn stop_subtitle(&mut self) -> Result<Answer, RtcError> {
        if let Some(key) = self.room_key().cloned() {
            self.ctx.subtitles.stop_for(key, self.link.session);
        }
        Ok(Answer::Now)
    }
}
