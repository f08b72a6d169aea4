//! A public stream composites four publishers into a 2x2 layout that a player who never
//! joined a room receives: each region's centre shows its publisher's colour, the audio holds
//! all four tones, and after `updatePublicStreamParam` moves the regions the colours follow
//! within a second; a region of a user who does not publish shows the layout's background
//! image, which the server fetches. REPEAT_PUSH, REPEAT_PLAY and bad layout parameters are refused.

use std::time::{Duration, Instant};

use chorus_media::{RgbaImage, VideoFrame};
use chorus_proto::{
    ErrorCode, PublicStreamConfig, PublicStreamLayout, PublicStreamRegion, PublicStreamVideo,
};
use chorus_sdk::{AudioFrame, AudioSourceType, MediaType, RtcEngine, StreamIndex, VideoSourceType};
use chorus_testkit::{take_turn, token};
use tokio::task::JoinHandle;

use crate::common::*;

const ROOM: &str = "stage";
const STREAM: &str = "show";
/// Each publisher's colour and tone.
const SOURCES: [([u8; 3], f32); 4] = [
    ([220, 30, 30], 440.0),
    ([30, 200, 30], 740.0),
    ([30, 30, 220], 1100.0),
    ([230, 230, 40], 1500.0),
];

/// Joins publisher `i` and pushes its colour and tone until aborted.
async fn publisher(url: &str, i: usize) -> (RtcEngine, JoinHandle<()>) {
    let user = format!("p{i}");
    let engine = chorus_testkit::engine(url);
    engine
        .set_video_source_type(StreamIndex::Main, VideoSourceType::External)
        .await
        .expect("external video");
    engine
        .set_audio_source_type(AudioSourceType::External)
        .await
        .expect("external audio");
    engine
        .join_room(
            Some(&token(ROOM, &user)),
            ROOM,
            user_info(&user),
            Default::default(),
        )
        .await
        .expect("joins");
    let (rgb, hz) = SOURCES[i];
    let task = keep_pushing_with_tone(&engine, hz, solid(rgb, 160, 120));
    let _ = engine.publish_stream(MediaType::AudioAndVideo).await;
    (engine, task)
}

/// A 2x2 layout: publisher `order[k]` in quadrant k (left to right, top to bottom).
fn grid(order: [usize; 4]) -> PublicStreamConfig {
    let regions = order
        .iter()
        .enumerate()
        .map(|(k, &i)| PublicStreamRegion {
            user_id: format!("p{i}"),
            room_id: ROOM.into(),
            x: Some(0.5 * (k % 2) as f64),
            y: Some(0.5 * (k / 2) as f64),
            w: Some(0.5),
            h: Some(0.5),
            ..Default::default()
        })
        .collect();
    PublicStreamConfig {
        video: Some(PublicStreamVideo {
            width: Some(320),
            height: Some(240),
            fps: Some(15),
            k_bit_rate: 600,
        }),
        layout: Some(PublicStreamLayout {
            background_color: Some("#000000".into()),
            background_image: None,
            regions: Some(regions),
        }),
    }
}

/// Whether each quadrant's centre of `frame` shows the colour of publisher `order[k]`.
fn shows(frame: &VideoFrame, order: [usize; 4]) -> bool {
    let want = order.map(|i| SOURCES[i].0);
    shows_colours(frame, want)
}

/// Whether quadrant k's centre of `frame` shows `want[k]`.
fn shows_colours(frame: &VideoFrame, want: [[u8; 3]; 4]) -> bool {
    let rgba = frame.to_rgba();
    (0..4).all(|k| {
        let x = frame.width / 4 + (k as u32 % 2) * frame.width / 2;
        let y = frame.height / 4 + (k as u32 / 2) * frame.height / 2;
        let at = ((y * frame.width + x) * 4) as usize;
        let seen = &rgba.data[at..at + 3];
        seen.iter().zip(want[k]).all(|(s, w)| s.abs_diff(w) <= 40)
    })
}

