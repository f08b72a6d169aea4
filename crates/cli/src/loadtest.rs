//! `chorus loadtest`: how many RTP packets the SFU forwards per CPU core, and how long each
//! spends inside it.
//!
//! By default the server is this binary's own `chorus serve`, started as a child process so
//! its CPU time can be read from /proc apart from the clients'. Publishers and subscribers
//! (see `loadtest_client.rs`) join one room; every subscriber is auto-subscribed to every
//! publisher, so the SFU forwards publishers × subscribers streams. After a warm-up the test
//! measures for `--duration` seconds, printing a progress line each second, then reports:
//! forwarded packets/s (the server's counter), server CPU in cores, forwarded packets/s per
//! core, in-SFU latency p50/p99 (the server's histogram) and loss and jitter at subscribers.
//!
//! With `--cross-room` the same run measures twice: first as above, then with the subscribers
//! in a room of their own, fed by each publisher forwarding its streams into it (cross-room
//! forwarding), and it reports the server's CPU time per forwarded packet in both and their
//! ratio: what a forward costs beside an ordinary subscriber of the same stream.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use chorus_token::{AccessToken, Privilege};
use clap::Args;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;

use crate::loadtest_client::{self, ClientConfig, Role, Shared};
use crate::loadtest_stats::{
    Reception, buckets, cpu_seconds, machine_busy_seconds, quantile, sample,
};
use crate::loadtest_url::ServerUrl;

/// The app the child server is started with.
const APP_ID: &str = "10adte5710adte5710adte57";
const APP_KEY: &str = "loadtest-app-key";
const LATENCY: &str = "chorus_sfu_forward_latency_seconds";
const FORWARDED: &str = "chorus_sfu_forwarded_packets_total";

#[derive(Args)]
pub(crate) struct LoadtestArgs {
    /// A running server's URL: host:port or http:// (plain), https:// or wss:// (TLS).
    /// Default: start `chorus serve` as a child.
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// A CA certificate (PEM) an https:// or wss:// `--server` is checked against, besides
    /// the system's roots.
    #[arg(long, value_name = "FILE", requires = "server")]
    ca: Option<PathBuf>,
    /// The app of `--server`, as ID:KEY (tokens are made with it).
    #[arg(long, value_name = "ID:KEY")]
    app: Option<String>,
    /// The pid of `--server`, to read its CPU time.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Clients that publish.
    #[arg(long, default_value_t = 4)]
    publishers: usize,
    /// Clients that subscribe to every publisher.
    #[arg(long, default_value_t = 25)]
    subscribers: usize,
    /// Seconds measured, after the warm-up.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds of forwarding before measuring.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Send video (H.264-shaped, 30 fps, about 500 kbps). Without --audio or --video: both.
    #[arg(long)]
    video: bool,
    /// Send audio (Opus-sized, 50 packets/s).
    #[arg(long)]
    audio: bool,
    /// Threads for the clients (the rest of the machine is the server's).
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// Measure a second time with the subscribers in another room, fed by each publisher's
    /// cross-room forward, and compare the server's CPU per forwarded packet.
    #[arg(long)]
    cross_room: bool,
}

/// Runs the load test on its own runtime (sized by `--client-threads`).
pub(crate) fn main(args: LoadtestArgs) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads.max(1))
        .enable_all()
        .build()?
        .block_on(run(args))
}

/// The server under test (also `chorus soak`'s).
pub(crate) struct Target {
    pub(crate) url: ServerUrl,
    pub(crate) pid: Option<u32>,
    pub(crate) app: (String, String),
    pub(crate) child: Option<Child>,
}

