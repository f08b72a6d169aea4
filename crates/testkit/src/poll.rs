//! Waiting for state that announces no event: probe it until it holds, within a deadline.

use std::time::Duration;

use crate::PATIENCE;

/// How often a condition is probed: often enough not to slow a test, seldom enough not to
/// load the server it asks.
const PROBE_EVERY: Duration = Duration::from_millis(20);

/// Probes `probe` until it returns `Some`, and returns that; panics naming `what` when
/// [`PATIENCE`] passes first.
pub async fn eventually<T>(what: &str, probe: impl AsyncFnMut() -> Option<T>) -> T {
    eventually_within(PATIENCE, what, probe).await
}

/// [`eventually`] with a patience of its own, for what takes longer by nature (media
/// flowing, a clock running).
pub async fn eventually_within<T>(
    patience: Duration,
    what: &str,
    mut probe: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} did not happen within {patience:?}"
        );
        tokio::time::sleep(PROBE_EVERY).await;
    }
}
