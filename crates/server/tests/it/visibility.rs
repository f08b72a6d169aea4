//! Invisible users are in no one's list, cannot publish, and appear and disappear with the
//! contract's reasons.

use std::time::Duration;

use crate::common::*;
use chorus_proto::{ErrorCode, Event, MediaType, UserOfflineReason};

#[tokio::test]
async fn invisible_users_are_unseen_and_cannot_publish() {
    let server = TestServer::start().await;
    let (_alice, mut alice_events) = server.joined("vis", "alice").await;

    let ghost = server.engine();
    let mut ghost_events = ghost.events();
    ghost.set_user_visibility(false).await.unwrap();
    ghost
        .join_room(
            Some(&token("vis", "ghost")),
            "vis",
            user_info("ghost"),
            Default::default(),
        )
        .await
        .unwrap();
    // The ghost sees alice; alice sees nothing.
    wait_for(&mut ghost_events, |e| {
        matches!(e, Event::UserJoined(j) if j.user_info.user_id == "alice").then_some(())
    })
    .await;
    assert_quiet(&mut alice_events, Duration::from_millis(300)).await;

    let e = ghost.publish_stream(MediaType::Audio).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NoPublishPermission);
    assert!(e.message.contains("setUserVisibility"), "{e}");

    let (_, users) = server
        .api(
            "GetRoomOnlineUsers",
            serde_json::json!({"AppId": APP_ID, "RoomId": "vis"}),
        )
        .await;
    assert_eq!(
        users["Result"]["VisibleUserList"],
        serde_json::json!(["alice"])
    );
    assert_eq!(
        users["Result"]["InvisibleUserList"],
        serde_json::json!(["ghost"])
    );
    assert_eq!(users["Result"]["TotalUser"], 2);

    // Becoming visible: alice sees a join; then publishing works.
    ghost.set_user_visibility(true).await.unwrap();
    wait_for(&mut alice_events, |e| {
        matches!(e, Event::UserJoined(j) if j.user_info.user_id == "ghost").then_some(())
    })
    .await;
    ghost.publish_stream(MediaType::Audio).await.unwrap();
    wait_for(&mut alice_events, |e| {
        matches!(e, Event::UserPublishStream(p) if p.user_id == "ghost").then_some(())
    })
    .await;

    // Going invisible again ends the stream, then alice sees SWITCH_TO_INVISIBLE.
    ghost.set_user_visibility(false).await.unwrap();
    match next_room_event(&mut alice_events).await {
        Event::UserUnpublishStream(e) => assert_eq!(e.user_id, "ghost"),
        other => panic!("expected the ghost's stream to end, got {other:?}"),
    }
    match next_room_event(&mut alice_events).await {
        Event::UserLeave(e) => {
            assert_eq!(e.user_info.user_id, "ghost");
            assert_eq!(e.reason, UserOfflineReason::SwitchToInvisible);
        }
        other => panic!("expected onUserLeave, got {other:?}"),
    }
}
