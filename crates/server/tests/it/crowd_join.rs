//! 200 clients join one room at once; each ends up seeing exactly the other 199.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::common::*;
use chorus_proto::{Event, RoomConfig};

const CLIENTS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_joiners_each_see_the_other_199() {
    let server = TestServer::start().await;
    let url = server.url();
    let mut tasks = Vec::new();
    for i in 0..CLIENTS {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let user = format!("user{i:03}");
            let engine = chorus_sdk::create_engine(APP_ID, chorus_sdk::EngineConfig::new(url));
            let mut events = engine.events();
            engine
                .join_room(
                    Some(&token("crowd", &user)),
                    "crowd",
                    user_info(&user),
                    RoomConfig::default(),
                )
                .await
                .unwrap_or_else(|e| panic!("{user} joins: {e}"));
            let mut seen = BTreeSet::new();
            let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
            while seen.len() < CLIENTS - 1 {
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                match tokio::time::timeout(left, events.next()).await {
                    Ok(Some(chorus_sdk::EngineEvent::Room(Event::UserJoined(j)))) => {
                        assert!(
                            seen.insert(j.user_info.user_id.clone()),
                            "{user} saw {} twice",
                            j.user_info.user_id
                        );
                    }
                    Ok(Some(chorus_sdk::EngineEvent::Room(Event::UserLeave(l)))) => {
                        panic!("{user} saw {} leave", l.user_info.user_id)
                    }
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => panic!("{user} saw only {} others", seen.len()),
                }
            }
            assert!(!seen.contains(&user), "{user} saw itself");
            (engine, events, seen.len())
        }));
    }
    let mut engines = Vec::new();
    for task in tasks {
        let (engine, events, seen) = task.await.unwrap();
        assert_eq!(seen, CLIENTS - 1);
        engines.push((engine, events));
    }
    // And nothing more arrives: exactly 199 each.
    for (_, events) in engines.iter_mut().take(10) {
        assert_quiet(events, Duration::from_millis(50)).await;
    }
    let (_, users) = server
        .api(
            "GetRoomOnlineUsers",
            serde_json::json!({"AppId": APP_ID, "RoomId": "crowd"}),
        )
        .await;
    assert_eq!(users["Result"]["TotalUser"], CLIENTS);
}
