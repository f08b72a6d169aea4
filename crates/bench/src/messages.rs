//! `messages`: how many messages the server delivers per second of its own CPU time, and how
//! long a message takes from send to receipt.
//!
//! N clients connect and join rooms of `--room-size` (or, in `outside` mode, log in to
//! messaging outside rooms), then every one of them sends for the warm-up and the measured
//! interval: `sendUserMessage` to the other members of its room in turn (`user`),
//! `sendRoomMessage` to all of them at once (`room`), or `sendUserMessageOutsideRoom` to the
//! others of its group of `--room-size` in turn (`outside`). Each message's text starts with
//! `sender.seq.nanos.`, the nanoseconds being this process's monotonic clock at sending, so the
//! receiver, in this same process, times it on arrival; deliveries are counted where they
//! arrive.
//!
//! The server is the real `chorus serve` binary as a child by default, so its CPU time
//! (utime + stime in /proc/PID/stat) over the measured interval is its own: delivered messages
//! divided by it is the figure per core. With `--in-process` it runs on a runtime of its own
//! threads in this process instead and the CPU time of those threads is read.
//!
//! Flow control keeps "as fast as possible" a steady load rather than an ever-growing queue
//! (and far from the server's per-session outbox bound, past which it cuts a receiver off): a
//! sender keeps at most `--window` messages that are unanswered or not yet received by all
//! their receivers, and in `room` mode all senders together at most `--in-flight` (each
//! receiver gets every room message, so that bounds every receiver's backlog). `--rate` paces
//! the sends (total per second) instead of sending as fast as that allows.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use chorus_proto::{Event, MessageParams, Request, RequestFrame, ServerFrame, UserMessageParams};
use chorus_server::{AppCredentials, Config, RunningServer};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use tokio_tungstenite::tungstenite::Message;

use crate::child::{Server, child_nofile, server_bin};
use crate::client::{Client, EventTally, Ws, token};
use crate::fds::{pregrow_fd_table, raise_nofile};
use crate::noise::{CpuSample, TICKS_PER_SEC, stat_ticks};
use crate::progress::Progress;
use crate::stats::{Summary, expected_user_joined, ms};

/// The aim the issue sets: delivered messages per second per core of the server.
const AIM_PER_CORE: f64 = 100_000.0;
/// The aim for send -> receipt p99 on loopback, at half the load the server can take.
const AIM_P99: Duration = Duration::from_millis(5);
/// Other processes' CPU (in cores) above which a run's figures say more about them than us.
const NOISY: f64 = 0.1;
/// Connections being opened at once; well under the listen backlog.
const OPENING: usize = 64;
/// Fds the benchmark needs beyond one per connection (runtime, stdio, child pipes).
const SPARE_FDS: u64 = 256;
/// How long to wait, after the senders stop, for the last answers and deliveries.
const DRAIN_LIMIT: Duration = Duration::from_secs(15);
/// The default `--in-flight` in `room` mode.
const ROOM_IN_FLIGHT: usize = 256;

/// Phases of a run, as senders and receivers see them.
const SETUP: u8 = 0;
const WARM_UP: u8 = 1;
const MEASURE: u8 = 2;
const STOP: u8 = 3;

