//! Signatures match fixed answers: the vendor's published example, and vectors computed by an
//! independent implementation of the vendor's description (a throwaway Python script using only
//! hashlib/hmac).

use crate::common;

use chorus_sign::{Credentials, SignError, SigningRequest, parse_x_date, sign, verify};

/// The worked example of the vendor's "签名示例 / 签名过程Demo" page (docs 6369/67270):
/// GET iam ListUsers, signed over `host;x-date` only, with no X-Content-Sha256 header (the shape
/// volcengine-java-sdk also sends).
mod vendor_example {
    #![allow(unreachable_pub)] // a namespace for the example's constants, nothing more

    pub const AK: &str = "AKLTYWViMTVmZGYzM2E0NDI5Mzk2MDZjNjFmMjc2MjRjMzg";
    pub const SK: &str = "WkRZeE1EQmxPVGhsWWpWak5HVmtNbUUxTXpZeU9UVXlOMlE1TmpZeVlqTQ==";
    pub const X_DATE: &str = "20240619T071306Z";
    pub const QUERY: &str = "Action=ListUsers&Version=2018-01-01&Limit=10&Offset=0";
    pub const AUTHORIZATION: &str = "HMAC-SHA256 Credential=AKLTYWViMTVmZGYzM2E0NDI5Mzk2MDZjNjFmMjc2MjRjMzg/20240619/cn-beijing/iam/request, SignedHeaders=host;x-date, Signature=e31c4558bcfe08a286001f59cedbf0791ffd0b2362f10e55ee2627467bcdde93";
}

fn verify_vendor_example(body: &[u8]) -> Result<chorus_sign::VerifiedRequest, SignError> {
    use vendor_example::*;
    let headers = [
        ("Host", "iam.volcengineapi.com"),
        ("X-Date", X_DATE),
        ("Authorization", AUTHORIZATION),
    ];
    let req = SigningRequest {
        method: "GET",
        path: "/",
        query: QUERY,
        headers: &headers,
        body,
    };
    let now = parse_x_date(X_DATE).expect("valid X-Date");
    verify(&req, |ak| (ak == AK).then_some(SK), now, 900)
}

#[test]
fn vendor_published_example_verifies() {
    let who = verify_vendor_example(b"").expect("the vendor's own example verifies");
    assert_eq!(who.access_key, vendor_example::AK);
    assert_eq!(who.region, "cn-beijing");
    assert_eq!(who.service, "iam");
}

#[test]
fn body_is_covered_even_without_x_content_sha256() {
    assert_eq!(
        verify_vendor_example(b"{}"),
        Err(SignError::SignatureMismatch)
    );
}

#[test]
fn chorus_openapi_call_signs_to_the_independent_answer() {
    let headers = [
        ("Host", "rtc.chorus.test"),
        ("Content-Type", "application/json"),
    ];
    let req = SigningRequest {
        method: "POST",
        path: "/",
        query: "Action=KickUser&Version=2020-12-01",
        headers: &headers,
        body: common::BODY,
    };
    let signed = sign(
        &req,
        &Credentials::new(common::AK, common::SK),
        "cn-north-1",
        "rtc",
        "20240102T030405Z",
    );
    assert_eq!(
        signed.x_content_sha256,
        "64e84b05d60abfd9441596632d2982027753bf4f052724f065d5c2458295388a"
    );
    assert_eq!(
        signed.authorization,
        "HMAC-SHA256 Credential=AKLTchorusTestAccessKey/20240102/cn-north-1/rtc/request, SignedHeaders=content-type;host;x-content-sha256;x-date, Signature=18303f9e28604e711481387f6817d19e5ebbdbd3464fd3a05c11e358b9724c10"
    );
}

#[test]
fn encoding_edge_cases_sign_to_the_independent_answer() {
    // Unsorted and repeated names, a bare name, '+' and %20 spaces, '~', '*', '/', UTF-8, a
    // default port on Host, a padded X-* value, and an unsigned User-Agent.
    let headers = [
        ("Host", "rtc.chorus.test:443"),
        ("X-Custom-Trace", "  spaced value  "),
        ("User-Agent", "kat"),
    ];
    let req = SigningRequest {
        method: "GET",
        path: "/",
        query: "Version=2020-12-01&Action=KickUser&Note=a+b%2Fc~d*e%20%C3%A9&Empty&Action=Second",
        headers: &headers,
        body: b"",
    };
    let signed = sign(
        &req,
        &Credentials::new(common::AK, common::SK),
        "cn-north-1",
        "rtc",
        "20241231T235959Z",
    );
    assert_eq!(
        signed.authorization,
        "HMAC-SHA256 Credential=AKLTchorusTestAccessKey/20241231/cn-north-1/rtc/request, SignedHeaders=host;x-content-sha256;x-custom-trace;x-date, Signature=3d8737e83f9c024857dad130ba690a6bad23f7b9ae29b14926f261e86a6d18b3"
    );
}
