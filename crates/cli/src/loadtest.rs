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
//!
//! With `--span` it measures forwarding within one node against across two nodes of a
//! cluster, the subscribers on a shard of the room (`loadtest_span.rs`).
//!
//! With `--target janus` the same load (the same clients, packets, sizes and rates) runs
//! against Janus's VideoRoom instead (`loadtest_janus.rs`), and with `--target both` against
//! Chorus and then Janus in one run, ending with a comparison: packets received by the
//! subscribers per second of the server's CPU, and the publisher → subscriber transit time,
//! measured alike for both.
//!
//! Before anything else it measures this machine's own yardstick (`loadtest_yardstick.rs`:
//! what a bare sender puts into loopback from one core) and states the forwarded packets per
//! core as a share of it; besides the server's histogram it reports the publisher → subscriber
//! transit time the clients measure from stamps in the packets (`loadtest_transit.rs`).

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
use crate::loadtest_cluster;
use crate::loadtest_janus::Janus;
use crate::loadtest_janus_client::{self, JanusClientConfig, endpoint, feed_id};
use crate::loadtest_report::{Figures, Snapshot, Under, compare, report};
use crate::loadtest_stats::{Reception, buckets, cpu_seconds, machine_busy_seconds, sample};
use crate::loadtest_threads::ClientThreads;
use crate::loadtest_transit::Transit;
use crate::loadtest_url::ServerUrl;
use crate::loadtest_yardstick::{self, Ceilings};

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
    pub(crate) publishers: usize,
    /// Clients that subscribe to every publisher.
    #[arg(long, default_value_t = 25)]
    pub(crate) subscribers: usize,
    /// Seconds measured, after the warm-up.
    #[arg(long, default_value_t = 10)]
    pub(crate) duration: u64,
    /// Seconds of forwarding before measuring.
    #[arg(long, default_value_t = 2)]
    pub(crate) warmup: u64,
    /// Send video (H.264-shaped, 30 fps, about 500 kbps). Without --audio or --video: both.
    #[arg(long)]
    video: bool,
    /// Send audio (Opus-sized, 50 packets/s).
    #[arg(long)]
    audio: bool,
    /// Threads for the clients, each a runtime of its own with its share of the clients (the
    /// rest of the machine is the server's).
    #[arg(long, default_value_t = 1)]
    pub(crate) client_threads: usize,
    /// Runs the server it starts, Chorus or Janus, on these CPUs only (`taskset -c CPUS`, as
    /// `0` or `0-3`). With the load test itself under `taskset -c` on the others, the server
    /// has cores of its own: a load can then saturate it without the clients taking its core.
    #[arg(long, value_name = "CPUS", conflicts_with_all = ["server", "nodes", "span"])]
    server_cpus: Option<String>,
    /// Seconds for each of the two yardstick measurements (bare loopback sender, with and
    /// without sendmmsg) before the load; 0 skips them.
    #[arg(long, default_value_t = 1.0)]
    yardstick_seconds: f64,
    /// The server under test: Chorus, Janus's VideoRoom, or both one after the other.
    #[arg(long, value_enum, default_value_t = TargetKind::Chorus)]
    target: TargetKind,
    /// The Janus executable for `--target janus|both` (Debian: `apt-get install janus`).
    #[arg(long, default_value = "janus")]
    janus_bin: String,
    /// The address Janus's media uses, on a non-loopback interface of this machine (Janus
    /// gathers no candidates on loopback); the clients' media sockets bind to it too.
    #[arg(long, default_value = "10.77.0.1")]
    janus_media_ip: std::net::IpAddr,
    /// Measure a second time with the subscribers in another room, fed by each publisher's
    /// cross-room forward, and compare the server's CPU per forwarded packet.
    #[arg(long)]
    cross_room: bool,
    /// Run a cluster of this many `chorus serve` nodes on one `redis-server` (children, all
    /// on loopback), spread the clients' connections over them, and first measure the join
    /// latency through the room's node against through the others.
    #[arg(long, default_value_t = 1, conflicts_with = "server")]
    nodes: usize,
    /// The Redis server executable for `--nodes` and `--span` (Debian: `apt-get install redis-server`).
    #[arg(long, default_value = "redis-server")]
    pub(crate) redis_bin: String,
    /// Measure forwarding within one node and then across two nodes of a cluster (the
    /// subscribers on a shard of the room), with a Redis and two nodes started for it.
    #[arg(long, conflicts_with_all = ["server", "cross_room", "target"])]
    span: bool,
}

