//! `chorus play` with the real binary against `chorus serve`: a publisher sends a tone and the
//! test card, `chorus api StartPushPublicStream` composites it into a public stream, and
//! `chorus play` (which never joins a room) keeps a snapshot, a wav holding the tone and a
//! y4m of the output's size.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chorus_media::{AudioSource, FileAudioSource, dominant_frequency};
use chorus_testkit::take_turn_blocking;

use crate::common::{Chorus, word_after};

fn scratch() -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("chorus-play-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

#[test]
fn play_keeps_a_snapshot_a_wav_and_a_y4m_of_a_public_stream() {
    let _turn = take_turn_blocking(); // real-time media: one such test at a time
    let server = Chorus::spawn(["serve", "--listen", "127.0.0.1:0", "--rtc-port", "0"]);
    let patience = Duration::from_secs(30);
    let url = word_after(&server.line_with("listening on", patience), "listening on ").to_owned();
    let dev = server.line_with("app id:", patience);
    let (app_id, app_key) = (
        word_after(&dev, "app id: ").to_owned(),
        word_after(&dev, "app key: ").to_owned(),
    );
    let openapi = server.line_with("dev OpenAPI key:", patience);
    let (ak, sk) = word_after(&openapi, "key: ")
        .split_once(':')
        .expect("AK:SK");
    let alice = Chorus::spawn([
        "join",
        "--server",
        &url,
        "--app-id",
        &app_id,
        "--app-key",
        &app_key,
        "--room",
        "stage",
        "--user",
        "alice",
        "--publish-audio",
        "tone:660",
        "--publish-video",
        "pattern",
        "--duration",
        "60",
    ]);
    alice.line_with("onJoinRoomResult", patience);

    let body = format!(
        r#"{{"AppId":"{app_id}","PublicStreamId":"live","TargetStreams":[{{"UserId":"alice","RoomId":"stage"}}],"Encode":{{"VideoWidth":320,"VideoHeight":180}}}}"#
    );
    let out = Command::new(env!("CARGO_BIN_EXE_chorus"))
        .args([
            "api",
            "StartPushPublicStream",
            &body,
            "--server",
            &url,
            "--ak",
            ak,
            "--sk",
            sk,
        ])
        .output()
        .expect("chorus api runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let dir = scratch();
    let (png, wav, y4m) = (
        dir.join("live.png"),
        dir.join("live.wav"),
        dir.join("live.y4m"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_chorus"))
        .args([
            "play",
            "--server",
            &url,
            "--app-id",
            &app_id,
            "--app-key",
            &app_key,
        ])
        .args(["--stream", "live", "--duration", "4"])
        .arg("--snapshot")
        .arg(&png)
        .arg("--wav")
        .arg(&wav)
        .arg("--y4m")
        .arg(&y4m)
        .output()
        .expect("chorus play runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(line["event"], "playPublicStream");
    assert_eq!(
        (
            line["data"]["width"].clone(),
            line["data"]["height"].clone()
        ),
        (320.into(), 180.into())
    );
    let pictures = line["data"]["pictures"].as_u64().expect("pictures");
    assert!(pictures >= 20, "{line}");

    // The y4m: the output's size, and as many pictures as were counted.
    let bytes = std::fs::read(&y4m).expect("the y4m was written");
    let header_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .expect("a header line");
    let header = String::from_utf8_lossy(&bytes[..header_end]);
    assert!(header.starts_with("YUV4MPEG2 W320 H180 "), "{header}");
    let frame = 6 + 320 * 180 * 3 / 2;
    assert_eq!((bytes.len() - header_end - 1) / frame, pictures as usize);
    assert!(
        std::fs::read(&png)
            .expect("the snapshot")
            .starts_with(b"\x89PNG")
    );

    // The wav holds the publisher's tone, mixed by the compositor.
    let mut source = FileAudioSource::open(&wav).expect("a readable wav");
    let channels = source.channels();
    let mut samples = Vec::new();
    while let Some(frame) = source.next_frame() {
        samples.extend(frame.samples);
    }
    let tail = &samples[samples.len().saturating_sub(48_000 * usize::from(channels))..];
    let hz = dominant_frequency(tail, channels);
    assert!((hz - 660.0).abs() <= 5.0, "the recording is {hz} Hz");
    let _ = std::fs::remove_dir_all(dir);
}
