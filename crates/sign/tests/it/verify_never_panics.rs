//! No input reaching `verify` or the X-Date parser can panic, and signing round-trips for any
//! request shape.

use crate::common;

use chorus_sign::{Credentials, SigningRequest, format_x_date, parse_x_date, sign, verify};
use proptest::prelude::*;

/// Strings biased towards the characters the parsers split on.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[A-Za-z0-9=,;/ %+&~:.\\-]{0,80}",
        Just("HMAC-SHA256 Credential=AKLTchorusTestAccessKey/20240102/cn-north-1/rtc/request, SignedHeaders=x-date;host, Signature=".to_owned()),
        Just("20240102T030405Z".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn verify_never_panics(
        method in fragment(),
        path in fragment(),
        query in fragment(),
        auth in prop::option::of(fragment()),
        auth_tail in fragment(),
        x_date in prop::option::of(fragment()),
        content_hash in prop::option::of(fragment()),
        extra in prop::collection::vec((fragment(), fragment()), 0..4),
        body in prop::collection::vec(any::<u8>(), 0..256),
        now in any::<u64>(),
        skew in any::<u64>(),
    ) {
        let auth = auth.map(|a| a + &auth_tail);
        let mut headers: Vec<(&str, &str)> = extra.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        headers.extend(auth.as_deref().map(|v| ("Authorization", v)));
        headers.extend(x_date.as_deref().map(|v| ("X-Date", v)));
        headers.extend(content_hash.as_deref().map(|v| ("X-Content-Sha256", v)));
        let req = SigningRequest { method: &method, path: &path, query: &query, headers: &headers, body: &body };
        let _ = verify(&req, common::lookup, now, skew);
    }

    #[test]
    fn verify_never_panics_on_a_mutated_signed_request(
        which in 0usize..8,
        value in fragment(),
        query in fragment(),
        body in prop::collection::vec(any::<u8>(), 0..64),
        keep_body in any::<bool>(),
    ) {
        // Start from a valid request so the mutation reaches the later checks too.
        let mut req = common::Received::kick_user(common::NOW);
        match req.headers.get_mut(which) {
            Some((_, v)) => *v = value,
            None => req.query = query,
        }
        if !keep_body {
            req.body = body;
        }
        let _ = req.verify();
    }

    #[test]
    fn x_date_parse_never_panics(s in fragment()) {
        let _ = parse_x_date(&s);
    }

    #[test]
    fn x_date_round_trips(t in 0u64..253_402_300_800) {
        prop_assert_eq!(parse_x_date(&format_x_date(t)), Some(t));
    }

    #[test]
    fn any_signed_request_verifies(
        path in "(/[^?#]{0,12}){0,3}",
        query in any::<String>(),
        trace in "[ -~]{0,40}",
        body in prop::collection::vec(any::<u8>(), 0..256),
        at in 0u64..4_000_000_000,
    ) {
        let headers = [("Host", "rtc.chorus.test"), ("X-Trace", trace.as_str())];
        let req = SigningRequest { method: "POST", path: &path, query: &query, headers: &headers, body: &body };
        let signed = sign(&req, &Credentials::new(common::AK, common::SK), "cn-north-1", "rtc", &format_x_date(at));
        let received: Vec<(&str, &str)> = headers.iter().copied().chain(signed.iter()).collect();
        let req = SigningRequest { headers: &received, ..req };
        prop_assert!(verify(&req, common::lookup, at, 0).is_ok());
    }
}
