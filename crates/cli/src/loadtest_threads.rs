//! The load test's client threads: `--client-threads` OS threads, each running a
//! current-thread tokio runtime of its own, with the clients dealt out to them in turn.
//!
//! A client (its signalling socket, its UDP socket and its str0m `Rtc`) then lives on one
//! thread for good: no work stealing, no wake-ups across threads, no shared timer wheel, so N
//! threads carry N times the clients until the cores run out. (One multi-threaded runtime for
//! all clients spent a growing share of its time moving tasks and waking threads.)

use std::future::Future;
use std::thread::JoinHandle;

use anyhow::Context as _;
use tokio::runtime::Handle;
use tokio::sync::watch;

/// Threads that run clients until dropped.
pub(crate) struct ClientThreads {
    handles: Vec<Handle>,
    threads: Vec<JoinHandle<()>>,
    stop: watch::Sender<bool>,
    next: usize,
}

impl ClientThreads {
    /// Starts `count` threads (at least one).
    pub(crate) fn start(count: usize) -> anyhow::Result<Self> {
        let (stop, stopped) = watch::channel(false);
        let mut handles = Vec::new();
        let mut threads = Vec::new();
        for i in 0..count.max(1) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start a client runtime")?;
            handles.push(runtime.handle().clone());
            let mut stopped = stopped.clone();
            let thread = std::thread::Builder::new()
                .name(format!("loadtest-client-{i}"))
                .spawn(move || {
                    // The clients spawned on this runtime run while it waits here.
                    runtime.block_on(async move {
                        let _ = stopped.wait_for(|stop| *stop).await;
                    });
                })
                .context("cannot start a client thread")?;
            threads.push(thread);
        }
        Ok(ClientThreads {
            handles,
            threads,
            stop,
            next: 0,
        })
    }

    /// Runs `client` on the next thread in turn.
    pub(crate) fn spawn<F>(&mut self, client: F) -> tokio::task::JoinHandle<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let handle = &self.handles[self.next % self.handles.len()];
        self.next += 1;
        handle.spawn(client)
    }
}

impl Drop for ClientThreads {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}