/// Serves `png` to every GET on loopback; returns its URL.
async fn serve_png(png: Vec<u8>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                png.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&png).await;
        }
    });
    format!("http://{addr}/background.png")
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_sees_the_layout_hears_every_tone_and_follows_updates() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    // The background image is served on loopback, which the operator allows here.
    let server = TestServer::with(|c| c.allow_private_targets = true).await;
    let url = server.url();
    let mut publishers = Vec::new();
    for i in 0..4 {
        publishers.push(publisher(&url, i).await);
    }
    let host = &publishers[0].0;
    host.start_push_public_stream(STREAM, grid([0, 1, 2, 3]))
        .await
        .expect("the public stream starts");
    let again = host
        .start_push_public_stream(STREAM, grid([0, 1, 2, 3]))
        .await
        .expect_err("pushed already");
    assert_eq!(again.code, ErrorCode::RepeatPush, "{again}");
    let mut bad = grid([0, 1, 2, 3]);
    if let Some(r) = bad.layout.as_mut().and_then(|l| l.regions.as_mut()) {
        r[2].alpha = Some(0.0);
    }
    let refused = host
        .update_public_stream_param(STREAM, bad)
        .await
        .expect_err("alpha 0");
    assert_eq!(refused.code, ErrorCode::InvalidParams);
    assert!(refused.message.contains("regions[2].alpha"), "{refused}");

    // The player never joins a room: a token of the app for the public stream id is enough.
    let player = chorus_testkit::engine(&url);
    let mut video = player.public_stream_video(STREAM);
    let mut audio = player.public_stream_audio(STREAM);
    player
        .start_play_public_stream(&token(STREAM, "viewer"), STREAM, "viewer")
        .await
        .expect("plays");
    let twice = player
        .start_play_public_stream(&token(STREAM, "viewer"), STREAM, "viewer")
        .await
        .expect_err("playing already");
    assert_eq!(twice.code, ErrorCode::RepeatPlay, "{twice}");

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let frame = tokio::time::timeout_at(deadline.into(), video.next())
            .await
            .expect("the layout shows within 30 s")
            .expect("video flows");
        assert_eq!((frame.width, frame.height), (320, 240));
        if shows(&frame, [0, 1, 2, 3]) {
            break;
        }
    }

    // Two seconds of the mix, after the queue of what came before is drained.
    while audio.try_next().is_some() {}
    let mut heard: Vec<i16> = Vec::new();
    while heard.len() < 96_000 {
        let frame: AudioFrame = tokio::time::timeout(Duration::from_secs(5), audio.next())
            .await
            .expect("audio flows")
            .expect("audio stream open");
        let ch = usize::from(frame.channels);
        heard.extend(frame.samples.iter().step_by(ch));
    }
    let off = power_at(&heard, 2300.0).max(1e-3);
    for (_, hz) in SOURCES {
        let p = power_at(&heard, hz);
        eprintln!("{hz} Hz: power {p:.1} (off-tone {off:.3})");
        assert!(p > 50.0 * off, "{hz} Hz: power {p:.1} vs {off:.3} off-tone");
    }

    // Rotate the regions: the colours follow within a second.
    let moved = [3, 0, 1, 2];
    host.update_public_stream_param(STREAM, grid(moved))
        .await
        .expect("updates");
    let asked = Instant::now();
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), video.next())
            .await
            .expect("video flows")
            .expect("video stream open");
        if shows(&frame, moved) {
            break;
        }
    }
    let followed = asked.elapsed();
    eprintln!("the colours followed the update after {followed:?}");
    assert!(
        followed < Duration::from_secs(1),
        "followed after {followed:?}"
    );

    // A region of a user who does not publish shows the background image, fetched by the
    // server; the others still show their publishers.
    let magenta = [230, 30, 230];
    let png = RgbaImage {
        width: 32,
        height: 24,
        data: [magenta[0], magenta[1], magenta[2], 255].repeat(32 * 24),
    }
    .to_png()
    .expect("encodes");
    let mut with_image = grid(moved);
    if let Some(layout) = with_image.layout.as_mut() {
        layout.background_image = Some(serve_png(png).await);
        if let Some(regions) = layout.regions.as_mut() {
            regions[3].user_id = "absent".into();
        }
    }
    host.update_public_stream_param(STREAM, with_image)
        .await
        .expect("updates");
    let want = [
        SOURCES[moved[0]].0,
        SOURCES[moved[1]].0,
        SOURCES[moved[2]].0,
        magenta,
    ];
    let asked = Instant::now();
    let deadline = asked + Duration::from_secs(10);
    loop {
        let frame = tokio::time::timeout_at(deadline.into(), video.next())
            .await
            .expect("the background image shows within 10 s")
            .expect("video flows");
        if shows_colours(&frame, want) {
            break;
        }
    }
    eprintln!("the background image showed after {:?}", asked.elapsed());

    host.stop_push_public_stream(STREAM).await.expect("stops");
    let gone = host
        .stop_push_public_stream(STREAM)
        .await
        .expect_err("stopped already");
    assert_eq!(gone.code, ErrorCode::StreamNotExist);
    for (_, task) in publishers {
        task.abort();
    }
}
