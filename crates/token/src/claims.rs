//! Reading a token back: [`Claims::parse`] decodes it without trusting it, then
//! [`Claims::verify`] / [`Claims::check`] decide whether it is valid for a request.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::Mac as _;

use crate::access_token::new_mac;
use crate::error::{ParseError, TokenError, VerifyError};
use crate::wire::Reader;
use crate::{APP_ID_LEN, Privilege, VERSION};

/// The contents of a parsed token. Nothing here is trusted until [`verify`](Claims::verify) or
/// [`check`](Claims::check) succeeds.
#[derive(Clone, PartialEq, Eq)]
pub struct Claims {
    app_id: String,
    nonce: u32,
    issued_at: u32,
    expire_at: u32,
    room_id: String,
    user_id: String,
    privileges: BTreeMap<Privilege, u32>,
    signature: Vec<u8>,
    msg: Vec<u8>,
}

/// What a request expects of its token: the app it is for, that app's key, and who joins where.
#[derive(Clone, Copy)]
pub struct Expected<'a> {
    /// The AppID the client connected with.
    pub app_id: &'a str,
    /// The AppKey of that app, the HMAC key.
    pub app_key: &'a str,
    /// The room being joined; empty for a login (outside-room) token.
    pub room_id: &'a str,
    /// The user joining or logging in.
    pub user_id: &'a str,
}

impl fmt::Debug for Expected<'_> {
    // The AppKey is a secret: keep it out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expected")
            .field("app_id", &self.app_id)
            .field("app_key", &"<redacted>")
            .field("room_id", &self.room_id)
            .field("user_id", &self.user_id)
            .finish()
    }
}

impl Claims {
    /// Decodes `token` without checking its signature or expiry.
    ///
    /// Privilege numbers this version does not know are skipped (they stay covered by the
    /// signature, so newer tokens still verify); if a privilege repeats, the last entry wins.
    pub fn parse(token: &str) -> Result<Claims, ParseError> {
        if token.is_empty() {
            return Err(ParseError::Empty);
        }
        if !token.as_bytes().starts_with(VERSION.as_bytes()) {
            return Err(ParseError::BadVersion);
        }
        let prefix = VERSION.len() + APP_ID_LEN;
        if token.len() <= prefix {
            return Err(ParseError::TooShort { len: token.len() });
        }
        // `get` instead of indexing: byte `prefix` may fall inside a multibyte character.
        let (Some(app_id), Some(payload)) = (token.get(VERSION.len()..prefix), token.get(prefix..))
        else {
            return Err(ParseError::BadAppId);
        };
        if !app_id.is_ascii() {
            return Err(ParseError::BadAppId);
        }
        let content = STANDARD
            .decode(payload)
            .map_err(|_| ParseError::BadBase64)?;

        let mut r = Reader::new(&content);
        let msg = r.bytes("message")?;
        let signature = r.bytes("signature")?.to_vec();
        r.finish("signature")?;

        let mut m = Reader::new(msg);
        let nonce = m.u32("nonce")?;
        let issued_at = m.u32("issued-at time")?;
        let expire_at = m.u32("expiry time")?;
        let room_id = m.string("room id")?;
        let user_id = m.string("user id")?;
        let mut privileges = BTreeMap::new();
        for _ in 0..m.u16("privilege count")? {
            let number = m.u16("privilege")?;
            let expiry = m.u32("privilege expiry")?;
            if let Some(privilege) = Privilege::from_u16(number) {
                privileges.insert(privilege, expiry);
            }
        }
        m.finish("privileges")?;

        Ok(Claims {
            app_id: app_id.to_owned(),
            nonce,
            issued_at,
            expire_at,
            room_id,
            user_id,
            privileges,
            signature,
            msg: msg.to_vec(),
        })
    }

