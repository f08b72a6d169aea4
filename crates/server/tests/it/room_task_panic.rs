//! A room whose task panics does not leave its clients hanging: the directory forgets it, its
//! sessions' connections end, and the SDKs reconnect and rejoin into a fresh room that works.

use crate::common::*;
use chorus_proto::{ConnectionState, Event};
use chorus_sdk::{EngineEvent, EventStream};
use chorus_server::test_hooks::PANIC_ROOM;
use chorus_testkit::wait_event;

async fn reconnected(events: &mut EventStream) {
    wait_event(events, PATIENCE, |e| match e {
        EngineEvent::ConnectionStateChanged {
            state: ConnectionState::Reconnected,
            ..
        } => Some(()),
        _ => None,
    })
    .await;
}

#[tokio::test]
async fn a_panicking_room_is_replaced_and_its_users_rejoin() {
    let server = TestServer::start().await;
    let (alice, mut alice_events) = server.joined("crash", "alice").await;
    let (bob, mut bob_events) = server.joined("crash", "bob").await;
    wait_for(&mut alice_events, |e| match e {
        Event::UserJoined(j) if j.user_info.user_id == "bob" => Some(()),
        _ => None,
    })
    .await;

    // The message never gets an answer: the room dies handling it.
    let _ = alice.send_room_message(PANIC_ROOM).await;
    reconnected(&mut alice_events).await;
    reconnected(&mut bob_events).await;

    alice.send_room_message("after the crash").await.unwrap();
    let text = wait_for(&mut bob_events, |e| match e {
        Event::RoomMessageReceived(m) if m.user_id == "alice" => Some(m.message.clone()),
        _ => None,
    })
    .await;
    assert_eq!(text, "after the crash");
    bob.send_room_message("and back").await.unwrap();
    wait_for(&mut alice_events, |e| match e {
        Event::RoomMessageReceived(m) if m.user_id == "bob" => Some(()),
        _ => None,
    })
    .await;
    assert_eq!(server.metric("chorus_rooms").await, Some(1.0));
}