/// Which server a run measures.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TargetKind {
    Chorus,
    Janus,
    Both,
}

/// Runs the load test: the orchestration on this thread, the clients on
/// `--client-threads` threads of their own.
pub(crate) fn main(args: LoadtestArgs) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_current_thread()
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
    /// The URLs the clients connect through, in turn (a cluster's nodes); empty: `url`.
    pub(crate) entries: Vec<ServerUrl>,
}

impl Target {
    /// The URL the `i`th client connects through.
    fn entry(&self, i: usize) -> &ServerUrl {
        match self.entries.len() {
            0 => &self.url,
            n => &self.entries[i % n],
        }
    }
}

/// Starts this binary's `chorus serve` as a child on loopback, with one app and no
/// per-address connection cap to speak of, and waits until it listens.
pub(crate) async fn start_server() -> anyhow::Result<Target> {
    start_server_with::<&str>(&[], None).await
}

/// The command that runs `bin`, on `cpus` only when given (`taskset -c`, so that every
/// thread the server makes is pinned from its start).
pub(crate) fn server_command(bin: impl AsRef<std::ffi::OsStr>, cpus: Option<&str>) -> Command {
    match cpus {
        Some(cpus) => {
            let mut command = Command::new("taskset");
            command.arg("-c").arg(cpus).arg(bin);
            command
        }
        None => Command::new(bin),
    }
}

