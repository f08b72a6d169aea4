//! OpenAI-compatible HTTP endpoints: a [`Recognizer`] over `POST {url}/audio/transcriptions`
//! (faster-whisper-server and hosted ones speak it) and a [`Translator`] over
//! `POST {url}/chat/completions`. Each blocks its caller (the recognition thread) on a small
//! runtime of its own, so the server's runtime never waits on a remote service.

use std::time::Duration;

use serde_json::{Value, json};

use crate::audio::wav_bytes;
use crate::error::SubtitleError;
use crate::recognizer::Recognizer;
use crate::translator::Translator;

/// Where an endpoint is and how to call it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Base URL, up to and including `/v1` (`http://127.0.0.1:8000/v1`).
    pub url: String,
    /// Bearer key, if the endpoint wants one.
    pub key: Option<String>,
    /// The model name sent with each request.
    pub model: String,
    /// How long one request may take.
    pub timeout: Duration,
    /// The HTTP client (the server's TLS settings).
    pub client: reqwest::Client,
}

enum Failure {
    /// Not reachable: refused, no route, name not found.
    Connect(String),
    /// Reached, but it failed: a timeout, an error status.
    Other(String),
    /// It answered success with a body that is not JSON.
    Unreadable(String),
}

struct Caller {
    endpoint: Endpoint,
    runtime: tokio::runtime::Runtime,
}

impl Caller {
    fn new(endpoint: Endpoint) -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot make a runtime: {e}"))?;
        Ok(Caller { endpoint, runtime })
    }

    /// Whether the endpoint's host accepts connections, so an unreachable one is reported
    /// when subtitles start rather than at the first utterance.
    fn probe(&self) -> Result<(), String> {
        let url = reqwest::Url::parse(&self.endpoint.url)
            .map_err(|e| format!("{:?} is not a URL: {e}", self.endpoint.url))?;
        let host = url
            .host_str()
            .ok_or_else(|| format!("{url} has no host"))?
            .to_owned();
        let port = url
            .port_or_known_default()
            .ok_or_else(|| format!("{url} has no port"))?;
        let timeout = self.endpoint.timeout;
        self.runtime.block_on(async move {
            match tokio::time::timeout(
                timeout,
                tokio::net::TcpStream::connect((host.as_str(), port)),
            )
            .await
            {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(format!("{url}: {e}")),
                Err(_) => Err(format!(
                    "{url}: no connection within {} ms",
                    timeout.as_millis()
                )),
            }
        })
    }

    fn post(&self, path: &str, body: reqwest::Body, content_type: &str) -> Result<Value, Failure> {
        let url = format!("{}/{path}", self.endpoint.url.trim_end_matches('/'));
        let mut request = self
            .endpoint
            .client
            .post(&url)
            .timeout(self.endpoint.timeout)
            .header("content-type", content_type)
            .body(body);
        if let Some(key) = &self.endpoint.key {
            request = request.bearer_auth(key);
        }
        self.runtime.block_on(async {
            let response = request.send().await.map_err(|e| {
                if e.is_connect() {
                    Failure::Connect(format!("{url}: {e}"))
                } else {
                    Failure::Other(format!("{url}: {e}"))
                }
            })?;
            let status = response.status();
            let text = response
                .text()
                .await
                .map_err(|e| Failure::Other(format!("{url}: {e}")))?;
            if !status.is_success() {
                return Err(Failure::Other(format!(
                    "{url} answered {status}: {}",
                    chorus_proto::clip(&text)
                )));
            }
            serde_json::from_str(&text).map_err(|e| {
                Failure::Unreadable(format!(
                    "{url}: not JSON ({e}): {}",
                    chorus_proto::clip(&text)
                ))
            })
        })
    }
}

/// A recognizer behind an OpenAI-compatible transcription endpoint.
pub struct EndpointRecognizer {
    caller: Caller,
}

impl EndpointRecognizer {
    /// A recognizer calling `endpoint`, once its host accepts a connection.
    pub fn new(endpoint: Endpoint) -> Result<Self, SubtitleError> {
        let caller = Caller::new(endpoint).map_err(SubtitleError::Process)?;
        caller.probe().map_err(|detail| SubtitleError::Connection {
            what: "recognizer",
            detail,
        })?;
        Ok(EndpointRecognizer { caller })
    }
}

const BOUNDARY: &str = "chorus-subtitles-boundary-7d1f";

impl Recognizer for EndpointRecognizer {
    fn transcribe(&mut self, audio: &[f32]) -> Result<String, SubtitleError> {
        let mut body = Vec::new();
        let field = |body: &mut Vec<u8>, name: &str, value: &str| {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        };
        field(&mut body, "model", &self.caller.endpoint.model);
        field(&mut body, "response_format", "json");
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"speech.wav\"\r\ncontent-type: audio/wav\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&wav_bytes(audio));
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
        let value = self
            .caller
            .post("audio/transcriptions", body.into(), &content_type)
            .map_err(|f| match f {
                Failure::Connect(detail) => SubtitleError::Connection {
                    what: "recognizer",
                    detail,
                },
                Failure::Other(detail) => SubtitleError::Process(detail),
                Failure::Unreadable(detail) => SubtitleError::Unknown(detail),
            })?;
        value["text"]
            .as_str()
            .map(|t| t.trim().to_owned())
            .ok_or_else(|| SubtitleError::Unknown("a transcription without \"text\"".into()))
    }
}

/// A translator behind an OpenAI-compatible chat endpoint.
pub struct EndpointTranslator {
    caller: Caller,
}

impl EndpointTranslator {
    /// A translator calling `endpoint`, once its host accepts a connection.
    pub fn new(endpoint: Endpoint) -> Result<Self, SubtitleError> {
        let caller = Caller::new(endpoint).map_err(SubtitleError::Postprocess)?;
        caller.probe().map_err(|detail| SubtitleError::Connection {
            what: "translator",
            detail,
        })?;
        Ok(EndpointTranslator { caller })
    }
}

impl Translator for EndpointTranslator {
    fn translate(&mut self, text: &str, from: &str, to: &str) -> Result<String, SubtitleError> {
        let body = json!({
            "model": self.caller.endpoint.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": format!(
                    "Translate the user's text from the language with code {from} into the language with code {to}. Answer with the translation alone."
                )},
                {"role": "user", "content": text},
            ],
        });
        let value = self
            .caller
            .post(
                "chat/completions",
                body.to_string().into(),
                "application/json",
            )
            .map_err(|f| match f {
                Failure::Connect(detail) => SubtitleError::Connection {
                    what: "translator",
                    detail,
                },
                Failure::Other(detail) | Failure::Unreadable(detail) => {
                    SubtitleError::Postprocess(detail)
                }
            })?;
        value["choices"][0]["message"]["content"]
            .as_str()
            .map(|t| t.trim().to_owned())
            .ok_or_else(|| SubtitleError::Postprocess("a chat answer without content".into()))
    }
}
