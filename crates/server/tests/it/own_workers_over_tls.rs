//! With TLS on (a certificate a private CA issued for the server's names), the server's own
//! public-stream worker still reaches it: a publisher's colour, composited, reaches a player
//! over `https://`.

use std::time::{Duration, Instant};

use chorus_proto::{PublicStreamConfig, PublicStreamLayout, PublicStreamRegion, PublicStreamVideo};
use chorus_sdk::{
    EngineConfig, MediaType, RoomConfig, RtcEngine, StreamIndex, VideoSourceType, create_engine,
};
use chorus_testkit::{TestCa, take_turn, temp_dir, token};

use crate::common::*;

const COLOUR: [u8; 3] = [30, 200, 30];

fn trusting(url: &str, ca: &TestCa) -> RtcEngine {
    let mut config = EngineConfig::new(url);
    config.tls = Some(ca.client());
    create_engine(APP_ID, config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_stream_is_pushed_and_played_over_tls() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let ca = TestCa::new("Chorus public stream CA");
    let files = ca.issue_into(&["localhost", "127.0.0.1"], &temp_dir("public-tls"));
    let server = TestServer::with(|c| {
        c.tls_cert = Some(files.cert.clone());
        c.tls_key = Some(files.key.clone());
    })
    .await;
    let url = server.url();
    assert!(url.starts_with("https://"), "{url}");

    let publisher = trusting(&url, &ca);
    publisher
        .set_video_source_type(StreamIndex::Main, VideoSourceType::External)
        .await
        .expect("external video");
    publisher
        .join_room(
            Some(&token("tls-stage", "p")),
            "tls-stage",
            user_info("p"),
            RoomConfig::default(),
        )
        .await
        .expect("joins over wss");
    publisher
        .publish_stream(MediaType::Video)
        .await
        .expect("publishes");
    let pushing = keep_pushing(&publisher, solid(COLOUR, 160, 120));
    publisher
        .start_push_public_stream(
            "tls-show",
            PublicStreamConfig {
                video: Some(PublicStreamVideo {
                    width: Some(320),
                    height: Some(240),
                    fps: Some(15),
                    k_bit_rate: 500,
                }),
                layout: Some(PublicStreamLayout {
                    background_color: Some("#000000".into()),
                    background_image: None,
                    regions: Some(vec![PublicStreamRegion {
                        user_id: "p".into(),
                        room_id: "tls-stage".into(),
                        ..Default::default()
                    }]),
                }),
            },
        )
        .await
        .expect("the public stream starts");

    let player = trusting(&url, &ca);
    let mut video = player.public_stream_video("tls-show");
    player
        .start_play_public_stream(&token("tls-show", "viewer"), "tls-show", "viewer")
        .await
        .expect("plays over wss");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let frame = tokio::time::timeout_at(deadline.into(), video.next())
            .await
            .expect("the publisher's colour shows within 30 s: the worker reached the server")
            .expect("video flows");
        let rgba = frame.to_rgba();
        let at = (((frame.height / 2) * frame.width + frame.width / 2) * 4) as usize;
        if rgba.data[at..at + 3]
            .iter()
            .zip(COLOUR)
            .all(|(s, w)| s.abs_diff(w) <= 40)
        {
            break;
        }
    }
    publisher
        .stop_push_public_stream("tls-show")
        .await
        .expect("stops");
    pushing.abort();
}
