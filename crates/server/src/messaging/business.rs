//! Server messages: a logged-in user's message POSTed to the app's business server, at the URL
//! the user set with `setServerParams`, and the business server's answer returned.
//!
//! The request is `POST <url>` with `Content-Type: application/json`, the header
//! `X-Chorus-Signature: <signature from setServerParams>`, and the body
//! `{"AppId", "UserId", "Message", "Binary"}` (`Message` is base64 when `Binary`). Only a 200
//! answer counts; its body goes back to the sender. Calls are bounded in time and in number.

use std::sync::Arc;
use std::time::Duration;

use chorus_proto::{ErrorCode, MAX_MESSAGE_BYTES, RtcError};
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::room::Payload;

/// The header that carries the signature set with `setServerParams`.
pub(crate) const SIGNATURE_HEADER: &str = "X-Chorus-Signature";

/// The body POSTed to the business server.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ServerMessage<'a> {
    pub(crate) app_id: &'a str,
    pub(crate) user_id: &'a str,
    pub(crate) message: &'a str,
    pub(crate) binary: bool,
}

/// The outbound HTTP client for business servers.
#[derive(Clone)]
pub(crate) struct BusinessServer {
    http: reqwest::Client,
    slots: Arc<Semaphore>,
    timeout: Duration,
}

impl BusinessServer {
    pub(crate) fn new(timeout: Duration, max_in_flight: usize) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        BusinessServer {
            http,
            slots: Arc::new(Semaphore::new(max_in_flight.max(1))),
            timeout,
        }
    }

    /// POSTs `payload` from `user_id` to `url`; returns the response body of a 200 answer.
    pub(crate) async fn post(
        &self,
        url: &str,
        signature: &str,
        app_id: &str,
        user_id: &str,
        payload: &Payload,
    ) -> Result<String, RtcError> {
        let unreachable = |why: String| {
            RtcError::new(
                ErrorCode::UserMessageSendToServerError,
                format!("the business server at {} {why}", chorus_proto::clip(url)),
            )
        };
        // Waiting for a slot counts against the same time budget as the call.
        let started = tokio::time::Instant::now();
        let _slot = tokio::time::timeout(self.timeout, self.slots.acquire())
            .await
            .map_err(|_| unreachable("was not called: too many server messages in flight".into()))?
            .map_err(|_| unreachable("was not called: the server is shutting down".into()))?;
        let body = ServerMessage {
            app_id,
            user_id,
            message: &payload.message,
            binary: payload.binary,
        };
        let response = self
            .http
            .post(url)
            .timeout(self.timeout.saturating_sub(started.elapsed()))
            .header(SIGNATURE_HEADER, signature)
            .json(&body)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    unreachable(format!(
                        "did not answer within {} ms",
                        self.timeout.as_millis()
                    ))
                } else {
                    unreachable(format!("could not be reached: {}", e.without_url()))
                }
            })?;
        let status = response.status();
        if status != reqwest::StatusCode::OK {
            return Err(RtcError::new(
                ErrorCode::UserMessageServerResponseError,
                format!("the business server answered HTTP {status}, not 200"),
            ));
        }
        // The answer goes back to the sender as a message would: at most 64 KB.
        let mut body = Vec::new();
        let mut response = response;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| unreachable(format!("broke off its answer: {}", e.without_url())))?
        {
            if body.len() + chunk.len() > MAX_MESSAGE_BYTES {
                return Err(RtcError::new(
                    ErrorCode::UserMessageServerResponseError,
                    format!(
                        "the business server's answer is larger than {MAX_MESSAGE_BYTES} bytes"
                    ),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(String::from_utf8_lossy(&body).into_owned())
    }
}