/// Which messages the clients send.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Mode {
    /// `sendUserMessage` to the other members of the room in turn.
    User,
    /// `sendRoomMessage`: each send reaches every other member of the room.
    Room,
    /// `login`, then `sendUserMessageOutsideRoom` to the others of the group in turn.
    Outside,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::User => "user",
            Mode::Room => "room",
            Mode::Outside => "outside",
        }
    }
}

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Connected clients; every one of them sends and receives.
    #[arg(long, default_value_t = 1000)]
    users: usize,
    /// Users per room (in `outside` mode, per group of users that message each other).
    #[arg(long, default_value_t = 1000)]
    room_size: usize,
    /// What to send.
    #[arg(long, value_enum, default_value_t = Mode::User)]
    mode: Mode,
    /// Seconds measured.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds of sending before measuring.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Sends per second, all senders together; 0 sends as fast as the windows allow. (In
    /// `room` mode each send is delivered room-size - 1 times.)
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    /// Bytes of text per message (at least the `sender.seq.nanos.` stamp it starts with).
    #[arg(long, default_value_t = 100)]
    size: usize,
    /// Messages per sender that may be unanswered or not yet received everywhere. The
    /// default keeps 1000 users' requests (4000) within a room's 4096-command inbox; more
    /// only makes them queue (sessions wait on the room) without more throughput.
    #[arg(long, default_value_t = 4)]
    window: usize,
    /// Messages all senders together may have in flight [default: 256 in `room` mode,
    /// unlimited otherwise].
    #[arg(long)]
    in_flight: Option<usize>,
    /// Run the server in this process, on a runtime of its own, instead of as a `chorus serve`
    /// child.
    #[arg(long)]
    in_process: bool,
    /// The `chorus` binary [default: `chorus` next to this executable; build both with
    /// `cargo build --release -p chorus -p chorus-bench`].
    #[arg(long)]
    server_bin: Option<PathBuf>,
}

/// One user: what it sent and received, and the flow control of its sends.
struct Peer {
    /// Deliveries each of its messages makes.
    fanout: u32,
    /// Messages sent.
    sent: AtomicU64,
    /// Answers to them, successes and failures.
    answered: AtomicU64,
    /// Failed answers.
    failed: AtomicU64,
    /// Its messages that reached every receiver (or failed).
    completed: AtomicU64,
    /// Messages it received.
    received: AtomicU64,
    /// In `room` mode, receipts of message `seq` so far in slot `seq % window`.
    slots: Box<[AtomicU32]>,
    /// Woken when an answer or a completion may have opened its window.
    wake: Notify,
    /// Send -> receipt of the messages it received while measuring.
    samples: Mutex<Vec<Duration>>,
}

/// What every client task shares.
struct Shared {
    mode: Mode,
    epoch: Instant,
    phase: AtomicU8,
    peers: Vec<Peer>,
    window: u64,
    in_flight: Option<Semaphore>,
    errors: Mutex<BTreeMap<String, u64>>,
    tally: Arc<EventTally>,
}

impl Shared {
    fn phase(&self) -> u8 {
        self.phase.load(Ordering::Acquire)
    }

    fn now_nanos(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn error(&self, what: &str) {
        let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
        *errors.entry(what.to_owned()).or_default() += 1;
    }

    /// Message `seq` of `from` arrived somewhere.
    fn receipt(&self, from: usize, seq: u64) {
        let Some(peer) = self.peers.get(from) else {
            return;
        };
        if peer.fanout > 1 {
            let slot = &peer.slots[(seq % self.window) as usize];
            if slot.fetch_add(1, Ordering::AcqRel) + 1 < peer.fanout {
                return;
            }
            // Every receiver has it. The sender reuses the slot only once this message counts
            // as completed (receivers get one sender's room messages in order).
            slot.store(0, Ordering::Release);
        }
        self.complete(peer);
    }

    fn complete(&self, peer: &Peer) {
        peer.completed.fetch_add(1, Ordering::AcqRel);
        peer.wake.notify_one();
        if let Some(in_flight) = &self.in_flight {
            in_flight.add_permits(1);
        }
    }

    fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for peer in &self.peers {
            let answered = peer.answered.load(Ordering::Relaxed);
            let failed = peer.failed.load(Ordering::Relaxed);
            t.sent += peer.sent.load(Ordering::Relaxed);
            t.answered += answered;
            t.failed += failed;
            t.received += peer.received.load(Ordering::Relaxed);
            t.expected += answered.saturating_sub(failed) * u64::from(peer.fanout);
        }
        t
    }
}

/// Counts summed over all users.
#[derive(Default, Clone, Copy)]
struct Totals {
    sent: u64,
    answered: u64,
    failed: u64,
    received: u64,
    /// Deliveries the successful answers promise.
    expected: u64,
}

