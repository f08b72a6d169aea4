//! Signatures of the server OpenAPI and of webhook callbacks, in the vendor's (Volcengine) formats.
//!
//! - [`sign`] / [`verify`]: the `HMAC-SHA256` request signature that the vendor's official server
//!   SDKs (volc-sdk-golang, volc-sdk-python, volcengine-python-sdk, volc-sdk-nodejs,
//!   volc-sdk-java, volcengine-java-sdk) put on every OpenAPI call. Requests those SDKs sign for a
//!   Chorus host verify here unchanged.
//! - [`ReplayGuard`]: remembers the signatures [`verify`] accepted while they could still
//!   verify, so that a captured request cannot be sent again.
//! - [`webhook_signature`] / [`verify_webhook_signature`]: the SHA-256 signature carried by the
//!   callbacks the server sends to an app's webhook.
//! - [`S3Put`]: AWS Signature Version 4 on the PUT that stores a recording in an S3-compatible
//!   bucket.
//!
//! This crate is a pure core: no I/O, no clock, no logging, and nothing else from Chorus. Callers
//! pass `now` in and get values or typed errors back; no input, however malformed, panics.
//!
//! ```
//! use chorus_sign::{Credentials, SigningRequest, format_x_date, sign, verify};
//!
//! let creds = Credentials::new("AKLTexample", "secret");
//! let now = 1_704_164_645; // 2024-01-02T03:04:05Z
//! let headers = [("Host", "rtc.example.com"), ("Content-Type", "application/json")];
//! let body = br#"{"AppId":"app","RoomId":"room"}"#;
//! let req = SigningRequest {
//!     method: "POST",
//!     path: "/",
//!     query: "Action=DismissRoom&Version=2020-12-01",
//!     headers: &headers,
//!     body,
//! };
//! let signed = sign(&req, &creds, "cn-north-1", "rtc", &format_x_date(now));
//!
//! // The receiving side sees the original headers plus the three that `sign` returned.
//! let mut received = headers.to_vec();
//! received.extend(signed.iter());
//! let req = SigningRequest { headers: &received, ..req };
//! let who = verify(&req, |ak| (ak == "AKLTexample").then_some("secret"), now + 2, 300)?;
//! assert_eq!(who.access_key, "AKLTexample");
//! assert_eq!(who.service, "rtc");
//! # Ok::<(), chorus_sign::SignError>(())
//! ```

#![warn(clippy::unwrap_used)]

mod openapi;
mod replay;
mod s3;
mod webhook;

pub use openapi::{
    Credentials, SignError, SignedHeaders, SigningRequest, VerifiedRequest, format_x_date,
    parse_x_date, sign, verify,
};
pub use replay::{ReplayError, ReplayGuard};
pub use s3::{S3Put, s3_uri_encode};
pub use webhook::{WebhookFields, verify_webhook_signature, webhook_signature};
