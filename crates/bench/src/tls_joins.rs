//! `tls-joins`: what TLS costs a join. Two `chorus serve` children run side by side, one plain
//! and one with a certificate; the same clients connect (TCP, TLS for the second, WebSocket
//! upgrade), join a room of their own and hang up, alternating between the servers in rounds
//! so drift on a shared machine falls on both alike. Every TLS handshake is a full one (no
//! session resumption): the cost of a first join.
//!
//! Figures: connect + join time on each (the difference is the handshake's cost per join, as
//! a client sees it), and the server's CPU time per connection from /proc, whose inverse is
//! the connections per second one core accepts.

use std::ffi::OsStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use chorus_server::ClientTls;

use crate::child::{Server, server_bin};
use crate::client::{Client, EventTally, token};
use crate::noise::{CpuSample, TICKS_PER_SEC, stat_ticks};
use crate::progress::Progress;
use crate::stats::Summary;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Joins per server.
    #[arg(long, default_value_t = 2000)]
    joins: usize,
    /// Rounds the joins are split into, alternating between the servers.
    #[arg(long, default_value_t = 10)]
    rounds: usize,
    /// Connections in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// The `chorus` binary [default: next to this one].
    #[arg(long)]
    server_bin: Option<std::path::PathBuf>,
}

