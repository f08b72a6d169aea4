//! The "001" AccessToken of the veRTC contract: build, parse and verify.
//!
//! A token is `"001"` + a 24-character AppID + standard base64 of
//! `str(msg) | str(HMAC-SHA256(AppKey, msg))`, where `msg` carries the nonce, issue and expiry
//! times, room, user and per-privilege expiries (all integers little-endian, `str` = u16 length +
//! bytes). The byte layout follows the vendor's published token samples so that tokens made by
//! their generators verify here and the other way round.
//!
//! This crate is a pure core: no I/O, no async, no logging, and it depends on nothing else in
//! Chorus, so the server, the SDK and the CLI can all share it. Callers pass `now` in, which keeps
//! expiry testable. Parsing never panics, whatever the input: every failure is a typed error
//! whose message can be shown to the token's holder.
//!
//! ```
//! use chorus_token::{AccessToken, Claims, Expected, Privilege};
//!
//! let token = AccessToken::new("123456781234567812345678", "app key", "room", "alice")
//!     .with_expire_at(2_000_000_000)
//!     .add_privilege(Privilege::SubscribeStream, 0)
//!     .serialize()?;
//! let claims = Claims::parse(&token)?;
//! let expected = Expected {
//!     app_id: "123456781234567812345678",
//!     app_key: "app key",
//!     room_id: "room",
//!     user_id: "alice",
//! };
//! claims.check(&expected, 1_900_000_000)?;
//! assert!(claims.has_privilege(Privilege::SubscribeStream, 1_900_000_000));
//! # Ok::<(), chorus_token::TokenError>(())
//! ```

#![warn(clippy::unwrap_used)]

mod access_token;
mod claims;
mod error;
mod privilege;
mod wire;

pub use access_token::AccessToken;
pub use claims::{Claims, Expected, verify};
pub use error::{ParseError, TokenError, VerifyError};
pub use privilege::{Privilege, UnknownPrivilege};

/// The version prefix every token of this format starts with.
pub const VERSION: &str = "001";

/// The exact length of the AppID that follows [`VERSION`], in ASCII characters.
pub const APP_ID_LEN: usize = 24;
