//! Messages in a room: to one user or to everyone else, as text or bytes, arrive with their
//! content and sender; the 64 KB limit, sending outside a room, missing receivers, and
//! messages the server never answers or that the connection drops under.

use std::time::{Duration, Instant};

use crate::common::*;
use chorus_sdk::{
    EngineConfig, ErrorCode, Event, MessageEvent, RoomConfig, RtcError, create_engine,
    decode_binary_message, proto::MAX_MESSAGE_BYTES,
};

/// Waits for the next message event `pick` names and returns its data.
async fn message(
    events: &mut chorus_sdk::EventStream,
    pick: fn(&Event) -> Option<&MessageEvent>,
) -> MessageEvent {
    wait_for(events, |e| pick(e).cloned()).await
}

fn user_text(e: &Event) -> Option<&MessageEvent> {
    match e {
        Event::UserMessageReceived(m) => Some(m),
        _ => None,
    }
}

fn user_binary(e: &Event) -> Option<&MessageEvent> {
    match e {
        Event::UserBinaryMessageReceived(m) => Some(m),
        _ => None,
    }
}

fn room_text(e: &Event) -> Option<&MessageEvent> {
    match e {
        Event::RoomMessageReceived(m) => Some(m),
        _ => None,
    }
}

fn room_binary(e: &Event) -> Option<&MessageEvent> {
    match e {
        Event::RoomBinaryMessageReceived(m) => Some(m),
        _ => None,
    }
}

fn is_message(e: &chorus_sdk::EngineEvent) -> bool {
    matches!(
        e,
        chorus_sdk::EngineEvent::Room(
            Event::UserMessageReceived(_)
                | Event::UserBinaryMessageReceived(_)
                | Event::RoomMessageReceived(_)
                | Event::RoomBinaryMessageReceived(_)
        )
    )
}

fn every_byte() -> Vec<u8> {
    (0..=255u8).collect()
}

#[tokio::test]
async fn a_user_message_reaches_only_its_receiver_with_its_text_and_sender() {
    let server = start_server(|_| {}).await;
    let (alice, mut alice_events) = joined(&server.url(), "um", "alice").await;
    let (_bob, mut bob_events) = joined(&server.url(), "um", "bob").await;
    let (_carol, mut carol_events) = joined(&server.url(), "um", "carol").await;

    let text = "héllo bob 👋 \"quoted\" \\ line\nbreak";
    alice.send_user_message("bob", text).await.unwrap();
    let got = message(&mut bob_events, user_text).await;
    assert_eq!(
        (got.user_id.as_str(), got.message.as_str()),
        ("alice", text)
    );

    alice
        .send_user_binary_message("bob", &every_byte())
        .await
        .unwrap();
    let got = message(&mut bob_events, user_binary).await;
    assert_eq!(got.user_id, "alice");
    assert_eq!(decode_binary_message(&got.message).unwrap(), every_byte());

    // Neither the bystander nor the sender saw any of it.
    for events in [&mut carol_events, &mut alice_events] {
        let seen = drain_for(events, Duration::from_millis(200)).await;
        assert!(!seen.iter().any(is_message), "{seen:?}");
    }
}

#[tokio::test]
async fn a_room_message_reaches_everyone_else_with_its_content_and_sender() {
    let server = start_server(|_| {}).await;
    let (alice, mut alice_events) = joined(&server.url(), "rm", "alice").await;
    let (_bob, mut bob_events) = joined(&server.url(), "rm", "bob").await;
    let (_carol, mut carol_events) = joined(&server.url(), "rm", "carol").await;

    alice.send_room_message("hello, room").await.unwrap();
    alice.send_room_binary_message(&every_byte()).await.unwrap();
    alice.send_room_binary_message(&[]).await.unwrap();
    for events in [&mut bob_events, &mut carol_events] {
        let got = message(events, room_text).await;
        assert_eq!(
            (got.user_id.as_str(), got.message.as_str()),
            ("alice", "hello, room")
        );
        let got = message(events, room_binary).await;
        assert_eq!(got.user_id, "alice");
        assert_eq!(decode_binary_message(&got.message).unwrap(), every_byte());
        let got = message(events, room_binary).await;
        assert!(decode_binary_message(&got.message).unwrap().is_empty());
    }
    let seen = drain_for(&mut alice_events, Duration::from_millis(200)).await;
    assert!(
        !seen.iter().any(is_message),
        "the sender gets none: {seen:?}"
    );
}

