//! Publishers of known content for the tests that check what arrives: a solid picture (its
//! colour is what a player checks) pushed as external video, and a tone beside it.

use std::time::Duration;

use chorus_media::{AudioSource, RgbaImage, ToneSource, VideoFrame};
use chorus_sdk::{AudioCaptureSource, MediaType, RtcEngine, StreamIndex, VideoSourceType};
use tokio::task::JoinHandle;

use super::{TestServer, token, user_info};

/// A picture of one colour.
pub(crate) fn solid(rgb: [u8; 3], width: u32, height: u32) -> VideoFrame {
    VideoFrame::from_rgba(&RgbaImage {
        width,
        height,
        data: [rgb[0], rgb[1], rgb[2], 255].repeat((width * height) as usize),
    })
}

/// Pushes `picture` as `engine`'s main external video at 15 fps until the engine refuses a
/// frame (it left or was destroyed) or the task is aborted.
pub(crate) fn keep_pushing(engine: &RtcEngine, picture: VideoFrame) -> JoinHandle<()> {
    let pusher = engine.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(66));
        loop {
            tick.tick().await;
            if pusher
                .push_external_video_frame(StreamIndex::Main, picture.clone())
                .await
                .is_err()
            {
                return;
            }
        }
    })
}

/// Pushes a tone of `hz` as `engine`'s external audio (20 ms frames) and `picture` as its main
/// video (every fourth frame, about 12 fps) until the engine refuses one or the task is aborted.
pub(crate) fn keep_pushing_with_tone(
    engine: &RtcEngine,
    hz: f32,
    picture: VideoFrame,
) -> JoinHandle<()> {
    let pusher = engine.clone();
    tokio::spawn(async move {
        let mut tone = ToneSource::new(hz);
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        for n in 0u32.. {
            tick.tick().await;
            let frame = tone.next_frame().expect("a tone never ends");
            if pusher.push_external_audio_frame(frame).await.is_err() {
                return;
            }
            if n % 4 == 0
                && pusher
                    .push_external_video_frame(StreamIndex::Main, picture.clone())
                    .await
                    .is_err()
            {
                return;
            }
        }
    })
}

/// Joins `user` to `room` on `server` and publishes a solid 64x48 picture of `rgb` at 15 fps,
/// with a captured tone of `hz` when given (audio and video then, video alone otherwise).
/// The returned task pushes the pictures; the engine lives as long as it does.
pub(crate) async fn solid_publisher(
    server: &TestServer,
    room: &str,
    user: &str,
    rgb: [u8; 3],
    hz: Option<f32>,
) -> JoinHandle<()> {
    let engine = server.engine();
    engine
        .set_video_source_type(StreamIndex::Main, VideoSourceType::External)
        .await
        .expect("external video");
    engine
        .join_room(
            Some(&token(room, user)),
            room,
            user_info(user),
            Default::default(),
        )
        .await
        .expect("joins");
    let media = match hz {
        Some(hz) => {
            engine
                .start_audio_capture(AudioCaptureSource::Tone { hz })
                .await
                .expect("a tone");
            MediaType::AudioAndVideo
        }
        None => MediaType::Video,
    };
    let task = keep_pushing(&engine, solid(rgb, 64, 48));
    engine.publish_stream(media).await.expect("publishes");
    task
}
