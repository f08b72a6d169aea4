//! Each way a request can fail verification gives its own typed error, vendor code and status.

use crate::common::{BODY, NOW, Received};
use chorus_sign::SignError;

fn with_authorization(value: &str) -> Received {
    let mut req = Received::kick_user(NOW);
    req.set_header("Authorization", value);
    req
}

fn authorization() -> String {
    Received::kick_user(NOW)
        .header("Authorization")
        .expect("signed")
        .to_owned()
}

#[test]
fn missing_authorization() {
    let mut req = Received::kick_user(NOW);
    req.remove_header("authorization");
    assert_eq!(req.verify(), Err(SignError::MissingAuthorization));
    assert_eq!(
        with_authorization("   ").verify(),
        Err(SignError::MissingAuthorization)
    );
}

#[test]
fn malformed_authorization() {
    let auth = authorization();
    let (before_sig, sig) = auth.split_once("Signature=").expect("has a signature");
    for bad in [
        "HMAC-SHA256".to_owned(),
        "Credential=AK/20240102/cn-north-1/rtc/request".to_owned(),
        auth.replace("Credential=", "Credential"),
        auth.replace(", Signature=", ", Signature=00, Signature="),
        auth.replace("/request", "/aws4_request"),
        auth.replace("/cn-north-1", ""),
        auth.replace("/20240102/", "/2024012/"),
        auth.replace("Credential=AKLTchorusTestAccessKey", "Credential="),
        auth.replace(
            "SignedHeaders=content-type;",
            "SignedHeaders=content-type;;",
        ),
        auth.replace(";x-date", ""),
        format!("{before_sig}Signature={}", &sig[..63]),
        format!("{before_sig}Signature={}zz", &sig[..62]),
        auth.replace(", SignedHeaders=", ", Ignored="),
    ] {
        let err = with_authorization(&bad).verify().expect_err(&bad);
        assert!(
            matches!(err, SignError::MalformedAuthorization(_)),
            "{bad:?} gave {err:?}"
        );
        assert_eq!(err.code(), "InvalidAuthorization");
        assert_eq!(err.http_status(), 400);
    }
}

#[test]
fn unsupported_algorithm() {
    let auth = authorization().replace("HMAC-SHA256", "AWS4-HMAC-SHA256");
    assert_eq!(
        with_authorization(&auth).verify(),
        Err(SignError::UnsupportedAlgorithm("AWS4-HMAC-SHA256".into()))
    );
}

#[test]
fn unknown_access_key() {
    let auth = authorization().replace("AKLTchorusTestAccessKey", "AKLTsomeoneElse");
    let err = with_authorization(&auth).verify().expect_err("unknown AK");
    assert_eq!(err, SignError::UnknownAccessKey("AKLTsomeoneElse".into()));
    assert_eq!((err.code(), err.http_status()), ("InvalidAccessKey", 401));
}

#[test]
fn missing_and_malformed_date() {
    let mut req = Received::kick_user(NOW);
    req.remove_header("X-Date");
    let err = req.verify().expect_err("no X-Date");
    assert_eq!(err, SignError::MissingDate);
    assert_eq!((err.code(), err.http_status()), ("MissingRequestInfo", 400));

    req.set_header("X-Date", "2024-01-02T03:04:05Z");
    let err = req.verify().expect_err("extended ISO format");
    assert_eq!(err, SignError::MalformedDate("2024-01-02T03:04:05Z".into()));
    assert_eq!((err.code(), err.http_status()), ("InvalidTimestamp", 400));
}

#[test]
fn stale_date_either_way() {
    let err = Received::kick_user(NOW - 901)
        .verify()
        .expect_err("signed too long ago");
    assert_eq!(
        err,
        SignError::Stale {
            skew_secs: 901,
            max_skew_secs: 900
        }
    );
    assert_eq!((err.code(), err.http_status()), ("InvalidTimestamp", 400));
    assert!(matches!(
        Received::kick_user(NOW + 3600).verify(),
        Err(SignError::Stale { .. })
    ));
}