/// A reading at one end of the measured interval.
struct Reading {
    at: Instant,
    totals: Totals,
    server_ticks: Option<u64>,
    own_ticks: Option<u64>,
}

/// Where the server runs, and how its CPU time is read.
enum Host {
    Child(Server),
    InProcess {
        server: RunningServer,
        runtime: tokio::runtime::Runtime,
        threads: Arc<Mutex<Vec<u32>>>,
    },
}

impl Host {
    async fn start(args: &Args) -> anyhow::Result<Host> {
        if !args.in_process {
            let bin = server_bin(args.server_bin.clone())?;
            return Ok(Host::Child(Server::spawn(&bin).await?));
        }
        let threads = Arc::new(Mutex::new(Vec::new()));
        let runtime = {
            let threads = threads.clone();
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("chorus-server")
                .on_thread_start(move || {
                    if let Some(tid) = thread_id() {
                        threads.lock().unwrap_or_else(|e| e.into_inner()).push(tid);
                    }
                })
                .build()
                .context("cannot start the server's runtime")?
        };
        let config = Config {
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            rtc_port: 0,
            apps: vec![AppCredentials {
                id: crate::APP_ID.into(),
                key: crate::APP_KEY.into(),
            }],
            // Every client here comes from loopback: one address for all of them.
            max_connections_per_ip: Config::default().max_connections,
            ..Config::default()
        };
        let server = runtime
            .spawn(chorus_server::start(config))
            .await
            .context("the server's start panicked")?
            .context("cannot start the server")?;
        Ok(Host::InProcess {
            server,
            runtime,
            threads,
        })
    }

    fn addr(&self) -> std::net::SocketAddr {
        match self {
            Host::Child(server) => server.addr,
            Host::InProcess { server, .. } => server.local_addr(),
        }
    }

    fn child_pid(&self) -> Option<u32> {
        match self {
            Host::Child(server) => Some(server.pid),
            Host::InProcess { .. } => None,
        }
    }

    /// The server's CPU time so far, in ticks.
    fn ticks(&self) -> Option<u64> {
        match self {
            Host::Child(server) => stat_ticks(&format!("/proc/{}/stat", server.pid)),
            Host::InProcess { threads, .. } => {
                let threads = threads.lock().unwrap_or_else(|e| e.into_inner());
                // A thread that has ended takes its ticks with it; the runtime's workers do
                // not end while it runs.
                Some(
                    threads
                        .iter()
                        .filter_map(|tid| stat_ticks(&format!("/proc/self/task/{tid}/stat")))
                        .sum(),
                )
            }
        }
    }

    fn check_alive(&mut self) -> anyhow::Result<()> {
        match self {
            Host::Child(server) => server.check_alive(),
            Host::InProcess { .. } => Ok(()),
        }
    }

    async fn stop(self) {
        match self {
            Host::Child(server) => server.stop().await,
            Host::InProcess {
                server, runtime, ..
            } => {
                let _ = runtime.spawn(server.shutdown()).await;
                runtime.shutdown_background();
            }
        }
    }
}

