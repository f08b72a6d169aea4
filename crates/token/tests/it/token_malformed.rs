//! Malformed tokens of every kind get their own typed error, never a panic.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chorus_token::{AccessToken, Claims, ParseError, Privilege, VerifyError};

const APP_ID: &str = "0123456789abcdef01234567";

fn valid_token() -> String {
    AccessToken::new(APP_ID, "key", "room-☃", "user-1")
        .with_nonce(7)
        .with_issued_at(100)
        .with_expire_at(200)
        .add_privilege(Privilege::PublishStream, 150)
        .add_privilege(Privilege::SubscribeStream, 0)
        .serialize()
        .expect("valid inputs build")
}

/// The decoded content (`str(msg) | str(sig)`) of a token.
fn content(token: &str) -> Vec<u8> {
    STANDARD
        .decode(&token[27..])
        .expect("a built token is base64")
}

/// A token around `content`, behind a valid version and AppID.
fn with_content(content: &[u8]) -> String {
    format!("001{APP_ID}{}", STANDARD.encode(content))
}

/// `str(msg) | str(sig)`.
fn wrap(msg: &[u8], sig: &[u8]) -> Vec<u8> {
    let mut out = (msg.len() as u16).to_le_bytes().to_vec();
    out.extend_from_slice(msg);
    out.extend_from_slice(&(sig.len() as u16).to_le_bytes());
    out.extend_from_slice(sig);
    out
}

fn parse_err(token: &str) -> ParseError {
    Claims::parse(token).expect_err(token)
}

#[test]
fn empty_string() {
    assert_eq!(parse_err(""), ParseError::Empty);
}

#[test]
fn bad_version() {
    let valid = valid_token();
    for token in [
        "0",
        "00",
        "002",
        "1",
        "abc",
        "\u{0}01",
        &format!("002{}", &valid[3..]),
        &format!(" {valid}"),
    ] {
        assert_eq!(parse_err(token), ParseError::BadVersion, "{token:?}");
    }
}

#[test]
fn too_short_for_an_app_id_and_content() {
    for len in 3..=27 {
        let token = &format!("001{APP_ID}")[..len];
        assert_eq!(parse_err(token), ParseError::TooShort { len }, "{token:?}");
    }
}

#[test]
fn bad_base64() {
    // Has both '+' and "==" padding, so the mangled variants below really differ from it.
    let valid = "001123456781234567812345678QwDSBAAAAPFTZYBCVWUIAG5ldyByb29tCwBuZXcgdXNlciBpZAUAAACAQlVlAQCAQlVlAgCAQlVlAwCAQlVlBAAAAAAAIADlX02XlqFvwjlZyA/8B6jXYD6I+9UlIK9d19xMlQS+nA==";
    assert!(Claims::parse(valid).is_ok());
    let cases = [
        format!("001{APP_ID}!!!!"),
        format!("001{APP_ID}AAA"),              // missing padding
        format!("001{APP_ID}AAAAA"),            // impossible length
        format!("001{APP_ID}AB=="),             // non-canonical trailing bits
        format!("001{APP_ID}-_-_"),             // URL-safe alphabet
        valid.replace('+', " "),                // mangled in a query string
        valid.replace('/', "_"),                // re-encoded with the URL-safe alphabet
        valid.trim_end_matches('=').to_owned(), // padding stripped
        format!("{valid}\n"),                   // trailing newline
        format!("{valid}="),                    // too much padding
    ];
    for token in cases {
        assert_eq!(parse_err(&token), ParseError::BadBase64, "{token:?}");
    }
}

#[test]
fn multibyte_utf8_anywhere_is_a_typed_error() {
    let valid = valid_token();
    let payload = &valid[27..];
    let cases = [
        ("é", ParseError::BadVersion),
        ("😀😀😀😀😀😀😀😀", ParseError::BadVersion),
        ("00é", ParseError::BadVersion),
        ("0é1", ParseError::BadVersion),
        // The multibyte char straddles byte 27, the end of the AppID.
        (
            &format!("001{}é{payload}", &APP_ID[..23]),
            ParseError::BadAppId,
        ),
        // 24 bytes of AppID, but 8 characters.
        (
            &format!("001日本語日本語日本{payload}"),
            ParseError::BadAppId,
        ),
        // The char straddles byte 3, the end of the version.
        (&format!("00日{APP_ID}{payload}"), ParseError::BadVersion),
        (&format!("001{APP_ID}é"), ParseError::BadBase64),
        (&format!("001{APP_ID}{payload}😀"), ParseError::BadBase64),
    ];
    for (token, err) in cases {
        assert_eq!(parse_err(token), err, "{token:?}");
    }
}

