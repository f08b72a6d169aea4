//! Why a request's signature was refused, and how the vendor reports each reason.
//!
//! The codes and statuses are those of the vendor's OpenAPI common error codes (platform page
//! "公共错误码"), so clients written against the vendor handle Chorus's refusals alike. Messages
//! quote client-supplied values only clipped, and never a secret.

/// Why [`verify`](crate::verify) refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// No `Authorization` header, or an empty one.
    #[error(
        "the request has no Authorization header: sign it with HMAC-SHA256 (X-Date, Authorization), e.g. with a Volcengine server SDK"
    )]
    MissingAuthorization,
    /// `Authorization` could not be read; the reason says which part is wrong.
    #[error(
        "malformed Authorization header: {0}; expected \"HMAC-SHA256 Credential=<AK>/<yyyyMMdd>/<region>/<service>/request, SignedHeaders=<a;b>, Signature=<hex>\""
    )]
    MalformedAuthorization(&'static str),
    /// `Authorization` names an algorithm other than `HMAC-SHA256`.
    #[error("unsupported signature algorithm {0:?}: only HMAC-SHA256 is accepted")]
    UnsupportedAlgorithm(String),
    /// No secret is known for the access key id.
    #[error(
        "the access key {0:?} is not known here: check the access key id, and that it was configured on this server"
    )]
    UnknownAccessKey(String),
    /// No `X-Date` header.
    #[error(
        "the request has no X-Date header: send the signing time as X-Date (yyyyMMddTHHmmssZ, UTC)"
    )]
    MissingDate,
    /// `X-Date` is not a UTC time of the form `yyyyMMddTHHmmssZ`.
    #[error("X-Date {0:?} is not a UTC time of the form yyyyMMddTHHmmssZ (e.g. 20240102T030405Z)")]
    MalformedDate(String),
    /// `X-Date` is too far from the server's clock, either way.
    #[error(
        "the request was signed {skew_secs} s away from the server's time, more than the {max_skew_secs} s allowed: sync the client's clock and sign each request just before sending it"
    )]
    Stale {
        /// How far `X-Date` is from the server's clock, in seconds.
        skew_secs: u64,
        /// The largest distance allowed, in seconds.
        max_skew_secs: u64,
    },
    /// The date in the credential scope is not the day of `X-Date`.
    #[error(
        "the credential scope date {scope_date} is not the day of X-Date ({x_date}): take both from the same signing time"
    )]
    ScopeMismatch {
        /// The `yyyyMMdd` in `Credential`.
        scope_date: String,
        /// The `yyyyMMdd` of `X-Date`.
        x_date: String,
    },
    /// `X-Content-Sha256` is not the SHA-256 of the body received.
    #[error(
        "X-Content-Sha256 is not the SHA-256 of the body received: the body was altered after signing, or hashed differently from how it was sent"
    )]
    ContentHashMismatch,
    /// A header named in `SignedHeaders` is absent from the request.
    #[error(
        "the signed header {0:?} is missing from the request: send every header named in SignedHeaders, unchanged (a proxy may have dropped it)"
    )]
    MissingSignedHeader(String),
    /// The signature does not match the request and the access key's secret.
    #[error(
        "the request signature does not match: check the secret key and the signing method, and that nothing (e.g. a proxy) changed the method, path, query, signed headers or body"
    )]
    SignatureMismatch,
}

impl SignError {
    /// The vendor's OpenAPI error code for this refusal, for `ResponseMetadata.Error.Code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingAuthorization => "MissingAuthenticationToken",
            Self::MalformedAuthorization(_) | Self::UnsupportedAlgorithm(_) => {
                "InvalidAuthorization"
            }
            Self::UnknownAccessKey(_) => "InvalidAccessKey",
            Self::MissingDate | Self::MissingSignedHeader(_) => "MissingRequestInfo",
            Self::MalformedDate(_) | Self::Stale { .. } => "InvalidTimestamp",
            Self::ScopeMismatch { .. } => "InvalidCredential",
            Self::ContentHashMismatch | Self::SignatureMismatch => "SignatureDoesNotMatch",
        }
    }

    /// The HTTP status the vendor answers with for [`code`](Self::code): 401 when the caller is
    /// not authenticated, 400 when the request is malformed.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::MissingAuthorization
            | Self::UnknownAccessKey(_)
            | Self::ContentHashMismatch
            | Self::SignatureMismatch => 401,
            Self::MalformedAuthorization(_)
            | Self::UnsupportedAlgorithm(_)
            | Self::MissingDate
            | Self::MalformedDate(_)
            | Self::Stale { .. }
            | Self::ScopeMismatch { .. }
            | Self::MissingSignedHeader(_) => 400,
        }
    }
}
