//! `public-stream`: what a public stream's compositor costs. Three figures:
//!
//! - the core: decoding four 640x360 H.264 sources, compositing them 2x2 onto a 1280x720
//!   canvas and encoding it as H.264 at 30 fps, with four Opus sources decoded, mixed and
//!   encoded every 20 ms: this thread's CPU time (Linux schedstat, so other processes on a
//!   shared machine do not count) per second of output, as a share of one core, and the
//!   outputs a core holds;
//! - the whole pipeline in an in-process server: `--outputs` public streams of four native
//!   publishers, each with its worker and SDK engines: process CPU and resident memory with
//!   them against without;
//! - the RTMP push of live transcoding ([`crate::rtmp_push`]): its thread's CPU against the
//!   core figure;
//! - publisher -> player latency: a test card's frame counter, pushed at known times, read
//!   back from the decoded public stream by a player that never joined.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chorus_compositor::{Compositor, Layout, Output, SourceKey};
use chorus_media::{
    AudioSource, H264Decoder, H264Encoder, OpusDecoder, OpusEncoder, PatternSource, ToneSource,
    VideoSource, read_pattern_counter,
};
use chorus_proto::{PublicStreamConfig, PublicStreamLayout, PublicStreamRegion, PublicStreamVideo};
use chorus_sdk::{
    AudioSourceType, EngineConfig, MediaType, RoomConfig, RtcEngine, StreamIndex, UserInfo,
    VideoSourceType, create_engine,
};
use chorus_server::{AppCredentials, Config};
use chorus_token::{AccessToken, Privilege};
use serde_json::json;

use crate::noise::{CpuSample, TICKS_PER_SEC, stat_ticks};

/// `public-stream` flags.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Seconds of output the core is timed over.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Public streams run at once in the pipeline figure.
    #[arg(long, default_value_t = 2)]
    outputs: usize,
}

const ROOM: &str = "bench";

fn grid(width: u32, height: u32, fps: u32, users: &[String]) -> PublicStreamConfig {
    let regions = users
        .iter()
        .enumerate()
        .map(|(k, u)| PublicStreamRegion {
            user_id: u.clone(),
            room_id: ROOM.into(),
            x: Some(0.5 * (k % 2) as f64),
            y: Some(0.5 * (k / 2) as f64),
            w: Some(if users.len() == 1 { 1.0 } else { 0.5 }),
            h: Some(if users.len() == 1 { 1.0 } else { 0.5 }),
            ..Default::default()
        })
        .collect();
    PublicStreamConfig {
        video: Some(PublicStreamVideo {
            width: Some(width),
            height: Some(height),
            fps: Some(fps),
            k_bit_rate: 2000,
        }),
        layout: Some(PublicStreamLayout {
            background_color: None,
            background_image: None,
            regions: Some(regions),
        }),
    }
}

fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// CPU seconds per second of a 720p30 4-region output, decode to encode, on this thread.
fn core_share(seconds: u64) -> anyhow::Result<f64> {
    let users: Vec<String> = (0..4).map(|i| format!("u{i}")).collect();
    let layout = Layout::from_config(&grid(1280, 720, 30, &users))?;
    // A second of each source, encoded once, looped (an IDR first, so every loop decodes).
    let mut sources = Vec::new();
    for i in 0..4u32 {
        let mut card = PatternSource::new(640, 360, 30);
        let mut encoder = H264Encoder::new(640, 360, 30, 1_000_000)?;
        let mut packets = Vec::new();
        for n in 0..30 {
            let frame = card.next_frame().context("the card never ends")?;
            packets.push(encoder.encode(&frame, n == 0)?.data);
        }
        let mut tone = ToneSource::new(300.0 + 200.0 * i as f32);
        let mut opus = OpusEncoder::new(1, 32_000)?;
        let mut audio = Vec::new();
        for _ in 0..50 {
            audio.push(opus.encode(&tone.next_frame().context("a tone never ends")?)?);
        }
        sources.push((packets, H264Decoder::new()?, audio, OpusDecoder::new(1)?));
    }
    let keys: Vec<SourceKey> = users
        .iter()
        .map(|u| SourceKey {
            room_id: ROOM.into(),
            user_id: u.clone(),
            screen: false,
        })
        .collect();
    let mut compositor = Compositor::new(layout, Duration::ZERO);
    let mut out_video = H264Encoder::new(1280, 720, 30, 2_000_000)?;
    let mut out_audio = OpusEncoder::new(2, 64_000)?;
    let (mut audio_n, mut video_n) = (0usize, 0usize);
    // Media time advances output by output, as fast as the work allows: a jump would count as
    // a stall, after which the compositor skips the pictures missed.
    let mut step = |until: Duration| -> anyhow::Result<()> {
        loop {
            let now = compositor.poll_timeout();
            if now >= until {
                return Ok(());
            }
            let Some(out) = compositor.poll_output(now) else {
                continue;
            };
            match out {
                Output::Audio(mixed) => {
                    out_audio.encode(&mixed)?;
                    for (k, (_, _, audio, opus)) in sources.iter_mut().enumerate() {
                        let frame = opus.decode(&audio[audio_n % audio.len()])?;
                        compositor.handle_audio(&keys[k], &frame);
                    }
                    audio_n += 1;
                }
                Output::Video(canvas) => {
                    out_video.encode(&canvas, false)?;
                    for (k, (packets, h264, _, _)) in sources.iter_mut().enumerate() {
                        // Rate control may have skipped a picture: nothing to decode then.
                        let packet = &packets[video_n % packets.len()];
                        if packet.is_empty() {
                            continue;
                        }
                        if let Some(frame) = h264.decode(packet)? {
                            compositor.handle_video(&keys[k], frame);
                        }
                    }
                    video_n += 1;
                }
            }
        }
    };
    step(Duration::from_secs(1))?; // warm-up
    let (wall, cpu) = (Instant::now(), thread_cpu_ns());
    step(Duration::from_secs(1 + seconds))?;
    if video_n < 30 * (1 + seconds as usize) {
        bail!("only {video_n} pictures composited");
    }
    let spent = match (cpu, thread_cpu_ns()) {
        (Some(a), Some(b)) => b.saturating_sub(a) as f64 / 1e9,
        _ => wall.elapsed().as_secs_f64(),
    };
    Ok(spent / seconds as f64)
}