/// Starts this binary's `chorus serve` as a child on loopback, with one app and no
/// per-address connection cap to speak of, and waits until it listens.
pub(crate) async fn start_server() -> anyhow::Result<Target> {
    let bin = std::env::current_exe().context("cannot find this executable")?;
    let mut child = Command::new(&bin)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--rtc-port",
            "0",
            // Every client here comes from loopback: one address for all of them.
            "--max-connections-per-ip",
            "10000",
            "--app",
        ])
        .arg(format!("{APP_ID}:{APP_KEY}"))
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot run {} serve", bin.display()))?;
    let pid = child.id();
    let stdout = child.stdout.take().context("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    const READY: &str = "chorus is listening on http://";
    let addr = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(line) = lines.next_line().await? {
            if let Some(addr) = line.trim().strip_prefix(READY) {
                return addr.parse::<SocketAddr>().context("odd listen address");
            }
        }
        Err(anyhow!("the server exited before listening"))
    })
    .await
    .map_err(|_| anyhow!("the server did not start within 15 s"))??;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Target {
        url: ServerUrl::plain(addr),
        pid,
        app: (APP_ID.into(), APP_KEY.into()),
        child: Some(child),
    })
}

/// A token for `user` in `room` (or for `login`, with room "") that may publish and subscribe.
pub(crate) fn token(app: &(String, String), room: &str, user: &str) -> anyhow::Result<String> {
    AccessToken::new(&app.0, &app.1, room, user)
        .add_privilege(Privilege::PublishStream, 0)
        .add_privilege(Privilege::SubscribeStream, 0)
        .serialize()
        .context("cannot make a token")
}

/// One look at the server and the clients.
struct Snapshot {
    at: Instant,
    cpu: Option<f64>,
    /// This process's (the clients') CPU time.
    client_cpu: Option<f64>,
    /// The whole machine's busy CPU time.
    machine_cpu: Option<f64>,
    forwarded: f64,
    latency: Vec<(f64, f64)>,
    reception: Reception,
    sent: u64,
}

async fn snapshot(
    http: &reqwest::Client,
    target: &Target,
    clients: &[(Role, Arc<Shared>)],
) -> anyhow::Result<Snapshot> {
    let text = http
        .get(target.url.metrics_url())
        .send()
        .await?
        .text()
        .await?;
    let cpu = target.pid.and_then(|pid| {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        cpu_seconds(&stat)
    });
    let client_cpu = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| cpu_seconds(&stat));
    let machine_cpu = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|stat| machine_busy_seconds(&stat));
    let mut reception = Reception::default();
    let mut sent = 0;
    for (_, shared) in clients {
        if let Ok(r) = shared.reception.lock() {
            reception.add(&r);
        }
        sent += shared.sent_packets.load(Ordering::Relaxed);
    }
    Ok(Snapshot {
        at: Instant::now(),
        cpu,
        client_cpu,
        machine_cpu,
        forwarded: sample(&text, FORWARDED, "").unwrap_or(0.0),
        latency: buckets(&text, LATENCY),
        reception,
        sent,
    })
}

async fn run(args: LoadtestArgs) -> anyhow::Result<()> {
    let (audio, video) = match (args.audio, args.video) {
        (false, false) => (true, true),
        other => other,
    };
    if args.publishers == 0 || args.subscribers == 0 {
        bail!("--publishers and --subscribers must be at least 1");
    }
    let mut target = match &args.server {
        None => start_server().await?,
        Some(url) => {
            let url = ServerUrl::parse(url, args.ca.as_deref()).await?;
            let app = args
                .app
                .as_deref()
                .context("--server needs --app ID:KEY to make tokens")?;
            let (id, key) = app.split_once(':').context("--app must be ID:KEY")?;
            Target {
                url,
                pid: args.server_pid,
                app: (id.into(), key.into()),
                child: None,
            }
        }
    };
    let plain = phase(&args, &target, audio, video, false).await?;
    if args.cross_room {
        // Let the first phase's rooms and transports go before measuring again.
        tokio::time::sleep(Duration::from_secs(2)).await;
        println!();
        let across = phase(&args, &target, audio, video, true).await?;
        println!();
        match (plain, across) {
            (Some(plain), Some(across)) => {
                println!("server CPU per forwarded packet, one room:       {plain:>8.2} µs");
                println!("server CPU per forwarded packet, across rooms:   {across:>8.2} µs");
                println!(
                    "ratio (across rooms / one room):                 {:>8.2}",
                    across / plain.max(1e-9)
                );
            }
            _ => println!("server CPU per forwarded packet: unknown (give --server-pid)"),
        }
    }
    if let Some(mut child) = target.child.take() {
        let _ = child.kill().await;
    }
    Ok(())
}