#[test]
fn scope_date_differs_from_x_date() {
    // Signed one second before midnight; X-Date moved to the next day but within the skew.
    let before_midnight = 1_704_153_599; // 20240101T235959Z
    let mut req = Received::kick_user(before_midnight);
    req.set_header("X-Date", "20240102T000001Z");
    let err = req
        .verify_at(before_midnight)
        .expect_err("scope says 20240101");
    assert_eq!(
        err,
        SignError::ScopeMismatch {
            scope_date: "20240101".into(),
            x_date: "20240102".into()
        }
    );
    assert_eq!((err.code(), err.http_status()), ("InvalidCredential", 400));
}

#[test]
fn body_tampered() {
    let mut req = Received::kick_user(NOW);
    req.body = BODY
        .iter()
        .copied()
        .map(|b| if b == b'e' { b'E' } else { b })
        .collect();
    let err = req.verify().expect_err("body changed after signing");
    assert_eq!(err, SignError::ContentHashMismatch);
    assert_eq!(
        (err.code(), err.http_status()),
        ("SignatureDoesNotMatch", 401)
    );

    // With a matching X-Content-Sha256 forged too, the signature itself catches it.
    let forged = hex_sha256(&req.body);
    req.set_header("X-Content-Sha256", &forged);
    assert_eq!(req.verify(), Err(SignError::SignatureMismatch));
}

#[test]
fn query_tampered() {
    let mut req = Received::kick_user(NOW);
    req.query = "Action=DismissRoom&Version=2020-12-01".into();
    assert_eq!(req.verify(), Err(SignError::SignatureMismatch));
}

#[test]
fn method_path_or_signed_header_tampered() {
    let mut req = Received::kick_user(NOW);
    req.method = "PUT".into();
    assert_eq!(req.verify(), Err(SignError::SignatureMismatch));

    let mut req = Received::kick_user(NOW);
    req.path = "/other".into();
    assert_eq!(req.verify(), Err(SignError::SignatureMismatch));

    let mut req = Received::kick_user(NOW);
    req.set_header("Host", "evil.example");
    assert_eq!(req.verify(), Err(SignError::SignatureMismatch));

    // Unsigned headers may change freely.
    let mut req = Received::kick_user(NOW);
    req.set_header("User-Agent", "proxy/1.0");
    req.verify().expect("User-Agent is not signed");
}

#[test]
fn wrong_secret() {
    let req = Received::signed(
        "POST",
        "/",
        "Action=KickUser&Version=2020-12-01",
        BODY,
        NOW,
        "not-the-secret",
    );
    let err = req.verify().expect_err("signed with another secret");
    assert_eq!(err, SignError::SignatureMismatch);
    assert_eq!(
        (err.code(), err.http_status()),
        ("SignatureDoesNotMatch", 401)
    );
}

#[test]
fn signed_header_missing_from_request() {
    let mut req = Received::kick_user(NOW);
    req.remove_header("Content-Type");
    let err = req.verify().expect_err("content-type was signed");
    assert_eq!(err, SignError::MissingSignedHeader("content-type".into()));
    assert_eq!((err.code(), err.http_status()), ("MissingRequestInfo", 400));
}

#[test]
fn missing_authorization_maps_to_vendor_code() {
    let err = SignError::MissingAuthorization;
    assert_eq!(
        (err.code(), err.http_status()),
        ("MissingAuthenticationToken", 401)
    );
}

#[test]
fn long_client_values_are_clipped_in_messages() {
    let long_ak = "A".repeat(10_000);
    let auth = authorization().replace("AKLTchorusTestAccessKey", &long_ak);
    let err = with_authorization(&auth).verify().expect_err("unknown");
    assert!(err.to_string().len() < 400, "{err}");
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
