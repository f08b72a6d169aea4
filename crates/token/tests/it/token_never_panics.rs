//! Property tests: no input makes parsing or verifying panic, and every token that builds
//! parses back to what went in.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chorus_token::{AccessToken, Claims, Expected, Privilege, verify};
use proptest::prelude::*;

const APP_ID: &str = "0123456789abcdef01234567";

fn exercise(token: &str) {
    if let Ok(claims) = Claims::parse(token) {
        let _ = claims.verify("key", 0);
        let _ = claims.verify("", u64::MAX);
        for p in Privilege::ALL {
            let _ = claims.has_privilege(p, 1_000);
        }
        let _ = format!("{claims:?}");
    }
    let expected = Expected {
        app_id: APP_ID,
        app_key: "key",
        room_id: "r",
        user_id: "u",
    };
    if let Err(e) = verify(token, &expected, 1_000) {
        let _ = e.to_string();
    }
}

/// `str(msg) | str(sig)` where msg starts with the fixed-size fields, so the fuzzing reaches
/// the string and privilege parsing.
fn wrapped(msg: &[u8], sig: &[u8]) -> Vec<u8> {
    let mut out = (msg.len() as u16).to_le_bytes().to_vec();
    out.extend_from_slice(msg);
    out.extend_from_slice(&(sig.len() as u16).to_le_bytes());
    out.extend_from_slice(sig);
    out
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        exercise(&s);
        exercise(&format!("001{s}"));
        exercise(&format!("001{APP_ID}{s}"));
    }

    #[test]
    fn arbitrary_payload_behind_valid_prefix_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(&format!("001{APP_ID}{}", STANDARD.encode(&bytes)));
    }

    #[test]
    fn arbitrary_message_in_valid_framing_never_panics(
        msg in proptest::collection::vec(any::<u8>(), 0..256),
        sig in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        exercise(&format!("001{APP_ID}{}", STANDARD.encode(wrapped(&msg, &sig))));
    }

    #[test]
    fn built_tokens_round_trip(
        nonce in any::<u32>(),
        issued_at in any::<u32>(),
        expire_at in any::<u32>(),
        room in "\\PC{0,40}",
        user in "\\PC{0,40}",
        key in "\\PC{0,40}",
        grants in proptest::collection::vec((0u16..5, any::<u32>()), 0..6),
    ) {
        let mut builder = AccessToken::new(APP_ID, key.as_str(), room.as_str(), user.as_str())
            .with_nonce(nonce)
            .with_issued_at(issued_at)
            .with_expire_at(expire_at);
        for (p, e) in &grants {
            builder = builder.add_privilege(Privilege::from_u16(*p).unwrap(), *e);
        }
        let claims = Claims::parse(&builder.serialize().unwrap()).unwrap();
        prop_assert_eq!(claims.nonce(), nonce);
        prop_assert_eq!(claims.issued_at(), issued_at);
        prop_assert_eq!(claims.expire_at(), expire_at);
        prop_assert_eq!(claims.room_id(), room.as_str());
        prop_assert_eq!(claims.user_id(), user.as_str());
        prop_assert!(claims.verify(&key, u64::from(expire_at)).is_ok());
        for (p, _) in &grants {
            prop_assert!(claims.privilege_expiry(Privilege::from_u16(*p).unwrap()).is_some());
        }
    }
}