    /// Checks the signature against `app_key`, then that the token has not expired at
    /// `now_unix` (seconds). A token is still valid during its `expire_at` second, as in the
    /// vendor's samples.
    pub fn verify(&self, app_key: &str, now_unix: u64) -> Result<(), VerifyError> {
        let mut mac = new_mac(app_key.as_bytes());
        mac.update(&self.msg);
        // verify_slice compares in constant time, so the signature cannot be guessed byte by byte.
        mac.verify_slice(&self.signature)
            .map_err(|_| VerifyError::BadSignature)?;
        if expired(self.expire_at, now_unix) {
            return Err(VerifyError::Expired {
                expire_at: self.expire_at,
            });
        }
        Ok(())
    }

    /// Checks everything a join or login needs: the AppID, then the signature and expiry
    /// ([`verify`](Claims::verify)), then the room and the user.
    ///
    /// The AppID comes first because it is not covered by the signature and picks the key:
    /// a token for another app would otherwise report a less helpful `BadSignature`.
    pub fn check(&self, expected: &Expected<'_>, now_unix: u64) -> Result<(), VerifyError> {
        if self.app_id != expected.app_id {
            return Err(VerifyError::WrongApp {
                expected: expected.app_id.to_owned(),
                found: self.app_id.clone(),
            });
        }
        self.verify(expected.app_key, now_unix)?;
        if self.room_id != expected.room_id {
            return Err(VerifyError::WrongRoom {
                expected: expected.room_id.to_owned(),
                found: self.room_id.clone(),
            });
        }
        if self.user_id != expected.user_id {
            return Err(VerifyError::WrongUser {
                expected: expected.user_id.to_owned(),
                found: self.user_id.clone(),
            });
        }
        Ok(())
    }

    /// The expiry of `privilege` (0 means never), or `None` if the token does not grant it.
    pub fn privilege_expiry(&self, privilege: Privilege) -> Option<u32> {
        self.privileges.get(&privilege).copied()
    }

    /// Whether the token grants `privilege` at `now_unix`: present, and its expiry is 0 or not
    /// yet passed. This does not check the token itself; call [`verify`](Claims::verify) first.
    pub fn has_privilege(&self, privilege: Privilege, now_unix: u64) -> bool {
        self.privilege_expiry(privilege)
            .is_some_and(|expiry| !expired(expiry, now_unix))
    }

    /// The AppID (24 ASCII characters). Not covered by the signature.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The nonce the generator picked.
    pub fn nonce(&self) -> u32 {
        self.nonce
    }

    /// When the token was issued, in unix seconds.
    pub fn issued_at(&self) -> u32 {
        self.issued_at
    }

    /// When the whole token expires, in unix seconds; 0 means never.
    pub fn expire_at(&self) -> u32 {
        self.expire_at
    }

    /// The room; empty for a login (outside-room) token.
    pub fn room_id(&self) -> &str {
        &self.room_id
    }

    /// The user.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The known privileges granted, each with its expiry (0 means never).
    pub fn privileges(&self) -> &BTreeMap<Privilege, u32> {
        &self.privileges
    }

    /// The signature as carried (32 bytes in a well-formed token).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The signed message bytes exactly as carried; the signature is checked over these.
    pub fn msg(&self) -> &[u8] {
        &self.msg
    }
}

impl fmt::Debug for Claims {
    // The signature with the fields rebuilds the token, a bearer credential: keep it out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claims")
            .field("app_id", &self.app_id)
            .field("nonce", &self.nonce)
            .field("issued_at", &self.issued_at)
            .field("expire_at", &self.expire_at)
            .field("room_id", &self.room_id)
            .field("user_id", &self.user_id)
            .field("privileges", &self.privileges)
            .field("signature", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Parses `token` and [`check`](Claims::check)s it against `expected` at `now_unix`.
pub fn verify(token: &str, expected: &Expected<'_>, now_unix: u64) -> Result<Claims, TokenError> {
    let claims = Claims::parse(token)?;
    claims.check(expected, now_unix)?;
    Ok(claims)
}

/// The vendor's rule: 0 never expires; otherwise valid up to and including `expire_at`.
fn expired(expire_at: u32, now_unix: u64) -> bool {
    expire_at != 0 && now_unix > u64::from(expire_at)
}
