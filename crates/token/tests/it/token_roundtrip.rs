//! A built token parses back to its inputs, verifies with its key, and fails every check
//! against the wrong app, key, room or user with its own error.

use chorus_token::{
    AccessToken, Claims, Expected, ParseError, Privilege, TokenError, VerifyError, verify,
};

const APP_ID: &str = "0123456789abcdef01234567";
const APP_KEY: &str = "s3cr3t-app-key";
const NOW: u64 = 1_800_000_000;

fn token() -> String {
    AccessToken::new(APP_ID, APP_KEY, "room-1", "alice")
        .with_expire_at(1_900_000_000)
        .add_privilege(Privilege::SubscribeStream, 0)
        .serialize()
        .expect("valid inputs build")
}

fn expected() -> Expected<'static> {
    Expected {
        app_id: APP_ID,
        app_key: APP_KEY,
        room_id: "room-1",
        user_id: "alice",
    }
}

#[test]
fn built_token_parses_back_and_verifies() {
    let token = token();
    let claims = Claims::parse(&token).unwrap();
    assert_eq!(claims.app_id(), APP_ID);
    assert_eq!(claims.room_id(), "room-1");
    assert_eq!(claims.user_id(), "alice");
    assert_eq!(claims.expire_at(), 1_900_000_000);
    assert_eq!(claims.signature().len(), 32);
    claims.verify(APP_KEY, NOW).unwrap();
    claims.check(&expected(), NOW).unwrap();
    assert_eq!(verify(&token, &expected(), NOW).unwrap(), claims);
}

#[test]
fn defaults_are_now_a_fresh_nonce_and_no_expiry() {
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let a = Claims::parse(
        &AccessToken::new(APP_ID, APP_KEY, "r", "u")
            .serialize()
            .unwrap(),
    )
    .unwrap();
    let b = Claims::parse(
        &AccessToken::new(APP_ID, APP_KEY, "r", "u")
            .serialize()
            .unwrap(),
    )
    .unwrap();
    assert!(u64::from(a.issued_at()).abs_diff(before) <= 2);
    assert_eq!(a.expire_at(), 0);
    assert!(a.privileges().is_empty());
    assert_ne!(
        a.nonce(),
        b.nonce(),
        "two tokens should get different nonces"
    );
}

#[test]
fn wrong_key_is_bad_signature() {
    let claims = Claims::parse(&token()).unwrap();
    assert_eq!(
        claims.verify("another key", NOW),
        Err(VerifyError::BadSignature)
    );
    let wrong = Expected {
        app_key: "another key",
        ..expected()
    };
    assert_eq!(claims.check(&wrong, NOW), Err(VerifyError::BadSignature));
}

#[test]
fn wrong_app_room_or_user_each_have_their_error() {
    let claims = Claims::parse(&token()).unwrap();
    let cases = [
        (
            Expected {
                app_id: "ffffffffffffffffffffffff",
                ..expected()
            },
            VerifyError::WrongApp {
                expected: "ffffffffffffffffffffffff".into(),
                found: APP_ID.into(),
            },
        ),
        (
            Expected {
                room_id: "room-2",
                ..expected()
            },
            VerifyError::WrongRoom {
                expected: "room-2".into(),
                found: "room-1".into(),
            },
        ),
        (
            Expected {
                room_id: "",
                ..expected()
            },
            VerifyError::WrongRoom {
                expected: "".into(),
                found: "room-1".into(),
            },
        ),
        (
            Expected {
                user_id: "bob",
                ..expected()
            },
            VerifyError::WrongUser {
                expected: "bob".into(),
                found: "alice".into(),
            },
        ),
    ];
    for (exp, err) in cases {
        assert_eq!(claims.check(&exp, NOW), Err(err.clone()));
        assert_eq!(verify(&token(), &exp, NOW), Err(TokenError::Verify(err)));
    }
}

#[test]
fn login_token_has_empty_room_and_checks_against_empty_room() {
    let token = AccessToken::new(APP_ID, APP_KEY, "", "alice")
        .serialize()
        .unwrap();
    let login = Expected {
        room_id: "",
        ..expected()
    };
    let claims = verify(&token, &login, NOW).unwrap();
    assert_eq!(claims.room_id(), "");
    assert!(matches!(
        verify(&token, &expected(), NOW),
        Err(TokenError::Verify(VerifyError::WrongRoom { .. }))
    ));
}

#[test]
fn convenience_verify_reports_parse_errors() {
    assert_eq!(
        verify("", &expected(), NOW),
        Err(TokenError::Parse(ParseError::Empty))
    );
}

#[test]
fn messages_say_what_to_do_and_never_leak_the_key() {
    let claims = Claims::parse(&token()).unwrap();
    let errors = [
        claims.verify("another key", NOW).unwrap_err(),
        claims.verify(APP_KEY, 2_000_000_000).unwrap_err(),
        claims
            .check(
                &Expected {
                    user_id: "bob",
                    ..expected()
                },
                NOW,
            )
            .unwrap_err(),
    ];
    for e in errors {
        let msg = e.to_string();
        assert!(!msg.contains(APP_KEY), "{msg}");
        assert!(msg.contains(':'), "message should say what to do: {msg}");
    }
    let debug = format!("{:?} {:?}", claims, expected());
    assert!(!debug.contains(APP_KEY), "{debug}");
}
