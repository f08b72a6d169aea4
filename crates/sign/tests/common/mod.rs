//! What the behaviour tests share: a key pair, a clock, and a signed request to tamper with.

#![allow(dead_code, unreachable_pub)]

use chorus_sign::{
    Credentials, SignError, SigningRequest, VerifiedRequest, format_x_date, sign, verify,
};

pub const AK: &str = "AKLTchorusTestAccessKey";
pub const SK: &str = "chorus-test-secret-key==";
/// 2024-01-02T03:04:05Z.
pub const NOW: u64 = 1_704_164_645;
/// The vendor's allowance.
pub const MAX_SKEW: u64 = 900;
pub const BODY: &[u8] =
    br#"{"AppId":"661e7d9c2c7f1c0160a4b2e1","RoomId":"room1","UserId":"alice"}"#;

pub fn lookup(ak: &str) -> Option<&'static str> {
    (ak == AK).then_some(SK)
}

/// A request as the server receives it: owned parts, easy to alter before verifying.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    /// A KickUser call signed at `signed_at` with the test key pair, as a vendor SDK would send it.
    pub fn kick_user(signed_at: u64) -> Self {
        Self::signed(
            "POST",
            "/",
            "Action=KickUser&Version=2020-12-01",
            BODY,
            signed_at,
            SK,
        )
    }

    pub fn signed(
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

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn set_header(&mut self, name: &str, value: &str) {
        self.remove_header(name);
        self.headers.push((name.into(), value.into()));
    }

    pub fn remove_header(&mut self, name: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    pub fn verify_at(&self, now: u64) -> Result<VerifiedRequest, SignError> {
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

    pub fn verify(&self) -> Result<VerifiedRequest, SignError> {
        self.verify_at(NOW)
    }
}
