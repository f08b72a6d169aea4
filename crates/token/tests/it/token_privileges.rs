//! Privilege numbers, CLI names, PublishStream's implied grants, and unknown numbers.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chorus_token::{AccessToken, Claims, Privilege, UnknownPrivilege};
use hmac::Mac as _;

#[test]
fn publish_stream_implies_audio_video_and_data_with_same_expiry() {
    let token = AccessToken::new("0123456789abcdef01234567", "k", "r", "u")
        .add_privilege(Privilege::PublishStream, 777)
        .serialize()
        .unwrap();
    let claims = Claims::parse(&token).unwrap();
    for p in [
        Privilege::PublishStream,
        Privilege::PublishAudio,
        Privilege::PublishVideo,
        Privilege::PublishData,
    ] {
        assert_eq!(claims.privilege_expiry(p), Some(777), "{p}");
    }
    assert_eq!(claims.privilege_expiry(Privilege::SubscribeStream), None);
}

#[test]
fn later_grant_replaces_earlier_one() {
    let token = AccessToken::new("0123456789abcdef01234567", "k", "r", "u")
        .add_privilege(Privilege::PublishStream, 777)
        .add_privilege(Privilege::PublishAudio, 5)
        .serialize()
        .unwrap();
    let claims = Claims::parse(&token).unwrap();
    assert_eq!(claims.privilege_expiry(Privilege::PublishAudio), Some(5));
    assert_eq!(claims.privilege_expiry(Privilege::PublishVideo), Some(777));
}

#[test]
fn wire_numbers_are_fixed() {
    let numbers: Vec<u16> = Privilege::ALL.iter().map(|p| p.as_u16()).collect();
    assert_eq!(numbers, [0, 1, 2, 3, 4]);
    for p in Privilege::ALL {
        assert_eq!(Privilege::from_u16(p.as_u16()), Some(p));
    }
    assert_eq!(Privilege::from_u16(5), None);
    assert_eq!(Privilege::from_u16(u16::MAX), None);
}

#[test]
fn cli_names_round_trip() {
    let names: Vec<&str> = Privilege::ALL.iter().map(|p| p.name()).collect();
    assert_eq!(
        names,
        [
            "publish",
            "publish-audio",
            "publish-video",
            "publish-data",
            "subscribe"
        ]
    );
    for p in Privilege::ALL {
        assert_eq!(p.name().parse::<Privilege>(), Ok(p));
        assert_eq!(p.to_string(), p.name());
    }
    let err = "Publish".parse::<Privilege>().unwrap_err();
    assert_eq!(
        err,
        UnknownPrivilege {
            name: "Publish".into()
        }
    );
    assert!(err.to_string().contains("publish-audio"));
}

#[test]
fn unknown_privilege_numbers_are_skipped_and_still_verify() {
    // A token from a newer generator with privilege 9: parse keeps the known ones, and the
    // signature, taken over the bytes as carried, still holds.
    let mut msg = Vec::new();
    msg.extend_from_slice(&1u32.to_le_bytes());
    msg.extend_from_slice(&2u32.to_le_bytes());
    msg.extend_from_slice(&0u32.to_le_bytes());
    msg.extend_from_slice(&[1, 0, b'r', 1, 0, b'u', 2, 0]);
    msg.extend_from_slice(&[4, 0, 0, 0, 0, 0]);
    msg.extend_from_slice(&[9, 0, 10, 0, 0, 0]);
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"k").unwrap();
    mac.update(&msg);
    let sig = mac.finalize().into_bytes();
    let mut content = vec![msg.len() as u8, 0];
    content.extend_from_slice(&msg);
    content.extend_from_slice(&[32, 0]);
    content.extend_from_slice(&sig);
    let token = format!(
        "001{}{}",
        "0123456789abcdef01234567",
        STANDARD.encode(content)
    );

    let claims = Claims::parse(&token).unwrap();
    assert_eq!(claims.privileges().len(), 1);
    assert_eq!(claims.privilege_expiry(Privilege::SubscribeStream), Some(0));
    claims.verify("k", 0).unwrap();
}
