//! The signature of webhook callbacks, as the vendor's RTC documents it ("接收消息通知回调").
//!
//! `Signature = hex(SHA256(join(sort([EventType, EventData, EventTime, EventId, AppId, Version,
//! Nonce, SecretKey]))))`: the eight strings are sorted in byte order and concatenated with no
//! separator; the hex is lowercase. It is a keyed hash, not an HMAC, because that is the format
//! receivers already verify.

use sha2::{Digest, Sha256};

/// The signed fields of a callback body, as they appear in its JSON (`EventData` is itself a
/// JSON string and is signed as that string).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookFields<'a> {
    /// `EventType`, e.g. `"RoomCreate"`.
    pub event_type: &'a str,
    /// `EventData`: the event's JSON, as a string.
    pub event_data: &'a str,
    /// `EventTime`: ISO 8601, e.g. `"2024-01-02T03:04:05Z"`.
    pub event_time: &'a str,
    /// `EventId`: unique per event, for de-duplicating retries.
    pub event_id: &'a str,
    /// `AppId`.
    pub app_id: &'a str,
    /// `Version`, e.g. `"2020-12-01"`.
    pub version: &'a str,
    /// `Nonce`: a random string.
    pub nonce: &'a str,
}

/// The `Signature` of a callback with these fields, under the app's callback `secret_key`.
pub fn webhook_signature(fields: &WebhookFields<'_>, secret_key: &str) -> String {
    hex::encode(digest(fields, secret_key))
}

/// Whether `signature` (hex, either case) is the signature of these fields under `secret_key`.
/// Compares in constant time.
pub fn verify_webhook_signature(
    fields: &WebhookFields<'_>,
    secret_key: &str,
    signature: &str,
) -> bool {
    let mut claimed = [0u8; 32];
    if hex::decode_to_slice(signature.trim(), &mut claimed).is_err() {
        return false;
    }
    let expected = digest(fields, secret_key);
    // No early exit: the time taken does not depend on where the bytes differ.
    expected
        .iter()
        .zip(claimed)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

fn digest(fields: &WebhookFields<'_>, secret_key: &str) -> [u8; 32] {
    let mut parts = [
        fields.event_type,
        fields.event_data,
        fields.event_time,
        fields.event_id,
        fields.app_id,
        fields.version,
        fields.nonce,
        secret_key,
    ];
    parts.sort_unstable();
    let mut hasher = Sha256::new();
    parts.iter().for_each(|p| hasher.update(p.as_bytes()));
    hasher.finalize().into()
}
