//! `chorus soak`: does the server stay flat over hours of churn? Many raw signalling clients
//! (see `soak_client.rs`) join, publish, message, stall and leave at random against this
//! binary's own `chorus serve`, started as a child (as `chorus loadtest` does) so its RSS,
//! open descriptors and threads can be read from /proc apart from the clients'; its tokio
//! tasks, connections, rooms and participants come from its /metrics. Or against a server
//! running on this machine (`--server URL --server-pid PID --app ID:KEY`, over wss:// too),
//! such as one deployed behind TLS.
//!
//! A line is printed every `--report-every` seconds; at the end, the samples after the
//! warm-up are judged (see `soak_growth.rs`) and one JSON line says what was seen. The exit
//! code is 1 when a figure grows without bound. A program, not a test: its figures go to
//! docs/benchmarks.md.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Args;
use tokio::sync::watch;

use crate::loadtest::{Target, start_server};
use crate::loadtest_stats::sample;
use crate::loadtest_url::ServerUrl;
use crate::soak_client::{self, Plan, Tally};
use crate::soak_growth::{Thirds, judge};

#[derive(Args)]
pub(crate) struct SoakArgs {
    /// Seconds to run.
    #[arg(long, default_value_t = 3600)]
    duration: u64,
    /// Clients churning at once (rooms hold about ten each).
    #[arg(long, default_value_t = 500)]
    clients: usize,
    /// Seconds between report lines.
    #[arg(long, default_value_t = 60)]
    report_every: u64,
    /// Seed of every client's choices, so a run can be repeated.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Threads for the clients (the rest of the machine is the server's).
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// A running server's URL: host:port or http:// (plain), https:// or wss:// (TLS).
    /// Default: start `chorus serve` as a child.
    #[arg(long, value_name = "URL", requires_all = ["server_pid", "app"])]
    server: Option<String>,
    /// The pid of `--server`, on this machine: its RSS, descriptors and threads are read.
    #[arg(long, requires = "server")]
    server_pid: Option<u32>,
    /// The app of `--server`, as ID:KEY (tokens are made with it).
    #[arg(long, value_name = "ID:KEY", requires = "server")]
    app: Option<String>,
    /// A CA certificate (PEM) an https:// or wss:// `--server` is checked against, besides
    /// the system's roots.
    #[arg(long, value_name = "FILE", requires = "server")]
    ca: Option<PathBuf>,
}

/// Seconds between samples at most (reports may be rarer): enough samples for the verdict.
const SAMPLE_SECS: u64 = 5;
/// The warm-up is this share of the run, at most [`MAX_WARMUP_SECS`].
const WARMUP_SHARE: u64 = 6;
const MAX_WARMUP_SECS: u64 = 300;

/// Runs the soak on its own runtime; Ok(false) when a figure grows without bound.
pub(crate) fn main(args: SoakArgs) -> anyhow::Result<bool> {
    // One descriptor per client here, and as many in the server (which raises its own).
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads.max(1))
        .enable_all()
        .build()?
        .block_on(run(args))
}

/// One look at the server.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// Seconds since the clients started.
    secs: f64,
    rss_mib: f64,
    fds: f64,
    threads: f64,
    tasks: Option<f64>,
    connections: f64,
    rooms: f64,
    participants: f64,
}