/// [`start_server`] with `extra` arguments to `chorus serve`, on `cpus` only when given.
pub(crate) async fn start_server_with<S: AsRef<std::ffi::OsStr>>(
    extra: &[S],
    cpus: Option<&str>,
) -> anyhow::Result<Target> {
    let bin = std::env::current_exe().context("cannot find this executable")?;
    let mut child = server_command(&bin, cpus)
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
        .args(extra)
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
        entries: Vec::new(),
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

async fn snapshot(
    http: &reqwest::Client,
    under: Under<'_>,
    clients: &[(Role, Arc<Shared>)],
) -> anyhow::Result<Snapshot> {
    let text = match under {
        Under::Chorus(target) => {
            http.get(target.url.metrics_url())
                .send()
                .await?
                .text()
                .await?
        }
        Under::Janus(_) => String::new(),
    };
    let cpu = under.pid().and_then(|pid| {
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
    let mut transit = Transit::default();
    let mut sent = 0;
    for (_, shared) in clients {
        if let Ok(r) = shared.reception.lock() {
            reception.add(&r);
        }
        if let Ok(t) = shared.transit.lock() {
            transit.add(&t);
        }
        sent += shared.sent_packets.load(Ordering::Relaxed);
    }
    // Janus counts nothing it forwards: what the subscribers received stands for it.
    let forwarded = match under {
        Under::Chorus(_) => sample(&text, FORWARDED, "").unwrap_or(0.0),
        Under::Janus(_) => reception.packets as f64,
    };
    Ok(Snapshot {
        at: Instant::now(),
        cpu,
        client_cpu,
        machine_cpu,
        forwarded,
        latency: buckets(&text, LATENCY),
        reception,
        transit,
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
    let ceilings = if args.yardstick_seconds > 0.0 {
        let each = Duration::from_secs_f64(args.yardstick_seconds);
        eprintln!("measuring this machine's yardstick (bare loopback sender)...");
        let ceilings = tokio::task::spawn_blocking(move || loadtest_yardstick::measure(each))
            .await
            .context("the yardstick panicked")??;
        ceilings.print();
        Some(ceilings)
    } else {
        None
    };
    let mut threads = ClientThreads::start(args.client_threads)?;
    if args.span {
        return crate::loadtest_span::run(&args, &mut threads, audio, video).await;
    }
    if args.target == TargetKind::Janus {
        janus_phase(&args, &mut threads, ceilings, audio, video).await?;
        return Ok(());
    }
    let room = format!("loadtest-{}", std::process::id());
    // With --nodes: the cluster's Redis and other nodes, kept until the end.
    let mut cluster = None;
    let mut target = match &args.server {
        None if args.nodes > 1 => {
            let (target, children) =
                loadtest_cluster::start(args.nodes, &args.redis_bin, &room).await?;
            cluster = Some(children);
            target
        }
        None => start_server_with::<&str>(&[], args.server_cpus.as_deref()).await?,
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
                entries: Vec::new(),
            }
        }
    };
    let plain = phase(
        &args,
        Under::Chorus(&target),
        &mut threads,
        ceilings,
        audio,
        video,
        false,
    )
    .await?;
    if args.cross_room {
        // Let the first phase's rooms and transports go before measuring again.
        tokio::time::sleep(Duration::from_secs(2)).await;
        println!();
        let across = phase(
            &args,
            Under::Chorus(&target),
            &mut threads,
            ceilings,
            audio,
            video,
            true,
        )
        .await?;
        println!();
        match (plain.cpu_us_per_forwarded, across.cpu_us_per_forwarded) {
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
    drop(cluster);
    if args.target == TargetKind::Both {
        // Let Chorus's clients and sockets go before Janus takes the same load.
        tokio::time::sleep(Duration::from_secs(2)).await;
        println!();
        let janus = janus_phase(&args, &mut threads, ceilings, audio, video).await?;
        compare(&plain, &janus);
    }
    Ok(())
}

/// One measurement: clients join (the subscribers in a room of their own when `across`, fed by
/// the publishers' forwards), forwarding warms up, and the figures are taken, reported and
/// answered.
/// The load through a Janus started for it, stopped again whatever the phase's outcome.
async fn janus_phase(
    args: &LoadtestArgs,
    threads: &mut ClientThreads,
    ceilings: Option<Ceilings>,
    audio: bool,
    video: bool,
) -> anyhow::Result<Figures> {
    let cpus = args.server_cpus.as_deref();
    let janus = Janus::start(&args.janus_bin, args.janus_media_ip, cpus).await?;
    let under = Under::Janus(&janus);
    let result = phase(args, under, threads, ceilings, audio, video, false).await;
    janus.stop().await;
    result
}

async fn phase(
    args: &LoadtestArgs,
    under: Under<'_>,
    threads: &mut ClientThreads,
    ceilings: Option<Ceilings>,
    audio: bool,
    video: bool,
    across: bool,
) -> anyhow::Result<Figures> {
    eprintln!("server under test: {}", under.name());
    let janus_room = u64::from(std::process::id()) * 10 + u64::from(across);
    if let Under::Janus(janus) = under {
        janus.create_room(janus_room, args.publishers).await?;
    }
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
        let shared = Arc::new(Shared::default());
        clients.push((role, shared.clone()));
        let stop = stop.clone();
        if let Under::Janus(janus) = under {
            let feeds = match role {
                Role::Publisher { .. } => vec![feed_id(i)],
                Role::Subscriber { .. } => (0..args.publishers).map(feed_id).collect(),
            };
            let config = JanusClientConfig {
                room: janus_room,
                role,
                feeds,
            };
            let janus = endpoint(janus);
            tasks.push(threads.spawn(async move {
                if let Err(e) = loadtest_janus_client::run(janus, config, shared, stop).await {
                    eprintln!("loadtest client: {e:#}");
                }
            }));
            if i + 1 == args.publishers {
                wait_connected(&clients, &tasks, "publishers").await?;
            }
            continue;
        }
        let Under::Chorus(target) = under else {
            continue;
        };
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
            server: target.entry(i).clone(),
            token: token(&target.app, home, &user)?,
            room: home.clone(),
            user,
            role,
            forward_to,
        };
        tasks.push(threads.spawn(async move {
            if let Err(e) = loadtest_client::run(config, shared, stop).await {
                eprintln!("loadtest client: {e:#}");
            }
        }));
        // Publishers first, so subscribers find their streams published.
        if i + 1 == args.publishers {
            wait_connected(&clients, &tasks, "publishers").await?;
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

    let http = match &under {
        Under::Chorus(target) => target.url.http_client()?,
        Under::Janus(_) => reqwest::Client::new(),
    };
    let first = snapshot(&http, under, &clients).await?;
    let mut previous = snapshot(&http, under, &clients).await?;
    for second in 1..=args.duration {
        tokio::time::sleep_until((first.at + Duration::from_secs(second)).into()).await;
        let now = snapshot(&http, under, &clients).await?;
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
    Ok(report(args, under, ceilings, audio, video, &first, &last))
}

/// Waits until every client so far has connected; fails at once when one of them has already
/// stopped (a client runs until told to stop, so it failed, and said why), else after 30 s.
async fn wait_connected(
    clients: &[(Role, Arc<Shared>)],
    tasks: &[tokio::task::JoinHandle<()>],
    what: &str,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !clients
        .iter()
        .all(|(_, s)| s.connected.load(Ordering::Relaxed))
    {
        if tasks.iter().any(|t| t.is_finished()) {
            bail!("a client failed before the {what} connected (its error is above)");
        }
        if Instant::now() > deadline {
            bail!("the {what} did not connect within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}
