//! The progress line on stderr: redrawn a few times a second while a benchmark runs, so a long
//! run shows it is alive without mixing into the results on stdout.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

/// A counter shown as `label: done/total (rate/s)` (or `label: done (rate/s)` without a
/// total) until dropped or finished.
pub(crate) struct Progress {
    done: Arc<AtomicU64>,
    line: Arc<dyn Fn(u64) -> String + Send + Sync>,
    task: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts drawing `label` against `total`.
    pub(crate) fn start(label: String, total: u64) -> Progress {
        Progress::draw_counter(label, Some(total))
    }

    /// Starts drawing `label` with no total; the rate shown is that since the last redraw.
    pub(crate) fn open(label: String) -> Progress {
        Progress::draw_counter(label, None)
    }

    fn draw_counter(label: String, total: Option<u64>) -> Progress {
        let done = Arc::new(AtomicU64::new(0));
        let start = Instant::now();
        let last = std::sync::Mutex::new((start, 0u64));
        let line: Arc<dyn Fn(u64) -> String + Send + Sync> = Arc::new(move |n| match total {
            Some(total) => {
                let rate = n as f64 / start.elapsed().as_secs_f64().max(1e-3);
                format!("\r{label}: {n}/{total} ({rate:.0}/s)   ")
            }
            None => {
                let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
                let (then, before) = *last;
                let rate = n.saturating_sub(before) as f64 / then.elapsed().as_secs_f64().max(1e-3);
                *last = (Instant::now(), n);
                format!("\r{label}: {n} ({rate:.0}/s)   ")
            }
        });
        let task = {
            let (done, line) = (done.clone(), line.clone());
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_millis(250));
                loop {
                    tick.tick().await;
                    draw(&line(done.load(Ordering::Relaxed)));
                }
            })
        };
        Progress {
            done,
            line,
            task: Some(task),
        }
    }

    /// A handle for counting from other tasks.
    pub(crate) fn counter(&self) -> Arc<AtomicU64> {
        self.done.clone()
    }

    /// Stops drawing and ends the line.
    pub(crate) fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            draw(&format!(
                "{}\n",
                (self.line)(self.done.load(Ordering::Relaxed))
            ));
        }
    }
}

fn draw(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}
