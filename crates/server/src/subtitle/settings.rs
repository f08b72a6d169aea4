//! The `[subtitles]` table of the configuration: which recognizer, which translator.

use std::time::Duration;

use chorus_subtitles::{
    Endpoint, EndpointRecognizer, EndpointTranslator, Recognizer, RecognizerFactory, Translator,
    TranslatorFactory, WORKER_SCRIPT, WorkerRecognizer,
};
use serde::Deserialize;

/// Which recognizer subtitles use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecognizerKind {
    /// The bundled offline recognizer: a worker process (`worker-command`).
    #[default]
    Bundled,
    /// An OpenAI-compatible transcription endpoint (`recognizer-url`).
    Endpoint,
}

/// Subtitle settings. TOML keys are kebab-case under `[subtitles]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct SubtitlesConfig {
    /// The recognizer.
    pub recognizer: RecognizerKind,
    /// The bundled recognizer's command: program and arguments. Default: `python3` and the
    /// worker script in the source tree (`crates/subtitles/worker/recognizer.py`), in a Python
    /// with `moonshine-voice==0.1.0` installed.
    pub worker_command: Vec<String>,
    /// The transcription endpoint's base URL, up to `/v1` (with `recognizer = "endpoint"`).
    pub recognizer_url: Option<String>,
    /// Its bearer key.
    pub recognizer_key: Option<String>,
    /// Its model name.
    pub recognizer_model: String,
    /// The chat endpoint's base URL, up to `/v1`, for translation mode. None: translation
    /// mode fails with `SUBTITLE_ERR_CONNECTION_ERROR`.
    pub translator_url: Option<String>,
    /// Its bearer key.
    pub translator_key: Option<String>,
    /// Its model name.
    pub translator_model: String,
    /// How long one recognition or translation may take, in milliseconds.
    pub timeout_ms: u64,
    /// How long the bundled recognizer may take to load, in milliseconds.
    pub load_timeout_ms: u64,
    /// The language speakers speak until `updateSubtitleConfig` says otherwise.
    pub source_language: String,
}

impl Default for SubtitlesConfig {
    fn default() -> Self {
        SubtitlesConfig {
            recognizer: RecognizerKind::Bundled,
            worker_command: vec!["python3".into(), WORKER_SCRIPT.into()],
            recognizer_url: None,
            recognizer_key: None,
            recognizer_model: "whisper-1".into(),
            translator_url: None,
            translator_key: None,
            translator_model: "gpt-4o-mini".into(),
            timeout_ms: 10_000,
            load_timeout_ms: 60_000,
            source_language: "en".into(),
        }
    }
}

impl SubtitlesConfig {
    /// Checks that the settings fit together; says what to change when not.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let http = |key: &str, url: &Option<String>| match url {
            Some(url) if !(url.starts_with("http://") || url.starts_with("https://")) => {
                Err(format!("{key} {url:?} must be an http:// or https:// URL"))
            }
            _ => Ok(()),
        };
        http("recognizer-url", &self.recognizer_url)?;
        http("translator-url", &self.translator_url)?;
        if self.recognizer == RecognizerKind::Endpoint && self.recognizer_url.is_none() {
            return Err("recognizer = \"endpoint\" needs recognizer-url".into());
        }
        if self.recognizer == RecognizerKind::Bundled && self.worker_command.is_empty() {
            return Err("recognizer = \"bundled\" needs a worker-command".into());
        }
        if self.timeout_ms == 0 || self.load_timeout_ms == 0 {
            return Err("timeout-ms and load-timeout-ms must be greater than zero".into());
        }
        Ok(())
    }

    fn endpoint(
        &self,
        url: &str,
        key: &Option<String>,
        model: &str,
        client: &reqwest::Client,
    ) -> Endpoint {
        Endpoint {
            url: url.to_owned(),
            key: key.clone(),
            model: model.to_owned(),
            timeout: Duration::from_millis(self.timeout_ms),
            client: client.clone(),
        }
    }

    /// Makes a recognizer as configured (on the recognition thread).
    pub(crate) fn recognizer(&self, client: &reqwest::Client) -> RecognizerFactory {
        let timeout = Duration::from_millis(self.timeout_ms);
        match (self.recognizer, &self.recognizer_url) {
            (RecognizerKind::Bundled, _) => {
                let command = self.worker_command.clone();
                let load = Duration::from_millis(self.load_timeout_ms);
                Box::new(move || {
                    WorkerRecognizer::spawn(&command, load, timeout)
                        .map(|r| Box::new(r) as Box<dyn Recognizer>)
                })
            }
            (RecognizerKind::Endpoint, url) => {
                let endpoint = self.endpoint(
                    url.as_deref().unwrap_or_default(),
                    &self.recognizer_key,
                    &self.recognizer_model,
                    client,
                );
                Box::new(move || {
                    EndpointRecognizer::new(endpoint).map(|r| Box::new(r) as Box<dyn Recognizer>)
                })
            }
        }
    }

    /// Makes the translator, if one is configured.
    pub(crate) fn translator(&self, client: &reqwest::Client) -> Option<TranslatorFactory> {
        let url = self.translator_url.as_deref()?;
        let endpoint = self.endpoint(url, &self.translator_key, &self.translator_model, client);
        Some(Box::new(move || {
            EndpointTranslator::new(endpoint).map(|t| Box::new(t) as Box<dyn Translator>)
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, ConfigError};

    #[test]
    fn the_subtitles_table_is_read_and_checked() {
        let toml = r#"
            [subtitles]
            recognizer = "endpoint"
            recognizer-url = "http://127.0.0.1:8000/v1"
            translator-url = "http://127.0.0.1:8001/v1"
            timeout-ms = 3000
        "#;
        let mut config: Config = toml::from_str(toml).expect("the TOML parses");
        config.validate().expect("a whole endpoint setting");
        assert_eq!(config.subtitles.timeout_ms, 3000);
        config.subtitles.recognizer_url = None;
        assert!(matches!(config.validate(), Err(ConfigError::Subtitles(_))));
        config.subtitles.recognizer_url = Some("ftp://x".into());
        assert!(matches!(config.validate(), Err(ConfigError::Subtitles(_))));
        let unknown: Result<Config, _> = toml::from_str("[subtitles]\nrecogniser = \"x\"\n");
        assert!(unknown.is_err(), "a misspelt key is refused");
    }
}
