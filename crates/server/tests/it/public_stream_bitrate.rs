//! A public stream's layout `video.kBitRate` and `fps` reach its encoder: of a picture full of
//! detail (noise), a player receives about what the layout asks for, a high rate and then,
//! after `updatePublicStreamParam`, a low one, measured as the bitrate the player receives.

use std::time::Duration;

use chorus_media::{RgbaImage, VideoFrame};
use chorus_proto::{
    PublicStreamConfig, PublicStreamLayout, PublicStreamRegion, PublicStreamVideo,
    public_stream_room,
};
use chorus_sdk::{
    MediaType, RoomConfig, RtcEngine, StreamIndex, VideoEncoderConfig, VideoSourceType,
};
use chorus_testkit::{take_turn, token};

use crate::common::*;

const ROOM: &str = "rate-stage";
const STREAM: &str = "rate-show";

/// A picture of fresh noise in 8x8 blocks: little of it compresses, so the encoder's bitrate
/// decides, yet the blocks leave a low bitrate within the encoder's reach.
fn noise(seed: &mut u64) -> VideoFrame {
    let (width, height) = (320u32, 240u32);
    let blocks: Vec<u8> = (0..(width / 8) * (height / 8) * 3)
        .map(|_| {
            // xorshift64
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            (*seed >> 24) as u8
        })
        .collect();
    let mut data = Vec::with_capacity((width * height * 4) as usize);
    for y in 0..height {
        for x in 0..width {
            let at = (((y / 8) * (width / 8) + x / 8) * 3) as usize;
            data.extend_from_slice(&[blocks[at], blocks[at + 1], blocks[at + 2], 255]);
        }
    }
    VideoFrame::from_rgba(&RgbaImage {
        width,
        height,
        data,
    })
}

fn layout(k_bit_rate: u32) -> PublicStreamConfig {
    PublicStreamConfig {
        video: Some(PublicStreamVideo {
            width: Some(640),
            height: Some(480),
            fps: Some(15),
            k_bit_rate,
        }),
        layout: Some(PublicStreamLayout {
            background_color: Some("#000000".into()),
            background_image: None,
            regions: Some(vec![PublicStreamRegion {
                user_id: "p".into(),
                room_id: ROOM.into(),
                ..Default::default()
            }]),
        }),
    }
}

/// The player's received video bitrate, kbit/s, averaged over three stats intervals.
async fn received_kbps(player: &RtcEngine) -> f64 {
    let compositor = public_stream_room(STREAM);
    let mut sum = 0.0;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let stats = player.get_remote_video_stats(StreamIndex::Main);
        sum += stats.get(&compositor).map_or(0.0, |s| s.bitrate_kbps);
    }
    sum / 3.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_layouts_bitrate_decides_what_a_player_receives() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let server = TestServer::start().await;
    let url = server.url();

    let publisher = chorus_testkit::engine(&url);
    publisher
        .set_video_source_type(StreamIndex::Main, VideoSourceType::External)
        .await
        .expect("external video");
    // The publisher's own video keeps the noise's detail.
    publisher
        .set_video_encoder_config(
            StreamIndex::Main,
            VideoEncoderConfig {
                max_kbps: Some(4000),
                frame_rate: Some(15),
            },
        )
        .await
        .expect("encoder settings");
    let out_of_range = publisher
        .set_video_encoder_config(
            StreamIndex::Main,
            VideoEncoderConfig {
                max_kbps: Some(20),
                frame_rate: None,
            },
        )
        .await
        .expect_err("20 kbit/s is out of range");
    assert_eq!(out_of_range.code, chorus_sdk::ErrorCode::InvalidParams);
    publisher
        .join_room(
            Some(&token(ROOM, "p")),
            ROOM,
            user_info("p"),
            RoomConfig::default(),
        )
        .await
        .expect("joins");
    publisher
        .publish_stream(MediaType::Video)
        .await
        .expect("publishes");
    let pusher = publisher.clone();
    let pushing = tokio::spawn(async move {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut tick = tokio::time::interval(Duration::from_millis(66));
        loop {
            tick.tick().await;
            if pusher
                .push_external_video_frame(StreamIndex::Main, noise(&mut seed))
                .await
                .is_err()
            {
                return;
            }
        }
    });

    publisher
        .start_push_public_stream(STREAM, layout(2000))
        .await
        .expect("the public stream starts");
    let player = chorus_testkit::engine(&url);
    let mut video = player.public_stream_video(STREAM);
    player
        .start_play_public_stream(&token(STREAM, "viewer"), STREAM, "viewer")
        .await
        .expect("plays");
    tokio::time::timeout(Duration::from_secs(30), video.next())
        .await
        .expect("video within 30 s")
        .expect("video flows");
    let high = received_kbps(&player).await;

    publisher
        .update_public_stream_param(STREAM, layout(200))
        .await
        .expect("updates");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let low = received_kbps(&player).await;
    eprintln!("the player received {high:.0} kbit/s at kBitRate 2000, {low:.0} at 200");
    // Left to itself the SDK would pick the same bitrate both times (about 460 kbit/s for
    // 640x480 at 15 fps).
    assert!(high > 800.0, "{high:.0} kbit/s at kBitRate 2000");
    assert!(low > 20.0, "the stream went on flowing: {low:.0} kbit/s");
    assert!(low < 400.0, "{low:.0} kbit/s at kBitRate 200");
    assert!(
        high > 3.0 * low,
        "{high:.0} at 2000 against {low:.0} at 200"
    );

    publisher
        .stop_push_public_stream(STREAM)
        .await
        .expect("stops");
    pushing.abort();
}