/// One server's samples.
#[derive(Default)]
struct Side {
    took: Vec<Duration>,
    cpu_ticks: u64,
    wall: Duration,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    if args.joins == 0 || args.rounds == 0 || args.concurrency == 0 {
        bail!("--joins, --rounds and --concurrency must be at least 1");
    }
    let bin = server_bin(args.server_bin)?;
    let dir = std::env::temp_dir().join(format!("chorus-bench-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).context("a directory for the certificate")?;
    let made = chorus_server::self_signed(&["127.0.0.1".to_owned()])?;
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, &made.cert_pem)?;
    std::fs::write(&key, &made.key_pem)?;
    let trust = ClientTls::only_ca_pem(made.cert_pem.as_bytes())?
        .without_resumption()
        .config();

    // Two servers at once: each picks its own media port.
    let plain = Server::spawn_with(&bin, &["--rtc-port".as_ref(), "0".as_ref()]).await?;
    let tls_args: [&OsStr; 6] = [
        "--rtc-port".as_ref(),
        "0".as_ref(),
        "--tls-cert".as_ref(),
        cert.as_os_str(),
        "--tls-key".as_ref(),
        key.as_os_str(),
    ];
    let secure = Server::spawn_with(&bin, &tls_args).await?;
    println!(
        "tls-joins: {} joins on each of a plain and a TLS server, {} rounds, {} in flight",
        args.joins, args.rounds, args.concurrency
    );

    let (mut on_plain, mut on_tls) = (Side::default(), Side::default());
    let progress = Progress::start("joins".into(), 2 * args.joins as u64);
    // The TLS server counts as this process's own; the plain one is taken off below.
    let cpu = CpuSample::take_with(Some(secure.pid));
    let run_started = Instant::now();
    let per_round = args.joins.div_ceil(args.rounds);
    for round in 0..args.rounds {
        let n = per_round.min(args.joins - (round * per_round).min(args.joins));
        let first = round * per_round;
        batch(
            &plain,
            None,
            first,
            n,
            args.concurrency,
            &mut on_plain,
            &progress,
        )
        .await?;
        let tls = Some(trust.clone());
        batch(
            &secure,
            tls,
            first,
            n,
            args.concurrency,
            &mut on_tls,
            &progress,
        )
        .await?;
    }
    let plain_cores =
        on_plain.cpu_ticks as f64 / TICKS_PER_SEC / run_started.elapsed().as_secs_f64();
    let others = cpu
        .and_then(|c| c.others_since())
        .map(|o| (o - plain_cores).max(0.0));
    progress.finish();

    let plain_join = Summary::of(&mut on_plain.took).context("no plain join")?;
    let tls_join = Summary::of(&mut on_tls.took).context("no TLS join")?;
    let cpu_per = |side: &Side| side.cpu_ticks as f64 / TICKS_PER_SEC / args.joins as f64;
    let (plain_cpu, tls_cpu) = (cpu_per(&on_plain), cpu_per(&on_tls));
    let per_core = |cpu: f64| if cpu > 0.0 { 1.0 / cpu } else { f64::NAN };
    let handshake = tls_join.p50.saturating_sub(plain_join.p50);
    println!("plain: connect + join   {}", plain_join.line());
    println!("TLS:   connect + join   {}", tls_join.line());
    println!(
        "TLS handshake per join  {:.3} ms at p50 ({:.2}x the plain connect + join)",
        handshake.as_secs_f64() * 1e3,
        tls_join.p50.as_secs_f64() / plain_join.p50.as_secs_f64()
    );
    println!(
        "server CPU per join     plain {:.0} us, TLS {:.0} us ({:.2}x)",
        plain_cpu * 1e6,
        tls_cpu * 1e6,
        tls_cpu / plain_cpu
    );
    println!(
        "joins per core-second   plain {:.0}, TLS {:.0} (TLS/plain {:.2})",
        per_core(plain_cpu),
        per_core(tls_cpu),
        plain_cpu / tls_cpu
    );
    if let Some(others) = others {
        println!("other processes' CPU    {others:.2} cores during the run");
    }
    let json = serde_json::json!({
        "bench": "tls-joins",
        "joins": args.joins,
        "rounds": args.rounds,
        "concurrency": args.concurrency,
        "plain": plain_join.json(),
        "tls": tls_join.json(),
        "handshake_p50_us": handshake.as_micros() as u64,
        "server_cpu_us_plain": (plain_cpu * 1e6).round(),
        "server_cpu_us_tls": (tls_cpu * 1e6).round(),
        "joins_per_core_sec_plain": per_core(plain_cpu).round(),
        "joins_per_core_sec_tls": per_core(tls_cpu).round(),
        "wall_ms_plain": on_plain.wall.as_millis() as u64,
        "wall_ms_tls": on_tls.wall.as_millis() as u64,
        "other_cpu_cores": others.map(|c| (c * 100.0).round() / 100.0),
    });
    println!("{json}");
    plain.stop().await;
    secure.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// `n` joins (numbered from `first`) against `server`, `concurrency` at a time; each connects,
/// joins a room of its own and hangs up. Adds the times and the server's CPU to `side`.
async fn batch(
    server: &Server,
    tls: Option<Arc<chorus_server::ClientConfig>>,
    first: usize,
    n: usize,
    concurrency: usize,
    side: &mut Side,
    progress: &Progress,
) -> anyhow::Result<()> {
    let stat = format!("/proc/{}/stat", server.pid);
    let ticks_before = stat_ticks(&stat).context("the server's CPU time")?;
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let tally = Arc::new(EventTally::default());
    let addr = server.addr;
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, tally, tls, done) =
                (next.clone(), tally.clone(), tls.clone(), progress.counter());
            tokio::spawn(async move {
                let mut took = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        return Ok::<_, anyhow::Error>(took);
                    }
                    let (room, user) = (format!("tls-{}", first + i), "u".to_owned());
                    let token = token(&room, &user)?;
                    let t0 = Instant::now();
                    let mut client = Client::connect_with(addr, tls.clone(), tally.clone()).await?;
                    client.join(&room, &user, token).await?;
                    took.push(t0.elapsed());
                    client.close().await;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for worker in workers {
        side.took
            .extend(worker.await.context("a joining worker panicked")??);
    }
    side.wall += started.elapsed();
    // Closing is part of what a join costs the server: let it finish before reading.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let ticks_after = stat_ticks(&stat).context("the server's CPU time")?;
    side.cpu_ticks += ticks_after.saturating_sub(ticks_before);
    Ok(())
}
