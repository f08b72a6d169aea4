//! SDK clients of the test app: an engine, and one already joined or logged in.

use chorus_sdk::{EngineConfig, EventStream, RoomConfig, RtcEngine, create_engine};

use crate::app::{APP_ID, login_token, token, user_info};

/// An engine of the test app that signals to `url`.
pub fn engine(url: &str) -> RtcEngine {
    create_engine(APP_ID, EngineConfig::new(url))
}

/// An engine joined to `room` as `who` through `url`, with its events.
pub async fn joined(url: &str, room: &str, who: &str) -> (RtcEngine, EventStream) {
    let engine = engine(url);
    let events = engine.events();
    engine
        .join_room(
            Some(&token(room, who)),
            room,
            user_info(who),
            RoomConfig::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{who} joins {room}: {e}"));
    (engine, events)
}

/// An engine logged in as `who` through `url`, with its events.
pub async fn logged_in(url: &str, who: &str) -> (RtcEngine, EventStream) {
    let engine = engine(url);
    let events = engine.events();
    engine
        .login(&login_token(who), who)
        .await
        .unwrap_or_else(|e| panic!("{who} logs in: {e}"));
    (engine, events)
}
