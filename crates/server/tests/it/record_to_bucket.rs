//! Recordings uploaded to an S3-compatible bucket: `s3s-fs` from crates.io, served in-process,
//! checks the upload's signature and keeps the object as a file that ffprobe reads; an upload
//! that cannot be made fails StopRecord and leaves the complete file on the server.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chorus_testkit::take_turn;
use serde_json::json;

use crate::common::*;
use crate::record_public_stream::{error_code, number, probe, record_body, scratch};

/// Starts `s3s-fs` (an S3-compatible server from crates.io that stores objects as files under
/// `root`) in this process on a free loopback port, with one key pair; returns its port. It
/// serves until the test's runtime ends.
async fn start_s3s_fs(root: &Path) -> u16 {
    let fs = s3s_fs::FileSystem::new(root).expect("s3s-fs takes the bucket's root");
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(
        "recorder",
        "recorder-secret",
    ));
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free loopback port");
    let port = listener.local_addr().expect("a bound address").port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(socket), service.clone());
            tokio::spawn(conn);
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_goes_to_an_s3_compatible_bucket() {
    let _turn = take_turn().await;
    let root = scratch("bucket");
    std::fs::create_dir_all(root.join("recordings")).expect("the bucket's directory");
    let port = start_s3s_fs(&root).await;
    let url = format!("http://127.0.0.1:{port}/recordings");
    // The bucket checks signatures: an unsigned upload is refused.
    let unsigned = reqwest::Client::new()
        .put(format!("{url}/unsigned.mp4"))
        .body("x")
        .send()
        .await
        .expect("s3s-fs answers");
    assert_eq!(unsigned.status().as_u16(), 403, "an unsigned PUT is taken");
    let bucket_url = url.clone();
    let server = TestServer::with(move |c| {
        c.record_s3 = Some(chorus_server::RecordS3 {
            url: bucket_url,
            access_key: "recorder".into(),
            secret_key: "recorder-secret".into(),
            region: "us-east-1".into(),
        })
    })
    .await;
    let start = json!({
        "AppId": APP_ID,
        "PublicStreamId": "to.bucket",
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
    let started = loop {
        tag += 1;
        let (status, answer) = server
            .api(
                "StartRecord",
                record_body("to.bucket", &format!("try{tag}")),
            )
            .await;
        if status == 503 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        assert_eq!(status, 200, "{answer}");
        break answer;
    };
    let recording = Instant::now();
    let object = started["Result"]["File"]
        .as_str()
        .expect("the object's URL");
    assert!(object.starts_with(&format!("{url}/")), "{object}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (status, answer) = server
        .api("StopRecord", record_body("to.bucket", "stop"))
        .await;
    let recorded = recording.elapsed().as_secs_f64();
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["Result"]["File"], object);

    // s3s-fs keeps the object as a file named by its key.
    let key = object.rsplit('/').next().expect("a key");
    let stored = root.join("recordings").join(key);
    let info = probe(&stored);
    let video = info["streams"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["codec_type"] == "video"))
        .unwrap_or_else(|| panic!("a video track in {info}"));
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(160), Some(120))
    );
    // At most the time between StartRecord and StopRecord (however slow they were
    // answered), less the wait for the first keyframe.
    let duration = number(&video["duration"]);
    assert!(
        duration >= 1.5 && duration <= recorded + 0.1,
        "{duration} s recorded over {recorded} s"
    );
    // Uploaded, the local copy is gone.
    assert!(
        !std::env::temp_dir().join(key).exists(),
        "the local file stays after the upload"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_upload_fails_stop_record_and_keeps_the_file() {
    let _turn = take_turn().await;
    // A bucket where nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    let dir = scratch("upload-fails");
    let record_dir = dir.clone();
    let server = TestServer::with(move |c| {
        c.record_dir = Some(record_dir);
        c.record_s3 = Some(chorus_server::RecordS3 {
            url: format!("http://127.0.0.1:{port}/recordings"),
            access_key: "recorder".into(),
            secret_key: "recorder-secret".into(),
            region: "us-east-1".into(),
        })
    })
    .await;
    let start = json!({
        "AppId": APP_ID,
        "PublicStreamId": "lost",
        "TargetStreams": [{"UserId": "nobody", "RoomId": "void", "Index": 0}],
        "Encode": {"VideoWidth": 160, "VideoHeight": 120, "VideoFps": 15}
    });
    let (status, answer) = server.api("StartPushPublicStream", start).await;
    assert_eq!(status, 200, "{answer}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut tag = 0;
    loop {
        tag += 1;
        let (status, answer) = server
            .api("StartRecord", record_body("lost", &format!("try{tag}")))
            .await;
        if status == 503 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        assert_eq!(status, 200, "{answer}");
        break;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (status, answer) = server.api("StopRecord", record_body("lost", "stop")).await;
    assert_eq!(status, 500, "{answer}");
    assert_eq!(error_code(&answer), "UNEXPECTED_ERROR");
    let message = answer["ResponseMetadata"]["Error"]["Message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("cannot reach the bucket"), "{message}");
    // The recording is not lost: it stays in the record directory, complete.
    let kept: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the record directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        message.contains(&kept[0].display().to_string()),
        "{message}"
    );
    probe(&kept[0]);
    let _ = std::fs::remove_dir_all(&dir);
}
