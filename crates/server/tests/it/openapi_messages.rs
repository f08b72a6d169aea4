//! The OpenAPI message actions: SendUnicast reaches a logged-in user outside rooms,
//! SendRoomUnicast and BatchSendRoomUnicast users in a room, SendBroadcast everyone in it; text
//! and binary arrive with the sender `From` and the exact bytes; absent receivers and bad
//! input get clear refusals.

use std::time::Duration;

use crate::common::raw::{Socket, connect, recv, send};
use crate::common::*;
use base64::Engine as _;
use chorus_proto::Event;
use serde_json::{Value, json};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("binary messages arrive as base64")
}

/// A raw signalling socket logged in (messaging outside rooms) as `user`.
async fn logged_in(server: &TestServer, user: &str) -> Socket {
    let mut socket = connect(server).await;
    let frame =
        json!({"id": 1, "method": "login", "params": {"token": token("", user), "userId": user}});
    send(&mut socket, frame.to_string()).await;
    let reply = recv(&mut socket).await;
    assert_eq!(reply["id"], 1, "{reply}");
    assert!(reply.get("error").is_none(), "login fails: {reply}");
    socket
}

fn ok(envelope: &Value) {
    assert!(
        envelope["ResponseMetadata"]["Error"].is_null(),
        "{envelope}"
    );
    assert_eq!(envelope["Result"]["Message"], "success", "{envelope}");
}

fn refused(status: u16, envelope: &Value, want_status: u16, code: &str) {
    assert_eq!(status, want_status, "{envelope}");
    assert_eq!(
        envelope["ResponseMetadata"]["Error"]["Code"], code,
        "{envelope}"
    );
    assert!(envelope["Result"].is_null(), "{envelope}");
    let message = envelope["ResponseMetadata"]["Error"]["Message"]
        .as_str()
        .unwrap();
    assert!(!message.is_empty());
}

/// The next message event a room client gets: (event name, sender, message).
async fn message_for(events: &mut chorus_sdk::EventStream) -> (&'static str, String, String) {
    wait_for(events, |e| {
        let data = match e {
            Event::UserMessageReceived(m)
            | Event::UserBinaryMessageReceived(m)
            | Event::RoomMessageReceived(m)
            | Event::RoomBinaryMessageReceived(m) => m,
            _ => return None,
        };
        Some((e.name(), data.user_id.clone(), data.message.clone()))
    })
    .await
}

#[tokio::test]
async fn send_unicast_reaches_a_logged_in_user_as_text_and_binary() {
    let server = TestServer::start().await;
    let mut carol = logged_in(&server, "carol").await;

    let (status, envelope) = server
        .api(
            "SendUnicast",
            json!({"AppId": APP_ID, "From": "biz-server", "To": "carol", "Binary": false, "Message": "hello carol"}),
        )
        .await;
    assert_eq!(status, 200);
    ok(&envelope);
    assert_eq!(envelope["ResponseMetadata"]["Action"], "SendUnicast");
    let event = recv(&mut carol).await;
    assert_eq!(
        event["event"], "onUserMessageReceivedOutsideRoom",
        "{event}"
    );
    assert_eq!(event["data"]["userId"], "biz-server");
    assert_eq!(event["data"]["message"], "hello carol");

    let bytes: Vec<u8> = (0..=255u8).chain([0, 0, 255]).collect();
    let (_, envelope) = server
        .api(
            "SendUnicast",
            json!({"AppId": APP_ID, "From": "biz-server", "To": "carol", "Binary": true, "Message": b64(&bytes)}),
        )
        .await;
    ok(&envelope);
    let event = recv(&mut carol).await;
    assert_eq!(
        event["event"], "onUserBinaryMessageReceivedOutsideRoom",
        "{event}"
    );
    assert_eq!(event["data"]["userId"], "biz-server");
    assert_eq!(unb64(event["data"]["message"].as_str().unwrap()), bytes);

    // Binary defaults to false.
    let (_, envelope) = server
        .api(
            "SendUnicast",
            json!({"AppId": APP_ID, "From": "biz-server", "To": "carol", "Message": "plain"}),
        )
        .await;
    ok(&envelope);
    let event = recv(&mut carol).await;
    assert_eq!(event["event"], "onUserMessageReceivedOutsideRoom");
    assert_eq!(event["data"]["message"], "plain");
}

