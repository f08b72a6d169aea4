//! Token and privilege expiry: 0 never expires; otherwise valid through the `expire_at` second.

use chorus_token::{AccessToken, Claims, Privilege, VerifyError};

const APP_ID: &str = "0123456789abcdef01234567";
const KEY: &str = "key";

fn claims_expiring_at(expire_at: u32) -> Claims {
    let token = AccessToken::new(APP_ID, KEY, "r", "u")
        .with_expire_at(expire_at)
        .serialize()
        .expect("valid inputs build");
    Claims::parse(&token).expect("a built token parses")
}

#[test]
fn expired_token_is_rejected() {
    let claims = claims_expiring_at(1_000);
    assert_eq!(
        claims.verify(KEY, 1_001),
        Err(VerifyError::Expired { expire_at: 1_000 })
    );
    assert!(matches!(
        claims.verify(KEY, u64::MAX),
        Err(VerifyError::Expired { .. })
    ));
}

#[test]
fn token_is_valid_through_its_expiry_second() {
    // As in the vendor's samples: expired only once now > expire_at.
    let claims = claims_expiring_at(1_000);
    claims.verify(KEY, 999).unwrap();
    claims.verify(KEY, 1_000).unwrap();
}

#[test]
fn expiry_zero_never_expires() {
    let claims = claims_expiring_at(0);
    claims.verify(KEY, 0).unwrap();
    claims.verify(KEY, u64::from(u32::MAX) + 1).unwrap();
    claims.verify(KEY, u64::MAX).unwrap();
}

#[test]
fn bad_signature_is_reported_before_expiry() {
    // A forged token learns nothing about whether its expiry would have passed.
    let claims = claims_expiring_at(1_000);
    assert_eq!(
        claims.verify("other", 5_000),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn each_privilege_has_its_own_expiry() {
    let token = AccessToken::new(APP_ID, KEY, "r", "u")
        .add_privilege(Privilege::SubscribeStream, 0)
        .add_privilege(Privilege::PublishVideo, 2_000)
        .add_privilege(Privilege::PublishAudio, 3_000)
        .serialize()
        .unwrap();
    let claims = Claims::parse(&token).unwrap();
    assert_eq!(claims.privilege_expiry(Privilege::SubscribeStream), Some(0));
    assert_eq!(
        claims.privilege_expiry(Privilege::PublishVideo),
        Some(2_000)
    );
    assert_eq!(
        claims.privilege_expiry(Privilege::PublishAudio),
        Some(3_000)
    );
    assert_eq!(claims.privilege_expiry(Privilege::PublishData), None);

    assert!(claims.has_privilege(Privilege::PublishVideo, 2_000));
    assert!(!claims.has_privilege(Privilege::PublishVideo, 2_001));
    assert!(claims.has_privilege(Privilege::PublishAudio, 2_001));
    assert!(!claims.has_privilege(Privilege::PublishAudio, 3_001));
    assert!(claims.has_privilege(Privilege::SubscribeStream, u64::MAX));
    assert!(!claims.has_privilege(Privilege::PublishData, 0));
    assert!(!claims.has_privilege(Privilege::PublishStream, 0));
    // The token itself never expires, whatever its privileges say.
    claims.verify(KEY, 10_000).unwrap();
}
