//! Live transcoding against a real RTMP server: Debian's nginx with its RTMP module, started
//! on a loopback port with a generated config, recording what it receives. Two publishers
//! (red with 440 Hz, blue with 1000 Hz) are composited side by side and pushed by
//! `startLiveTranscoding`; ffmpeg plays the live stream back from nginx until both colours
//! show, and again after `updateLiveTranscoding` swaps them; the recording nginx made is then
//! read with ffprobe and ffmpeg: H.264 at the layout's size, AAC-LC at 48 kHz stereo, each
//! colour at its region's centre, both tones, keyframes at most 2 s apart. And the errors, as `onStreamMixingEvent`: a bad URL
//! (`ERR_PARAM_INVALID`) and nothing listening at the URL (`ERR_PUSH_CDN`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chorus_proto::{
    ErrorCode, Event, LiveTranscodeConfig, LiveTranscodeLayout, LiveTranscodeRegion,
    LiveTranscodeVideo, StreamMixingErrorCode, StreamMixingEvent, StreamMixingEventType,
};
use chorus_sdk::{EngineEvent, EventStream, RtcEngine};
use chorus_testkit::{take_turn, token};
use serde_json::Value;
use tokio::io::AsyncReadExt;

use crate::common::*;
use crate::record_public_stream::{number, run_clean};

const RED: [u8; 3] = [220, 30, 30];
const BLUE: [u8; 3] = [30, 30, 220];
const W: u32 = 320;
const H: u32 = 240;

