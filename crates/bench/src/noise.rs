//! How busy the rest of the machine was while a benchmark timed something: CPU time of every
//! other process, from /proc/stat less this process's own share (and its server child's, when
//! it runs one). On a shared 2-core machine a concurrent build or test run moves latency tails
//! by milliseconds, so timed figures carry this figure with them and a noisy run can be told
//! apart and repeated.
//!
//! Also the CPU time of one process or thread, from its /proc stat file.

use std::time::Instant;

/// /proc/stat and /proc/PID/stat count in USER_HZ, which Linux fixes at 100 for user space.
pub(crate) const TICKS_PER_SEC: f64 = 100.0;

/// A reading of machine-wide and own CPU time.
pub(crate) struct CpuSample {
    machine_busy: u64,
    own: u64,
    at: Instant,
    child: Option<u32>,
}

impl CpuSample {
    /// Reads now; `None` where /proc is not there to read.
    pub(crate) fn take() -> Option<CpuSample> {
        CpuSample::take_with(None)
    }

    /// Reads now, counting the process `child` (a server this process started) as its own.
    pub(crate) fn take_with(child: Option<u32>) -> Option<CpuSample> {
        let child_ticks = match child {
            Some(pid) => stat_ticks(&format!("/proc/{pid}/stat"))?,
            None => 0,
        };
        Some(CpuSample {
            machine_busy: machine_busy()?,
            own: stat_ticks("/proc/self/stat")? + child_ticks,
            at: Instant::now(),
            child,
        })
    }

    /// Cores' worth of CPU other processes used since `self` (0.5 = half a core throughout).
    pub(crate) fn others_since(&self) -> Option<f64> {
        let now = CpuSample::take_with(self.child)?;
        let others = (now.machine_busy - self.machine_busy).saturating_sub(now.own - self.own);
        let secs = now.at.duration_since(self.at).as_secs_f64().max(1e-3);
        Some(others as f64 / TICKS_PER_SEC / secs)
    }
}

/// Busy ticks of all CPUs: everything on the `cpu` line but idle and iowait (guest time is
/// already inside user and nice).
fn machine_busy() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let field = |i: usize| fields.get(i).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal
    Some(field(0) + field(1) + field(2) + field(5) + field(6) + field(7))
}

/// User and system ticks (fields 14 and 15) of a process's or thread's stat file, such as
/// /proc/self/stat, /proc/PID/stat or /proc/self/task/TID/stat.
pub(crate) fn stat_ticks(path: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(path).ok()?;
    // The command name may hold spaces; fields are counted after its closing parenthesis,
    // where field 3 (state) comes first.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}