fn token(room: &str, user: &str) -> anyhow::Result<String> {
    Ok(AccessToken::new(crate::APP_ID, crate::APP_KEY, room, user)
        .add_privilege(Privilege::PublishStream, 0)
        .add_privilege(Privilege::SubscribeStream, 0)
        .serialize()?)
}

/// A publisher pushing its test card (640x360 at 30 fps, counter = frame number) and a tone;
/// returns the engine and when frame 0 was due.
async fn publisher(url: &str, user: &str, hz: f32) -> anyhow::Result<(RtcEngine, Instant)> {
    let engine = create_engine(crate::APP_ID, EngineConfig::new(url));
    engine
        .set_video_source_type(StreamIndex::Main, VideoSourceType::External)
        .await?;
    engine
        .set_audio_source_type(AudioSourceType::External)
        .await?;
    let info = UserInfo {
        user_id: user.into(),
        extra_info: None,
    };
    engine
        .join_room(Some(&token(ROOM, user)?), ROOM, info, RoomConfig::default())
        .await?;
    let start = Instant::now();
    let pusher = engine.clone();
    tokio::spawn(async move {
        let card = PatternSource::new(640, 360, 30);
        let mut tone = ToneSource::new(hz);
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        let (mut audio_due, mut video_n) = (Duration::ZERO, 0u32);
        loop {
            tick.tick().await;
            let elapsed = start.elapsed();
            while audio_due <= elapsed {
                let Some(frame) = tone.next_frame() else {
                    return;
                };
                if pusher.push_external_audio_frame(frame).await.is_err() {
                    return;
                }
                audio_due += Duration::from_millis(20);
            }
            if Duration::from_secs(1) * video_n / 30 <= elapsed {
                let frame = card.frame_at(video_n);
                if pusher
                    .push_external_video_frame(StreamIndex::Main, frame)
                    .await
                    .is_err()
                {
                    return;
                }
                video_n += 1;
            }
        }
    });
    let _ = engine.publish_stream(MediaType::AudioAndVideo).await;
    Ok((engine, start))
}

fn rss_bytes() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .context("no VmRSS in /proc/self/status")?;
    Ok(kb * 1024)
}