/// nginx with the RTMP module, recording the `live` application into its directory; killed
/// when dropped.
struct Nginx {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Nginx {
    fn start(name: &str) -> Nginx {
        let dir = std::env::temp_dir().join(format!("chorus-rtmp-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("rec")).expect("a scratch directory");
        let port = free_port();
        let d = dir.display();
        let conf = format!(
            "load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;\n\
             daemon off;\nmaster_process off;\nworker_processes 1;\n\
             pid {d}/nginx.pid;\nerror_log {d}/error.log info;\n\
             events {{ worker_connections 64; }}\n\
             rtmp {{ server {{ listen 127.0.0.1:{port}; chunk_size 4096;\n\
               application live {{ live on; record all; record_path {d}/rec; record_unique off; }}\n\
             }} }}\n"
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("the config");
        let child = Command::new("nginx")
            .args(["-p", &d.to_string(), "-e", &format!("{d}/error.log"), "-c"])
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx runs (apt-get install nginx libnginx-mod-rtmp)");
        Nginx { child, dir, port }
    }

    fn url(&self, key: &str) -> String {
        format!("rtmp://127.0.0.1:{}/live/{key}", self.port)
    }

    /// Waits until nginx accepts connections.
    async fn ready(&self) {
        let addr = format!("127.0.0.1:{}", self.port);
        eventually("nginx listens", async || {
            tokio::net::TcpStream::connect(&addr).await.ok().map(drop)
        })
        .await;
    }

    fn recording(&self, key: &str) -> PathBuf {
        self.dir.join("rec").join(format!("{key}.flv"))
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    socket.local_addr().expect("bound").port()
}

/// The next `onStreamMixingEvent`.
async fn mixing_event(events: &mut EventStream) -> StreamMixingEvent {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match events.next().await.expect("events flow") {
                EngineEvent::Room(Event::StreamMixingEvent(e)) => return e,
                _ => continue,
            }
        }
    })
    .await
    .expect("an onStreamMixingEvent")
}

/// Red left and blue right, or the other way round.
fn side_by_side(url: String) -> LiveTranscodeConfig {
    arranged(Some(url), false)
}

fn arranged(url: Option<String>, swapped: bool) -> LiveTranscodeConfig {
    let (red_x, blue_x) = if swapped { (0.5, 0.0) } else { (0.0, 0.5) };
    let region = |user: &str, x: f64| LiveTranscodeRegion {
        user_id: user.into(),
        x: Some(x),
        w: Some(0.5),
        h: Some(1.0),
        render_mode: Some(3),
        ..Default::default()
    };
    LiveTranscodeConfig {
        url,
        audio: None,
        video: Some(LiveTranscodeVideo {
            width: Some(W),
            height: Some(H),
            fps: Some(15),
            k_bit_rate: Some(500),
            ..Default::default()
        }),
        layout: Some(LiveTranscodeLayout {
            regions: Some(vec![region("red", red_x), region("blue", blue_x)]),
            background_color: Some("#00ff00".into()),
            ..Default::default()
        }),
    }
}

fn near(pixel: &[u8], colour: [u8; 3]) -> bool {
    pixel.iter().zip(colour).all(|(a, b)| a.abs_diff(b) <= 40)
}

/// The pixels at the centres of the left and right halves of an RGB picture.
fn halves(rgb: &[u8]) -> (&[u8], &[u8]) {
    let at = |x: u32| {
        let i = ((H / 2 * W + x) * 3) as usize;
        &rgb[i..i + 3]
    };
    (at(W / 4), at(3 * W / 4))
}

/// Plays the live stream from nginx with ffmpeg until a picture shows `left` and `right`.
async fn watch_until_shown(url: &str, left_colour: [u8; 3], right_colour: [u8; 3]) {
    let mut player = tokio::process::Command::new("ffmpeg")
        .args([
            "-v", "error", "-i", url, "-an", "-vf", "fps=5", "-f", "rawvideo",
        ])
        .args(["-pix_fmt", "rgb24", "pipe:1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("ffmpeg runs");
    let mut out = player.stdout.take().expect("ffmpeg's output");
    let mut picture = vec![0u8; (W * H * 3) as usize];
    let mut last = None;
    let shown = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if out.read_exact(&mut picture).await.is_err() {
                return false;
            }
            let (left, right) = halves(&picture);
            last = Some((left.to_vec(), right.to_vec()));
            if near(left, left_colour) && near(right, right_colour) {
                return true;
            }
        }
    })
    .await;
    assert_eq!(
        shown,
        Ok(true),
        "the live stream never showed both; last {last:?}"
    );
}

/// The share of the energy of `samples` (48 kHz mono) at `hz`, by the Goertzel recurrence
/// over 100 ms blocks: a tone that pauses and resumes at another phase (a source's audio
/// late on a loaded machine) still counts whole.
fn share_of(samples: &[i16], hz: f64) -> f64 {
    let w = std::f64::consts::TAU * hz / 48_000.0;
    let (mut tone, mut total) = (0.0, 0.0);
    for block in samples.chunks_exact(4800) {
        let (mut s1, mut s2) = (0.0, 0.0);
        for &x in block {
            let x = f64::from(x);
            let s = x + 2.0 * w.cos() * s1 - s2;
            s2 = s1;
            s1 = s;
            total += x * x;
        }
        // A pure tone of N samples has |X|^2 = N^2 A^2 / 4 and energy N A^2 / 2.
        tone += (s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2) * 2.0 / block.len() as f64;
    }
    tone / f64::max(total, 1.0)
}

fn probe_flv(file: &Path) -> Value {
    let path = file.to_str().expect("a UTF-8 path");
    let out = run_clean(
        "ffprobe",
        &["-v", "error", "-show_streams", "-of", "json", path],
    );
    serde_json::from_slice(&out).expect("ffprobe's JSON")
}

/// The times of the pictures of the file's video, and whether each is a keyframe.
fn picture_times(file: &Path) -> Vec<(f64, bool)> {
    let path = file.to_str().expect("a UTF-8 path");
    let out = run_clean(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "v",
            "-show_entries",
            "packet=pts_time,flags",
            "-of",
            "csv=p=0",
            path,
        ],
    );
    String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|l| Some((l.split(',').next()?.parse().ok()?, l.contains('K'))))
        .collect()
}

