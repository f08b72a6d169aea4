//! The RTMP push of live transcoding, for `public-stream`: what pushing a composite to a CDN
//! costs beyond the composite itself. The push is one thread (`rtmp-push`) that encodes the
//! mix as AAC-LC, wraps the output's H.264 and the AAC in FLV tags and writes them to the RTMP
//! connection; its own CPU time (Linux schedstat) over a span of seconds is the figure. The
//! RTMP server is a sink here, in this process: it answers `connect`, `createStream` and
//! `publish` and counts the video and audio tags that arrive, so the figure comes with the
//! rates it was measured at (an overloaded machine composites fewer pictures).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::bail;
use chorus_proto::{
    Event, LiveTranscodeConfig, LiveTranscodeLayout, LiveTranscodeRegion, LiveTranscodeVideo,
    StreamMixingEventType,
};
use chorus_sdk::{EngineEvent, RtcEngine};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the sink received.
#[derive(Default)]
struct Tags {
    video: AtomicU64,
    audio: AtomicU64,
}

/// An RTMP string, number, null or (flat) object, AMF0-encoded, appended to `out`.
fn amf_str(out: &mut Vec<u8>, s: &str) {
    out.push(0x02);
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn amf_num(out: &mut Vec<u8>, n: f64) {
    out.push(0x00);
    out.extend_from_slice(&n.to_be_bytes());
}

fn amf_status(out: &mut Vec<u8>, code: &str) {
    out.push(0x03);
    for (k, v) in [("level", "status"), ("code", code)] {
        out.extend_from_slice(&(k.len() as u16).to_be_bytes());
        out.extend_from_slice(k.as_bytes());
        amf_str(out, v);
    }
    out.extend_from_slice(&[0, 0, 9]);
}

/// Sends one command message in 128-byte chunks on chunk stream 3.
async fn send_command(socket: &mut TcpStream, stream_id: u32, body: &[u8]) -> std::io::Result<()> {
    let mut out = vec![3];
    out.extend_from_slice(&[0, 0, 0]);
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.push(20);
    out.extend_from_slice(&stream_id.to_le_bytes());
    for (i, chunk) in body.chunks(128).enumerate() {
        if i > 0 {
            out.push(0xC3);
        }
        out.extend_from_slice(chunk);
    }
    socket.write_all(&out).await
}

/// Serves one publisher: handshake, the three commands, then counts tags until it leaves.
async fn sink(mut socket: TcpStream, tags: Arc<Tags>) -> std::io::Result<()> {
    let mut c0c1 = vec![0u8; 1537];
    socket.read_exact(&mut c0c1).await?;
    let mut reply = vec![3u8];
    reply.extend_from_slice(&[0u8; 1536]);
    reply.extend_from_slice(&c0c1[1..]);
    socket.write_all(&reply).await?;
    socket.read_exact(&mut c0c1[..1536]).await?;
    let mut chunk = 128usize;
    // Per chunk stream: length, type, message stream id, body so far.
    let mut streams: HashMap<u8, (usize, u8, u32, Vec<u8>)> = HashMap::new();
    loop {
        let first = socket.read_u8().await?;
        let (fmt, csid) = (first >> 6, first & 0x3F);
        let mut header = [0u8; 11];
        let n = [11, 7, 3, 0][usize::from(fmt)];
        socket.read_exact(&mut header[..n]).await?;
        let entry = streams.entry(csid).or_default();
        if fmt <= 1 {
            entry.0 = u32::from_be_bytes([0, header[3], header[4], header[5]]) as usize;
            entry.1 = header[6];
        }
        if fmt == 0 {
            entry.2 = u32::from_le_bytes([header[7], header[8], header[9], header[10]]);
        }
        let start = entry.3.len();
        let take = (entry.0 - start).min(chunk);
        entry.3.resize(start + take, 0);
        socket.read_exact(&mut entry.3[start..]).await?;
        if entry.3.len() < entry.0 {
            continue;
        }
        let (kind, stream_id, body) = (entry.1, entry.2, std::mem::take(&mut entry.3));
        match kind {
            1 if body.len() >= 4 => {
                chunk = (u32::from_be_bytes([body[0], body[1], body[2], body[3]]) & 0x7FFF_FFFF)
                    as usize;
            }
            8 => {
                tags.audio.fetch_add(1, Ordering::Relaxed);
            }
            9 => {
                tags.video.fetch_add(1, Ordering::Relaxed);
            }
            20 if body.first() == Some(&0x02) && body.len() > 3 => {
                let len = usize::from(u16::from_be_bytes([body[1], body[2]]));
                let name = String::from_utf8_lossy(body.get(3..3 + len).unwrap_or_default());
                let txn = body
                    .get(4 + len..12 + len)
                    .and_then(|b| b.try_into().ok())
                    .map(f64::from_be_bytes)
                    .unwrap_or(0.0);
                let mut out = Vec::new();
                match name.as_ref() {
                    "connect" => {
                        amf_str(&mut out, "_result");
                        amf_num(&mut out, txn);
                        out.push(0x05);
                        amf_status(&mut out, "NetConnection.Connect.Success");
                    }
                    "createStream" => {
                        amf_str(&mut out, "_result");
                        amf_num(&mut out, txn);
                        out.push(0x05);
                        amf_num(&mut out, 1.0);
                    }
                    "publish" => {
                        amf_str(&mut out, "onStatus");
                        amf_num(&mut out, 0.0);
                        out.push(0x05);
                        amf_status(&mut out, "NetStream.Publish.Start");
                    }
                    _ => continue,
                }
                send_command(&mut socket, stream_id, &out).await?;
            }
            _ => {}
        }
    }
}

/// CPU nanoseconds of this process's threads named `name`.
fn threads_cpu_ns(name: &str) -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .flatten()
        .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == name))
        .filter_map(|t| {
            let stat = std::fs::read_to_string(t.path().join("schedstat")).ok()?;
            stat.split_whitespace().next()?.parse::<u64>().ok()
        })
        .sum()
}

