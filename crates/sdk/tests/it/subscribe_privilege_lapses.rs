//! A subscriber whose token's subscribe privilege ends while media flows is warned, stops
//! receiving, stays in the room, and receives again once updateToken grants it anew.

use std::time::Duration;

use crate::common::media::*;
use crate::common::*;
use chorus_sdk::{AudioCaptureSource, Event, StreamIndex};
use chorus_token::Privilege;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsing_subscribe_privilege_stops_media_until_a_new_token_restores_it() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = start_server(|c| c.token_warn_secs = 2).await;
    let url = server.url();
    let (alice, mut alice_events) = joined(&url, "lapse", "alice").await;
    alice
        .start_audio_capture(AudioCaptureSource::Tone { hz: 440.0 })
        .await
        .unwrap();
    let (bob, mut bob_events) = joined(&url, "lapse", "bob").await;
    let mut audio = bob.remote_audio("alice", StreamIndex::Main);
    next_frame(&mut audio, MEDIA_PATIENCE).await;

    // Media flows; now bob's subscribe privilege is to end in a few seconds.
    let until = (now_secs() + 3) as u32;
    let short = chorus_token::AccessToken::new(APP_ID, APP_KEY, "lapse", "bob")
        .add_privilege(Privilege::PublishStream, 0)
        .add_privilege(Privilege::SubscribeStream, until)
        .serialize()
        .unwrap();
    bob.update_token(&short).await.unwrap();
    let warned = wait_for(&mut bob_events, |e| match e {
        Event::TokenSubscribePrivilegeWillExpire(w) => Some(w.expire_at),
        _ => None,
    })
    .await;
    assert_eq!(warned, u64::from(until));
    let ended = wait_for(&mut bob_events, |e| match e {
        Event::TokenSubscribePrivilegeDidExpired(w) => Some(w.expire_at),
        _ => None,
    })
    .await;
    assert_eq!(ended, u64::from(until));

    // What was on its way drains; then nothing comes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while audio.try_next().is_some() {}
    let quiet = tokio::time::timeout(Duration::from_secs(1), audio.next()).await;
    assert!(
        quiet.is_err(),
        "audio kept arriving after the privilege ended"
    );

    // Bob is still in the room: alice saw no leave, and he may still publish.
    let left = drain_for(&mut alice_events, Duration::from_millis(100)).await;
    assert!(
        !left
            .iter()
            .any(|e| matches!(e, chorus_sdk::EngineEvent::Room(Event::UserLeave(_)))),
        "{left:?}"
    );
    bob.publish_stream(chorus_sdk::MediaType::Audio)
        .await
        .unwrap();

    // A token that grants it again restores the subscription.
    bob.update_token(&token("lapse", "bob")).await.unwrap();
    let frames = collect_audio(&mut audio, Duration::from_secs(2)).await;
    assert!(
        frames.len() >= 40,
        "{} frames after the new token",
        frames.len()
    );
}
