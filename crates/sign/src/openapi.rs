//! The OpenAPI request signature: the vendor's `HMAC-SHA256` scheme, a sibling of AWS SigV4.
//!
//! ```text
//! CanonicalRequest = Method \n CanonicalPath \n CanonicalQuery \n
//!                    (name:value\n for each signed header) \n SignedHeaders \n hex(sha256(body))
//! StringToSign     = "HMAC-SHA256" \n X-Date \n <yyyyMMdd>/<region>/<service>/request \n
//!                    hex(sha256(CanonicalRequest))
//! SigningKey       = HMAC(HMAC(HMAC(HMAC(SecretKey, yyyyMMdd), region), service), "request")
//! Authorization    = HMAC-SHA256 Credential=<AK>/<scope>, SignedHeaders=<a;b>, Signature=<hex>
//! ```
//!
//! The secret key is used as is (no "AWS4"-style prefix). Depends on nothing but hashing: the
//! HTTP shell hands in the request's parts and the current time.

mod canonical;
mod error;
mod x_date;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub use error::SignError;
pub use x_date::{format_x_date, parse_x_date};

const ALGORITHM: &str = "HMAC-SHA256";

type HmacSha256 = Hmac<Sha256>;

/// An access key pair: the public id that names the caller and the secret it signs with.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The access key id (AK), sent in the clear in `Authorization`.
    pub access_key: String,
    /// The secret access key (SK); never leaves the signer.
    pub secret_key: String,
}

impl Credentials {
    /// A key pair from its two halves.
    pub fn new(access_key: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            access_key: access_key.into(),
            secret_key: secret_key.into(),
        }
    }
}

// Hand-written so that the secret never reaches a log through `{:?}`.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

/// The parts of an HTTP request that the signature covers, as they are (or will be) on the wire.
#[derive(Debug, Clone, Copy)]
pub struct SigningRequest<'a> {
    /// The method, e.g. `"POST"`.
    pub method: &'a str,
    /// The path as it appears in the request target, still percent-encoded; `""` means `"/"`.
    pub path: &'a str,
    /// The raw query string, without the leading `?`, still percent-encoded
    /// (e.g. `"Action=KickUser&Version=2020-12-01"`).
    pub query: &'a str,
    /// The request's headers, names in any case. Where a name repeats, the first value counts.
    /// For [`sign`], include `Host` (and `Content-Type` if there is a body) so they are signed.
    pub headers: &'a [(&'a str, &'a str)],
    /// The exact body bytes.
    pub body: &'a [u8],
}

/// The headers [`sign`] computed, to add to the request as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// The value of `X-Date`: the signing time, `yyyyMMddTHHmmssZ`.
    pub x_date: String,
    /// The value of `X-Content-Sha256`: hex SHA-256 of the body.
    pub x_content_sha256: String,
    /// The value of `Authorization`.
    pub authorization: String,
    /// The names of the signed headers, lowercase, sorted and `;`-separated, as in
    /// `Authorization`.
    pub signed_headers: String,
}

impl SignedHeaders {
    /// The `(name, value)` pairs to add to the request: `X-Date`, `X-Content-Sha256` and
    /// `Authorization`.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("X-Date", self.x_date.as_str()),
            ("X-Content-Sha256", self.x_content_sha256.as_str()),
            ("Authorization", self.authorization.as_str()),
        ]
        .into_iter()
    }
}

/// Who signed a request that [`verify`] accepted, and for which scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRequest {
    /// The access key id that signed.
    pub access_key: String,
    /// The region of the credential scope (e.g. `cn-north-1`); not checked here.
    pub region: String,
    /// The service of the credential scope (`rtc` for the RTC OpenAPI); not checked here.
    pub service: String,
    /// The signature itself: the same request signed at the same second by the same key has
    /// the same one, which is what a [`ReplayGuard`](crate::ReplayGuard) looks for.
    pub signature: [u8; 32],
    /// When the request was signed (its `X-Date`), in Unix seconds.
    pub signed_at: u64,
}

