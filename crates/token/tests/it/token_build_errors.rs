//! Building refuses what it cannot encode, with errors instead of a broken token.

use chorus_token::{AccessToken, TokenError};

#[test]
fn app_id_must_be_exactly_24_ascii_chars() {
    for app_id in ["", "0123456789abcdef0123456", "0123456789abcdef012345678"] {
        assert_eq!(
            AccessToken::new(app_id, "k", "r", "u").serialize(),
            Err(TokenError::BadAppId { len: app_id.len() })
        );
    }
    // 24 bytes, but not 24 characters: vendor parsers would disagree on where it ends.
    let multibyte = "日本語日本語日本";
    assert_eq!(multibyte.len(), 24);
    assert_eq!(
        AccessToken::new(multibyte, "k", "r", "u").serialize(),
        Err(TokenError::BadAppId { len: 24 })
    );
}

#[test]
fn fields_must_fit_their_u16_length() {
    let app = "0123456789abcdef01234567";
    let long = "x".repeat(usize::from(u16::MAX) + 1);
    assert_eq!(
        AccessToken::new(app, "k", long.as_str(), "u").serialize(),
        Err(TokenError::FieldTooLong {
            field: "room id",
            len: long.len()
        })
    );
    assert_eq!(
        AccessToken::new(app, "k", "r", long.as_str()).serialize(),
        Err(TokenError::FieldTooLong {
            field: "user id",
            len: long.len()
        })
    );
    // Each id fits alone, but the signed message holding both does not.
    let half = "x".repeat(40_000);
    assert!(matches!(
        AccessToken::new(app, "k", half.as_str(), half.as_str()).serialize(),
        Err(TokenError::FieldTooLong {
            field: "message",
            ..
        })
    ));
}

#[test]
fn largest_ids_that_fit_still_build() {
    let app = "0123456789abcdef01234567";
    // 12 bytes of times, 2 + 2 length prefixes, 2 bytes of privilege count.
    let room = "r".repeat(usize::from(u16::MAX) - 18 - 1);
    let token = AccessToken::new(app, "k", room.as_str(), "u")
        .serialize()
        .unwrap();
    let claims = chorus_token::Claims::parse(&token).unwrap();
    assert_eq!(claims.room_id(), room);
    assert_eq!(claims.msg().len(), usize::from(u16::MAX));
}