/// One measurement: clients join (the subscribers in a room of their own when `across`, fed by
/// the publishers' forwards), forwarding warms up, and the figures are taken and reported.
/// Answers the server's CPU time per forwarded packet in µs, when its CPU time is known.
async fn phase(
    args: &LoadtestArgs,
    target: &Target,
    audio: bool,
    video: bool,
    across: bool,
) -> anyhow::Result<Option<f64>> {
    let suffix = if across { "-across" } else { "" };
    let room = format!("loadtest-{}{suffix}", std::process::id());
    let far = format!("{room}-far");
    if across {
        eprintln!("subscribers in {far}, fed by the publishers' forwards from {room}");
    }
    let (stop_tx, stop) = watch::channel(false);
    let mut clients: Vec<(Role, Arc<Shared>)> = Vec::new();
    let mut tasks = Vec::new();
    let roles = (0..args.publishers)
        .map(|_| Role::Publisher { audio, video })
        .chain((0..args.subscribers).map(|_| Role::Subscriber { audio, video }));
    for (i, role) in roles.enumerate() {
        let user = match role {
            Role::Publisher { .. } => format!("pub-{i}"),
            Role::Subscriber { .. } => format!("sub-{i}"),
        };
        let (home, forward_to) = match role {
            Role::Subscriber { .. } if across => (&far, None),
            Role::Publisher { .. } if across => {
                (&room, Some((far.clone(), token(&target.app, &far, &user)?)))
            }
            _ => (&room, None),
        };
        let config = ClientConfig {
            server: target.url.clone(),
            token: token(&target.app, home, &user)?,
            room: home.clone(),
            user,
            role,
            forward_to,
        };
        let shared = Arc::new(Shared::default());
        clients.push((role, shared.clone()));
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            if let Err(e) = loadtest_client::run(config, shared, stop).await {
                eprintln!("loadtest client: {e:#}");
            }
        }));
        // Publishers first, so subscribers find their streams published.
        if i + 1 == args.publishers {
            wait_connected(&clients, "publishers").await?;
        }
    }

    // Every subscriber receives every publisher's streams before measuring.
    let per_subscriber = args.publishers * (usize::from(audio) + usize::from(video));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = clients
            .iter()
            .filter(|(role, shared)| {
                matches!(role, Role::Subscriber { .. })
                    && shared
                        .reception
                        .lock()
                        .is_ok_and(|r| r.streams >= per_subscriber)
            })
            .count();
        eprint!(
            "\rsubscribers receiving every stream: {ready}/{}   ",
            args.subscribers
        );
        if ready == args.subscribers {
            eprintln!();
            break;
        }
        if Instant::now() > deadline {
            eprintln!();
            bail!(
                "only {ready} of {} subscribers receive every stream after 60 s",
                args.subscribers
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_secs(args.warmup)).await;

    let http = target.url.http_client()?;
    let first = snapshot(&http, target, &clients).await?;
    let mut previous = snapshot(&http, target, &clients).await?;
    for second in 1..=args.duration {
        tokio::time::sleep_until((first.at + Duration::from_secs(second)).into()).await;
        let now = snapshot(&http, target, &clients).await?;
        let dt = now.at.duration_since(previous.at).as_secs_f64();
        let cores = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.2}", (a - b) / dt),
            _ => "?".into(),
        };
        eprintln!(
            "[{second:>3}s] forwarded {:>8.0} pkt/s  server CPU {} cores  received {:>8.0} pkt/s  \
             clients' CPU {} cores",
            (now.forwarded - previous.forwarded) / dt,
            cores(now.cpu, previous.cpu),
            now.reception
                .packets
                .saturating_sub(previous.reception.packets) as f64
                / dt,
            cores(now.client_cpu, previous.client_cpu),
        );
        previous = now;
    }
    let last = previous;
    let _ = stop_tx.send(true);
    for task in tasks {
        task.abort();
    }
    Ok(report(args, audio, video, &first, &last))
}

