//! Recording a public stream through the OpenAPI: a publisher's red picture and 440 Hz tone,
//! composited into a public stream, recorded by StartRecord and StopRecord into an MP4 file
//! that Debian's ffprobe and ffmpeg read without an error, with an H.264 and an Opus track of
//! the right size and duration, a red picture and the tone. And the refusals: a stream not
//! pushed, a recording already running, none running, recording off, an unwritable directory;
//! a stream stopped mid-recording. The helpers serve `record_to_bucket` too.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chorus_media::dominant_frequency;
use chorus_testkit::{take_turn, token};
use serde_json::{Value, json};

use crate::common::*;

const RED: [u8; 3] = [220, 30, 30];
const FPS: f64 = 15.0;

/// A fresh directory for this test's files.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chorus-record-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

pub(crate) fn error_code(answer: &Value) -> &str {
    answer["ResponseMetadata"]["Error"]["Code"]
        .as_str()
        .unwrap_or_default()
}

/// The request body of StartRecord and StopRecord; `tag` varies it so that it is no replay.
pub(crate) fn record_body(stream: &str, tag: &str) -> Value {
    json!({"AppId": APP_ID, "PublicStreamId": stream, "BusinessId": tag})
}

/// Runs `program` with `args`; returns stdout, failing on an error or anything on stderr.
pub(crate) fn run_clean(program: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs (apt-get install ffmpeg): {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{program} {args:?} failed: {stderr}");
    assert!(
        stderr.trim().is_empty(),
        "{program} {args:?} complained: {stderr}"
    );
    out.stdout
}

pub(crate) fn probe(file: &Path) -> Value {
    let out = run_clean(
        "ffprobe",
        &[
            "-v",
            "error",
            "-count_frames",
            "-show_streams",
            "-show_format",
            "-of",
            "json",
            file.to_str().expect("a UTF-8 path"),
        ],
    );
    serde_json::from_slice(&out).expect("ffprobe's JSON")
}

pub(crate) fn number(v: &Value) -> f64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| v.as_f64())
        .unwrap_or_else(|| panic!("a number, not {v}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_public_stream_plays_in_ffmpeg_with_its_picture_and_tone() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let dir = scratch("plays");
    let record_dir = dir.clone();
    let server = TestServer::with(move |c| c.record_dir = Some(record_dir)).await;
    let publisher = solid_publisher(&server, "hall", "a", RED, Some(440.0)).await;

    // Nothing pushed yet: nothing to record.
    let (status, answer) = server
        .api("StartRecord", record_body("hall-live", "early"))
        .await;
    assert_eq!(status, 404, "{answer}");
    assert_eq!(error_code(&answer), "STREAM_NOT_EXIST");

    let start = json!({
        "AppId": APP_ID,
        "PublicStreamId": "hall-live",
        "TargetStreams": [{"UserId": "a", "RoomId": "hall", "Index": 0}],
        "Encode": {"VideoWidth": 320, "VideoHeight": 240, "VideoFps": 15, "VideoBitrate": 500}
    });
    let (status, answer) = server.api("StartPushPublicStream", start).await;
    assert_eq!(status, 200, "{answer}");

    // Wait until the composite shows the publisher, as a player sees it.
    let player = server.engine();
    let mut video = player.public_stream_video("hall-live");
    player
        .start_play_public_stream(&token("hall-live", "viewer"), "hall-live", "viewer")
        .await
        .expect("plays");
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let frame = video.next().await.expect("video flows");
            let rgba = frame.to_rgba();
            let i = (((frame.height / 2) * frame.width + frame.width / 2) * 4) as usize;
            if rgba.data[i..i + 3]
                .iter()
                .zip(RED)
                .all(|(a, b)| a.abs_diff(b) <= 40)
            {
                return;
            }
        }
    })
    .await
    .expect("the composite shows red");

    let (status, answer) = server
        .api("StartRecord", record_body("hall-live", "go"))
        .await;
    assert_eq!(status, 200, "{answer}");
    let started = Instant::now();
    let (status, answer) = server
        .api("StartRecord", record_body("hall-live", "again"))
        .await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(error_code(&answer), "UNEXPECTED_ERROR");
    assert!(
        answer["ResponseMetadata"]["Error"]["Message"]
            .as_str()
            .is_some_and(|m| m.contains("already being recorded")),
        "{answer}"
    );

    tokio::time::sleep(Duration::from_secs(3)).await;
    let (status, answer) = server
        .api("StopRecord", record_body("hall-live", "stop"))
        .await;
    let recorded = started.elapsed().as_secs_f64();
    assert_eq!(status, 200, "{answer}");
    let file = PathBuf::from(answer["Result"]["File"].as_str().expect("the file's path"));
    assert!(file.starts_with(&dir), "{}", file.display());
    let (status, answer) = server
        .api("StopRecord", record_body("hall-live", "stop2"))
        .await;
    assert_eq!(status, 404, "{answer}");
    assert_eq!(error_code(&answer), "STREAM_NOT_EXIST");
    publisher.abort();

    // Both tracks, of the right kind and size.
    let info = probe(&file);
    let streams = info["streams"].as_array().expect("streams");
    let of = |kind: &str| {
        streams
            .iter()
            .find(|s| s["codec_type"] == kind)
            .unwrap_or_else(|| panic!("a {kind} track in {info}"))
    };
    let (v, a) = (of("video"), of("audio"));
    assert_eq!(v["codec_name"], "h264", "{v}");
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(320), Some(240))
    );
    assert_eq!(a["codec_name"], "opus", "{a}");
    assert_eq!(number(&a["sample_rate"]), 48_000.0);

    // The duration: the pictures' count at 15 fps within a frame (and no more than a tenth
    // of them missing: a compositor on a loaded machine can skip a tick, 2 of 46 seen on two
    // busy cores), and the time between StartRecord and StopRecord less the wait for the
    // first keyframe (a few frames).
    let frame = 1.0 / FPS;
    let duration = number(&v["duration"]);
    let frames = number(&v["nb_read_frames"]);
    let missing = duration - frames * frame;
    assert!(
        missing >= -(frame + 1e-3) && missing <= frame + 1e-3 + duration / 10.0,
        "{duration} s for {frames} pictures"
    );
    assert!(
        duration <= recorded + frame && duration >= recorded - 4.0 * frame,
        "{duration} s recorded over {recorded} s"
    );
    eprintln!(
        "recorded {recorded} s: video {duration} s, audio {}",
        a["duration"]
    );
    let format_duration = number(&info["format"]["duration"]);
    assert!((format_duration - duration).abs() <= frame + 0.03, "{info}");

    // The whole file decodes without an error.
    let path = file.to_str().expect("a UTF-8 path");
    run_clean("ffmpeg", &["-v", "error", "-i", path, "-f", "null", "-"]);

    // A picture from the middle is red at its centre.
    let rgb = run_clean(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-ss",
            "1.5",
            "-i",
            path,
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
    );
    assert_eq!(rgb.len(), 320 * 240 * 3);
    let centre = (120 * 320 + 160) * 3;
    let pixel = &rgb[centre..centre + 3];
    assert!(
        pixel.iter().zip(RED).all(|(a, b)| a.abs_diff(b) <= 40),
        "centre pixel {pixel:?}, not red"
    );

    // The audio is the tone, decoded by libopus (as browsers and most players do): ffmpeg's
    // own Opus decoder (5.1) turns this encoder's hybrid-mode stereo packets into noise,
    // the same from this file or remuxed to Ogg, while libopus decodes them cleanly.
    let pcm = run_clean(
        "ffmpeg",
        &[
            "-v", "error", "-c:a", "libopus", "-ss", "1", "-t", "1", "-i", path, "-vn", "-f",
            "s16le", "-ac", "1", "-ar", "48000", "-",
        ],
    );
    let samples: Vec<i16> = pcm
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    assert!(samples.len() >= 40_000, "{} samples", samples.len());
    let hz = dominant_frequency(&samples, 1);
    assert!((hz - 440.0).abs() < 5.0, "the recording's tone is {hz} Hz");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_refuses_clearly_when_off_or_unwritable() {
    let _turn = take_turn().await;
    // No record directory: recording is off.
    let server = TestServer::start().await;
    let (status, answer) = server.api("StartRecord", record_body("s", "off")).await;
    assert_eq!(status, 503, "{answer}");
    assert_eq!(error_code(&answer), "UNEXPECTED_ERROR");
    drop(server);

    // A "directory" that is a file: no recording can be made there.
    let dir = scratch("unwritable");
    let not_dir = dir.join("a-file");
    std::fs::write(&not_dir, b"not a directory").expect("a file");
    let target = not_dir.clone();
    let server = TestServer::with(move |c| c.record_dir = Some(target)).await;
    let start = json!({
        "AppId": APP_ID,
        "PublicStreamId": "s",
        "TargetStreams": [{"UserId": "nobody", "RoomId": "empty", "Index": 0}],
        "Encode": {"VideoWidth": 160, "VideoHeight": 120, "VideoFps": 15}
    });
    let (status, answer) = server.api("StartPushPublicStream", start).await;
    assert_eq!(status, 200, "{answer}");
    // The worker takes a moment to open its room; until then the answer says to retry.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut tag = 0;
    let answer = loop {
        tag += 1;
        let (status, answer) = server
            .api("StartRecord", record_body("s", &format!("try{tag}")))
            .await;
        if status == 503 && error_code(&answer) == "NOT_CONNECTED_YET" && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        assert_eq!(status, 500, "{answer}");
        break answer;
    };
    assert_eq!(error_code(&answer), "UNEXPECTED_ERROR");
    let message = answer["ResponseMetadata"]["Error"]["Message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("cannot write a recording"), "{message}");
    // The server is unharmed: the stream still stops as usual.
    let (status, answer) = server
        .api(
            "StopPushPublicStream",
            json!({"AppId": APP_ID, "PublicStreamId": "s"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_public_stream_finishes_its_recording() {
    let _turn = take_turn().await;
    let dir = scratch("stream-stops");
    let record_dir = dir.clone();
    let server = TestServer::with(move |c| c.record_dir = Some(record_dir)).await;
    // Nobody publishes: the composite is its background, blue.
    let start = json!({
        "AppId": APP_ID,
        "PublicStreamId": "empty",
        "TargetStreams": [{"UserId": "nobody", "RoomId": "void", "Index": 0}],
        "Encode": {"VideoWidth": 160, "VideoHeight": 120, "VideoFps": 15},
        "Layout": {"CustomLayout": {
            "Canvas": {"Background": "#0000ff"},
            "Regions": [{"StreamIndex": 0, "WidthProportion": 0.5, "HeightProportion": 0.5}]
        }}
    });
    let (status, answer) = server.api("StartPushPublicStream", start).await;
    assert_eq!(status, 200, "{answer}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut tag = 0;
    loop {
        tag += 1;
        let (status, answer) = server
            .api("StartRecord", record_body("empty", &format!("try{tag}")))
            .await;
        if status == 503 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        assert_eq!(status, 200, "{answer}");
        break;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (status, answer) = server
        .api(
            "StopPushPublicStream",
            json!({"AppId": APP_ID, "PublicStreamId": "empty"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    // The recording ended with its stream; StopRecord hands over the finished file.
    let (status, answer) = server.api("StopRecord", record_body("empty", "stop")).await;
    assert_eq!(status, 200, "{answer}");
    let file = PathBuf::from(answer["Result"]["File"].as_str().expect("the file's path"));
    let info = probe(&file);
    let video = info["streams"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["codec_type"] == "video"))
        .unwrap_or_else(|| panic!("a video track in {info}"));
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(160), Some(120))
    );
    let duration = number(&video["duration"]);
    assert!((1.5..3.0).contains(&duration), "{duration} s");
    let path = file.to_str().expect("a UTF-8 path");
    let rgb = run_clean(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-ss",
            "1",
            "-i",
            path,
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
    );
    let pixel = &rgb[(60 * 160 + 120) * 3..][..3];
    assert!(
        pixel
            .iter()
            .zip([0u8, 0, 255])
            .all(|(a, b)| a.abs_diff(b) <= 40),
        "background pixel {pixel:?}, not blue"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