/// The longest run of stream time without a keyframe, counting only time that pictures were
/// flowing: a hole in the stream (the composite stalled on a loaded machine, so no picture
/// was made) counts as one picture interval, 67 ms. Over a hole the keyframe clock runs on,
/// and the first picture after a long one is a keyframe.
fn longest_flowing_run_without_keyframe(pictures: &[(f64, bool)]) -> f64 {
    let (mut run, mut longest) = (0.0f64, 0.0f64);
    for pair in pictures.windows(2) {
        let ((t0, _), (t1, key)) = (pair[0], pair[1]);
        run += (t1 - t0).min(1.0 / 15.0 + 1e-3);
        if key {
            longest = longest.max(run);
            run = 0.0;
        }
    }
    longest.max(run)
}

async fn start_host(server: &TestServer) -> (RtcEngine, EventStream) {
    let host = server.engine();
    let events = host.events();
    host.join_room(
        Some(&token("stage", "host")),
        "stage",
        user_info("host"),
        Default::default(),
    )
    .await
    .expect("joins");
    (host, events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_transcoding_reaches_nginx_with_both_pictures_and_tones() {
    let _turn = take_turn().await; // real-time media: one such test at a time
    let nginx = Nginx::start("push");
    let server = TestServer::start().await;
    let red = solid_publisher(&server, "stage", "red", RED, Some(440.0)).await;
    let blue = solid_publisher(&server, "stage", "blue", BLUE, Some(1000.0)).await;
    let (host, mut events) = start_host(&server).await;

    // Nothing to update yet.
    let off = host
        .update_live_transcoding(arranged(None, true))
        .await
        .expect_err("off");
    assert_eq!(off.code, ErrorCode::StreamNotExist, "{off}");
    assert_eq!(
        mixing_event(&mut events).await.event,
        StreamMixingEventType::Update
    );
    assert_eq!(
        mixing_event(&mut events).await.event,
        StreamMixingEventType::UpdateFailed
    );

    // A URL that is not RTMP: refused at once, and told as the vendor does.
    let refused = host
        .start_live_transcoding(side_by_side("http://127.0.0.1/live/x".into()))
        .await
        .expect_err("not rtmp");
    assert_eq!(refused.code, ErrorCode::InvalidParams, "{refused}");
    assert_eq!(
        mixing_event(&mut events).await.event,
        StreamMixingEventType::Start
    );
    let failed = mixing_event(&mut events).await;
    assert_eq!(
        (failed.event, failed.error),
        (
            StreamMixingEventType::StartFailed,
            StreamMixingErrorCode::ParamInvalid
        ),
        "{failed:?}"
    );

    // Nothing listens at the URL: the call is taken, the push fails.
    let nowhere = format!("rtmp://127.0.0.1:{}/live/x", free_port());
    host.start_live_transcoding(side_by_side(nowhere))
        .await
        .expect("taken");
    assert_eq!(
        mixing_event(&mut events).await.event,
        StreamMixingEventType::Start
    );
    let failed = mixing_event(&mut events).await;
    assert_eq!(
        (failed.event, failed.error),
        (
            StreamMixingEventType::StartFailed,
            StreamMixingErrorCode::PushCdn
        ),
        "{failed:?}"
    );
    assert!(failed.message.contains("cannot push"), "{failed:?}");

    // To nginx: the failed push is replaced.
    nginx.ready().await;
    host.start_live_transcoding(side_by_side(nginx.url("show")))
        .await
        .expect("starts");
    assert_eq!(
        mixing_event(&mut events).await.event,
        StreamMixingEventType::Start
    );
    let started = mixing_event(&mut events).await;
    assert_eq!(
        (started.event, started.error),
        (
            StreamMixingEventType::StartSuccess,
            StreamMixingErrorCode::Ok
        ),
        "{started:?}"
    );
    let again = host
        .start_live_transcoding(side_by_side(nginx.url("other")))
        .await
        .expect_err("one at a time");
    assert_eq!(again.code, ErrorCode::RepeatPush, "{again}");
    watch_until_shown(&nginx.url("show"), RED, BLUE).await;

    // An update swaps them; the URL cannot change.
    let update = LiveTranscodeConfig {
        video: None,
        ..arranged(None, true)
    };
    host.update_live_transcoding(update.clone())
        .await
        .expect("updates");
    assert_eq!(
        mixing_event(&mut events).await.event,
        StreamMixingEventType::Update
    );
    assert_eq!(
        mixing_event(&mut events).await.event,
        StreamMixingEventType::UpdateSuccess
    );
    let moved = host
        .update_live_transcoding(LiveTranscodeConfig {
            url: Some(nginx.url("elsewhere")),
            ..update
        })
        .await
        .expect_err("the url stays");
    assert_eq!(moved.code, ErrorCode::InvalidParams, "{moved}");
    watch_until_shown(&nginx.url("show"), BLUE, RED).await;
    // Long enough after the swap for two keyframe intervals and the tones' last seconds.
    tokio::time::sleep(Duration::from_secs(3)).await;
    host.stop_live_transcoding().await.expect("stops");
    let mut seen = Vec::new();
    while seen.last() != Some(&StreamMixingEventType::StopSuccess) {
        seen.push(mixing_event(&mut events).await.event);
    }
    red.abort();
    blue.abort();

    // nginx writes its recording as the stream comes, and finishes it when it ends: wait
    // until it stops growing.
    let file = nginx.recording("show");
    let mut size = 0;
    eventually("nginx finishes its recording", async || {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        let settled = now > 0 && now == size;
        size = now;
        settled.then_some(())
    })
    .await;

    let info = probe_flv(&file);
    let streams = info["streams"].as_array().expect("streams");
    let of = |kind: &str| {
        streams
            .iter()
            .find(|s| s["codec_type"] == kind)
            .unwrap_or_else(|| panic!("a {kind} stream in {info}"))
    };
    let (v, a) = (of("video"), of("audio"));
    assert_eq!(v["codec_name"], "h264", "{v}");
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(320), Some(240))
    );
    assert_eq!(a["codec_name"], "aac", "{a}");
    assert_eq!(a["profile"], "LC", "{a}");
    assert_eq!(number(&a["sample_rate"]), 48_000.0);
    assert_eq!(a["channels"].as_u64(), Some(2));

    let pictures = picture_times(&file);
    let keys: Vec<f64> = pictures.iter().filter(|p| p.1).map(|p| p.0).collect();
    assert!(keys.len() >= 3, "keyframes at {keys:?}");
    let widest = keys.windows(2).map(|k| k[1] - k[0]).fold(0.0, f64::max);
    let run = longest_flowing_run_without_keyframe(&pictures);
    eprintln!("keyframes at {keys:?}; widest gap {widest:.3} s, {run:.3} s of pictures");
    assert!(
        run <= 2.0,
        "{run} s of pictures without a keyframe: {keys:?}"
    );

    // The last second: blue left, red right (swapped), and both tones.
    let path = file.to_str().expect("a UTF-8 path");
    let rgb = run_clean(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-sseof",
            "-1",
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
    assert_eq!(rgb.len(), (W * H * 3) as usize);
    let (left, right) = halves(&rgb);
    assert!(
        near(left, BLUE) && near(right, RED),
        "left {left:?}, right {right:?}"
    );
    let pcm = run_clean(
        "ffmpeg",
        &[
            "-v", "error", "-sseof", "-3", "-i", path, "-vn", "-f", "s16le", "-ac", "1", "-ar",
            "48000", "-",
        ],
    );
    let samples: Vec<i16> = pcm
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    assert!(samples.len() >= 2 * 48_000, "{} samples", samples.len());
    let (low, high, between) = (
        share_of(&samples, 440.0),
        share_of(&samples, 1000.0),
        share_of(&samples, 700.0),
    );
    eprintln!("tone shares: 440 Hz {low:.3}, 1000 Hz {high:.3}, 700 Hz {between:.4}");
    assert!(
        low > 0.1 && high > 0.1 && between < 0.02,
        "{low} {high} {between}"
    );
}