/// The 2x2 layout of `users` at `width`x`height`, `fps`.
fn layout(users: &[String], width: u32, height: u32, fps: u32) -> LiveTranscodeConfig {
    let regions = users
        .iter()
        .enumerate()
        .map(|(k, u)| LiveTranscodeRegion {
            user_id: u.clone(),
            x: Some(0.5 * (k % 2) as f64),
            y: Some(0.5 * (k / 2) as f64),
            w: Some(0.5),
            h: Some(0.5),
            ..Default::default()
        })
        .collect();
    LiveTranscodeConfig {
        url: None,
        audio: None,
        video: Some(LiveTranscodeVideo {
            width: Some(width),
            height: Some(height),
            fps: Some(fps),
            k_bit_rate: Some(2000),
            ..Default::default()
        }),
        layout: Some(LiveTranscodeLayout {
            regions: Some(regions),
            ..Default::default()
        }),
    }
}

/// The push's cost and the rates it was measured at.
pub(crate) struct Push {
    /// CPU of the push thread, a share of one core.
    pub(crate) share: f64,
    /// Video tags (pictures) the sink received per second.
    pub(crate) pictures_per_s: f64,
    /// Audio tags (AAC frames, 1024 samples) the sink received per second.
    pub(crate) aac_frames_per_s: f64,
}

/// Starts live transcoding of `users` (in `host`'s room) at 720p30 to the sink, and measures
/// the push thread's CPU over `seconds`.
pub(crate) async fn push_share(
    host: &RtcEngine,
    users: &[String],
    seconds: u64,
) -> anyhow::Result<Push> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let tags = Arc::new(Tags::default());
    let counted = tags.clone();
    let server = tokio::spawn(async move {
        if let Ok((socket, _)) = listener.accept().await {
            let _ = sink(socket, counted).await;
        }
    });
    let mut events = host.events();
    let config = LiveTranscodeConfig {
        url: Some(format!("rtmp://127.0.0.1:{port}/live/bench")),
        ..layout(users, 1280, 720, 30)
    };
    host.start_live_transcoding(config)
        .await
        .map_err(|e| anyhow::anyhow!("startLiveTranscoding: {e}"))?;
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, events.next()).await {
            Ok(Some(EngineEvent::Room(Event::StreamMixingEvent(e)))) => match e.event {
                StreamMixingEventType::StartSuccess => break,
                StreamMixingEventType::StartFailed => bail!("the push failed: {}", e.message),
                _ => {}
            },
            Ok(Some(_)) => {}
            _ => bail!("no START_SUCCESS within 30 s"),
        }
    }
    // The composite takes a moment to show every source.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let counts = || {
        (
            tags.video.load(Ordering::Relaxed),
            tags.audio.load(Ordering::Relaxed),
        )
    };
    let (before, wall, (video0, audio0)) = (threads_cpu_ns("rtmp-push"), Instant::now(), counts());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let spent = threads_cpu_ns("rtmp-push").saturating_sub(before);
    let secs = wall.elapsed().as_secs_f64();
    let (video1, audio1) = counts();
    host.stop_live_transcoding()
        .await
        .map_err(|e| anyhow::anyhow!("stopLiveTranscoding: {e}"))?;
    server.abort();
    Ok(Push {
        share: spent as f64 / 1e9 / secs,
        pictures_per_s: (video1 - video0) as f64 / secs,
        aac_frames_per_s: (audio1 - audio0) as f64 / secs,
    })
}
