//! `chorus play`: plays a public stream without joining a room, for a duration, and keeps
//! what arrived: the last picture as a PNG snapshot, the audio as a wav file, every picture as
//! a y4m file (written as they arrive, so a long play does not pile up in memory). Prints one
//! JSON line at the end: `{"event": "playPublicStream", "data": {...}}` with the counts and
//! paths. Exit status 1 when nothing arrived or a call failed.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use chorus_media::{VideoFrame, WavWriter};
use chorus_sdk::{EngineConfig, create_engine, destroy_engine};
use chorus_token::{AccessToken, Claims, Privilege};
use clap::Args;
use serde_json::json;

/// `chorus play` flags.
#[derive(Args)]
pub(crate) struct PlayArgs {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// A token of the app for the public stream id (its app id is read from it).
    #[arg(long, conflicts_with_all = ["app_id", "app_key"])]
    token: Option<String>,
    /// App id, to make a token here (with --app-key).
    #[arg(long, requires = "app_key")]
    app_id: Option<String>,
    /// App key, to make a token here (with --app-id).
    #[arg(long, requires = "app_id")]
    app_key: Option<String>,
    /// The public stream id.
    #[arg(long)]
    stream: String,
    /// The player's user id.
    #[arg(long, default_value = "player")]
    user: String,
    /// How long to play, in seconds.
    #[arg(long, default_value_t = 5.0)]
    duration: f64,
    /// Save the last picture as a PNG here.
    #[arg(long, value_name = "OUT.png")]
    snapshot: Option<PathBuf>,
    /// Record the audio to this wav file.
    #[arg(long, value_name = "OUT.wav")]
    wav: Option<PathBuf>,
    /// Record the pictures to this y4m file.
    #[arg(long, value_name = "OUT.y4m")]
    y4m: Option<PathBuf>,
    /// The frame rate written in the y4m header.
    #[arg(long, default_value_t = 15)]
    fps: u32,
}

/// A y4m file written a picture at a time; its size is the first picture's.
struct Y4mOut {
    out: BufWriter<File>,
    size: Option<(u32, u32)>,
    fps: u32,
}

impl Y4mOut {
    fn write(&mut self, frame: &VideoFrame) -> anyhow::Result<()> {
        let size = (frame.width, frame.height);
        match self.size {
            None => {
                writeln!(
                    self.out,
                    "YUV4MPEG2 W{} H{} F{}:1 Ip A1:1 C420jpeg",
                    size.0, size.1, self.fps
                )?;
                self.size = Some(size);
            }
            // A y4m file has one size; a picture of another (a layout change) is left out.
            Some(first) if first != size => return Ok(()),
            Some(_) => {}
        }
        self.out.write_all(b"FRAME\n")?;
        self.out.write_all(&frame.y)?;
        self.out.write_all(&frame.u)?;
        self.out.write_all(&frame.v)?;
        Ok(())
    }
}

fn token_of(args: &PlayArgs) -> anyhow::Result<(String, String)> {
    match (&args.token, &args.app_id, &args.app_key) {
        (Some(token), _, _) => {
            let claims = Claims::parse(token).context("malformed token")?;
            Ok((claims.app_id().to_owned(), token.clone()))
        }
        (None, Some(id), Some(key)) => {
            // Playing is receiving: the token needs the subscribe privilege.
            let token = AccessToken::new(
                id.as_str(),
                key.as_str(),
                args.stream.as_str(),
                args.user.as_str(),
            )
            .add_privilege(Privilege::SubscribeStream, 0)
            .serialize()
            .context("cannot make a token")?;
            Ok((id.clone(), token))
        }
        _ => bail!("give --token, or --app-id and --app-key"),
    }
}

/// Runs `chorus play`.
pub(crate) async fn run(args: PlayArgs) -> ExitCode {
    match play(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chorus play: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn play(args: PlayArgs) -> anyhow::Result<()> {
    if !(args.duration > 0.0 && args.duration.is_finite()) {
        bail!("--duration must be a positive number of seconds");
    }
    let (app_id, token) = token_of(&args)?;
    let engine = create_engine(&app_id, EngineConfig::new(&args.server));
    let mut video = engine.public_stream_video(&args.stream);
    let mut audio = engine.public_stream_audio(&args.stream);
    engine
        .start_play_public_stream(&token, &args.stream, &args.user)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code.as_str(), e.message))?;
    let mut wav = match &args.wav {
        Some(path) => Some(WavWriter::create(path, 2).context("cannot create the wav file")?),
        None => None,
    };
    let mut y4m = match &args.y4m {
        Some(path) => Some(Y4mOut {
            out: BufWriter::new(File::create(path).context("cannot create the y4m file")?),
            size: None,
            fps: args.fps.max(1),
        }),
        None => None,
    };
    let (mut pictures, mut audio_frames) = (0u64, 0u64);
    let mut last: Option<VideoFrame> = None;
    let end = tokio::time::Instant::now() + Duration::from_secs_f64(args.duration);
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(end) => break,
            Some(frame) = video.next() => {
                pictures += 1;
                if let Some(out) = y4m.as_mut() {
                    out.write(&frame)?;
                }
                last = Some(frame);
            }
            Some(frame) = audio.next() => {
                audio_frames += 1;
                if let Some(out) = wav.as_mut() {
                    // Mono frames are written as both sides of the stereo file.
                    let stereo: Vec<i16> = if frame.channels == 1 {
                        frame.samples.iter().flat_map(|&s| [s, s]).collect()
                    } else {
                        frame.samples
                    };
                    out.write_samples(&stereo)?;
                }
            }
        }
    }
    let _ = engine.stop_play_public_stream(&args.stream).await;
    let _ = destroy_engine(&engine);
    if let Some(out) = wav {
        out.finish()?;
    }
    if let Some(mut out) = y4m {
        out.out.flush()?;
    }
    let mut size = None;
    if let (Some(path), Some(frame)) = (&args.snapshot, &last) {
        std::fs::write(path, frame.to_rgba().to_png()?).context("cannot write the snapshot")?;
        size = Some((frame.width, frame.height));
    }
    let line = json!({
        "event": "playPublicStream",
        "data": {
            "publicStreamId": args.stream,
            "pictures": pictures,
            "audioSeconds": audio_frames as f64 * 0.02,
            "width": size.map(|s| s.0),
            "height": size.map(|s| s.1),
            "snapshot": args.snapshot,
            "wav": args.wav,
            "y4m": args.y4m,
        }
    });
    println!("{line}");
    if pictures == 0 && audio_frames == 0 {
        bail!("nothing arrived from public stream {:?}", args.stream);
    }
    if args.snapshot.is_some() && last.is_none() {
        bail!("no picture arrived for the snapshot");
    }
    Ok(())
}
