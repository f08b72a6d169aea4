//! The token builder: what an app server (or `chorus token`) runs to mint a token.

use std::collections::BTreeMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::Mac as _;

use crate::error::TokenError;
use crate::wire::{put_bytes, put_u16, put_u32};
use crate::{APP_ID_LEN, Privilege, VERSION};

pub(crate) type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// A token being built: set its fields, then [`serialize`](AccessToken::serialize) it.
///
/// By default the nonce is random, `issued_at` is now, the token never expires and it grants
/// no privilege.
#[derive(Debug, Clone)]
pub struct AccessToken {
    app_id: String,
    app_key: String,
    room_id: String,
    user_id: String,
    nonce: u32,
    issued_at: u32,
    expire_at: u32,
    privileges: BTreeMap<Privilege, u32>,
}

impl AccessToken {
    /// Starts a token for `user_id` in `room_id` (empty for a login token), signed with
    /// `app_key` of `app_id`.
    pub fn new(
        app_id: impl Into<String>,
        app_key: impl Into<String>,
        room_id: impl Into<String>,
        user_id: impl Into<String>,
    ) -> Self {
        AccessToken {
            app_id: app_id.into(),
            app_key: app_key.into(),
            room_id: room_id.into(),
            user_id: user_id.into(),
            nonce: random_nonce(),
            issued_at: unix_now(),
            expire_at: 0,
            privileges: BTreeMap::new(),
        }
    }

    /// Sets the nonce (random by default); a fixed one makes the output reproducible.
    pub fn with_nonce(mut self, nonce: u32) -> Self {
        self.nonce = nonce;
        self
    }

    /// Sets the issue time in unix seconds (now by default).
    pub fn with_issued_at(mut self, issued_at: u32) -> Self {
        self.issued_at = issued_at;
        self
    }

    /// Sets when the whole token expires, in unix seconds; 0 (the default) means never.
    ///
    /// Past this time the token is invalid whatever its privileges' own expiries say.
    pub fn with_expire_at(mut self, expire_at: u32) -> Self {
        self.expire_at = expire_at;
        self
    }

    /// Grants `privilege` until `expire_at` (unix seconds; 0 means never), replacing any earlier
    /// grant of it. [`Privilege::PublishStream`] also grants audio, video and data publishing
    /// with the same expiry.
    pub fn add_privilege(mut self, privilege: Privilege, expire_at: u32) -> Self {
        self.privileges.insert(privilege, expire_at);
        if privilege == Privilege::PublishStream {
            for p in [
                Privilege::PublishAudio,
                Privilege::PublishVideo,
                Privilege::PublishData,
            ] {
                self.privileges.insert(p, expire_at);
            }
        }
        self
    }

    /// Encodes and signs the token.
    ///
    /// Fails if the AppID is not exactly 24 ASCII characters or a field does not fit its
    /// u16 length prefix.
    pub fn serialize(&self) -> Result<String, TokenError> {
        // ASCII keeps byte, char and UTF-16 lengths equal, so every vendor parser finds the
        // same 24-character AppID.
        if self.app_id.len() != APP_ID_LEN || !self.app_id.is_ascii() {
            return Err(TokenError::BadAppId {
                len: self.app_id.len(),
            });
        }
        let too_long = |field, len| TokenError::FieldTooLong { field, len };

        let mut msg = Vec::new();
        put_u32(&mut msg, self.nonce);
        put_u32(&mut msg, self.issued_at);
        put_u32(&mut msg, self.expire_at);
        put_bytes(&mut msg, self.room_id.as_bytes())
            .ok_or_else(|| too_long("room id", self.room_id.len()))?;
        put_bytes(&mut msg, self.user_id.as_bytes())
            .ok_or_else(|| too_long("user id", self.user_id.len()))?;
        // At most five entries, one per Privilege; the BTreeMap yields them sorted ascending.
        put_u16(&mut msg, self.privileges.len() as u16);
        for (privilege, expire_at) in &self.privileges {
            put_u16(&mut msg, privilege.as_u16());
            put_u32(&mut msg, *expire_at);
        }

        let mut content = Vec::with_capacity(msg.len() + 36);
        put_bytes(&mut content, &msg).ok_or_else(|| too_long("message", msg.len()))?;
        put_bytes(&mut content, &sign(self.app_key.as_bytes(), &msg))
            .ok_or_else(|| too_long("signature", 32))?;

        Ok(format!(
            "{VERSION}{}{}",
            self.app_id,
            STANDARD.encode(content)
        ))
    }
}

/// HMAC-SHA256 of `msg` under `key`.
fn sign(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac = new_mac(key);
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// A keyed HMAC-SHA256.
pub(crate) fn new_mac(key: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// Seconds since the Unix epoch, saturated into u32 (the format's width).
fn unix_now() -> u32 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    u32::try_from(secs).unwrap_or(u32::MAX)
}

/// A nonce that differs between tokens. It only makes tokens distinct, it is not a secret, so
/// the std's per-process random hasher keys mixed with the clock are enough.
fn random_nonce() -> u32 {
    let mut hasher = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    hasher.finish() as u32
}