#[tokio::test]
async fn send_unicast_to_a_user_not_logged_in_is_user_not_logged_in() {
    let server = TestServer::start().await;
    // Dave is logged in to the other app: a different user altogether.
    let _dave = {
        let mut socket = connect(&server).await;
        let other = chorus_token::AccessToken::new(OTHER_APP_ID, OTHER_APP_KEY, "", "dave")
            .serialize()
            .unwrap();
        let frame =
            json!({"id": 1, "method": "login", "params": {"token": other, "userId": "dave"}});
        send(&mut socket, frame.to_string()).await;
        assert!(recv(&mut socket).await.get("error").is_none());
        socket
    };
    for to in ["nobody", "dave"] {
        let (status, envelope) = server
            .api(
                "SendUnicast",
                json!({"AppId": APP_ID, "From": "biz", "To": to, "Message": "hi"}),
            )
            .await;
        refused(status, &envelope, 404, "UserNotLoggedIn");
    }
    // A user in a room but not logged in is not reachable outside rooms either.
    let (_alice, _events) = server.joined("lobby", "alice").await;
    let (status, envelope) = server
        .api(
            "SendUnicast",
            json!({"AppId": APP_ID, "From": "biz", "To": "alice", "Message": "hi"}),
        )
        .await;
    refused(status, &envelope, 404, "UserNotLoggedIn");
}

#[tokio::test]
async fn send_room_unicast_reaches_one_user_in_the_room() {
    let server = TestServer::start().await;
    let (_alice, mut alice_events) = server.joined("uni", "alice").await;
    let (_bob, mut bob_events) = server.joined("uni", "bob").await;

    let (status, envelope) = server
        .api(
            "SendRoomUnicast",
            json!({"AppId": APP_ID, "RoomId": "uni", "From": "biz", "To": "bob", "Binary": false, "Message": "just bob"}),
        )
        .await;
    assert_eq!(status, 200);
    ok(&envelope);
    assert_eq!(
        message_for(&mut bob_events).await,
        ("onUserMessageReceived", "biz".into(), "just bob".into())
    );

    let bytes = vec![0u8, 1, 2, 3, 254, 255];
    let (_, envelope) = server
        .api(
            "SendRoomUnicast",
            json!({"AppId": APP_ID, "RoomId": "uni", "From": "biz", "To": "bob", "Binary": true, "Message": b64(&bytes)}),
        )
        .await;
    ok(&envelope);
    let (name, from, message) = message_for(&mut bob_events).await;
    assert_eq!(
        (name, from.as_str()),
        ("onUserBinaryMessageReceived", "biz")
    );
    assert_eq!(unb64(&message), bytes);

    // The largest message the contract allows: 64 KB of bytes, decoded.
    let big: Vec<u8> = (0..64 * 1024).map(|i| (i * 7 % 256) as u8).collect();
    let (_, envelope) = server
        .api(
            "SendRoomUnicast",
            json!({"AppId": APP_ID, "RoomId": "uni", "From": "biz", "To": "bob", "Binary": true, "Message": b64(&big)}),
        )
        .await;
    ok(&envelope);
    let (_, _, message) = message_for(&mut bob_events).await;
    assert_eq!(unb64(&message), big);

    // Alice got none of it (only bob's join).
    wait_for(&mut alice_events, |e| {
        matches!(e, Event::UserJoined(j) if j.user_info.user_id == "bob").then_some(())
    })
    .await;
    assert_quiet(&mut alice_events, Duration::from_millis(300)).await;
}

#[tokio::test]
async fn send_room_unicast_to_someone_absent_is_user_not_in_room() {
    let server = TestServer::start().await;
    let (_alice, _events) = server.joined("here", "alice").await;
    let cases = [
        ("here", "bob"),      // the room runs, bob is not in it
        ("nowhere", "alice"), // the room does not run at all
    ];
    for (room, to) in cases {
        let (status, envelope) = server
            .api(
                "SendRoomUnicast",
                json!({"AppId": APP_ID, "RoomId": room, "From": "biz", "To": to, "Message": "hi"}),
            )
            .await;
        refused(status, &envelope, 404, "UserNotInRoom");
        let message = envelope["ResponseMetadata"]["Error"]["Message"]
            .as_str()
            .unwrap();
        assert!(message.contains(to) && message.contains(room), "{message}");
    }
}

