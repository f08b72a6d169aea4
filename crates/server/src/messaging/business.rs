//! Server messages: a logged-in user's message POSTed to the app's business server, at the URL
//! the user set with `setServerParams`, and the business server's answer returned.
//!
//! The request is `POST <url>` with `Content-Type: application/json`, the header
//! `X-Chorus-Signature: <signature from setServerParams>`, and the body
//! `{"AppId", "UserId", "Message", "Binary"}` (`Message` is base64 when `Binary`). Only a 200
//! answer counts; its body goes back to the sender. Calls are bounded in time and in number:
//! in all, and per app, so one app's slow business server cannot hold every slot.
//!
//! Only the hosts the operator listed for the app are called, and never at a special address
//! without the operator's leave (see `targets`). A call that fails on the network says only
//! that, the same for every cause, so the answer cannot map the server's network; the cause
//! goes to the debug log.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chorus_proto::{ErrorCode, MAX_MESSAGE_BYTES, RtcError};
use serde::Serialize;
use tokio::sync::Semaphore;

use super::targets::{BusinessHosts, TargetPolicy, TargetResolver};
use crate::room::Payload;

/// What a client is told of any network failure: one message whatever the cause.
const UNREACHABLE: &str =
    "the business server could not be reached or did not answer in time; check its URL";

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

/// What the business-server client needs from the configuration.
pub(crate) struct BusinessSettings {
    /// How long a call may take, waiting for a slot included.
    pub(crate) timeout: Duration,
    /// Most calls in flight at once, in all.
    pub(crate) max_in_flight: usize,
    /// Most calls in flight at once for one app.
    pub(crate) max_in_flight_per_app: usize,
    /// The apps hosted, each with its own slots.
    pub(crate) app_ids: Vec<String>,
    pub(crate) hosts: BusinessHosts,
    pub(crate) policy: TargetPolicy,
    /// What https:// business servers are checked against.
    pub(crate) tls: chorus_tls::ClientTls,
}

/// The outbound HTTP client for business servers.
#[derive(Clone)]
pub(crate) struct BusinessServer {
    http: reqwest::Client,
    slots: Arc<Semaphore>,
    /// Each hosted app's slots, taken before one of `slots`.
    app_slots: Arc<HashMap<String, Semaphore>>,
    timeout: Duration,
    hosts: Arc<BusinessHosts>,
    policy: TargetPolicy,
}

impl BusinessServer {
    pub(crate) fn new(settings: BusinessSettings) -> Self {
        let BusinessSettings {
            timeout,
            max_in_flight,
            max_in_flight_per_app,
            app_ids,
            hosts,
            policy,
            tls,
        } = settings;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            // Proxies would connect for us, past the resolver's check.
            .no_proxy()
            .dns_resolver(Arc::new(TargetResolver { policy }))
            .use_preconfigured_tls((*tls.config()).clone())
            .build()
            .unwrap_or_default();
        BusinessServer {
            http,
            slots: Arc::new(Semaphore::new(max_in_flight.max(1))),
            app_slots: Arc::new(
                app_ids
                    .into_iter()
                    .map(|id| (id, Semaphore::new(max_in_flight_per_app.max(1))))
                    .collect(),
            ),
            timeout,
            hosts: Arc::new(hosts),
            policy,
        }
    }

    /// Checks a URL given with `setServerParams`: an http:// or https:// URL on one of the
    /// app's hosts.
    pub(crate) fn check_url(&self, app_id: &str, url: &str) -> Result<(), RtcError> {
        let parsed = reqwest::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
        let Some(parsed) = parsed else {
            return Err(RtcError::new(
                ErrorCode::InvalidParams,
                format!(
                    "url must be an http:// or https:// URL, got {:?}",
                    chorus_proto::clip(url)
                ),
            ));
        };
        if !self.hosts.allows(app_id, &parsed) {
            return Err(RtcError::new(
                ErrorCode::InvalidParams,
                format!(
                    "the business server host {:?} is not allowed for this app; the server's \
                     operator must add it to the app's business-hosts",
                    chorus_proto::clip(&host_and_port(&parsed))
                ),
            ));
        }
        Ok(())
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
        let unreachable = |why: &dyn std::fmt::Display| {
            tracing::debug!(app_id, error = %why, "a server message was not delivered");
            RtcError::new(ErrorCode::UserMessageSendToServerError, UNREACHABLE)
        };
        // A name is checked as it resolves; an address in the URL is not resolved.
        if let Some(ip) = reqwest::Url::parse(url).ok().and_then(|u| literal_ip(&u))
            && !self.policy.allows(ip)
        {
            return Err(unreachable(&format_args!(
                "{ip} is not allowed as a target"
            )));
        }
        // Waiting for a slot counts against the same time budget as the call. The app's own
        // slot first, so an app at its bound waits without holding one of everyone's.
        let started = tokio::time::Instant::now();
        let deadline = started + self.timeout;
        let _app_slot = match self.app_slots.get(app_id) {
            Some(slots) => Some(
                tokio::time::timeout_at(deadline, slots.acquire())
                    .await
                    .map_err(|_| busy("too many of this app's server messages in flight"))?
                    .map_err(|_| busy("the server is shutting down"))?,
            ),
            None => None,
        };
        let _slot = tokio::time::timeout_at(deadline, self.slots.acquire())
            .await
            .map_err(|_| busy("too many server messages in flight"))?
            .map_err(|_| busy("the server is shutting down"))?;
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
            .map_err(|e| unreachable(&error_chain(&e)))?;
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
            .map_err(|e| unreachable(&error_chain(&e)))?
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

/// A server message not sent for want of a slot: about this server, not the target.
fn busy(why: &str) -> RtcError {
    RtcError::new(
        ErrorCode::UserMessageSendToServerError,
        format!("the business server was not called: {why}"),
    )
}

/// The URL's host as an address, when it is one.
/// The address a URL names literally, which no resolver sees.
pub(crate) fn literal_ip(url: &reqwest::Url) -> Option<std::net::IpAddr> {
    let host = url.host_str()?;
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse().ok()
}

fn host_and_port(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// An error and its causes, for the log: reqwest's own text hides the resolver's reason.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