/// Process CPU (cores' worth) over `secs`.
async fn process_cores(secs: u64) -> anyhow::Result<f64> {
    let before = stat_ticks("/proc/self/stat").context("no /proc/self/stat")?;
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let after = stat_ticks("/proc/self/stat").context("no /proc/self/stat")?;
    Ok((after - before) as f64 / TICKS_PER_SEC / secs as f64)
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    if args.seconds == 0 || args.outputs == 0 {
        bail!("--seconds and --outputs must be at least 1");
    }
    let seconds = args.seconds;
    let share = tokio::task::spawn_blocking(move || core_share(seconds)).await??;
    println!(
        "core, 720p30 from 4 regions: {:.1}% of one core ({:.1} outputs per core)",
        share * 100.0,
        1.0 / share
    );

    let config = Config {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        rtc_port: 0,
        apps: vec![AppCredentials {
            id: crate::APP_ID.into(),
            key: crate::APP_KEY.into(),
            ..AppCredentials::default()
        }],
        ..Config::default()
    };
    let server = chorus_server::start(config)
        .await
        .context("cannot start the server")?;
    let url = server.url();
    let users: Vec<String> = (0..4).map(|i| format!("p{i}")).collect();
    let mut publishers = Vec::new();
    for (i, u) in users.iter().enumerate() {
        publishers.push(publisher(&url, u, 300.0 + 200.0 * i as f32).await?);
    }
    let host = publishers[0].0.clone();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let noise = CpuSample::take();
    let (cpu_without, rss_without) = (process_cores(5).await?, rss_bytes()?);
    for n in 0..args.outputs {
        host.start_push_public_stream(&format!("out{n}"), grid(1280, 720, 30, &users))
            .await
            .map_err(|e| anyhow::anyhow!("start: {e}"))?;
    }
    // Memory before any player, whose decoding lives in this process too.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let rss_with = rss_bytes()?;
    // A player on each, counting the pictures that arrive.
    let mut counters = Vec::new();
    let mut players = Vec::new();
    for n in 0..args.outputs {
        let id = format!("out{n}");
        let viewer = format!("viewer{n}");
        let player = create_engine(crate::APP_ID, EngineConfig::new(&url));
        let mut video = player.public_stream_video(&id);
        let count = Arc::new(AtomicU64::new(0));
        let c = count.clone();
        tokio::spawn(async move {
            while video.next().await.is_some() {
                c.fetch_add(1, Ordering::Relaxed);
            }
        });
        counters.push(count);
        player
            .start_play_public_stream(&token(&id, &viewer)?, &id, &viewer)
            .await
            .map_err(|e| anyhow::anyhow!("play: {e}"))?;
        players.push(player);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let arrived = || -> u64 { counters.iter().map(|a| a.load(Ordering::Relaxed)).sum() };
    let before = arrived();
    let cpu_with = process_cores(10).await?;
    let fps = (arrived() - before) as f64 / 10.0 / args.outputs as f64;
    let others = noise.and_then(|n| n.others_since());
    let per_output_cpu = (cpu_with - cpu_without) / args.outputs as f64;
    let per_output_rss = rss_with.saturating_sub(rss_without) as f64 / args.outputs as f64;
    println!(
        "pipeline, {} outputs 720p30 x 4 regions: {:.1} MiB each; with a player each, {:.1}% of a core each (server, workers and players), {fps:.1} pictures/s arrive per output",
        args.outputs,
        per_output_rss / 1048576.0,
        per_output_cpu * 100.0,
    );
    for n in 0..args.outputs {
        host.stop_push_public_stream(&format!("out{n}")).await.ok();
    }

    // The same composite pushed over RTMP (live transcoding): the push thread against the core.
    let push = crate::rtmp_push::push_share(&host, &users, seconds).await?;
    println!(
        "rtmp push of a 720p30 output (AAC-LC encode, FLV, RTMP writes): {:.2}% of one core, {:.3} of the core figure ({:.1} pictures/s, {:.1} AAC frames/s sent)",
        push.share * 100.0,
        push.share / share,
        push.pictures_per_s,
        push.aac_frames_per_s,
    );

    // Latency: one publisher's card full-canvas at its own size, so the counter reads back.
    let (_, start) = &publishers[1];
    host.start_push_public_stream("latency", grid(640, 360, 30, &users[1..2]))
        .await
        .map_err(|e| anyhow::anyhow!("start: {e}"))?;
    let player = create_engine(crate::APP_ID, EngineConfig::new(&url));
    let mut video = player.public_stream_video("latency");
    player
        .start_play_public_stream(&token("latency", "timer")?, "latency", "timer")
        .await
        .map_err(|e| anyhow::anyhow!("play: {e}"))?;
    let mut delays = Vec::new();
    let end = Instant::now() + Duration::from_secs(15);
    while Instant::now() < end && delays.len() < 300 {
        let Ok(Some(frame)) = tokio::time::timeout(Duration::from_secs(5), video.next()).await
        else {
            bail!("the latency stream stopped");
        };
        let arrived = start.elapsed();
        if let Some(counter) = read_pattern_counter(&frame) {
            let due = Duration::from_secs(1) * counter / 30;
            delays.push(arrived.saturating_sub(due).as_secs_f64() * 1000.0);
        }
    }
    if delays.len() < 30 {
        bail!("only {} counters read back", delays.len());
    }
    // The first second is the start-up (keyframe, jitter buffers): left out.
    let mut steady: Vec<f64> = delays[30..].to_vec();
    steady.sort_by(f64::total_cmp);
    let at = |q: f64| steady[((steady.len() - 1) as f64 * q) as usize];
    println!(
        "publisher -> player: p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms ({} pictures)",
        at(0.5),
        at(0.95),
        at(1.0),
        steady.len()
    );
    if let Some(o) = others {
        println!("other processes used {o:.2} cores meanwhile");
    }
    let line = json!({
        "core_share_720p30_4_regions": share,
        "outputs_per_core": 1.0 / share,
        "pipeline_outputs": args.outputs,
        "pipeline_cpu_share_per_output": per_output_cpu,
        "pipeline_rss_bytes_per_output": per_output_rss,
        "pipeline_fps_per_output": fps,
        "rtmp_push_share": push.share,
        "rtmp_push_over_core": push.share / share,
        "rtmp_push_pictures_per_s": push.pictures_per_s,
        "rtmp_push_aac_frames_per_s": push.aac_frames_per_s,
        "latency_ms_p50": at(0.5),
        "latency_ms_p95": at(0.95),
        "latency_ms_max": at(1.0),
        "others_cores": others,
    });
    println!("{line}");
    server.shutdown().await;
    Ok(())
}
