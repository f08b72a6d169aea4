//! Fuzzes the AccessToken parser and verifier: no input may panic, and whatever parses must
//! survive verification and every accessor.
#![no_main]

use chorus_token::{Claims, Expected, Privilege, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Lossy so that non-UTF-8 input still reaches the parser as some string.
    let token = String::from_utf8_lossy(data);
    if let Ok(claims) = Claims::parse(&token) {
        let _ = claims.verify("fuzz key", 0);
        for p in Privilege::ALL {
            let _ = claims.has_privilege(p, u64::from(claims.issued_at()));
        }
    }
    let expected = Expected {
        app_id: "0123456789abcdef01234567",
        app_key: "fuzz key",
        room_id: "room",
        user_id: "user",
    };
    if let Err(e) = verify(&token, &expected, 1_700_000_000) {
        let _ = e.to_string();
    }
});
