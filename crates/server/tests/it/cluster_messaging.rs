//! Outside-room messaging across the nodes of a cluster: users logged in on different nodes
//! see each other online, exchange messages (text and bytes), and a second login of the same
//! user on another node ends the first with RTM_DUPLICATE_LOGIN; the OpenAPI's SendUnicast
//! on one node reaches a user logged in on another.

use chorus_proto::{ErrorCode, Event, UserOnlineStatus};
use chorus_sdk::EventStream;
use chorus_testkit::logged_in;
use serde_json::json;

use crate::cluster_redis::{Redis, node};
use crate::common::*;

async fn outside_message(events: &mut EventStream) -> (String, String) {
    wait_for(events, |e| match e {
        Event::UserMessageReceivedOutsideRoom(m) => Some((m.user_id.clone(), m.message.clone())),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn users_logged_in_on_two_nodes_reach_each_other() {
    let redis = Redis::start().await;
    let a = node(&redis, "a").await;
    let b = node(&redis, "b").await;
    let (alice, mut alice_events) = logged_in(&a.url(), "alice").await;
    let (bob, mut bob_events) = logged_in(&b.url(), "bob").await;

    // The login record is written a moment after the login is answered.
    eventually("bob to be online for alice", async || {
        (alice.get_peer_online_status("bob").await.ok()? == UserOnlineStatus::Online).then_some(())
    })
    .await;
    assert_eq!(
        bob.get_peer_online_status("nobody").await.unwrap(),
        UserOnlineStatus::Offline
    );

    alice
        .send_user_message_outside_room("bob", "hi bob, from node a")
        .await
        .unwrap();
    assert_eq!(
        outside_message(&mut bob_events).await,
        ("alice".to_owned(), "hi bob, from node a".to_owned())
    );
    bob.send_user_message_outside_room("alice", "hi alice, from node b")
        .await
        .unwrap();
    assert_eq!(
        outside_message(&mut alice_events).await,
        ("bob".to_owned(), "hi alice, from node b".to_owned())
    );
    // The OpenAPI on node b reaches Alice, logged in on node a.
    let (status, envelope) = b
        .api(
            "SendUnicast",
            json!({"AppId": APP_ID, "From": "server", "To": "alice", "Message": "from the api", "Binary": false}),
        )
        .await;
    assert_eq!(status, 200, "{envelope}");
    assert_eq!(
        outside_message(&mut alice_events).await,
        ("server".to_owned(), "from the api".to_owned())
    );
    let (status, envelope) = b
        .api(
            "SendUnicast",
            json!({"AppId": APP_ID, "From": "server", "To": "nobody", "Message": "hello?", "Binary": false}),
        )
        .await;
    assert_eq!(status, 404, "{envelope}");
    assert_eq!(
        envelope["ResponseMetadata"]["Error"]["Code"], "UserNotLoggedIn",
        "{envelope}"
    );

    let nobody = alice
        .send_user_message_outside_room("nobody", "hello?")
        .await
        .expect_err("nobody is logged in");
    assert_eq!(nobody.code, ErrorCode::UserMessageNoReceiver);

    // Bob logs in again, on node a: his login on node b ends.
    let (bob_again, mut bob_again_events) = logged_in(&a.url(), "bob").await;
    let ended = wait_for(&mut bob_events, |e| match e {
        Event::Error(err) => Some(err.error_code),
        _ => None,
    })
    .await;
    assert_eq!(ended, ErrorCode::RtmDuplicateLogin);
    // Carol, on node b where Bob was, now finds him on node a.
    let (carol, _) = logged_in(&b.url(), "carol").await;
    eventually("bob to be online on node a", async || {
        carol
            .get_peer_online_status("bob")
            .await
            .ok()
            .filter(|s| *s == UserOnlineStatus::Online)
    })
    .await;
    carol
        .send_user_message_outside_room("bob", "found you")
        .await
        .unwrap();
    assert_eq!(
        outside_message(&mut bob_again_events).await,
        ("carol".to_owned(), "found you".to_owned())
    );
    drop(bob_again);
}
