//! Media requests at the signalling edge: the room-level rules of subscribing and capture
//! state, and how the SFU's refusals reach the client. Media itself flows in the SDK's
//! end-to-end tests.

use crate::common::raw::*;
use crate::common::*;
use chorus_proto::Event;
use chorus_token::{AccessToken, Privilege};
use serde_json::{Value, json};

/// Joins `user` on a fresh raw socket and returns it once the join is answered.
async fn raw_joined(server: &TestServer, room: &str, user: &str, token: String) -> Socket {
    let mut socket = connect(server).await;
    let frame = json!({"id": 1, "method": "joinRoom", "params": {
        "token": token, "roomId": room, "userInfo": {"userId": user}
    }});
    send(&mut socket, frame.to_string()).await;
    let reply = reply_to(&mut socket, 1).await;
    assert_eq!(reply["result"]["userId"], user, "{reply}");
    socket
}

/// The answer to request `id`, skipping events.
async fn reply_to(socket: &mut Socket, id: u64) -> Value {
    loop {
        let frame = recv(socket).await;
        if frame["id"] == id {
            return frame;
        }
    }
}

async fn request(socket: &mut Socket, id: u64, method: &str, params: Value) -> Value {
    let frame = json!({"id": id, "method": method, "params": params});
    send(socket, frame.to_string()).await;
    reply_to(socket, id).await
}

#[tokio::test]
async fn media_requests_outside_a_room_are_not_connected_yet() {
    let server = TestServer::start().await;
    let mut socket = connect(&server).await;
    let cases = [
        ("publisherOffer", json!({"sdp": "v=0", "tracks": []})),
        ("subscriberAnswer", json!({"sdp": "v=0"})),
        ("subscribeStream", json!({"userId": "bob", "mediaType": 3})),
        (
            "unsubscribeScreen",
            json!({"userId": "bob", "mediaType": 2}),
        ),
        ("pauseAllSubscribedStream", json!({"mediaType": 3})),
        (
            "setRemoteSimulcastStreamType",
            json!({"userId": "bob", "streamType": "low"}),
        ),
        (
            "setCaptureState",
            json!({"kind": "video", "capturing": true}),
        ),
    ];
    for (id, (method, params)) in (1..).zip(cases) {
        let reply = request(&mut socket, id, method, params).await;
        assert_eq!(
            reply["error"]["code"], "NOT_CONNECTED_YET",
            "{method}: {reply}"
        );
    }
}

#[tokio::test]
async fn subscribing_needs_a_published_stream_and_the_privilege() {
    let server = TestServer::start().await;
    let (alice, mut alice_events) = server.joined("subs", "alice").await;
    alice
        .publish_stream(chorus_proto::MediaType::Audio)
        .await
        .expect("alice publishes audio");
    let mut bob = raw_joined(&server, "subs", "bob", token("subs", "bob")).await;

    let video = json!({"userId": "alice", "mediaType": 2});
    let reply = request(&mut bob, 2, "subscribeStream", video.clone()).await;
    assert_eq!(reply["error"]["code"], "STREAM_NOT_EXIST", "{reply}");
    let reply = request(
        &mut bob,
        3,
        "subscribeScreen",
        json!({"userId": "alice", "mediaType": 1}),
    )
    .await;
    assert_eq!(reply["error"]["code"], "STREAM_NOT_EXIST", "{reply}");
    let reply = request(&mut bob, 4, "unsubscribeStream", video).await;
    assert_eq!(reply["error"]["code"], "STREAM_NOT_EXIST", "{reply}");
    let audio = json!({"userId": "alice", "mediaType": 1});
    let reply = request(&mut bob, 5, "subscribeStream", audio.clone()).await;
    assert_eq!(reply["result"], json!({}), "{reply}");
    let reply = request(
        &mut bob,
        6,
        "subscribeStream",
        json!({"userId": "bob", "mediaType": 1}),
    )
    .await;
    assert_eq!(reply["error"]["code"], "INVALID_PARAMS", "{reply}");
    let reply = request(
        &mut bob,
        7,
        "subscribeStream",
        json!({"userId": "a b", "mediaType": 1}),
    )
    .await;
    assert_eq!(reply["error"]["code"], "INVALID_PARAMS", "{reply}");

    let publish_only = AccessToken::new(APP_ID, APP_KEY, "subs", "carol")
        .add_privilege(Privilege::PublishStream, 0)
        .serialize()
        .unwrap();
    let mut carol = raw_joined(&server, "subs", "carol", publish_only).await;
    let reply = request(&mut carol, 2, "subscribeStream", audio).await;
    assert_eq!(reply["error"]["code"], "PUBLISH_FAILED", "{reply}");
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(message.contains("subscribe"), "{message}");

    // Capture state reaches the others.
    let reply = request(
        &mut carol,
        3,
        "setCaptureState",
        json!({"kind": "video", "capturing": true}),
    )
    .await;
    assert_eq!(reply["result"], json!({}), "{reply}");
    wait_for(&mut alice_events, |e| match e {
        Event::UserStartVideoCapture(c) if c.user_id == "carol" => Some(()),
        _ => None,
    })
    .await;
}

