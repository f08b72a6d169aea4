//! A WTN stream pushed without compositing: a user takes a public stream room's publisher
//! place with its own token of the app (for another room), and a player that never joined
//! receives its picture as sent (its own size, not a layout's) and its tone. The id has one
//! publisher at a time: a second WTN push, a compositor for the id, or a token without the
//! publish privilege is refused; the pusher's leave frees the id.

use std::time::Duration;

use chorus_proto::{
    ErrorCode, PublicStreamConfig, PublicStreamLayout, PublicStreamRegion, public_stream_room,
};
use chorus_sdk::{AudioSourceType, MediaType, RtcEngine, StreamIndex, VideoSourceType};
use chorus_testkit::{eventually_within, take_turn};
use chorus_token::{AccessToken, Privilege};

use crate::common::*;

const STREAM: &str = "own";
const COLOUR: [u8; 3] = [40, 200, 60];
const TONE: f32 = 660.0;
/// How long media may take to flow on a loaded machine (it takes about a second here).
const MEDIA_PATIENCE: Duration = Duration::from_secs(30);
/// The pusher's picture size: what a player gets, as no compositor resizes it.
const SIZE: (u32, u32) = (176, 144);

/// Joins `STREAM`'s room in the publisher's place with `token`.
async fn push_as(url: &str, token: &str) -> Result<RtcEngine, chorus_proto::RtcError> {
    let engine = chorus_testkit::engine(url);
    engine
        .set_video_source_type(StreamIndex::Main, VideoSourceType::External)
        .await
        .expect("external video");
    engine
        .set_audio_source_type(AudioSourceType::External)
        .await
        .expect("external audio");
    let room = public_stream_room(STREAM);
    engine
        .join_room(Some(token), &room, user_info(&room), Default::default())
        .await?;
    Ok(engine)
}

/// Power of `hz` in `samples` (mono, 48 kHz), Goertzel's way, normalised by length.
fn power_at(samples: &[i16], hz: f32) -> f64 {
    let w = 2.0 * std::f64::consts::PI * f64::from(hz) / 48_000.0;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (samples.len() as f64).powi(2)
}

fn layout() -> PublicStreamConfig {
    PublicStreamConfig {
        video: None,
        layout: Some(PublicStreamLayout {
            background_color: None,
            background_image: None,
            regions: Some(vec![PublicStreamRegion {
                user_id: "alice".into(),
                room_id: "stage".into(),
                ..Default::default()
            }]),
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wtn_push_reaches_a_player_as_sent_and_holds_its_id() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = TestServer::start().await;
    let url = server.url();

    // A token without the publish privilege cannot push.
    let no_publish = AccessToken::new(APP_ID, APP_KEY, "anywhere", "watcher")
        .add_privilege(Privilege::SubscribeStream, 0)
        .serialize()
        .expect("a token");
    let Err(refused) = push_as(&url, &no_publish).await else {
        panic!("a token without the publish privilege pushed");
    };
    assert_eq!(refused.code, ErrorCode::NoPublishPermission, "{refused}");

    // Alice pushes with her token for another room.
    let alice = push_as(&url, &token("anywhere", "alice"))
        .await
        .expect("alice pushes");
    let sending = keep_pushing_with_tone(&alice, TONE, solid(COLOUR, SIZE.0, SIZE.1));
    alice
        .publish_stream(MediaType::AudioAndVideo)
        .await
        .expect("publishes");

    // The id is hers: another WTN push and a compositor for it are refused.
    let Err(twice) = push_as(&url, &token("elsewhere", "bob")).await else {
        panic!("a second pusher took the id");
    };
    assert_eq!(twice.code, ErrorCode::RepeatPush, "{twice}");
    let carol = chorus_testkit::engine(&url);
    carol
        .join_room(
            Some(&token("stage", "carol")),
            "stage",
            user_info("carol"),
            Default::default(),
        )
        .await
        .expect("carol joins");
    let composite = carol
        .start_push_public_stream(STREAM, layout())
        .await
        .expect_err("pushed as a WTN stream");
    assert_eq!(composite.code, ErrorCode::RepeatPush, "{composite}");

    // A player that never joined gets Alice's picture at its own size, and her tone.
    let player = chorus_testkit::engine(&url);
    let mut video = player.public_stream_video(STREAM);
    let mut audio = player.public_stream_audio(STREAM);
    player
        .start_play_public_stream(&token(STREAM, "viewer"), STREAM, "viewer")
        .await
        .expect("plays");
    let deadline = tokio::time::Instant::now() + MEDIA_PATIENCE;
    loop {
        let frame = tokio::time::timeout_at(deadline, video.next())
            .await
            .expect("the colour shows in time")
            .expect("video flows");
        assert_eq!((frame.width, frame.height), SIZE);
        let rgba = frame.to_rgba();
        let centre = (((SIZE.1 / 2) * SIZE.0 + SIZE.0 / 2) * 4) as usize;
        let seen = &rgba.data[centre..centre + 3];
        if seen.iter().zip(COLOUR).all(|(s, w)| s.abs_diff(w) <= 40) {
            break;
        }
    }
    while audio.try_next().is_some() {}
    let mut heard: Vec<i16> = Vec::new();
    while heard.len() < 48_000 {
        let frame = tokio::time::timeout(MEDIA_PATIENCE, audio.next())
            .await
            .expect("audio flows in time")
            .expect("audio flows");
        heard.extend(frame.samples.iter().step_by(usize::from(frame.channels)));
    }
    let (tone, off) = (power_at(&heard, TONE), power_at(&heard, 1700.0).max(1e-3));
    assert!(tone > 50.0 * off, "{TONE} Hz: power {tone:.1} vs {off:.3}");

    // Alice leaves: the id is free for another pusher.
    sending.abort();
    alice.leave_room().await.expect("alice leaves");
    let bob = eventually_within(MEDIA_PATIENCE, "the id freed", async || {
        push_as(&url, &token("elsewhere", "bob")).await.ok()
    })
    .await;
    bob.leave_room().await.expect("bob leaves");
}
