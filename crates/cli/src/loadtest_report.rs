//! What `chorus loadtest` prints: one phase's figures (the server's counter and histogram,
//! its CPU, the clients' stamps and counts, the share of the machine's yardstick) and, with
//! `--target both`, Chorus's figures next to Janus's. Printing only: the measuring is in
//! `loadtest.rs`, the arithmetic in `loadtest_stats.rs` and `loadtest_transit.rs`.

use std::time::Instant;

use crate::loadtest::LoadtestArgs;
use crate::loadtest::Target;
use crate::loadtest_janus::Janus;
use crate::loadtest_stats::{Reception, quantile};
use crate::loadtest_transit::Transit;
use crate::loadtest_yardstick::Ceilings;

/// The server a phase measures.
#[derive(Clone, Copy)]
pub(crate) enum Under<'a> {
    Chorus(&'a Target),
    Janus(&'a Janus),
}

impl Under<'_> {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Under::Chorus(_) => "Chorus",
            Under::Janus(_) => "Janus",
        }
    }

    pub(crate) fn pid(self) -> Option<u32> {
        match self {
            Under::Chorus(t) => t.pid,
            Under::Janus(j) => j.pid,
        }
    }
}

/// What a phase measured, for the comparisons at the end of a run.
#[derive(Clone, Copy)]
pub(crate) struct Figures {
    /// The server's CPU time per packet it forwarded (its own counter), in µs.
    pub(crate) cpu_us_per_forwarded: Option<f64>,
    /// Packets the subscribers received per second of the server's CPU time.
    pub(crate) received_per_cpu_second: Option<f64>,
    transit_p50_us: Option<f64>,
    transit_p99_us: Option<f64>,
}

/// One look at the server and the clients.
pub(crate) struct Snapshot {
    pub(crate) at: Instant,
    pub(crate) cpu: Option<f64>,
    /// This process's (the clients') CPU time.
    pub(crate) client_cpu: Option<f64>,
    /// The whole machine's busy CPU time.
    pub(crate) machine_cpu: Option<f64>,
    pub(crate) forwarded: f64,
    pub(crate) latency: Vec<(f64, f64)>,
    pub(crate) reception: Reception,
    /// Publisher → subscriber transit times, all subscribers together.
    pub(crate) transit: Transit,
    pub(crate) sent: u64,
}

/// Prints Chorus's figures next to Janus's from the same run, measured alike.
pub(crate) fn compare(chorus: &Figures, janus: &Figures) {
    println!();
    println!("same run, same load, measured alike   Chorus      Janus   Chorus / Janus");
    let row = |what: &str, a: Option<f64>, b: Option<f64>, unit: &str| {
        let f = |v: Option<f64>| v.map_or_else(|| "?".to_string(), |v| format!("{v:.0}"));
        let ratio = a.zip(b).map_or_else(
            || "?".to_string(),
            |(a, b)| format!("{:.2}", a / b.max(1e-9)),
        );
        println!("{what:<36} {:>7} {:>10}   {ratio:>7}  {unit}", f(a), f(b));
    };
    row(
        "received pkt per server CPU-second",
        chorus.received_per_cpu_second,
        janus.received_per_cpu_second,
        "",
    );
    row(
        "publisher → subscriber p50",
        chorus.transit_p50_us,
        janus.transit_p50_us,
        "µs",
    );
    row(
        "publisher → subscriber p99",
        chorus.transit_p99_us,
        janus.transit_p99_us,
        "µs",
    );
    let json = serde_json::json!({
        "chorus_received_per_cpu_second": chorus.received_per_cpu_second,
        "janus_received_per_cpu_second": janus.received_per_cpu_second,
        "chorus_transit_p99_us": chorus.transit_p99_us,
        "janus_transit_p99_us": janus.transit_p99_us,
    });
    println!("{json}");
}

