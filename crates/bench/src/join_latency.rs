//! `join-latency`: how long joinRoom takes, from sending the request to reading its result,
//! against a server started in this process on loopback.
//!
//! Rooms fill up as in real use: join k goes to room k / room-size and stays, so later joiners
//! get the snapshot of everyone already there and everyone already there gets `onUserJoined`.
//! Connection set-up is timed separately and not part of the join figure. A second figure runs
//! on to the last `onUserJoined` of the users already there (the room snapshot that follows
//! the result), the moment a client knows who is in the room; the joiner's listening task
//! times it, so the next join does not wait for it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use chorus_server::{AppCredentials, Config};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::client::{Client, EventTally, SnapshotWatch, token, warm_up};
use crate::fds::{pregrow_fd_table, raise_nofile};
use crate::noise::CpuSample;
use crate::progress::Progress;
use crate::stats::{Summary, expected_user_joined, ms};

/// Other processes' CPU (in cores) above which a run's tails say more about them than us.
const NOISY: f64 = 0.1;

/// The aim the issue sets for p99 on loopback.
const AIM_P99: Duration = Duration::from_millis(5);

#[derive(clap::Args)]
pub(crate) struct Args {
    /// How many joins to time.
    #[arg(long, default_value_t = 1000)]
    joins: usize,
    /// Users per room; each stays joined.
    #[arg(long, default_value_t = 50)]
    room_size: usize,
    /// Joins in flight at once.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Untimed joins (then leaves) in rooms of their own first, so one-time set-up is not timed.
    #[arg(long, default_value_t = 50)]
    warmup: usize,
    /// Do not grow the fd table before timing: each doubling of it (at 256, 512, 1024, ...
    /// fds; clients and server share this process) then stalls every thread that opens or
    /// accepts a socket for 10-30 ms.
    #[arg(long)]
    cold_fd_table: bool,
}

/// What one joining worker measured, and the connections it keeps open.
#[derive(Default)]
struct Worker {
    join: Vec<Duration>,
    connect: Vec<Duration>,
    listeners: Vec<JoinHandle<()>>,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    if args.joins == 0 || args.room_size == 0 || args.concurrency == 0 {
        bail!("--joins, --room-size and --concurrency must be at least 1");
    }
    // Both ends of every connection live in this process, plus the warm-up's and some spare.
    let fds = 2 * (args.joins + args.warmup) + 256;
    raise_nofile(fds as u64)?;
    if !args.cold_fd_table {
        pregrow_fd_table(fds)?;
    }
    let config = Config {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        rtc_port: 0,
        apps: vec![AppCredentials {
            id: crate::APP_ID.into(),
            key: crate::APP_KEY.into(),
            ..AppCredentials::default()
        }],
        // Every client here comes from loopback: one address for all of them.
        max_connections_per_ip: Config::default().max_connections,
        ..Config::default()
    };
    let server = chorus_server::start(config)
        .await
        .context("cannot start the server")?;
    let addr = server.local_addr();
    println!(
        "join-latency: {} joins, rooms of {}, {} in flight, in-process server at {}{}",
        args.joins,
        args.room_size,
        args.concurrency,
        server.url(),
        if args.cold_fd_table {
            ", cold fd table"
        } else {
            ""
        }
    );

    warm_up(addr, args.warmup, args.room_size)
        .await
        .context("warm-up failed")?;