#[tokio::test]
async fn sixty_four_kb_exactly_passes_and_one_byte_more_is_invalid() {
    let server = start_server(|_| {}).await;
    let (alice, _alice_events) = joined(&server.url(), "big", "alice").await;
    let (_bob, mut bob_events) = joined(&server.url(), "big", "bob").await;

    let text: String = (0..MAX_MESSAGE_BYTES)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    alice.send_user_message("bob", &text).await.unwrap();
    assert_eq!(message(&mut bob_events, user_text).await.message, text);
    alice.send_room_message(&text).await.unwrap();
    assert_eq!(message(&mut bob_events, room_text).await.message, text);
    let bytes: Vec<u8> = (0..MAX_MESSAGE_BYTES).map(|i| (i * 7) as u8).collect();
    alice.send_user_binary_message("bob", &bytes).await.unwrap();
    let got = message(&mut bob_events, user_binary).await;
    assert_eq!(decode_binary_message(&got.message).unwrap(), bytes);
    alice.send_room_binary_message(&bytes).await.unwrap();
    let got = message(&mut bob_events, room_binary).await;
    assert_eq!(decode_binary_message(&got.message).unwrap(), bytes);
    // Multi-byte text counts in bytes: 16,384 four-byte characters are exactly 64 KB.
    let emoji = "🎵".repeat(MAX_MESSAGE_BYTES / 4);
    alice.send_room_message(&emoji).await.unwrap();
    assert_eq!(message(&mut bob_events, room_text).await.message, emoji);

    let over_text = format!("{text}x");
    let over_bytes = [bytes.as_slice(), &[0]].concat();
    let results: [Result<(), RtcError>; 5] = [
        alice.send_user_message("bob", &over_text).await,
        alice.send_user_binary_message("bob", &over_bytes).await,
        alice.send_room_message(&over_text).await,
        alice.send_room_binary_message(&over_bytes).await,
        alice.send_room_message(&format!("{emoji}x")).await,
    ];
    for result in results {
        let e = result.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidParams);
        assert_eq!(e.message, "the message is 65537 bytes; the limit is 65536");
    }
    // 64 KB of characters JSON must escape still fits the protocol's frame limit.
    let quotes = "\"".repeat(MAX_MESSAGE_BYTES);
    alice.send_room_message(&quotes).await.unwrap();
    assert_eq!(message(&mut bob_events, room_text).await.message, quotes);
    alice.send_room_message("still connected").await.unwrap();
    assert_eq!(
        message(&mut bob_events, room_text).await.message,
        "still connected"
    );
}

#[tokio::test]
async fn before_joining_messages_fail_with_user_message_not_join() {
    // Without a connection the engine decides; nothing is opened.
    let alice = engine("http://127.0.0.1:1");
    let results = [
        alice.send_user_message("bob", "hi").await,
        alice.send_user_binary_message("bob", b"hi").await,
        alice.send_room_message("hi").await,
        alice.send_room_binary_message(b"hi").await,
    ];
    for result in results {
        let e = result.unwrap_err();
        assert_eq!(e.code, ErrorCode::UserMessageNotJoin, "{e}");
        assert!(e.message.contains("joinRoom"), "{e}");
    }
    assert_eq!(alice.connection_state(), chorus_sdk::ConnectionState::Start);

    // Connected (logged in, and after leaving a room) but not in a room: the server decides.
    let server = start_server(|_| {}).await;
    let (alice, _events) = logged_in(&server.url(), "alice").await;
    let e = alice.send_room_message("hi").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UserMessageNotJoin, "{e}");
    let (bob, _bob_events) = joined(&server.url(), "nj", "bob").await;
    bob.leave_room().await.unwrap();
    let results = [
        bob.send_user_message("alice", "hi").await,
        bob.send_user_binary_message("alice", b"hi").await,
        bob.send_room_message("hi").await,
        bob.send_room_binary_message(b"hi").await,
    ];
    for result in results {
        assert_eq!(result.unwrap_err().code, ErrorCode::UserMessageNotJoin);
    }
}