#[test]
fn content_truncated_at_every_byte_offset() {
    let full = content(&valid_token());
    let msg_len = usize::from(u16::from_le_bytes([full[0], full[1]]));
    for len in 1..full.len() {
        let field = if len < 2 + msg_len {
            "message"
        } else {
            "signature"
        };
        assert_eq!(
            parse_err(&with_content(&full[..len])),
            ParseError::Truncated { field },
            "content cut at {len}"
        );
    }
    // Nothing left at all: the token is only "001" + AppID.
    assert_eq!(
        parse_err(&with_content(&[])),
        ParseError::TooShort { len: 27 }
    );
}

#[test]
fn message_truncated_at_every_byte_offset() {
    let claims = Claims::parse(&valid_token()).unwrap();
    let msg = claims.msg();
    let room = claims.room_id().len();
    let user = claims.user_id().len();
    // Field boundaries of the message, in order.
    let mut layout = vec![
        ("nonce", 4),
        ("issued-at time", 4),
        ("expiry time", 4),
        ("room id", 2 + room),
        ("user id", 2 + user),
        ("privilege count", 2),
    ];
    for _ in claims.privileges() {
        layout.push(("privilege", 2));
        layout.push(("privilege expiry", 4));
    }
    assert_eq!(layout.iter().map(|(_, n)| n).sum::<usize>(), msg.len());

    let mut start = 0;
    for (field, size) in layout {
        for cut in start..start + size {
            let token = with_content(&wrap(&msg[..cut], claims.signature()));
            assert_eq!(
                parse_err(&token),
                ParseError::Truncated { field },
                "message cut at {cut}"
            );
        }
        start += size;
    }
}

#[test]
fn token_string_cut_anywhere_never_parses() {
    let valid = valid_token();
    for len in 0..valid.len() {
        assert!(Claims::parse(&valid[..len]).is_err(), "cut at {len}");
    }
}

#[test]
fn trailing_bytes_after_signature_or_privileges() {
    let valid = valid_token();
    let mut full = content(&valid);
    full.push(0);
    assert_eq!(
        parse_err(&with_content(&full)),
        ParseError::TrailingBytes {
            after: "signature",
            count: 1
        }
    );

    let claims = Claims::parse(&valid).unwrap();
    let mut msg = claims.msg().to_vec();
    msg.extend_from_slice(&[1, 2, 3]);
    assert_eq!(
        parse_err(&with_content(&wrap(&msg, claims.signature()))),
        ParseError::TrailingBytes {
            after: "privileges",
            count: 3
        }
    );
}

#[test]
fn invalid_utf8_in_ids() {
    let mut msg = vec![0; 12];
    msg.extend_from_slice(&[1, 0, 0xff]);
    msg.extend_from_slice(&[1, 0, b'u', 0, 0]);
    assert_eq!(
        parse_err(&with_content(&wrap(&msg, &[0; 32]))),
        ParseError::InvalidUtf8 { field: "room id" }
    );
    let mut msg = vec![0; 12];
    msg.extend_from_slice(&[1, 0, b'r']);
    msg.extend_from_slice(&[2, 0, 0xc3, 0x28, 0, 0]);
    assert_eq!(
        parse_err(&with_content(&wrap(&msg, &[0; 32]))),
        ParseError::InvalidUtf8 { field: "user id" }
    );
}

#[test]
fn altered_signature_or_message_is_bad_signature() {
    let valid = valid_token();
    let claims = Claims::parse(&valid).unwrap();
    let msg = claims.msg();
    let sig = claims.signature();

    for i in 0..sig.len() {
        let mut bad = sig.to_vec();
        bad[i] ^= 0x01;
        let c = Claims::parse(&with_content(&wrap(msg, &bad))).unwrap();
        assert_eq!(
            c.verify("key", 0),
            Err(VerifyError::BadSignature),
            "byte {i}"
        );
    }
    for bad in [&sig[..31], &[][..], &[sig, &[0][..]].concat()[..]] {
        let c = Claims::parse(&with_content(&wrap(msg, bad))).unwrap();
        assert_eq!(c.verify("key", 0), Err(VerifyError::BadSignature));
    }
    // Extend the expiry without re-signing.
    let mut forged = msg.to_vec();
    forged[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    let c = Claims::parse(&with_content(&wrap(&forged, sig))).unwrap();
    assert_eq!(c.expire_at(), u32::MAX);
    assert_eq!(c.verify("key", 0), Err(VerifyError::BadSignature));
}

#[test]
fn every_parse_error_has_a_message() {
    let errors = [
        ParseError::Empty,
        ParseError::BadVersion,
        ParseError::TooShort { len: 3 },
        ParseError::BadAppId,
        ParseError::BadBase64,
        ParseError::Truncated { field: "nonce" },
        ParseError::TrailingBytes {
            after: "signature",
            count: 1,
        },
        ParseError::InvalidUtf8 { field: "room id" },
    ];
    for e in errors {
        let msg = e.to_string();
        assert!(msg.starts_with("the token"), "{msg}");
        assert!(msg.contains(':'), "{msg}");
    }
}
