//! `chorus-bench subtitles`: what real-time subtitles cost with the bundled recognizer. N
//! native clients speak espeak-ng sentences (a file, looped) at once into one room of an
//! in-process server; another client has subtitles on. Prints the speech end -> final
//! subtitle latency (p50, p99), the recognizer worker's CPU per concurrent speaker as a share
//! of one core, and so how many speakers one core holds.
//!
//! Speech ends are taken where the listener hears them: a follower of each speaker's received
//! audio notes the last loud 20 ms frame before 700 ms of quiet. So the figure is what
//! subtitles add after a client could hear the speech end (the captioner's hangover, its
//! recognition, the trip back), independent of how the publisher paces its file.
//! Unlike the other benchmarks this one goes through the SDK (a publisher and a subscriber are
//! needed), and the worker is a child process, measured through /proc.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chorus_proto::{Event, RoomConfig, SubtitleEventType, SubtitleMode, UserInfo};
use chorus_sdk::{AudioCaptureSource, EngineConfig, EngineEvent, RtcEngine, create_engine};
use chorus_server::{AppCredentials, Config};
use chorus_token::{AccessToken, Privilege};

use crate::stats::Summary;

/// `chorus-bench subtitles` flags.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Speakers talking at once (each a native client playing the same sentences, offset).
    #[arg(long, default_value_t = 1)]
    speakers: usize,
    /// How long to measure, in seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// The Python with moonshine-voice installed [default: target/subtitles-venv/bin/python].
    #[arg(long)]
    python: Option<PathBuf>,
}

const SENTENCES: [&str; 3] = [
    "The meeting room is on the second floor.",
    "Please call Stella and ask her to bring these things with her from the store.",
    "It is sunny today with a light breeze from the west.",
];

const ROOM: &str = "subtitles-bench";

fn token(room: &str, user: &str) -> anyhow::Result<String> {
    Ok(AccessToken::new(crate::APP_ID, crate::APP_KEY, room, user)
        .add_privilege(Privilege::PublishStream, 0)
        .add_privilege(Privilege::SubscribeStream, 0)
        .serialize()?)
}

async fn join(url: &str, user: &str) -> anyhow::Result<(RtcEngine, chorus_sdk::EventStream)> {
    let engine = create_engine(crate::APP_ID, EngineConfig::new(url));
    let events = engine.events();
    let info = UserInfo {
        user_id: user.into(),
        extra_info: None,
    };
    engine
        .join_room(Some(&token(ROOM, user)?), ROOM, info, RoomConfig::default())
        .await
        .with_context(|| format!("{user} joins"))?;
    Ok((engine, events))
}

/// Follows one speaker's audio as the listener receives it and records when each utterance
/// ended: the last loud 20 ms frame before at least 700 ms of quiet.
async fn follow_speech_ends(
    mut audio: chorus_sdk::MediaStream<chorus_sdk::AudioFrame>,
    ends: std::sync::Arc<std::sync::Mutex<Vec<Instant>>>,
) {
    let mut last_loud: Option<Instant> = None;
    while let Some(frame) = audio.next().await {
        let now = Instant::now();
        let n = frame.samples.len().max(1) as f64;
        let rms = (frame
            .samples
            .iter()
            .map(|&s| (f64::from(s) / 32768.0).powi(2))
            .sum::<f64>()
            / n)
            .sqrt();
        if rms > 0.01 {
            last_loud = Some(now);
        } else if let Some(end) = last_loud
            && now.duration_since(end) >= Duration::from_millis(700)
        {
            ends.lock().unwrap_or_else(|e| e.into_inner()).push(end);
            last_loud = None;
        }
    }
}