/// Prints the figures and answers them.
pub(crate) fn report(
    args: &LoadtestArgs,
    under: Under<'_>,
    ceilings: Option<Ceilings>,
    audio: bool,
    video: bool,
    first: &Snapshot,
    last: &Snapshot,
) -> Figures {
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
    if received == 0 {
        // Every transport failed (a starved client thread lets its consent checks lapse):
        // the figures below describe no load at all.
        println!(
            "WARNING: no packet reached a subscriber while measuring; the transports failed \
             (try --client-threads 2 or a smaller load)"
        );
    }
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
        "server {}  publishers {}  subscribers {}  media {media}  measured {secs:.1} s",
        under.name(),
        args.publishers,
        args.subscribers
    );
    println!(
        "sent by publishers:        {:>10.0} pkt/s",
        (last.sent - first.sent) as f64 / secs
    );
    match under {
        Under::Chorus(_) => println!("forwarded by the SFU:      {forwarded:>10.0} pkt/s"),
        Under::Janus(_) => {
            println!("forwarded (= received; Janus counts none): {forwarded:>10.0} pkt/s")
        }
    }
    match cores {
        Some(cores) => {
            println!("server CPU:                {cores:>10.2} cores");
            let per_core = forwarded / cores.max(1e-9);
            println!("forwarded per core:        {per_core:>10.0} pkt/s/core");
            if let Some(c) = ceilings {
                println!(
                    "  = {:.1}% of the bare sendto ceiling, {:.1}% of the sendmmsg ceiling",
                    100.0 * per_core / c.sendto.max(1e-9),
                    100.0 * per_core / c.sendmmsg.max(1e-9)
                );
            }
        }
        None => println!("server CPU:                unknown (give --server-pid)"),
    }
    // The CPUs the server may run on (all of them unless pinned, as by --server-cpus).
    let server_cpus = under.pid().and_then(|pid| {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        allowed_cpus(&status).map(str::to_owned)
    });
    if let Some(cpus) = &server_cpus {
        println!("server's CPUs:             {cpus:>10}");
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
        _ if matches!(under, Under::Janus(_)) => {
            println!("in-SFU latency:            none (Janus keeps no histogram)")
        }
        _ => println!("in-SFU latency:            no samples"),
    }
    let transit = last.transit.since(&first.transit);
    let t = |q| transit.quantile_us(q);
    match (t(0.5), t(0.99)) {
        (Some(p50), Some(p99)) => println!(
            "publisher → subscriber:    p50 {p50:.0} µs  p99 {p99:.0} µs  ({} stamped packets)",
            transit.samples()
        ),
        _ => println!("publisher → subscriber:    no stamped packets"),
    }
    println!(
        "at subscribers:            {:>10.0} pkt/s  loss {loss:.3}%  jitter mean {jitter_mean:.2} ms, max {jitter_max:.2} ms",
        received as f64 / secs
    );
    let received_per_cpu_second = cores.map(|c| received as f64 / secs / c.max(1e-9));
    if let Some(r) = received_per_cpu_second {
        println!("received per server CPU-second: {r:>6.0} pkt");
    }
    let json = serde_json::json!({
        "server": under.name(),
        "received_per_server_cpu_second": received_per_cpu_second,
        "publishers": args.publishers,
        "subscribers": args.subscribers,
        "media": media,
        "seconds": secs,
        "forwarded_pps": forwarded,
        "server_cores": cores,
        "server_cpus": server_cpus,
        "forwarded_pps_per_core": cores.map(|c| forwarded / c.max(1e-9)),
        "latency_p50_us": p(0.5),
        "latency_p99_us": p(0.99),
        "transit_p50_us": t(0.5),
        "transit_p99_us": t(0.99),
        "ceiling_sendto_pps": ceilings.map(|c| c.sendto),
        "ceiling_sendmmsg_pps": ceilings.map(|c| c.sendmmsg),
        "received_pps": received as f64 / secs,
        "loss_percent": loss,
        "jitter_mean_ms": jitter_mean,
        "jitter_max_ms": jitter_max,
        "client_cores": clients,
        "other_cores": others,
        "server_cpu_us_per_forwarded_packet": cores.map(|c| 1e6 * c / forwarded.max(1e-9)),
    });
    println!("{json}");
    Figures {
        cpu_us_per_forwarded: cores.map(|c| 1e6 * c / forwarded.max(1e-9)),
        received_per_cpu_second,
        transit_p50_us: t(0.5),
        transit_p99_us: t(0.99),
    }
}

/// The CPUs a process may run on (`0-1`), from the text of its /proc/PID/status.
fn allowed_cpus(status: &str) -> Option<&str> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .map(str::trim)
}