/// This thread's id, from the /proc/thread-self link (`PID/task/TID`).
fn thread_id() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    if args.users < 2 || args.room_size < 2 {
        bail!("--users and --room-size must be at least 2");
    }
    if args.users % args.room_size == 1 {
        bail!("the last room would hold a single user, with no one to message");
    }
    if args.window == 0 || args.in_flight == Some(0) {
        bail!("--window and --in-flight must be at least 1");
    }
    if !(args.duration > 0.0 && args.warmup >= 0.0 && args.rate >= 0.0) {
        bail!("--duration must be positive, --warmup and --rate not negative");
    }
    let fds = if args.in_process {
        2 * args.users as u64 + SPARE_FDS
    } else {
        // One fd per connection here and one in the server, which inherits the limit.
        args.users as u64 + SPARE_FDS
    };
    let nofile = raise_nofile(fds)?;
    // Not timed, but a multi-threaded process that grows its fd table stalls meanwhile.
    pregrow_fd_table(fds as usize)?;

    let mut host = Host::start(&args).await?;
    let in_flight = match args.mode {
        Mode::Room => Some(args.in_flight.unwrap_or(ROOM_IN_FLIGHT)),
        Mode::User | Mode::Outside => args.in_flight,
    };
    let server = match &host {
        Host::Child(server) => format!(
            "`chorus serve` child (pid {}, open files limit {nofile}, child's {})",
            server.pid,
            child_nofile(server.pid).unwrap_or_else(|| "unknown".into())
        ),
        Host::InProcess { .. } => "in-process server".to_owned(),
    };
    println!(
        "messages: {} mode, {} users, rooms of {}, {}-byte messages, {}, window {}{}, {server} at {}",
        args.mode.name(),
        args.users,
        args.room_size,
        args.size,
        if args.rate > 0.0 {
            format!("{} sends/s", args.rate)
        } else {
            "full speed".to_owned()
        },
        args.window,
        in_flight.map_or(String::new(), |n| format!(", {n} in flight in all")),
        host.addr(),
    );
    let outcome = measure(&mut host, &args, in_flight).await;
    host.stop().await;
    outcome
}

/// A room (or group) as `(first user, members)` for user `i`.
fn group_of(i: usize, room_size: usize, users: usize) -> (usize, usize) {
    let base = i / room_size * room_size;
    (base, room_size.min(users - base))
}

/// Whom user `i` sends its `seq`-th message to: the other members of its group in turn.
fn target(i: usize, seq: u64, room_size: usize, users: usize) -> usize {
    let (base, len) = group_of(i, room_size, users);
    let others = (len - 1) as u64;
    base + (i - base + 1 + (seq % others) as usize) % len
}

/// The message text: `sender.seq.nanos.` padded with `x` to `size` bytes.
fn stamp(from: usize, seq: u64, nanos: u64, size: usize) -> String {
    let mut text = format!("{from}.{seq}.{nanos}.");
    let pad = size.saturating_sub(text.len());
    text.extend(std::iter::repeat_n('x', pad));
    text
}

/// Reads a stamp back: sender, seq, nanos.
fn read_stamp(text: &str) -> Option<(usize, u64, u64)> {
    let mut parts = text.splitn(4, '.');
    let from = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    let nanos = parts.next()?.parse().ok()?;
    Some((from, seq, nanos))
}

