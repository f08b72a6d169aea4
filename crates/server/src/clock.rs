//! Wall-clock time for the shells. Cores take time as an argument; only shells read a clock.

use std::time::{SystemTime, UNIX_EPOCH};

/// Unix time in milliseconds.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Unix time in seconds.
pub(crate) fn now_secs() -> u64 {
    now_ms() / 1000
}