/// CPU seconds (user + system) of this process's children whose command line has `needle`.
fn children_cpu(needle: &str) -> f64 {
    let me = std::process::id().to_string();
    let ticks = 100.0; // USER_HZ on Linux
    let mut total = 0.0;
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    for entry in entries.flatten() {
        let dir = entry.path();
        let Ok(stat) = std::fs::read_to_string(dir.join("stat")) else {
            continue;
        };
        // Fields after the command's closing parenthesis: state, ppid, ..., utime (12th), stime.
        let Some(rest) = stat.rsplit_once(") ").map(|(_, r)| r) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.get(1) != Some(&me.as_str()) {
            continue;
        }
        let cmdline = std::fs::read_to_string(dir.join("cmdline")).unwrap_or_default();
        if !cmdline.contains(needle) {
            continue;
        }
        let field = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        total += (field(11) + field(12)) / ticks;
    }
    total
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let python = args.python.unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/subtitles-venv/bin/python")
    });
    if !python.exists() {
        bail!(
            "no {}: python3 -m venv target/subtitles-venv && target/subtitles-venv/bin/pip install moonshine-voice==0.1.0",
            python.display()
        );
    }
    let dir = std::env::temp_dir().join(format!("chorus-bench-subtitles-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let wav = dir.join("speech.wav");
    let pause = "<break time=\"1500ms\"/>";
    let ssml = format!("<speak>{pause}{}{pause}</speak>", SENTENCES.join(pause));
    let status = Command::new("espeak-ng")
        .args(["-m", "-v", "en-us", "-s", "140", "-w"])
        .arg(&wav)
        .arg(&ssml)
        .status()
        .context("espeak-ng (Debian package espeak-ng)")?;
    if !status.success() {
        bail!("espeak-ng failed");
    }
    let mut config = Config {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        rtc_port: 0,
        apps: vec![AppCredentials {
            id: crate::APP_ID.into(),
            key: crate::APP_KEY.into(),
            ..AppCredentials::default()
        }],
        ..Config::default()
    };
    config.subtitles.worker_command = vec![
        python.display().to_string(),
        chorus_subtitles::WORKER_SCRIPT.to_owned(),
    ];
    let server = chorus_server::start(config)
        .await
        .context("cannot start the server")?;
    let url = format!("http://{}", server.local_addr());
    println!(
        "subtitles: {} speaker(s) for {} s, bundled recognizer, in-process server at {url}",
        args.speakers, args.seconds
    );

    let (listener, mut events) = join(&url, "listener").await?;
    listener
        .start_subtitle(SubtitleMode::AsrOnly, None)
        .await
        .context("startSubtitle")?;
    loop {
        match tokio::time::timeout(Duration::from_secs(60), events.next()).await {
            Ok(Some(EngineEvent::Room(Event::SubtitleStateChanged(s)))) => {
                if s.event == SubtitleEventType::Started {
                    break;
                }
                bail!("subtitles did not start: {s:?}");
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => bail!("subtitles did not start within 60 s"),
        }
    }

    // Speakers start a few hundred ms apart, so their utterances overlap but do not end
    // together.
    let mut speakers = Vec::new();
    let mut speech_ends = std::collections::HashMap::new();
    for i in 0..args.speakers {
        let user = format!("speaker{i}");
        let ends = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        tokio::spawn(follow_speech_ends(
            listener.remote_audio(&user, chorus_sdk::StreamIndex::Main),
            ends.clone(),
        ));
        speech_ends.insert(user.clone(), ends);
        let (engine, events) = join(&url, &user).await?;
        engine
            .start_audio_capture(AudioCaptureSource::File(wav.clone()))
            .await
            .context("the speech file plays")?;
        speakers.push((engine, events));
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    let cpu_before = children_cpu("recognizer.py");
    let measure_from = Instant::now();
    let deadline = measure_from + Duration::from_secs(args.seconds);
    let mut arrivals: Vec<(String, Instant)> = Vec::new();
    let mut partials = 0usize;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline.into(), events.next()).await {
        let arrived = Instant::now();
        let EngineEvent::Room(Event::SubtitleMessageReceived(messages)) = event else {
            continue;
        };
        for m in messages.0 {
            if m.definite {
                arrivals.push((m.user_id, arrived));
            } else {
                partials += 1;
            }
        }
    }
    // Each final against the latest speech end before it. An end already claimed means the
    // final is the first piece of an utterance the detector cut mid-way (a long pause inside
    // it), which has no end of its own yet: counted, not timed.
    let finals = arrivals.len();
    let mut latencies = Vec::new();
    let mut claimed = std::collections::HashSet::new();
    let mut pieces = 0usize;
    for (user, arrived) in arrivals {
        let Some(ends) = speech_ends.get(&user) else {
            continue;
        };
        let ends = ends.lock().unwrap_or_else(|e| e.into_inner()).clone();
        match ends
            .iter()
            .enumerate()
            .rev()
            .find(|(_, end)| **end <= arrived)
        {
            Some((i, end)) if claimed.insert((user.clone(), i)) => {
                latencies.push(arrived.duration_since(*end));
            }
            _ => pieces += 1,
        }
    }
    let wall = measure_from.elapsed().as_secs_f64();
    let cpu = children_cpu("recognizer.py") - cpu_before;
    for (engine, _) in &speakers {
        let _ = engine.leave_room().await;
    }
    let _ = listener.leave_room().await;
    let _ = std::fs::remove_dir_all(&dir);

    let share = cpu / wall / args.speakers as f64;
    let summary = Summary::of(&mut latencies);
    match &summary {
        Some(s) => println!("speech end -> final subtitle: {}", s.line()),
        None => println!("speech end -> final subtitle: no final subtitle arrived"),
    }
    println!(
        "subtitles: {finals} final ({pieces} of them mid-utterance pieces, not timed), {partials} partial in {wall:.1} s"
    );
    println!(
        "recognizer CPU: {:.1} % of a core per concurrent speaker ({:.1} % for {}); one core holds about {:.0} speakers",
        share * 100.0,
        cpu / wall * 100.0,
        args.speakers,
        if share > 0.0 {
            1.0 / share
        } else {
            f64::INFINITY
        }
    );
    println!(
        "{}",
        serde_json::json!({
            "bench": "subtitles",
            "speakers": args.speakers,
            "seconds": wall,
            "finals": finals,
            "mid_utterance_pieces": pieces,
            "partials": partials,
            "final_latency": summary.map(|s| s.json()),
            "recognizer_core_share_per_speaker": share,
        })
    );
    Ok(())
}
