//! `idle-memory`: what one idle, joined signalling connection costs the server in resident
//! memory. Runs the real `chorus serve` binary as a child, so the figure is the product's own
//! and the benchmark's clients do not count.
//!
//! RSS is read from /proc/PID/status after start-up and a warm-up (connections that join and
//! leave, so one-time allocations are in the baseline), then again once N connections have
//! joined and the server has gone quiet. The difference over N is the cost per connection.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use tokio::task::JoinHandle;

use crate::child::{Server, child_nofile, server_bin};
use crate::client::{Client, EventTally, token, warm_up};
use crate::fds::raise_nofile;
use crate::progress::Progress;
use crate::stats::expected_user_joined;

/// The aim the issue sets per idle connection.
const AIM_BYTES: u64 = 64 * 1024;
/// Connections being opened at once; well under the listen backlog.
const OPENING: usize = 64;
/// How long the server must send nothing before it counts as quiet.
const QUIET: Duration = Duration::from_secs(1);
/// Fds the benchmark needs beyond one per connection (runtime, stdio, child pipes).
const SPARE_FDS: u64 = 256;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Idle connections to hold, each joined.
    #[arg(long, default_value_t = 5000)]
    connections: usize,
    /// Users per room.
    #[arg(long, default_value_t = 50)]
    room_size: usize,
    /// Connections that join and leave before the baseline is read.
    #[arg(long, default_value_t = 50)]
    warmup: usize,
    /// The `chorus` binary [default: `chorus` next to this executable; build both with
    /// `cargo build --release -p chorus -p chorus-bench`].
    #[arg(long)]
    server_bin: Option<PathBuf>,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    if args.connections == 0 || args.room_size == 0 {
        bail!("--connections and --room-size must be at least 1");
    }
    // One fd per connection here and one in the server, which inherits the limit.
    let nofile = raise_nofile(args.connections as u64 + args.warmup as u64 + SPARE_FDS)
        .context("the benchmark and the server each need one fd per connection")?;
    let bin = server_bin(args.server_bin.clone())?;

    let mut server = Server::spawn(&bin).await?;
    let pid = server.pid;
    println!(
        "idle-memory: {} connections, rooms of {}, server {} (pid {pid}, open files limit {nofile}, child's {})",
        args.connections,
        args.room_size,
        bin.display(),
        child_nofile(pid).unwrap_or_else(|| "unknown".into()),
    );
    let outcome = measure(&mut server, &args).await;
    server.stop().await;
    outcome
}

async fn measure(server: &mut Server, args: &Args) -> anyhow::Result<()> {
    let (pid, addr) = (server.pid, server.addr);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_startup = rss(pid)?;

    warm_up(addr, args.warmup, args.room_size)
        .await
        .context("warm-up failed")?;
    // Let sessions and emptied rooms wind down before the baseline.
    tokio::time::sleep(Duration::from_secs(1)).await;
    server.check_alive()?;
    let rss_before = rss(pid)?;

    let tally = Arc::new(EventTally::default());
    let next = Arc::new(AtomicUsize::new(0));
    let progress = Progress::start("connections joined".into(), args.connections as u64);
    let openers: Vec<JoinHandle<anyhow::Result<Vec<JoinHandle<()>>>>> = (0..OPENING
        .min(args.connections))
        .map(|_| {
            let (tally, next, done) = (tally.clone(), next.clone(), progress.counter());
            let (total, room_size) = (args.connections, args.room_size);
            tokio::spawn(async move {
                let mut listeners = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return Ok(listeners);
                    }
                    let room = format!("idle-{}", i / room_size);
                    let user = format!("user-{i}");
                    let mut client = Client::connect(addr, tally.clone())
                        .await
                        .with_context(|| format!("connection #{i}"))?;
                    client
                        .join(&room, &user, token(&room, &user)?)
                        .await
                        .with_context(|| format!("join #{i} ({user} into {room})"))?;
                    listeners.push(client.listen(None));
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let mut listeners = Vec::with_capacity(args.connections);
    let mut failure = None;
    for opener in openers {
        match opener
            .await
            .map_err(|e| anyhow!("an opening task panicked: {e}"))
            .and_then(|r| r)
        {
            Ok(mut opened) => listeners.append(&mut opened),
            Err(e) => {
                failure.get_or_insert(e);
                // Stop the others from opening more.
                next.store(usize::MAX / 2, Ordering::Relaxed);
            }
        }
    }
    let joined = progress.counter().load(Ordering::Relaxed);
    progress.finish();
    if let Some(e) = failure {
        let state = match server.check_alive() {
            Ok(()) => "the server is still running".to_owned(),
            Err(e) => format!("{e:#}"),
        };
        let limit = child_nofile(server.pid).unwrap_or_else(|| "unknown".into());
        return Err(e.context(format!(
            "only {joined} of {} connections joined; {state}; its open files limit is {limit}",
            args.connections
        )));
    }

    let settled = tally.settle(QUIET, Duration::from_secs(60)).await;
    server.check_alive()?;
    let rss_after = rss(pid)?;
    let hwm = status_kb(pid, "VmHWM:").map(|kb| kb * 1024).ok();
    let user_joined = tally.user_joined.load(Ordering::Relaxed);
    let expected = expected_user_joined(args.connections, args.room_size);

    let n = args.connections as u64;
    let grown = rss_after.saturating_sub(rss_before);
    let per_connection = grown / n;
    let met = per_connection < AIM_BYTES;
    println!("RSS after start-up          {}", mib(rss_startup));
    println!("RSS after warm-up (before)  {}", mib(rss_before));
    println!("RSS with {n} idle joined    {}", mib(rss_after));
    if let Some(hwm) = hwm {
        println!("peak RSS (VmHWM)            {}", mib(hwm));
    }
    println!("grown                       {}", mib(grown));
    println!(
        "per idle connection         {per_connection} bytes ({:.1} KiB)",
        per_connection as f64 / 1024.0
    );
    println!(
        "onUserJoined received       {user_joined} of {expected} expected{}",
        if settled {
            ""
        } else {
            " (events still arriving after 60 s)"
        }
    );
    println!(
        "aim < 64 KiB/connection     {}",
        if met { "met" } else { "MISSED" }
    );
    let json = serde_json::json!({
        "bench": "idle-memory",
        "connections": n,
        "room_size": args.room_size,
        "warmup": args.warmup,
        "rss_startup_bytes": rss_startup,
        "rss_before_bytes": rss_before,
        "rss_after_bytes": rss_after,
        "vm_hwm_bytes": hwm,
        "bytes_per_connection": per_connection,
        "user_joined_events": user_joined,
        "user_joined_expected": expected,
        "aim_bytes": AIM_BYTES,
        "aim_met": met,
    });
    println!("{json}");

    for listener in listeners {
        listener.abort();
    }
    if user_joined != expected {
        bail!("{user_joined} onUserJoined events arrived where {expected} were expected");
    }
    Ok(())
}

/// Resident set size of `pid` in bytes.
fn rss(pid: u32) -> anyhow::Result<u64> {
    Ok(status_kb(pid, "VmRSS:")? * 1024)
}

/// A `kB` field of /proc/PID/status.
fn status_kb(pid: u32, field: &str) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .with_context(|| format!("{path} has no {field}"))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .with_context(|| format!("odd line in {path}: {line:?}"))
}

fn mib(bytes: u64) -> String {
    format!(
        "{:.1} MiB ({bytes} bytes)",
        bytes as f64 / (1024.0 * 1024.0)
    )
}
