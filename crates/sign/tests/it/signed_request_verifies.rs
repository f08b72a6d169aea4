//! A request signed the way the vendor SDKs sign verifies, whatever harmless shape it arrives in.

use crate::common::{AK, BODY, NOW, Received, SK};
use chorus_sign::{Credentials, SigningRequest, format_x_date, sign};

#[test]
fn sign_then_verify_round_trips() {
    let who = Received::kick_user(NOW)
        .verify()
        .expect("a freshly signed request verifies");
    assert_eq!(who.access_key, AK);
    assert_eq!(who.region, "cn-north-1");
    assert_eq!(who.service, "rtc");
}

#[test]
fn sign_covers_host_content_type_and_x_headers_only() {
    let headers = [
        ("Host", "rtc.chorus.test"),
        ("Content-Type", "application/json"),
        ("User-Agent", "volc-sdk"),
        ("X-Security-Token", "sts-token"),
        ("Accept", "*/*"),
        // Replaced by the values sign computes.
        ("X-Date", "19990101T000000Z"),
    ];
    let req = SigningRequest {
        method: "POST",
        path: "/",
        query: "Action=KickUser",
        headers: &headers,
        body: BODY,
    };
    let signed = sign(
        &req,
        &Credentials::new(AK, SK),
        "cn-north-1",
        "rtc",
        &format_x_date(NOW),
    );
    assert_eq!(
        signed.signed_headers,
        "content-type;host;x-content-sha256;x-date;x-security-token"
    );
    assert_eq!(signed.x_date, "20240102T030405Z");
    assert!(signed.authorization.starts_with(&format!(
        "HMAC-SHA256 Credential={AK}/20240102/cn-north-1/rtc/request, SignedHeaders=content-type;host;"
    )));
    let names: Vec<_> = signed.iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["X-Date", "X-Content-Sha256", "Authorization"]);
}

#[test]
fn header_names_match_in_any_case() {
    let mut req = Received::kick_user(NOW);
    for (name, _) in &mut req.headers {
        *name = name.to_ascii_uppercase();
    }
    req.verify().expect("header names are case-insensitive");
}

#[test]
fn clock_skew_within_the_allowance_is_accepted() {
    Received::kick_user(NOW - 899)
        .verify()
        .expect("signed 899 s ago");
    Received::kick_user(NOW + 900)
        .verify()
        .expect("signed 900 s ahead");
}

#[test]
fn authorization_separators_are_read_leniently() {
    let req = Received::kick_user(NOW);
    let auth = req.header("Authorization").expect("signed").to_owned();
    for variant in [
        auth.replace(", ", ","),
        auth.replace(", ", " "),
        auth.replace(", ", " ,  "),
        // volc-sdk-nodejs adds a SignedQueries field.
        auth.replace(", Signature=", ", SignedQueries=Action;Version, Signature="),
        format!("  {auth}  "),
    ] {
        let mut req = req.clone();
        req.set_header("Authorization", &variant);
        req.verify().unwrap_or_else(|e| panic!("{variant:?}: {e}"));
    }
}

#[test]
fn query_spelling_on_the_wire_does_not_matter() {
    // Signed over one spelling, received in another that decodes the same.
    let mut req = Received::signed(
        "POST",
        "/",
        "Action=KickUser&Version=2020-12-01&Note=a b~c",
        BODY,
        NOW,
        SK,
    );
    req.query = "Note=a+b%7Ec&Version=2020-12-01&Action=KickUser".into();
    req.verify()
        .expect("the canonical query is order- and escape-insensitive");
}

#[test]
fn default_https_port_in_host_is_ignored() {
    let mut req = Received::kick_user(NOW);
    req.set_header("Host", "rtc.chorus.test:443");
    req.verify().expect("host:443 canonicalizes to host");
}

#[test]
fn empty_body_and_path_verify() {
    Received::signed(
        "GET",
        "",
        "Action=GetRoomOnlineUsers&Version=2020-12-01",
        b"",
        NOW,
        SK,
    )
    .verify()
    .expect("empty path means /");
}
