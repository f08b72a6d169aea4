//! The same user id joining from elsewhere removes the older session with DUPLICATE_LOGIN.

use crate::common::*;
use chorus_proto::{ErrorCode, Event, MediaType, RoomConfig, UserOfflineReason};

#[tokio::test]
async fn the_older_session_is_removed_with_duplicate_login() {
    let server = TestServer::start().await;
    let (_watcher, mut watcher_events) = server.joined("dup", "watcher").await;
    let (first, mut first_events) = server.joined("dup", "alice").await;
    first.publish_stream(MediaType::Audio).await.unwrap();
    wait_for(&mut watcher_events, |e| {
        matches!(e, Event::UserPublishStream(_)).then_some(())
    })
    .await;

    let (second, _second_events) = server.joined("dup", "alice").await;

    let error = wait_for(&mut first_events, |e| match e {
        Event::Error(err) => Some(err.clone()),
        _ => None,
    })
    .await;
    assert_eq!(error.error_code, ErrorCode::DuplicateLogin);

    // Others see the old session's stream end and the user leave and come back.
    let mut order = Vec::new();
    while order.len() < 3 {
        match next_room_event(&mut watcher_events).await {
            Event::UserUnpublishStream(e) => order.push(format!("unpublish {}", e.user_id)),
            Event::UserLeave(e) => {
                assert_eq!(e.reason, UserOfflineReason::Quit);
                order.push(format!("leave {}", e.user_info.user_id))
            }
            Event::UserJoined(e) => order.push(format!("join {}", e.user_info.user_id)),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(order, ["unpublish alice", "leave alice", "join alice"]);

    // The removed session is out of the room: it may join again (displacing the other).
    let e = first.publish_stream(MediaType::Audio).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotConnectedYet);
    second.publish_stream(MediaType::Video).await.unwrap();
    first
        .join_room(
            Some(&token("dup", "alice")),
            "dup",
            user_info("alice"),
            RoomConfig::default(),
        )
        .await
        .unwrap();
}