async fn measure(host: &mut Host, args: &Args, in_flight: Option<usize>) -> anyhow::Result<()> {
    let addr = host.addr();
    let window = args.window as u64;
    let peers = (0..args.users)
        .map(|i| {
            let fanout = match args.mode {
                Mode::Room => (group_of(i, args.room_size, args.users).1 - 1) as u32,
                Mode::User | Mode::Outside => 1,
            };
            Peer {
                fanout,
                sent: AtomicU64::new(0),
                answered: AtomicU64::new(0),
                failed: AtomicU64::new(0),
                completed: AtomicU64::new(0),
                received: AtomicU64::new(0),
                slots: (0..if fanout > 1 { args.window } else { 0 })
                    .map(|_| AtomicU32::new(0))
                    .collect(),
                wake: Notify::new(),
                samples: Mutex::new(Vec::new()),
            }
        })
        .collect();
    let shared = Arc::new(Shared {
        mode: args.mode,
        epoch: Instant::now(),
        phase: AtomicU8::new(SETUP),
        peers,
        window,
        in_flight: in_flight.map(Semaphore::new),
        errors: Mutex::new(BTreeMap::new()),
        tally: Arc::new(EventTally::default()),
    });
    let (start_tx, start_rx) = watch::channel(false);

    // Connect everyone; each client reads from the moment it has joined.
    let next = Arc::new(AtomicUsize::new(0));
    let verb = match args.mode {
        Mode::Outside => "logged in",
        Mode::User | Mode::Room => "joined",
    };
    let progress = Progress::start(format!("users {verb}"), args.users as u64);
    let openers: Vec<JoinHandle<anyhow::Result<Vec<JoinHandle<()>>>>> = (0..OPENING
        .min(args.users))
        .map(|_| {
            let (shared, next, done) = (shared.clone(), next.clone(), progress.counter());
            let start = start_rx.clone();
            let (users, room_size, size, rate) = (args.users, args.room_size, args.size, args.rate);
            tokio::spawn(async move {
                let mut tasks = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= users {
                        return Ok(tasks);
                    }
                    let user = format!("u{i}");
                    let mut client = Client::connect(addr, shared.tally.clone())
                        .await
                        .with_context(|| format!("connection #{i}"))?;
                    match shared.mode {
                        Mode::Outside => client
                            .login(&user, token("", &user)?)
                            .await
                            .with_context(|| format!("login #{i} ({user})"))?,
                        Mode::User | Mode::Room => {
                            let room = format!("msg-{}", i / room_size);
                            client
                                .join(&room, &user, token(&room, &user)?)
                                .await
                                .with_context(|| format!("join #{i} ({user} into {room})"))?;
                        }
                    }
                    let (ws, next_id) = client.into_parts();
                    let (sink, stream) = ws.split();
                    tasks.push(tokio::spawn(read(shared.clone(), i, stream)));
                    let sender = Sender {
                        shared: shared.clone(),
                        me: i,
                        user_id: user,
                        next_id,
                        users,
                        room_size,
                        size,
                    };
                    // Senders start at staggered points of their period, together `rate`/s.
                    let pace = (rate > 0.0).then(|| {
                        let period = users as f64 / rate;
                        (
                            Duration::from_secs_f64(period * i as f64 / users as f64),
                            Duration::from_secs_f64(period),
                        )
                    });
                    let start = start.clone();
                    tasks.push(tokio::spawn(async move {
                        if let Err(e) = sender.run(sink, start, pace).await {
                            sender_failed(&e);
                        }
                    }));
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let mut tasks = Vec::with_capacity(2 * args.users);
    let mut failure = None;
    for opener in openers {
        match opener
            .await
            .map_err(|e| anyhow!("an opening task panicked: {e}"))
            .and_then(|r| r)
        {
            Ok(mut opened) => tasks.append(&mut opened),
            Err(e) => {
                failure.get_or_insert(e);
                next.store(usize::MAX / 2, Ordering::Relaxed);
            }
        }
    }
    progress.finish();
    let abort_all = |tasks: Vec<JoinHandle<()>>| {
        for task in tasks {
            task.abort();
        }
    };
    if let Some(e) = failure {
        abort_all(tasks);
        let state = match host.check_alive() {
            Ok(()) => "the server is still running".to_owned(),
            Err(e) => format!("{e:#}"),
        };
        return Err(e.context(state));
    }

    // Joining fills each room with n(n-1) onUserJoined events; let them all arrive first.
    if args.mode != Mode::Outside {
        let expected = expected_user_joined(args.users, args.room_size);
        let deadline = Instant::now() + Duration::from_secs(120);
        while shared.tally.user_joined.load(Ordering::Relaxed) < expected {
            if Instant::now() >= deadline {
                abort_all(tasks);
                bail!(
                    "only {} of {expected} onUserJoined events arrived within 120 s",
                    shared.tally.user_joined.load(Ordering::Relaxed)
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    shared
        .tally
        .settle(Duration::from_millis(500), Duration::from_secs(30))
        .await;
    host.check_alive()?;

    // Send: warm up, then measure.
    let progress = Progress::open("delivered".into());
    let counter = progress.counter();
    let summer = {
        let shared = shared.clone();
        tokio::spawn(async move {
            loop {
                counter.store(shared.totals().received, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    shared.phase.store(WARM_UP, Ordering::Release);
    let _ = start_tx.send(true);
    tokio::time::sleep(Duration::from_secs_f64(args.warmup)).await;
    let read_now = |host: &Host| Reading {
        at: Instant::now(),
        totals: shared.totals(),
        server_ticks: host.ticks(),
        own_ticks: stat_ticks("/proc/self/stat"),
    };
    let cpu = CpuSample::take_with(host.child_pid());
    let before = read_now(host);
    shared.phase.store(MEASURE, Ordering::Release);
    tokio::time::sleep(Duration::from_secs_f64(args.duration)).await;
    let after = read_now(host);
    shared.phase.store(STOP, Ordering::Release);
    let others = cpu.and_then(|cpu| cpu.others_since());
    for peer in &shared.peers {
        peer.wake.notify_one();
    }
    if let Some(in_flight) = &shared.in_flight {
        in_flight.close();
    }

    // Drain: every send answered, every promised delivery arrived.
    let drain_deadline = Instant::now() + DRAIN_LIMIT;
    let drained = loop {
        let t = shared.totals();
        if t.answered >= t.sent && t.received >= t.expected {
            break true;
        }
        if Instant::now() >= drain_deadline {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    summer.abort();
    progress.finish();
    let alive = host.check_alive();
    let end = shared.totals();
    abort_all(tasks);

    let wall = after.at.duration_since(before.at).as_secs_f64();
    let delivered = after.totals.received - before.totals.received;
    let answered = after.totals.answered - before.totals.answered;
    let delivered_rate = delivered as f64 / wall;
    let send_rate = answered as f64 / wall;
    let ticks = |a: Option<u64>, b: Option<u64>| {
        a.zip(b)
            .map(|(a, b)| b.saturating_sub(a) as f64 / TICKS_PER_SEC)
    };
    let server_cpu = ticks(before.server_ticks, after.server_ticks);
    let own_cpu = ticks(before.own_ticks, after.own_ticks);
    // In process, the server's threads are part of this process's time.
    let client_cpu = match (host.child_pid(), own_cpu, server_cpu) {
        (Some(_), own, _) => own,
        (None, Some(own), Some(server)) => Some((own - server).max(0.0)),
        (None, _, _) => None,
    };
    let per_core = server_cpu
        .filter(|s| *s > 0.0)
        .map(|s| delivered as f64 / s);
    let mut samples = Vec::new();
    for peer in &shared.peers {
        samples.append(&mut peer.samples.lock().unwrap_or_else(|e| e.into_inner()));
    }
    let latency = Summary::of(&mut samples);
    let errors = shared
        .errors
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let lost = end.expected.saturating_sub(end.received);
    let unanswered = end.sent.saturating_sub(end.answered);
    let per_core_met = per_core.is_some_and(|r| r >= AIM_PER_CORE);
    // The latency aim is for a paced load (half the most the server takes), not a flood.
    let p99_met = (args.rate > 0.0).then(|| latency.is_some_and(|l| l.p99 < AIM_P99));

    println!(
        "delivered               {delivered_rate:.0} msgs/s ({delivered} in {wall:.3} s, wall clock)"
    );
    println!(
        "sends answered          {send_rate:.0}/s ({answered}){}",
        if args.rate > 0.0 {
            format!(" of {} asked for", args.rate)
        } else {
            format!(
                "; half load: --rate {:.0}",
                (send_rate / 2.0).max(1.0).round()
            )
        }
    );
    match server_cpu {
        Some(cpu) => println!(
            "server CPU              {:.2} cores ({cpu:.2} s)",
            cpu / wall
        ),
        None => println!("server CPU              unknown (no /proc)"),
    }
    if let Some(cpu) = client_cpu {
        println!("benchmark clients' CPU  {:.2} cores", cpu / wall);
    }
    match per_core {
        Some(r) => println!("delivered per core      {r:.0} msgs/s per server core-second"),
        None => println!("delivered per core      unknown"),
    }
    match &latency {
        Some(l) => println!("send -> receipt         {}", l.line()),
        None => println!("send -> receipt         no message arrived while measuring"),
    }
    println!(
        "totals after draining   {} sent, {} answered ({} failed), {} of {} promised deliveries{}",
        end.sent,
        end.answered,
        end.failed,
        end.received,
        end.expected,
        if drained {
            String::new()
        } else {
            format!(" (still missing after {DRAIN_LIMIT:?})")
        }
    );
    println!("lost                    {lost} deliveries, {unanswered} sends unanswered");
    if errors.is_empty() {
        println!("errors                  none");
    } else {
        let list: Vec<String> = errors.iter().map(|(k, v)| format!("{k} x{v}")).collect();
        println!("errors                  {}", list.join(", "));
    }
    if let Some(others) = others {
        println!(
            "other processes' CPU    {others:.2} cores while measuring{}",
            if others > NOISY {
                " (noisy: the machine was busy; run again when it is idle)"
            } else {
                ""
            }
        );
    }
    println!(
        "aim: >= {AIM_PER_CORE:.0} delivered/s per core  {}",
        if per_core_met { "met" } else { "MISSED" }
    );
    println!(
        "aim: p99 < {} at half load  {}",
        ms(AIM_P99),
        match p99_met {
            Some(true) => "met (if --rate is half the full-speed sends/s)",
            Some(false) => "MISSED (if --rate is half the full-speed sends/s)",
            None => "not judged at full speed; run again with --rate",
        }
    );
    let round2 = |x: f64| (x * 100.0).round() / 100.0;
    let json = serde_json::json!({
        "bench": "messages",
        "mode": args.mode.name(),
        "users": args.users,
        "room_size": args.room_size,
        "size": args.size,
        "rate": args.rate,
        "window": args.window,
        "in_flight": in_flight,
        "in_process": args.in_process,
        "wall_ms": (wall * 1e3).round() as u64,
        "delivered": delivered,
        "delivered_per_sec": delivered_rate.round(),
        "sends_answered_per_sec": send_rate.round(),
        "server_cpu_cores": server_cpu.map(|c| round2(c / wall)),
        "client_cpu_cores": client_cpu.map(|c| round2(c / wall)),
        "delivered_per_server_core_sec": per_core.map(f64::round),
        "latency": latency.map(|l| l.json()),
        "sent_total": end.sent,
        "answered_total": end.answered,
        "failed_total": end.failed,
        "delivered_total": end.received,
        "expected_total": end.expected,
        "lost": lost,
        "unanswered": unanswered,
        "errors": errors,
        "aim_per_core": AIM_PER_CORE,
        "aim_per_core_met": per_core_met,
        "aim_p99_us": AIM_P99.as_micros() as u64,
        "aim_p99_met": p99_met,
        "other_cpu_cores": others.map(round2),
    });
    println!("{json}");
    alive?;
    if lost > 0 || unanswered > 0 || !errors.is_empty() {
        bail!("{lost} deliveries lost, {unanswered} sends unanswered, errors: {errors:?}");
    }
    Ok(())
}

fn sender_failed(e: &anyhow::Error) {
    eprintln!("\nchorus-bench: a sender stopped: {e:#}");
}

/// One user's sending half.
struct Sender {
    shared: Arc<Shared>,
    me: usize,
    user_id: String,
    next_id: u64,
    users: usize,
    room_size: usize,
    size: usize,
}

impl Sender {
    /// Sends from the start signal until the stop phase, within the window, the in-flight
    /// bound and `pace` (first send's offset, period) if given.
    async fn run(
        &self,
        mut sink: SplitSink<Ws, Message>,
        mut start: watch::Receiver<bool>,
        pace: Option<(Duration, Duration)>,
    ) -> anyhow::Result<()> {
        if start.wait_for(|go| *go).await.is_err() {
            return Ok(());
        }
        let shared = &*self.shared;
        let peer = &shared.peers[self.me];
        let mut ticks = pace.map(|(offset, period)| {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            ticks
        });
        let mut seq = 0u64;
        loop {
            loop {
                if shared.phase() >= STOP {
                    return Ok(());
                }
                let answered = peer.answered.load(Ordering::Acquire);
                let completed = peer.completed.load(Ordering::Acquire);
                if seq - answered.min(completed) < shared.window {
                    break;
                }
                peer.wake.notified().await;
            }
            if let Some(ticks) = &mut ticks {
                ticks.tick().await;
            }
            if let Some(in_flight) = &shared.in_flight {
                match in_flight.acquire().await {
                    Ok(permit) => permit.forget(),
                    Err(_) => return Ok(()),
                }
            }
            if shared.phase() >= STOP {
                return Ok(());
            }
            let message = stamp(self.me, seq, shared.now_nanos(), self.size);
            let request = match shared.mode {
                Mode::User => Request::SendUserMessage(UserMessageParams {
                    user_id: self.to(seq),
                    message,
                }),
                Mode::Room => Request::SendRoomMessage(MessageParams { message }),
                Mode::Outside => Request::SendUserMessageOutsideRoom(UserMessageParams {
                    user_id: self.to(seq),
                    message,
                }),
            };
            let text = RequestFrame {
                id: self.next_id + seq,
                request,
            }
            .to_json();
            sink.send(Message::Text(text.into()))
                .await
                .with_context(|| format!("{} cannot send", self.user_id))?;
            seq += 1;
            peer.sent.store(seq, Ordering::Release);
        }
    }

    fn to(&self, seq: u64) -> String {
        format!("u{}", target(self.me, seq, self.room_size, self.users))
    }
}

/// One user's receiving half: counts answers and messages, times messages while measuring,
/// and reads until the connection ends (or the task is aborted), as a client must.
async fn read(shared: Arc<Shared>, me: usize, mut stream: SplitStream<Ws>) {
    let peer = &shared.peers[me];
    while let Some(message) = stream.next().await {
        let text = match message {
            Ok(Message::Text(text)) => text,
            Ok(Message::Close(_)) => {
                shared.error("connection closed by the server");
                return;
            }
            Ok(_) => continue,
            Err(_) => {
                shared.error("connection failed");
                return;
            }
        };
        match ServerFrame::parse(&text) {
            Ok(ServerFrame::Response { outcome, .. }) => {
                if let Err(e) = outcome {
                    shared.error(e.code.as_str());
                    peer.failed.fetch_add(1, Ordering::Relaxed);
                    // A failed message is never delivered; it frees its place at once.
                    shared.complete(peer);
                }
                peer.answered.fetch_add(1, Ordering::AcqRel);
                peer.wake.notify_one();
            }
            Ok(ServerFrame::Event(
                Event::UserMessageReceived(m)
                | Event::RoomMessageReceived(m)
                | Event::UserMessageReceivedOutsideRoom(m),
            )) => {
                let now = shared.now_nanos();
                let Some((from, seq, sent)) = read_stamp(&m.message) else {
                    shared.error("message without a stamp");
                    continue;
                };
                peer.received.fetch_add(1, Ordering::Relaxed);
                if shared.phase() == MEASURE {
                    let took = Duration::from_nanos(now.saturating_sub(sent));
                    peer.samples
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(took);
                }
                shared.receipt(from, seq);
            }
            Ok(ServerFrame::Event(event)) => shared.tally.record(&event),
            Err(_) => shared.error("unreadable frame"),
        }
    }
    if shared.phase() < STOP {
        shared.error("connection ended");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_rotate_through_the_others_of_the_group() {
        // Rooms of 4 out of 10 users: 0-3, 4-7, 8-9.
        let to: Vec<usize> = (0..4).map(|seq| target(5, seq, 4, 10)).collect();
        assert_eq!(to, [6, 7, 4, 6]);
        let to: Vec<usize> = (0..3).map(|seq| target(9, seq, 4, 10)).collect();
        assert_eq!(to, [8, 8, 8]);
        assert_eq!(group_of(9, 4, 10), (8, 2));
    }

    #[test]
    fn stamps_read_back_and_pad_to_size() {
        let text = stamp(12, 345, 6_789_000, 100);
        assert_eq!(text.len(), 100);
        assert_eq!(read_stamp(&text), Some((12, 345, 6_789_000)));
        let short = stamp(12, 345, 6_789_000, 4);
        assert_eq!(short, "12.345.6789000.");
        assert_eq!(read_stamp(&short), Some((12, 345, 6_789_000)));
        assert_eq!(read_stamp("hello"), None);
    }
}