/// Signs `req` at time `x_date` (`yyyyMMddTHHmmssZ`, see [`format_x_date`]) and returns the
/// headers to add.
///
/// Like the vendor SDKs, this signs `Host`, `Content-Type`, `Content-Md5` and every `X-*` header
/// found in `req.headers`, plus the `X-Date` and `X-Content-Sha256` it adds (values of those two
/// already in `req.headers` are ignored). A malformed `x_date` yields a signature that
/// [`verify`] rejects; it does not panic.
pub fn sign(
    req: &SigningRequest<'_>,
    creds: &Credentials,
    region: &str,
    service: &str,
    x_date: &str,
) -> SignedHeaders {
    let payload_hash = hex_sha256(req.body);
    let mut signed: Vec<(String, &str)> = vec![
        ("x-content-sha256".into(), payload_hash.as_str()),
        ("x-date".into(), x_date),
    ];
    for (name, value) in req.headers {
        let name = name.to_ascii_lowercase();
        let wanted = matches!(name.as_str(), "host" | "content-type" | "content-md5")
            || name.starts_with("x-");
        if wanted && !signed.iter().any(|(n, _)| *n == name) {
            signed.push((name, value));
        }
    }
    signed.sort_by(|a, b| a.0.cmp(&b.0));
    let names = signed
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical = canonical::request(
        req.method,
        req.path,
        req.query,
        signed.iter().map(|(n, v)| (n.as_str(), *v)),
        &names,
        &payload_hash,
    );
    // The SDKs take the scope date as the first 8 characters of X-Date.
    let date = x_date.get(..8).unwrap_or(x_date);
    let scope = format!("{date}/{region}/{service}/request");
    let mac = signature_mac(
        creds.secret_key.as_bytes(),
        date,
        region,
        service,
        x_date,
        &scope,
        &canonical,
    );
    let signature = hex::encode(mac.finalize().into_bytes());
    SignedHeaders {
        authorization: format!(
            "{ALGORITHM} Credential={}/{scope}, SignedHeaders={names}, Signature={signature}",
            creds.access_key
        ),
        x_date: x_date.to_owned(),
        x_content_sha256: payload_hash,
        signed_headers: names,
    }
}

/// Checks the signature of a received request.
///
/// `lookup` maps an access key id to its secret key (`None`: unknown key); `now_unix` is the
/// server's clock in Unix seconds, and `X-Date` may differ from it by at most `max_skew_secs`
/// either way (the vendor allows 900 s). The signature covers exactly the headers listed in
/// `SignedHeaders`, which must include `x-date`; the body is always hashed here, and an
/// `X-Content-Sha256` header, if any, must match it. The signature is compared in constant time.
pub fn verify<S: AsRef<[u8]>>(
    req: &SigningRequest<'_>,
    lookup: impl FnOnce(&str) -> Option<S>,
    now_unix: u64,
    max_skew_secs: u64,
) -> Result<VerifiedRequest, SignError> {
    let authorization = header(req.headers, "authorization")
        .filter(|v| !v.trim().is_empty())
        .ok_or(SignError::MissingAuthorization)?;
    let auth = Authorization::parse(authorization)?;

    let x_date = header(req.headers, "x-date")
        .ok_or(SignError::MissingDate)?
        .trim();
    let signed_at = parse_x_date(x_date).ok_or_else(|| SignError::MalformedDate(clip(x_date)))?;
    let skew_secs = now_unix.abs_diff(signed_at);
    if skew_secs > max_skew_secs {
        return Err(SignError::Stale {
            skew_secs,
            max_skew_secs,
        });
    }
    // parse_x_date accepted exactly 16 ASCII characters, so the first 8 are the day.
    let day = x_date.get(..8).unwrap_or(x_date);
    if auth.date != day {
        return Err(SignError::ScopeMismatch {
            scope_date: auth.date.to_owned(),
            x_date: day.to_owned(),
        });
    }

    let secret = lookup(auth.access_key)
        .ok_or_else(|| SignError::UnknownAccessKey(clip(auth.access_key)))?;

    let payload_hash = hex_sha256(req.body);
    let claimed = header(req.headers, "x-content-sha256");
    if claimed.is_some_and(|c| !c.trim().eq_ignore_ascii_case(&payload_hash)) {
        return Err(SignError::ContentHashMismatch);
    }

    let mut signed = Vec::new();
    for name in auth.signed_headers.split(';') {
        let value =
            header(req.headers, name).ok_or_else(|| SignError::MissingSignedHeader(clip(name)))?;
        signed.push((name, value));
    }
    let canonical = canonical::request(
        req.method,
        req.path,
        req.query,
        signed.into_iter(),
        auth.signed_headers,
        &payload_hash,
    );
    let scope = format!("{}/{}/{}/request", auth.date, auth.region, auth.service);
    signature_mac(
        secret.as_ref(),
        auth.date,
        auth.region,
        auth.service,
        x_date,
        &scope,
        &canonical,
    )
    .verify_slice(&auth.signature)
    .map_err(|_| SignError::SignatureMismatch)?;

    Ok(VerifiedRequest {
        access_key: auth.access_key.to_owned(),
        region: auth.region.to_owned(),
        service: auth.service.to_owned(),
        signature: auth.signature,
        signed_at,
    })
}

