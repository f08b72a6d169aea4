//! 200 clients join one room at once; each ends up seeing exactly the other 199. Then one
//! room message reaches all 199, written by the room itself.

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

    // One room message: the room writes it into 199 sockets in one go. Every socket takes it
    // at once, so none is left for a session to write; tokio's per-poll budget once made
    // the writes past the 128th of a turn look like full sockets.
    let left = "chorus_writes_left_to_session_total";
    let before = server.metric(left).await.expect("the counter is exposed");
    engines[0]
        .0
        .send_room_message("to everyone")
        .await
        .expect("user000 sends a room message");
    for (i, (_, events)) in engines.iter_mut().enumerate().skip(1) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, events.next()).await {
                Ok(Some(chorus_sdk::EngineEvent::Room(Event::RoomMessageReceived(m)))) => {
                    assert_eq!(
                        (m.user_id.as_str(), m.message.as_str()),
                        ("user000", "to everyone")
                    );
                    break;
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => panic!("user{i:03} got no room message"),
            }
        }
    }
    assert_eq!(server.metric(left).await, Some(before));
}
