//! Turns for the tests that need the machine to themselves.
//!
//! The tests of a crate run as threads of one process. Real-time media tests (capture,
//! encode, send, decode, paced by the wall clock) and load bursts each want the cores for
//! the time they run: two at once on a small machine starve each other and fail on timing,
//! not on behaviour. Each such test holds a [`Turn`] while it runs, so they run one after
//! another while the cheap tests still run beside them. A turn is released when its test
//! ends, passing or panicking.

use tokio::sync::{Mutex, MutexGuard};

static TURNS: Mutex<()> = Mutex::const_new(());

/// The right to run alone among the tests that take turns, until dropped.
#[must_use = "the turn ends when this is dropped"]
#[derive(Debug)]
pub struct Turn {
    _held: MutexGuard<'static, ()>,
}

/// Waits for this test's turn (in an async test).
pub async fn take_turn() -> Turn {
    Turn {
        _held: TURNS.lock().await,
    }
}

/// Waits for this test's turn (in a test that is not async, outside any runtime).
pub fn take_turn_blocking() -> Turn {
    Turn {
        _held: TURNS.blocking_lock(),
    }
}
