//! What the behaviour tests of the SDK, the server and the `chorus` command share: a real
//! server on loopback, the test app and its tokens, SDK clients, waits on events and on
//! observable state, a private CA for TLS, a throttling UDP relay, and turns for the tests that
//! must run alone.
//!
//! Dev-only: it depends on the server and the SDK, so no library crate may depend on it
//! outside `[dev-dependencies]`. It holds what at least two crates' tests use; what one
//! crate's tests alone need stays in that crate's `tests/it/common`.

mod app;
mod client;
mod events;
mod metrics;
mod poll;
mod server;
mod throttle;
mod tls;
mod turn;

use std::time::Duration;

pub use app::{APP_ID, APP_KEY, login_token, now_secs, token, token_builder, user_info};
pub use client::{engine, joined, logged_in};
pub use events::{next_event, wait_event, wait_for};
pub use metrics::metric;
pub use poll::{eventually, eventually_within};
pub use server::{config, start_server};
pub use throttle::{MAX_QUEUE, ThrottleRelay};
pub use tls::{ServerCert, TestCa, temp_dir};
pub use turn::{Turn, take_turn, take_turn_blocking};

/// How long a test waits for something that should happen.
pub const PATIENCE: Duration = Duration::from_secs(5);
