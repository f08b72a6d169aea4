//! Where the server under test runs (a `chorus serve` child, or a runtime of its own in this
//! process) and how its CPU time is read.

use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use chorus_server::{AppCredentials, Config, RunningServer};

use crate::child::{Server, server_bin};
use crate::noise::stat_ticks;

use super::Args;

/// The per-sender rate limits the server under test is given: none to speak of, since the
/// benchmark measures the server's throughput, not its limits (a sender at full speed may
/// well send more than the default 100 messages a second).
const NO_LIMIT: u32 = u32::MAX;

/// Where the server runs, and how its CPU time is read.
pub(super) enum Host {
    Child(Server),
    InProcess {
        server: Box<RunningServer>,
        runtime: tokio::runtime::Runtime,
        threads: Arc<Mutex<Vec<u32>>>,
    },
}

impl Host {
    pub(super) async fn start(args: &Args) -> anyhow::Result<Host> {
        if !args.in_process {
            let bin = server_bin(args.server_bin.clone())?;
            let limits = std::env::temp_dir()
                .join(format!("chorus-bench-limits-{}.toml", std::process::id()));
            std::fs::write(
                &limits,
                format!(
                    "message-rate = {NO_LIMIT}\nmessage-burst = {NO_LIMIT}\n\
                     state-change-rate = {NO_LIMIT}\nstate-change-burst = {NO_LIMIT}\n"
                ),
            )
            .with_context(|| format!("cannot write {}", limits.display()))?;
            let config = ["--config".as_ref(), limits.as_os_str()];
            let server = Server::spawn_on(&bin, &config, args.server_cpus.as_deref()).await;
            // The child has read it by the time it says where it listens.
            let _ = std::fs::remove_file(&limits);
            return Ok(Host::Child(server?));
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
                ..AppCredentials::default()
            }],
            // Every client here comes from loopback: one address for all of them.
            max_connections_per_ip: Config::default().max_connections,
            message_rate: NO_LIMIT,
            message_burst: NO_LIMIT,
            state_change_rate: NO_LIMIT,
            state_change_burst: NO_LIMIT,
            ..Config::default()
        };
        let server = runtime
            .spawn(chorus_server::start(config))
            .await
            .context("the server's start panicked")?
            .context("cannot start the server")?;
        Ok(Host::InProcess {
            server: Box::new(server),
            runtime,
            threads,
        })
    }

    pub(super) fn addr(&self) -> std::net::SocketAddr {
        match self {
            Host::Child(server) => server.addr,
            Host::InProcess { server, .. } => server.local_addr(),
        }
    }

    pub(super) fn child_pid(&self) -> Option<u32> {
        match self {
            Host::Child(server) => Some(server.pid),
            Host::InProcess { .. } => None,
        }
    }

    /// The server's CPU time so far, in ticks.
    pub(super) fn ticks(&self) -> Option<u64> {
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

    pub(super) fn check_alive(&mut self) -> anyhow::Result<()> {
        match self {
            Host::Child(server) => server.check_alive(),
            Host::InProcess { .. } => Ok(()),
        }
    }

    pub(super) async fn stop(self) {
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
pub(super) fn thread_id() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}
