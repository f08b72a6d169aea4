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
//!
//! First it measures this machine's yardstick (`yardstick.rs`: what a bare WebSocket writer
//! writes from one core) and states the frames the server wrote per core as a share of it.

mod host;
mod traffic;
mod yardstick;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use futures_util::StreamExt as _;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinHandle;

use crate::child::child_nofile;
use crate::client::{Client, EventTally, token};
use crate::fds::{pregrow_fd_table, raise_nofile};
use crate::noise::{CpuSample, TICKS_PER_SEC, stat_ticks};
use crate::progress::Progress;
use crate::stats::{Summary, expected_user_joined, ms};
use host::Host;
use traffic::*;

/// The aim the issue sets: delivered messages per second per core of the server.
const AIM_PER_CORE: f64 = 100_000.0;
/// The aim for send -> receipt p99 on loopback, at half the load the server can take.
const AIM_P99: Duration = Duration::from_millis(2);
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
    /// Seconds for each of the two yardstick measurements (bare WebSocket writer, one frame
    /// per write and gathered) before the run; 0 skips them.
    #[arg(long, default_value_t = 1.0)]
    yardstick_seconds: f64,
    /// The `chorus` binary [default: `chorus` next to this executable; build both with
    /// `cargo build --release -p chorus -p chorus-bench`].
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Runs the `chorus serve` child on these CPUs only (`taskset -c CPUS`, as `0`): with the
    /// benchmark itself under `taskset -c` on the others, the server has cores of its own.
    #[arg(long, value_name = "CPUS", conflicts_with = "in_process")]
    server_cpus: Option<String>,
}

/// A reading at one end of the measured interval.
struct Reading {
    at: Instant,
    totals: Totals,
    server_ticks: Option<u64>,
    own_ticks: Option<u64>,
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

    let ceilings = if args.yardstick_seconds > 0.0 {
        let each = Duration::from_secs_f64(args.yardstick_seconds);
        let ceilings = tokio::task::spawn_blocking(move || yardstick::measure(each))
            .await
            .context("the yardstick panicked")??;
        ceilings.print();
        Some(ceilings)
    } else {
        None
    };
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
    let outcome = measure(&mut host, &args, in_flight, ceilings).await;
    host.stop().await;
    outcome
}

async fn measure(
    host: &mut Host,
    args: &Args,
    in_flight: Option<usize>,
    ceilings: Option<yardstick::Ceilings>,
) -> anyhow::Result<()> {
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
    // Frames the server wrote: every delivery, plus an answer per send.
    let frames_per_core = server_cpu
        .filter(|s| *s > 0.0)
        .map(|s| (delivered + answered) as f64 / s);
    if let (Some(c), Some(f)) = (ceilings, frames_per_core) {
        println!(
            "frames written per core {f:.0}/s = {:.1}% of the bare writer's one-per-write \
             ceiling, {:.1}% of its gathered one",
            100.0 * f / c.single.max(1e-9),
            100.0 * f / c.gathered.max(1e-9)
        );
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
        "server_cpus": args.server_cpus,
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
        "ceiling_frames_single": ceilings.map(|c| c.single.round()),
        "ceiling_frames_gathered": ceilings.map(|c| c.gathered.round()),
        "frames_written_per_server_core_sec": frames_per_core.map(f64::round),
    });
    println!("{json}");
    alive?;
    if lost > 0 || unanswered > 0 || !errors.is_empty() {
        bail!("{lost} deliveries lost, {unanswered} sends unanswered, errors: {errors:?}");
    }
    Ok(())
}