#[tokio::test]
async fn a_user_message_to_someone_not_in_the_room_or_to_yourself_has_no_receiver() {
    let server = start_server(|_| {}).await;
    let (alice, _alice_events) = joined(&server.url(), "nr", "alice").await;
    // Bob is in another room.
    let (_bob, _bob_events) = joined(&server.url(), "elsewhere", "bob").await;
    for to in ["nobody", "bob", "alice"] {
        let e = alice.send_user_message(to, "hi").await.unwrap_err();
        assert_eq!(e.code, ErrorCode::UserMessageNoReceiver, "to {to}: {e}");
        let e = alice.send_user_binary_message(to, b"hi").await.unwrap_err();
        assert_eq!(e.code, ErrorCode::UserMessageNoReceiver, "to {to}: {e}");
    }
    // A room message with nobody else in the room is fine.
    alice.send_room_message("anyone?").await.unwrap();
}

#[tokio::test]
async fn an_unanswered_message_fails_with_user_message_timeout() {
    let url = fake_server(Fake::AnswerOnlyJoinAndLogin).await;
    let mut config = EngineConfig::new(url);
    config.message_timeout = Duration::from_millis(300);
    let engine = create_engine(APP_ID, config);
    engine
        .join_room(
            Some(&token("t", "alice")),
            "t",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    let started = Instant::now();
    let e = engine.send_user_message("bob", "hello?").await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.code, ErrorCode::UserMessageTimeout);
    assert_eq!(
        e.message,
        "no answer to sendUserMessage within 300ms; the message may or may not have been delivered"
    );
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "{took:?}"
    );
    let e = engine.send_room_binary_message(b"x").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UserMessageTimeout);
    // Still connected and in the room: the connection is not to blame.
    assert_eq!(
        engine.connection_state(),
        chorus_sdk::ConnectionState::Connected
    );
}

#[tokio::test]
async fn a_message_in_flight_when_the_connection_drops_is_broken() {
    let fake = fake_server(Fake::HangUpOnMessage).await;
    let fake_addr = fake.trim_start_matches("http://").parse().unwrap();
    // Through a relay that refuses new connections, so the engine stays reconnecting.
    let relay = Relay::start(fake_addr).await;
    let mut config = EngineConfig::new(relay.url());
    config.reconnect_timeout = Duration::from_secs(5);
    let engine = create_engine(APP_ID, config);
    let mut events = engine.events();
    engine
        .join_room(
            Some(&token("b", "alice")),
            "b",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
    relay.refuse(true);
    let e = engine.send_room_message("hello").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UserMessageBroken);
    assert!(
        e.message
            .starts_with("connection lost before sendRoomMessage was answered"),
        "{e}"
    );
    // While the engine reconnects, a message fails at once, also as broken.
    assert_eq!(
        next_state_after(&mut events, chorus_sdk::ConnectionState::Reconnecting).await,
        chorus_sdk::ConnectionState::Reconnecting
    );
    let e = engine
        .send_user_binary_message("bob", b"x")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::UserMessageBroken);
    assert!(e.message.contains("reconnecting"), "{e}");
}

/// Waits for the connection state `want`.
async fn next_state_after(
    events: &mut chorus_sdk::EventStream,
    want: chorus_sdk::ConnectionState,
) -> chorus_sdk::ConnectionState {
    loop {
        let (state, _) = next_state(events).await;
        if state == want {
            return state;
        }
    }
}
