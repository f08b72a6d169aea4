//! Markers that make the server's tasks panic, so the tests can prove a panic is survived.
//! Compiled only with the `test-hooks` feature, which only the server's own tests turn on:
//! no release build carries them. Depends on nothing; the tasks that honour a marker check
//! for it where their input arrives.

/// A room message with exactly this text makes its room's task panic.
pub const PANIC_ROOM: &str = "chorus-test-hook: panic the room task";

/// A `publisherOffer` whose SDP is exactly this text makes the SFU task panic.
pub const PANIC_SFU: &str = "chorus-test-hook: panic the SFU task";
