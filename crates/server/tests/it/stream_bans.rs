//! The signed OpenAPI's BanUserStream and UnbanUserStream with native clients: the ban is heard
//! by everyone, refuses publishing what it covers and nothing else, and lifts; a request that
//! names neither video nor audio is refused.

use crate::common::*;
use chorus_proto::{ErrorCode, Event, MediaType};
use serde_json::json;

/// The next ban event of the kind asked for: (uid, banned).
async fn ban_heard(events: &mut chorus_sdk::EventStream, video: bool) -> (String, bool) {
    wait_for(events, |e| match e {
        Event::VideoStreamBanned(b) if video => Some((b.uid.clone(), b.banned)),
        Event::AudioStreamBanned(b) if !video => Some((b.uid.clone(), b.banned)),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn an_audio_ban_is_heard_refuses_publishing_audio_only_and_lifts() {
    let server = TestServer::start().await;
    let (alice, mut alice_events) = server.joined("bans", "alice").await;
    let (_bob, mut bob_events) = server.joined("bans", "bob").await;
    let body = json!({"AppId": APP_ID, "RoomId": "bans", "UserId": "alice", "Audio": true});
    let (status, envelope) = server.api("BanUserStream", body).await;
    assert_eq!(status, 200, "{envelope}");
    assert_eq!(envelope["Result"]["Message"], "success", "{envelope}");
    let alice_hears = ban_heard(&mut alice_events, false).await;
    assert_eq!(alice_hears, ("alice".to_owned(), true));
    assert_eq!(
        ban_heard(&mut bob_events, false).await,
        ("alice".to_owned(), true)
    );

    let refused = alice
        .publish_stream(MediaType::Audio)
        .await
        .expect_err("her audio is banned");
    assert_eq!(refused.code, ErrorCode::PublishFailed);
    assert!(refused.message.contains("BanUserStream"), "{refused:?}");
    alice
        .publish_stream(MediaType::Video)
        .await
        .expect("her video is not banned");

    let body = json!({"AppId": APP_ID, "RoomId": "bans", "UserId": "alice", "Audio": true});
    let (status, envelope) = server.api("UnbanUserStream", body).await;
    assert_eq!(status, 200, "{envelope}");
    assert_eq!(
        ban_heard(&mut bob_events, false).await,
        ("alice".to_owned(), false)
    );
    alice
        .publish_stream(MediaType::Audio)
        .await
        .expect("her audio is let again");
}

#[tokio::test]
async fn a_stream_ban_must_name_video_or_audio() {
    let server = TestServer::start().await;
    for action in ["BanUserStream", "UnbanUserStream"] {
        let body = json!({"AppId": APP_ID, "RoomId": "bans", "UserId": "alice"});
        let (status, envelope) = server.api(action, body).await;
        assert_eq!(status, 400, "{action}: {envelope}");
        assert_eq!(
            envelope["ResponseMetadata"]["Error"]["Code"], "InvalidParameter",
            "{action}"
        );
    }
}