    let tally = Arc::new(EventTally::default());
    let next = Arc::new(AtomicUsize::new(0));
    let (snapshot_tx, mut snapshot_rx) = mpsc::unbounded_channel();
    let progress = Progress::start("joins".into(), args.joins as u64);
    let cpu = CpuSample::take();
    let started = Instant::now();
    let workers: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let (tally, next, done) = (tally.clone(), next.clone(), progress.counter());
            let snapshots = snapshot_tx.clone();
            let (joins, room_size) = (args.joins, args.room_size);
            tokio::spawn(async move {
                let mut worker = Worker::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= joins {
                        return Ok::<_, anyhow::Error>(worker);
                    }
                    let room = format!("join-{}", i / room_size);
                    let user = format!("user-{i}");
                    let token = token(&room, &user)?;
                    let t0 = Instant::now();
                    let mut client = Client::connect(addr, tally.clone()).await?;
                    worker.connect.push(t0.elapsed());
                    let joined = client
                        .join(&room, &user, token)
                        .await
                        .with_context(|| format!("join #{i} ({user} into {room})"))?;
                    worker.join.push(joined.took);
                    // Everyone with a lower index in this room is reported to the joiner,
                    // in the snapshot or (when joins race) as it joins.
                    let present = i % room_size;
                    let watch = if present == 0 {
                        None
                    } else if joined.user_joined >= present {
                        let _ = snapshots.send(joined.took);
                        None
                    } else {
                        Some(SnapshotWatch {
                            remaining: present - joined.user_joined,
                            since: joined.sent,
                            report: snapshots.clone(),
                        })
                    };
                    worker.listeners.push(client.listen(watch));
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let mut all = Worker::default();
    for worker in workers {
        let worker = worker.await.context("a joining worker panicked")??;
        all.join.extend(worker.join);
        all.connect.extend(worker.connect);
        all.listeners.extend(worker.listeners);
    }
    let wall = started.elapsed();
    let others = cpu.and_then(|cpu| cpu.others_since());
    progress.finish();

    let settled = tally
        .settle(Duration::from_secs(1), Duration::from_secs(30))
        .await;
    let user_joined = tally.user_joined.load(Ordering::Relaxed);
    let expected = expected_user_joined(args.joins, args.room_size);

    let join = Summary::of(&mut all.join).context("no join was timed")?;
    let mut snapshots = Vec::with_capacity(args.joins);
    while let Ok(took) = snapshot_rx.try_recv() {
        snapshots.push(took);
    }
    let expected_snapshots = args.joins - args.joins.div_ceil(args.room_size);
    let snapshot = Summary::of(&mut snapshots);
    let connect = Summary::of(&mut all.connect).context("no connection was timed")?;
    let rate = args.joins as f64 / wall.as_secs_f64();
    let met = join.p99 < AIM_P99;
    println!("joinRoom -> result      {}", join.line());
    match &snapshot {
        Some(s) => println!(
            "... + room snapshot     {}{}",
            s.line(),
            if s.count == expected_snapshots {
                String::new()
            } else {
                format!(" ({} of {expected_snapshots} completed)", s.count)
            }
        ),
        None => println!("... + room snapshot     none (rooms of one)"),
    }
    println!("WebSocket connect       {}", connect.line());
    println!(
        "throughput              {rate:.0} joins/s ({} joins in {:.3} s, connect included)",
        args.joins,
        wall.as_secs_f64()
    );
    println!(
        "onUserJoined received   {user_joined} of {expected} expected{}",
        if settled {
            ""
        } else {
            " (events still arriving after 30 s)"
        }
    );
    if let Some(others) = others {
        println!(
            "other processes' CPU    {others:.2} cores during the joins{}",
            if others > NOISY {
                " (noisy: the machine was busy; run again when it is idle)"
            } else {
                ""
            }
        );
    }
    println!(
        "aim: join p99 < {}  {}",
        ms(AIM_P99),
        if met { "met" } else { "MISSED" }
    );
    let json = serde_json::json!({
        "bench": "join-latency",
        "joins": args.joins,
        "room_size": args.room_size,
        "concurrency": args.concurrency,
        "cold_fd_table": args.cold_fd_table,
        "join": join.json(),
        "snapshot": snapshot.map(|s| s.json()),
        "connect": connect.json(),
        "joins_per_sec": rate.round(),
        "wall_ms": wall.as_millis() as u64,
        "user_joined_events": user_joined,
        "user_joined_expected": expected,
        "aim_p99_us": AIM_P99.as_micros() as u64,
        "aim_met": met,
        "other_cpu_cores": others.map(|c| (c * 100.0).round() / 100.0),
    });
    println!("{json}");

    for listener in all.listeners {
        listener.abort();
    }
    server.shutdown().await;
    if user_joined != expected {
        bail!("{user_joined} onUserJoined events arrived where {expected} were expected");
    }
    Ok(())
}