#[tokio::test]
async fn batch_send_room_unicast_delivers_to_those_present_and_names_the_absent() {
    let server = TestServer::start().await;
    let (_alice, mut alice_events) = server.joined("batch", "alice").await;
    let (_bob, mut bob_events) = server.joined("batch", "bob").await;
    let (_carol, mut carol_events) = server.joined("batch", "carol").await;

    let (status, envelope) = server
        .api(
            "BatchSendRoomUnicast",
            json!({"AppId": APP_ID, "RoomId": "batch", "From": "biz",
                   "To": ["alice", "bob", "zed", "bob"], "Binary": false, "Message": "to some"}),
        )
        .await;
    assert_eq!(status, 200);
    ok(&envelope);
    assert_eq!(envelope["Result"]["AbsentUserList"], json!(["zed"]));
    for events in [&mut alice_events, &mut bob_events] {
        assert_eq!(
            message_for(events).await,
            ("onUserMessageReceived", "biz".into(), "to some".into())
        );
    }
    // Listed twice, bob got it once; carol was not listed.
    assert_quiet(&mut bob_events, Duration::from_millis(200)).await;
    wait_for(&mut carol_events, |e| {
        matches!(e, Event::UserJoined(_)).then_some(())
    })
    .await;
    wait_for(&mut carol_events, |e| {
        matches!(e, Event::UserJoined(_)).then_some(())
    })
    .await;
    assert_quiet(&mut carol_events, Duration::from_millis(200)).await;

    // Everyone present: the plain success answer.
    let bytes = [9u8, 8, 7];
    let (_, envelope) = server
        .api(
            "BatchSendRoomUnicast",
            json!({"AppId": APP_ID, "RoomId": "batch", "From": "biz",
                   "To": ["carol"], "Binary": true, "Message": b64(&bytes)}),
        )
        .await;
    ok(&envelope);
    assert!(
        envelope["Result"].get("AbsentUserList").is_none(),
        "{envelope}"
    );
    let (name, from, message) = message_for(&mut carol_events).await;
    assert_eq!(
        (name, from.as_str()),
        ("onUserBinaryMessageReceived", "biz")
    );
    assert_eq!(unb64(&message), bytes);

    // Nobody present.
    let (status, envelope) = server
        .api(
            "BatchSendRoomUnicast",
            json!({"AppId": APP_ID, "RoomId": "batch", "From": "biz", "To": ["x", "y"], "Message": "m"}),
        )
        .await;
    refused(status, &envelope, 404, "UserNotInRoom");
    let (status, envelope) = server
        .api(
            "BatchSendRoomUnicast",
            json!({"AppId": APP_ID, "RoomId": "idle", "From": "biz", "To": ["alice"], "Message": "m"}),
        )
        .await;
    refused(status, &envelope, 404, "UserNotInRoom");

    // An empty list, or more than 600 receivers.
    let many: Vec<String> = (0..601).map(|i| format!("u{i}")).collect();
    for to in [json!([]), json!(many)] {
        let (status, envelope) = server
            .api(
                "BatchSendRoomUnicast",
                json!({"AppId": APP_ID, "RoomId": "batch", "From": "biz", "To": to, "Message": "m"}),
            )
            .await;
        refused(status, &envelope, 400, "InvalidParameter");
    }
}

