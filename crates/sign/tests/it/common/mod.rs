//! What the behaviour tests share: a key pair, a clock, and a signed request to tamper with.

use chorus_sign::{
    Credentials, SignError, SigningRequest, VerifiedRequest, format_x_date, sign, verify,
};

pub(crate) const AK: &str = "AKLTchorusTestAccessKey";
pub(crate) const SK: &str = "chorus-test-secret-key==";
/// 2024-01-02T03:04:05Z.
pub(crate) const NOW: u64 = 1_704_164_645;
/// The vendor's allowance.
pub(crate) const MAX_SKEW: u64 = 900;
pub(crate) const BODY: &[u8] =
    br#"{"AppId":"661e7d9c2c7f1c0160a4b2e1","RoomId":"room1","UserId":"alice"}"#;

pub(crate) fn lookup(ak: &str) -> Option<&'static str> {
    (ak == AK).then_some(SK)
}

/// A request as the server receives it: owned parts, easy to alter before verifying.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Received {
    /// A KickUser call signed at `signed_at` with the test key pair, as a vendor SDK would send it.
    pub(crate) fn kick_user(signed_at: u64) -> Self {
        Self::signed(
            "POST",
            "/",
            "Action=KickUser&Version=2020-12-01",
            BODY,
            signed_at,
            SK,
        )
    }

    pub(crate) fn signed(
        method: &str,
        path: &str,
        query: &str,
        body: &[u8],
        signed_at: u64,
        secret: &str,
    ) -> Self {
        let headers = [
            ("Host", "rtc.chorus.test"),
            ("Content-Type", "application/json"),
        ];
        let req = SigningRequest {
            method,
            path,
            query,
            headers: &headers,
            body,
        };
        let signed = sign(
            &req,
            &Credentials::new(AK, secret),
            "cn-north-1",
            "rtc",
            &format_x_date(signed_at),
        );
        Self {
            method: method.into(),
            path: path.into(),
            query: query.into(),
            headers: headers
                .iter()
                .copied()
                .chain(signed.iter())
                .map(|(n, v)| (n.into(), v.into()))
                .collect(),
            body: body.into(),
        }
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn set_header(&mut self, name: &str, value: &str) {
        self.remove_header(name);
        self.headers.push((name.into(), value.into()));
    }

    pub(crate) fn remove_header(&mut self, name: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    pub(crate) fn verify_at(&self, now: u64) -> Result<VerifiedRequest, SignError> {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let req = SigningRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &headers,
            body: &self.body,
        };
        verify(&req, lookup, now, MAX_SKEW)
    }

    pub(crate) fn verify(&self) -> Result<VerifiedRequest, SignError> {
        self.verify_at(NOW)
    }
}