#[tokio::test]
async fn a_bad_offer_is_invalid_params_and_the_session_goes_on() {
    let server = TestServer::start().await;
    let mut alice = raw_joined(&server, "sdp", "alice", token("sdp", "alice")).await;
    let reply = request(
        &mut alice,
        2,
        "publisherOffer",
        json!({"sdp": "not an sdp", "tracks": []}),
    )
    .await;
    assert_eq!(reply["error"]["code"], "INVALID_PARAMS", "{reply}");
    let reply = request(&mut alice, 3, "subscriberAnswer", json!({"sdp": "v=0"})).await;
    assert_eq!(reply["error"]["code"], "INVALID_PARAMS", "{reply}");
    let reply = request(
        &mut alice,
        4,
        "sendRoomMessage",
        json!({"message": "still here"}),
    )
    .await;
    assert_eq!(reply["result"], json!({}), "{reply}");
}

#[tokio::test]
async fn an_oversized_sdp_or_an_unasked_answer_is_refused_unread() {
    let server = TestServer::start().await;
    let mut alice = raw_joined(&server, "sdp-size", "alice", token("sdp-size", "alice")).await;
    // Within the frame limit, past the SDP limit.
    let huge = format!("v=0\r\n{}", "a=x\r\n".repeat(20_000));
    let reply = request(
        &mut alice,
        2,
        "publisherOffer",
        json!({"sdp": huge, "tracks": []}),
    )
    .await;
    assert_eq!(reply["error"]["code"], "INVALID_PARAMS", "{reply}");
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(message.contains("65536"), "{message}");
    let reply = request(&mut alice, 3, "subscriberAnswer", json!({"sdp": huge})).await;
    assert_eq!(reply["error"]["code"], "INVALID_PARAMS", "{reply}");
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(message.contains("65536"), "{message}");

    // No subscriber offer was made: the answer is refused as unasked, not as bad SDP.
    let reply = request(&mut alice, 4, "subscriberAnswer", json!({"sdp": "v=0"})).await;
    assert_eq!(reply["error"]["code"], "INVALID_PARAMS", "{reply}");
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(message.contains("no subscriber offer"), "{message}");

    let reply = request(
        &mut alice,
        5,
        "sendRoomMessage",
        json!({"message": "still here"}),
    )
    .await;
    assert_eq!(reply["result"], json!({}), "{reply}");
}

/// A real publisher offer (one send-only audio m-line) and its track list.
fn audio_offer() -> (String, Value) {
    let mut rtc = str0m::Rtc::new(std::time::Instant::now());
    let mut api = rtc.sdp_api();
    let mid = api.add_media(
        str0m::media::MediaKind::Audio,
        str0m::media::Direction::SendOnly,
        None,
        None,
        None,
    );
    let (offer, _) = api.apply().expect("an offer with one m-line");
    let tracks = json!([{"mid": mid.to_string(), "streamIndex": 0, "kind": "audio"}]);
    (offer.to_sdp_string(), tracks)
}

#[tokio::test]
async fn a_publisher_transport_needs_a_publish_privilege() {
    let server = TestServer::start().await;
    let subscribe_only = AccessToken::new(APP_ID, APP_KEY, "pubpriv", "carol")
        .add_privilege(Privilege::SubscribeStream, 0)
        .serialize()
        .unwrap();
    let mut carol = raw_joined(&server, "pubpriv", "carol", subscribe_only).await;
    let (sdp, tracks) = audio_offer();
    let offer = json!({"sdp": sdp, "tracks": tracks});
    let reply = request(&mut carol, 2, "publisherOffer", offer.clone()).await;
    assert_eq!(reply["error"]["code"], "PUBLISH_FAILED", "{reply}");
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(message.contains("publish privilege"), "{message}");
    // No transport was opened for it, so none of its packets can reach a decrypting Rtc.
    assert_eq!(server.metric("chorus_sfu_transports").await, Some(0.0));

    // A token that grants publishing opens the transport.
    let reply = request(
        &mut carol,
        3,
        "updateToken",
        json!({"token": token("pubpriv", "carol")}),
    )
    .await;
    assert!(reply.get("error").is_none(), "{reply}");
    let reply = request(&mut carol, 4, "publisherOffer", offer).await;
    assert!(reply["result"]["sdp"].is_string(), "{reply}");
    assert_eq!(server.metric("chorus_sfu_transports").await, Some(1.0));
}