async fn wait_connected(clients: &[(Role, Arc<Shared>)], what: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !clients
        .iter()
        .all(|(_, s)| s.connected.load(Ordering::Relaxed))
    {
        if Instant::now() > deadline {
            bail!("the {what} did not connect within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Prints the figures; answers the server's CPU time per forwarded packet in µs, if known.
fn report(
    args: &LoadtestArgs,
    audio: bool,
    video: bool,
    first: &Snapshot,
    last: &Snapshot,
) -> Option<f64> {
    let secs = last.at.duration_since(first.at).as_secs_f64();
    let forwarded = (last.forwarded - first.forwarded) / secs;
    let cores = match (last.cpu, first.cpu) {
        (Some(a), Some(b)) => Some((a - b) / secs),
        _ => None,
    };
    let received = last
        .reception
        .packets
        .saturating_sub(first.reception.packets);
    let expected = last
        .reception
        .expected
        .saturating_sub(first.reception.expected);
    let loss = if expected > 0 {
        100.0 * (expected.saturating_sub(received)) as f64 / expected as f64
    } else {
        0.0
    };
    let streams = last.reception.streams.max(1) as f64;
    let jitter_mean = 1000.0 * last.reception.jitter_sum / streams;
    let jitter_max = 1000.0 * last.reception.jitter_max;
    let p = |q| quantile(&first.latency, &last.latency, q).map(|s| s * 1e6);
    let media = match (audio, video) {
        (true, true) => "audio+video",
        (true, false) => "audio",
        _ => "video",
    };
    println!(
        "publishers {}  subscribers {}  media {media}  measured {secs:.1} s",
        args.publishers, args.subscribers
    );
    println!(
        "sent by publishers:        {:>10.0} pkt/s",
        (last.sent - first.sent) as f64 / secs
    );
    println!("forwarded by the SFU:      {forwarded:>10.0} pkt/s");
    match cores {
        Some(cores) => {
            println!("server CPU:                {cores:>10.2} cores");
            println!(
                "forwarded per core:        {:>10.0} pkt/s/core",
                forwarded / cores.max(1e-9)
            );
        }
        None => println!("server CPU:                unknown (give --server-pid)"),
    }
    let used = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| (a - b) / secs);
    let clients = used(last.client_cpu, first.client_cpu);
    if let Some(clients) = clients {
        println!("clients' CPU (this process):{clients:>9.2} cores");
        if clients >= 0.9 * args.client_threads as f64 {
            println!(
                "  (the clients used nearly all their {} thread(s): they may be the bottleneck; \
                 try --client-threads)",
                args.client_threads
            );
        }
    }
    // What else ran on the machine meanwhile: a busy neighbour skews every figure.
    let others = used(last.machine_cpu, first.machine_cpu)
        .map(|all| (all - cores.unwrap_or(0.0) - clients.unwrap_or(0.0)).max(0.0));
    if let Some(others) = others {
        println!("other processes' CPU:      {others:>10.2} cores");
    }
    match (p(0.5), p(0.99)) {
        (Some(p50), Some(p99)) => {
            println!("in-SFU latency:            p50 {p50:.0} µs  p99 {p99:.0} µs")
        }
        _ => println!("in-SFU latency:            no samples"),
    }
    println!(
        "at subscribers:            {:>10.0} pkt/s  loss {loss:.3}%  jitter mean {jitter_mean:.2} ms, max {jitter_max:.2} ms",
        received as f64 / secs
    );
    let json = serde_json::json!({
        "publishers": args.publishers,
        "subscribers": args.subscribers,
        "media": media,
        "seconds": secs,
        "forwarded_pps": forwarded,
        "server_cores": cores,
        "forwarded_pps_per_core": cores.map(|c| forwarded / c.max(1e-9)),
        "latency_p50_us": p(0.5),
        "latency_p99_us": p(0.99),
        "received_pps": received as f64 / secs,
        "loss_percent": loss,
        "jitter_mean_ms": jitter_mean,
        "jitter_max_ms": jitter_max,
        "client_cores": clients,
        "other_cores": others,
        "server_cpu_us_per_forwarded_packet": cores.map(|c| 1e6 * c / forwarded.max(1e-9)),
    });
    println!("{json}");
    cores.map(|c| 1e6 * c / forwarded.max(1e-9))
}
