//! Waiting on an engine's events: the next one, or the first one a test is looking for,
//! each within a deadline so that a missing event fails the test instead of hanging it.

use std::time::Duration;

use chorus_sdk::{EngineEvent, Event, EventStream};

use crate::PATIENCE;

/// The next event of any kind, within [`PATIENCE`].
pub async fn next_event(events: &mut EventStream) -> EngineEvent {
    match tokio::time::timeout(PATIENCE, events.next()).await {
        Ok(Some(event)) => event,
        Ok(None) => panic!("the event stream ended"),
        Err(_) => panic!("no event within {PATIENCE:?}"),
    }
}

/// The first engine event (media, state or room) that `pick` accepts within `patience`,
/// skipping the rest.
pub async fn wait_event<T>(
    events: &mut EventStream,
    patience: Duration,
    mut pick: impl FnMut(&EngineEvent) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        match tokio::time::timeout_at(deadline, events.next()).await {
            Ok(Some(event)) => {
                if let Some(found) = pick(&event) {
                    return found;
                }
            }
            Ok(None) => panic!("the event stream ended"),
            Err(_) => panic!("the awaited event did not come within {patience:?}"),
        }
    }
}

/// The first room event that `pick` accepts within [`PATIENCE`], skipping the rest.
pub async fn wait_for<T>(events: &mut EventStream, mut pick: impl FnMut(&Event) -> Option<T>) -> T {
    wait_event(events, PATIENCE, |event| match event {
        EngineEvent::Room(event) => pick(event),
        _ => None,
    })
    .await
}