#[tokio::test]
async fn send_broadcast_reaches_everyone_in_the_room() {
    let server = TestServer::start().await;
    let (_alice, mut alice_events) = server.joined("cast", "alice").await;
    let (_bob, mut bob_events) = server.joined("cast", "bob").await;

    let (status, envelope) = server
        .api(
            "SendBroadcast",
            json!({"AppId": APP_ID, "RoomId": "cast", "From": "biz", "Binary": false, "Message": "all hands"}),
        )
        .await;
    assert_eq!(status, 200);
    ok(&envelope);
    for events in [&mut alice_events, &mut bob_events] {
        assert_eq!(
            message_for(events).await,
            ("onRoomMessageReceived", "biz".into(), "all hands".into())
        );
    }

    let bytes = b"\x00binary\xff".to_vec();
    let (_, envelope) = server
        .api(
            "SendBroadcast",
            json!({"AppId": APP_ID, "RoomId": "cast", "From": "biz", "Binary": true, "Message": b64(&bytes)}),
        )
        .await;
    ok(&envelope);
    for events in [&mut alice_events, &mut bob_events] {
        let (name, from, message) = message_for(events).await;
        assert_eq!(
            (name, from.as_str()),
            ("onRoomBinaryMessageReceived", "biz")
        );
        assert_eq!(unb64(&message), bytes);
    }

    let (status, envelope) = server
        .api(
            "SendBroadcast",
            json!({"AppId": APP_ID, "RoomId": "empty", "From": "biz", "Message": "anyone?"}),
        )
        .await;
    refused(status, &envelope, 404, "RoomNotExist");
}

#[tokio::test]
async fn bad_message_requests_are_invalid_parameter() {
    let server = TestServer::start().await;
    let (_bob, mut bob_events) = server.joined("strict", "bob").await;
    let too_long_text = "x".repeat(64 * 1024 + 1);
    let too_long_binary = b64(&vec![1u8; 64 * 1024 + 1]);
    let base =
        json!({"AppId": APP_ID, "RoomId": "strict", "From": "biz", "To": "bob", "Message": "m"});
    let with = |patch: Value| {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (
            "SendRoomUnicast",
            with(json!({"AppId": "notanappweknowabout0000"})),
        ),
        ("SendRoomUnicast", with(json!({"From": "has space"}))),
        ("SendRoomUnicast", with(json!({"From": ""}))),
        ("SendRoomUnicast", with(json!({"To": "b/o/b"}))),
        ("SendRoomUnicast", with(json!({"RoomId": "x".repeat(129)}))),
        ("SendRoomUnicast", with(json!({"Message": too_long_text}))),
        (
            "SendRoomUnicast",
            with(json!({"Binary": true, "Message": too_long_binary})),
        ),
        (
            "SendRoomUnicast",
            with(json!({"Binary": true, "Message": "not base64!"})),
        ),
        (
            "SendRoomUnicast",
            json!({"AppId": APP_ID, "RoomId": "strict", "From": "biz", "To": "bob"}),
        ),
        ("SendRoomUnicast", with(json!({"Binary": "yes"}))),
        (
            "SendUnicast",
            json!({"AppId": APP_ID, "From": "biz", "To": "bob", "Binary": true, "Message": "%%%"}),
        ),
        (
            "SendUnicast",
            json!({"AppId": APP_ID, "From": "biz", "To": "", "Message": "m"}),
        ),
        (
            "SendBroadcast",
            json!({"AppId": APP_ID, "RoomId": "strict", "From": "biz", "Message": "y".repeat(64 * 1024 + 1)}),
        ),
        (
            "BatchSendRoomUnicast",
            json!({"AppId": APP_ID, "RoomId": "strict", "From": "biz", "To": ["bob", "bad id"], "Message": "m"}),
        ),
        (
            "BatchSendRoomUnicast",
            json!({"AppId": APP_ID, "RoomId": "strict", "From": "biz", "To": "bob", "Message": "m"}),
        ),
    ];
    for (action, body) in cases {
        let (status, envelope) = server.api(action, body.clone()).await;
        assert_eq!(status, 400, "{action} {body} -> {envelope}");
        assert_eq!(
            envelope["ResponseMetadata"]["Error"]["Code"], "InvalidParameter",
            "{action} {body} -> {envelope}"
        );
    }
    // None of them reached bob; exactly 64 KB of text does.
    let (_, envelope) = server
        .api(
            "SendRoomUnicast",
            with(json!({"Message": "z".repeat(64 * 1024)})),
        )
        .await;
    ok(&envelope);
    let (_, _, message) = message_for(&mut bob_events).await;
    assert_eq!(message.len(), 64 * 1024);
    assert!(message.bytes().all(|b| b == b'z'));
}