/// The fields of an `Authorization: HMAC-SHA256 ...` header.
struct Authorization<'a> {
    access_key: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: &'a str,
    signature: [u8; 32],
}

impl<'a> Authorization<'a> {
    /// Reads the header leniently: fields may be separated by `,`, `, ` or spaces, and fields
    /// other than the three needed are skipped (volc-sdk-nodejs adds `SignedQueries=`).
    fn parse(value: &'a str) -> Result<Self, SignError> {
        use SignError::MalformedAuthorization as Malformed;
        let value = value.trim();
        let (algorithm, rest) = value
            .split_once(|c: char| c.is_ascii_whitespace())
            .unwrap_or((value, ""));
        if algorithm.contains('=') {
            return Err(Malformed(
                "it must start with the algorithm name, HMAC-SHA256",
            ));
        }
        if algorithm != ALGORITHM {
            return Err(SignError::UnsupportedAlgorithm(clip(algorithm)));
        }

        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for field in rest
            .split(|c: char| c == ',' || c.is_ascii_whitespace())
            .filter(|f| !f.is_empty())
        {
            let (key, val) = field
                .split_once('=')
                .ok_or(Malformed("expected Key=Value fields"))?;
            let slot = match key {
                "Credential" => &mut credential,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                _ => continue,
            };
            if slot.replace(val).is_some() {
                return Err(Malformed("a field appears twice"));
            }
        }
        let credential = credential.ok_or(Malformed("the Credential field is missing"))?;
        let signed_headers =
            signed_headers.ok_or(Malformed("the SignedHeaders field is missing"))?;
        let signature = signature.ok_or(Malformed("the Signature field is missing"))?;

        let parts: Vec<&str> = credential.split('/').collect();
        let [access_key, date, region, service, "request"] = parts[..] else {
            return Err(Malformed(
                "Credential must be <AccessKey>/<yyyyMMdd>/<region>/<service>/request",
            ));
        };
        if [access_key, region, service].iter().any(|p| p.is_empty())
            || date.len() != 8
            || !date.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(Malformed(
                "Credential must be <AccessKey>/<yyyyMMdd>/<region>/<service>/request",
            ));
        }
        if signed_headers.split(';').any(str::is_empty) {
            return Err(Malformed(
                "SignedHeaders must be header names separated by ';'",
            ));
        }
        if !signed_headers
            .split(';')
            .any(|h| h.eq_ignore_ascii_case("x-date"))
        {
            return Err(Malformed("SignedHeaders must include x-date"));
        }
        let mut sig = [0u8; 32];
        hex::decode_to_slice(signature, &mut sig)
            .map_err(|_| Malformed("Signature must be 64 hex digits"))?;

        Ok(Self {
            access_key,
            date,
            region,
            service,
            signed_headers,
            signature: sig,
        })
    }
}

/// The first value of header `name`, compared case-insensitively.
fn header<'a>(headers: &[(&str, &'a str)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn hmac(key: &[u8], data: &[u8]) -> HmacSha256 {
    let mut mac =
        <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac
}

/// The MAC over the string to sign, ready to finalize (sign) or compare (verify).
fn signature_mac(
    secret: &[u8],
    date: &str,
    region: &str,
    service: &str,
    x_date: &str,
    scope: &str,
    canonical_request: &str,
) -> HmacSha256 {
    let k_date = hmac(secret, date.as_bytes()).finalize().into_bytes();
    let k_region = hmac(&k_date, region.as_bytes()).finalize().into_bytes();
    let k_service = hmac(&k_region, service.as_bytes()).finalize().into_bytes();
    let k_signing = hmac(&k_service, b"request").finalize().into_bytes();
    let string_to_sign = format!(
        "{ALGORITHM}\n{x_date}\n{scope}\n{}",
        hex_sha256(canonical_request.as_bytes())
    );
    hmac(&k_signing, string_to_sign.as_bytes())
}

/// Caps a client-supplied string quoted in an error message, so messages stay short.
fn clip(s: &str) -> String {
    const MAX_CHARS: usize = 64;
    match s.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}
