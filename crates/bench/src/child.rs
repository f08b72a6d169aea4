//! The real `chorus serve` binary as a child process, for benchmarks whose figures must be the
//! product's own: its memory or CPU time, without the benchmark's clients in it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

/// The `chorus` binary to run: `explicit`, or `chorus` next to this executable.
pub(crate) fn server_bin(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let bin = match explicit {
        Some(bin) => bin,
        None => std::env::current_exe()
            .context("cannot find this executable")?
            .parent()
            .context("this executable has no directory")?
            .join("chorus"),
    };
    if !bin.is_file() {
        bail!(
            "no server binary at {}: build it with `cargo build --release -p chorus -p chorus-bench` \
             or pass --server-bin PATH",
            bin.display()
        );
    }
    Ok(bin)
}

/// The `chorus serve` child.
pub(crate) struct Server {
    child: Child,
    pub(crate) pid: u32,
    pub(crate) addr: SocketAddr,
    stdout: JoinHandle<()>,
}

impl Server {
    /// Starts `bin serve` on a free loopback port with the benchmark's app and waits for it to
    /// say where it listens. The child is killed if this process drops it.
    pub(crate) async fn spawn(bin: &Path) -> anyhow::Result<Server> {
        Self::spawn_with(bin, &[]).await
    }

    /// [`Server::spawn`] with `extra` arguments to `serve`.
    pub(crate) async fn spawn_with(
        bin: &Path,
        extra: &[&std::ffi::OsStr],
    ) -> anyhow::Result<Server> {
        Self::spawn_on(bin, extra, None).await
    }

    /// [`Server::spawn_with`], on `cpus` only when given (`taskset -c`, so that every thread
    /// the server makes is pinned from its start).
    pub(crate) async fn spawn_on(
        bin: &Path,
        extra: &[&std::ffi::OsStr],
        cpus: Option<&str>,
    ) -> anyhow::Result<Server> {
        let mut command = match cpus {
            Some(cpus) => {
                let mut taskset = Command::new("taskset");
                taskset.arg("-c").arg(cpus).arg(bin);
                taskset
            }
            None => Command::new(bin),
        };
        let mut child = command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            // Every client here comes from loopback: one address for all of them.
            .args(["--max-connections-per-ip", "10000", "--app"])
            .arg(format!("{}:{}", crate::APP_ID, crate::APP_KEY))
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot run {}", bin.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let stdout = child
            .stdout
            .take()
            .context("the server's stdout is not piped")?;
        let mut lines = BufReader::new(stdout).lines();
        const READY: &str = "chorus is listening on ";
        let addr = tokio::time::timeout(Duration::from_secs(15), async {
            while let Some(line) = lines.next_line().await? {
                let url = line.trim().strip_prefix(READY);
                if let Some(addr) = url.and_then(|u| {
                    u.strip_prefix("http://")
                        .or_else(|| u.strip_prefix("https://"))
                }) {
                    return addr
                        .parse::<SocketAddr>()
                        .with_context(|| format!("odd address in {line:?}"));
                }
            }
            Err(anyhow!(
                "the server closed its stdout without saying where it listens"
            ))
        })
        .await;
        let addr = match addr {
            Ok(Ok(addr)) => addr,
            Ok(Err(e)) => {
                let status = child
                    .wait()
                    .await
                    .map(|s| s.to_string())
                    .unwrap_or_else(|e| e.to_string());
                return Err(e.context(format!("the server did not start ({status})")));
            }
            Err(_) => bail!("the server said nothing about listening within 15 s"),
        };
        // Keep reading so the child never blocks on a full pipe.
        let stdout =
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Server {
            child,
            pid,
            addr,
            stdout,
        })
    }

    /// An error naming how the child ended, if it has.
    pub(crate) fn check_alive(&mut self) -> anyhow::Result<()> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(anyhow!("the server (pid {}) exited: {status}", self.pid)),
            Err(e) => Err(anyhow!(
                "cannot check on the server (pid {}): {e}",
                self.pid
            )),
        }
    }

    pub(crate) async fn stop(mut self) {
        let _ = self.child.kill().await;
        self.stdout.abort();
    }
}

/// The child's soft open files limit as /proc shows it.
pub(crate) fn child_nofile(pid: u32) -> Option<String> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3).map(str::to_owned)
}