/// The figures the verdict looks at: name, value, smallest rise that counts.
fn figures(s: &Sample) -> [(&'static str, Option<f64>, f64); 4] {
    [
        ("rss_mib", Some(s.rss_mib), 4.0),
        ("fds", Some(s.fds), 16.0),
        ("threads", Some(s.threads), 2.0),
        ("tasks", s.tasks, 32.0),
    ]
}

fn proc_status(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

async fn take_sample(
    http: &reqwest::Client,
    metrics_url: &str,
    pid: u32,
    secs: f64,
) -> anyhow::Result<Sample> {
    let text = http
        .get(metrics_url)
        .timeout(Duration::from_secs(10))
        .send()
        .await?
        .text()
        .await?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .context("cannot read the server's descriptors")?
        .count();
    let metric = |name| sample(&text, name, "").unwrap_or(0.0);
    Ok(Sample {
        secs,
        rss_mib: proc_status(pid, "VmRSS").context("no VmRSS for the server")? / 1024.0,
        fds: fds as f64,
        threads: proc_status(pid, "Threads").context("no Threads for the server")?,
        tasks: sample(&text, "chorus_tasks", ""),
        connections: metric("chorus_connections"),
        rooms: metric("chorus_rooms"),
        participants: metric("chorus_participants"),
    })
}

async fn run(args: SoakArgs) -> anyhow::Result<bool> {
    if args.clients == 0 || args.duration == 0 || args.report_every == 0 {
        bail!("--clients, --duration and --report-every must be at least 1");
    }
    let mut target = match &args.server {
        None => start_server().await?,
        Some(url) => {
            let url = ServerUrl::parse(url, args.ca.as_deref()).await?;
            let app = args.app.as_deref().context("--server needs --app ID:KEY")?;
            let (id, key) = app.split_once(':').context("--app must be ID:KEY")?;
            Target {
                url,
                pid: args.server_pid,
                app: (id.into(), key.into()),
                child: None,
                entries: Vec::new(),
            }
        }
    };
    let pid = target.pid.context("the server has no pid")?;
    let metrics_url = target.url.metrics_url();
    let plan = Arc::new(Plan {
        server: target.url.clone(),
        app: target.app.clone(),
        clients: args.clients,
        seed: args.seed,
    });
    let tally = Arc::new(Tally::default());
    let (stop_tx, stop) = watch::channel(false);
    let tasks: Vec<_> = (0..args.clients)
        .map(|i| {
            tokio::spawn(soak_client::run(
                i,
                plan.clone(),
                tally.clone(),
                stop.clone(),
            ))
        })
        .collect();

    let http = target.url.http_client()?;
    let started = Instant::now();
    let every = SAMPLE_SECS.min(args.report_every);
    let warmup = (args.duration / WARMUP_SHARE).min(MAX_WARMUP_SECS) as f64;
    let mut samples = Vec::new();
    let mut last_report = (0.0, 0);
    let mut next_report = args.report_every;
    let mut tick = 0;
    let finished = loop {
        tick += every;
        let at = started + Duration::from_secs(tick.min(args.duration));
        tokio::time::sleep_until(at.into()).await;
        let secs = started.elapsed().as_secs_f64();
        let now = take_sample(&http, &metrics_url, pid, secs)
            .await
            .context("cannot sample the server (did it exit?)")?;
        samples.push(now);
        let done = tick >= args.duration;
        if tick >= next_report || done {
            next_report += args.report_every;
            let ops = tally.ops.load(Ordering::Relaxed);
            let rate = (ops - last_report.1) as f64 / (secs - last_report.0).max(1e-9);
            last_report = (secs, ops);
            println!("{}", report_line(&now, &tally, args.clients, rate));
        }
        if done {
            break secs;
        }
    };
    let _ = stop_tx.send(true);
    for task in tasks {
        task.abort();
    }
    if let Some(mut child) = target.child.take() {
        let _ = child.kill().await;
    }
    Ok(verdict(&args, &samples, warmup, finished, &tally))
}

fn report_line(s: &Sample, tally: &Tally, clients: usize, ops_per_sec: f64) -> String {
    let tasks = s.tasks.map_or("?".into(), |t| format!("{t:.0}"));
    format!(
        "[{:>5.0}s] rss {:.1} MiB  fds {:.0}  threads {:.0}  tasks {tasks}  connections {:.0}  \
         rooms {:.0}  participants {:.0}  clients {}/{clients}  ops {ops_per_sec:.0}/s  resumed {}  \
         errors {}",
        s.secs,
        s.rss_mib,
        s.fds,
        s.threads,
        s.connections,
        s.rooms,
        s.participants,
        tally.connected.load(Ordering::Relaxed),
        tally.resumed.load(Ordering::Relaxed),
        errors_text(tally),
    )
}

fn errors_text(tally: &Tally) -> String {
    let Ok(errors) = tally.errors.lock() else {
        return "?".into();
    };
    if errors.is_empty() {
        return "none".into();
    }
    errors
        .iter()
        .map(|(kind, n)| format!("{kind}={n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Judges every figure, prints the verdict and the JSON line; false when one grows.
fn verdict(args: &SoakArgs, samples: &[Sample], warmup: f64, secs: f64, tally: &Tally) -> bool {
    let settled: Vec<&Sample> = samples.iter().filter(|s| s.secs >= warmup).collect();
    let mut growing = Vec::new();
    let mut judged = serde_json::Map::new();
    for (i, (name, _, floor)) in figures(&samples[0]).iter().enumerate() {
        let values: Vec<f64> = settled.iter().filter_map(|s| figures(s)[i].1).collect();
        let thirds = judge(&values, *floor);
        if let Some(Thirds {
            first,
            middle,
            last,
            grows,
        }) = thirds
        {
            let start = values.first().copied().unwrap_or(0.0);
            let end = values.last().copied().unwrap_or(0.0);
            println!(
                "{name}: after the warm-up {start:.1} -> {end:.1} (x{:.3}); thirds' means \
                 {first:.1} / {middle:.1} / {last:.1}{}",
                end / start.max(1e-9),
                if grows { "  GROWS" } else { "" }
            );
            if grows {
                growing.push(*name);
            }
            judged.insert(
                (*name).into(),
                serde_json::json!({
                    "start": start, "end": end, "ratio": end / start.max(1e-9),
                    "thirds": [first, middle, last], "grows": grows,
                }),
            );
        }
    }
    if judged.is_empty() {
        println!("too few samples after the warm-up to judge growth (run longer)");
    }
    let ops = tally.ops.load(Ordering::Relaxed);
    let errors: serde_json::Map<String, serde_json::Value> = tally
        .errors
        .lock()
        .map(|e| e.iter().map(|(k, v)| (k.clone(), (*v).into())).collect())
        .unwrap_or_default();
    let json = serde_json::json!({
        "soak_seconds": secs,
        "clients": args.clients,
        "seed": args.seed,
        "warmup_seconds": warmup,
        "samples": samples.len(),
        "ops": ops,
        "ops_per_second": ops as f64 / secs.max(1e-9),
        "resumed": tally.resumed.load(Ordering::Relaxed),
        "figures": judged,
        "errors": errors,
        "growing": growing,
        "ok": growing.is_empty(),
    });
    println!("{json}");
    growing.is_empty()
}
