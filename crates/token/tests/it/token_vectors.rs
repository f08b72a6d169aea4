//! Fixed inputs produce exactly the token the vendor's published sample generator produces.
//!
//! The expected strings were produced by running the vendor's Python `AccessToken.py` sample
//! (volcengine/rtc-aigc-embedded-demo, server/src/AccessToken.py) with the same inputs and
//! cross-checked with a hand-written `struct`/`hmac` one-liner. The first vector is also
//! assembled byte by byte below, so a mistake would have to be made three times over.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chorus_token::{AccessToken, Claims, Privilege};

const VENDOR_ROOM_TOKEN: &str = "001123456781234567812345678QwDSBAAAAPFTZYBCVWUIAG5ldyByb29tCwBuZXcgdXNlciBpZAUAAACAQlVlAQCAQlVlAgCAQlVlAwCAQlVlBAAAAAAAIADlX02XlqFvwjlZyA/8B6jXYD6I+9UlIK9d19xMlQS+nA==";
const VENDOR_LOGIN_TOKEN: &str = "0015f3c1a2b4d6e8f0a1b2c3d4eFwD/4PUFAQAAAAAAAAAAAAUAYm90LTEAACAAzuIhtSMAEP5Th3c/VGBDPdolG/HopQKTqZBo+WUAyHM=";
const VENDOR_UTF8_TOKEN: &str = "001abcdefghijklmnopqrstuvwxKgD///////////////8IAOaIv+mXtC0xCgDnlKjmiLfwn5iAAQAEACoAAAAgAOEOCicIlN64F2KDnR20+DqeyCas5N1mC578R5ez0xWI";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex literal"))
        .collect()
}

#[test]
fn room_token_matches_vendor_sample() {
    let token = AccessToken::new(
        "123456781234567812345678",
        "app key",
        "new room",
        "new user id",
    )
    .with_nonce(1234)
    .with_issued_at(1_700_000_000)
    .with_expire_at(1_700_086_400)
    .add_privilege(Privilege::SubscribeStream, 0)
    .add_privilege(Privilege::PublishStream, 1_700_086_400)
    .serialize()
    .unwrap();
    assert_eq!(token, VENDOR_ROOM_TOKEN);
}

#[test]
fn room_token_matches_hand_assembled_bytes() {
    let exp = 1_700_086_400u32.to_le_bytes();
    let mut msg = Vec::new();
    msg.extend_from_slice(&[0xd2, 0x04, 0x00, 0x00]); // nonce 1234
    msg.extend_from_slice(&[0x00, 0xf1, 0x53, 0x65]); // issued at 1_700_000_000
    msg.extend_from_slice(&exp); // expire at
    msg.extend_from_slice(&[8, 0]);
    msg.extend_from_slice(b"new room");
    msg.extend_from_slice(&[11, 0]);
    msg.extend_from_slice(b"new user id");
    msg.extend_from_slice(&[5, 0]); // privileges 0..=3 at `exp`, 4 never expires
    for p in 0u8..4 {
        msg.extend_from_slice(&[p, 0]);
        msg.extend_from_slice(&exp);
    }
    msg.extend_from_slice(&[4, 0, 0, 0, 0, 0]);
    let sig = unhex("e55f4d9796a16fc23959c80ffc07a8d7603e88fbd52520af5dd7dc4c9504be9c");

    let mut content = vec![msg.len() as u8, 0];
    content.extend_from_slice(&msg);
    content.extend_from_slice(&[32, 0]);
    content.extend_from_slice(&sig);
    let assembled = format!("001123456781234567812345678{}", STANDARD.encode(&content));
    assert_eq!(assembled, VENDOR_ROOM_TOKEN);

    let claims = Claims::parse(VENDOR_ROOM_TOKEN).unwrap();
    assert_eq!(claims.msg(), &msg[..]);
    assert_eq!(claims.signature(), &sig[..]);
}

#[test]
fn vendor_room_token_parses_to_its_inputs() {
    let claims = Claims::parse(VENDOR_ROOM_TOKEN).unwrap();
    assert_eq!(claims.app_id(), "123456781234567812345678");
    assert_eq!(claims.nonce(), 1234);
    assert_eq!(claims.issued_at(), 1_700_000_000);
    assert_eq!(claims.expire_at(), 1_700_086_400);
    assert_eq!(claims.room_id(), "new room");
    assert_eq!(claims.user_id(), "new user id");
    let privileges: Vec<_> = claims.privileges().iter().map(|(p, e)| (*p, *e)).collect();
    assert_eq!(
        privileges,
        [
            (Privilege::PublishStream, 1_700_086_400),
            (Privilege::PublishAudio, 1_700_086_400),
            (Privilege::PublishVideo, 1_700_086_400),
            (Privilege::PublishData, 1_700_086_400),
            (Privilege::SubscribeStream, 0),
        ]
    );
    claims.verify("app key", 1_700_000_000).unwrap();
}

#[test]
fn login_token_matches_vendor_sample() {
    let token = AccessToken::new(
        "5f3c1a2b4d6e8f0a1b2c3d4e",
        "0123456789abcdef0123456789abcdef",
        "",
        "bot-1",
    )
    .with_nonce(99_999_999)
    .with_issued_at(1)
    .serialize()
    .unwrap();
    assert_eq!(token, VENDOR_LOGIN_TOKEN);

    let claims = Claims::parse(&token).unwrap();
    assert_eq!(claims.room_id(), "");
    assert_eq!(claims.expire_at(), 0);
    assert!(claims.privileges().is_empty());
    claims
        .verify("0123456789abcdef0123456789abcdef", u64::MAX)
        .unwrap();
}

#[test]
fn multibyte_ids_and_max_integers_match_vendor_sample() {
    // String lengths are UTF-8 byte counts; the key is hashed as UTF-8 bytes.
    let token = AccessToken::new("abcdefghijklmnopqrstuvwx", "密钥", "房间-1", "用户😀")
        .with_nonce(u32::MAX)
        .with_issued_at(u32::MAX)
        .with_expire_at(u32::MAX)
        .add_privilege(Privilege::SubscribeStream, 42)
        .serialize()
        .unwrap();
    assert_eq!(token, VENDOR_UTF8_TOKEN);

    let claims = Claims::parse(&token).unwrap();
    assert_eq!(claims.room_id(), "房间-1");
    assert_eq!(claims.user_id(), "用户😀");
    assert_eq!(
        claims.privilege_expiry(Privilege::SubscribeStream),
        Some(42)
    );
    claims.verify("密钥", u64::from(u32::MAX)).unwrap();
}
