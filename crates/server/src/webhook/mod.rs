//! Webhooks out: room and user events POSTed to the configured URL in the vendor's callback
//! format, signed, and retried.
//!
//! Rooms never wait for this: they `try_send` their hooks into one bounded queue (a full
//! queue drops and counts, see `room::HookSink`). One dispatcher task drains it, builds each
//! callback once, and delivers with bounded concurrency: at most `concurrency` rooms at a
//! time, each room's callbacks one after another, so a receiver sees a room's events in the
//! order they happened. A delivery that gets no 200 within the timeout (error, other status,
//! or too slow) is retried twice more, immediately, with the same body and `EventId`.
//! Depends on `room` for the hook values; nothing depends on it but `lib.rs`.

mod callback;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use rand::Rng;
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};

use crate::config::Apps;
use crate::metrics::Metrics;
use crate::room::{HookEvent, HookSink, RoomKey};
use callback::Callback;

/// Bound of the hook queue between rooms and the dispatcher.
const QUEUE: usize = 4096;
/// Most callbacks the dispatcher holds (waiting for their room's turn) besides the queue;
/// past this it stops reading the queue, which then fills and drops.
const MAX_HELD: usize = 16_384;
/// Deliveries per callback: the first and two retries.
const ATTEMPTS: usize = 3;

/// What the webhook part needs from the configuration.
#[derive(Debug, Clone)]
pub(crate) struct WebhookSettings {
    pub(crate) url: String,
    /// Signs every app's callbacks; None: each app's key signs its own.
    pub(crate) secret: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) concurrency: usize,
}

/// The running webhook dispatcher.
pub(crate) struct Webhooks {
    sink: HookSink,
    outstanding: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Webhooks {
    /// Starts the dispatcher; rooms reach it through [`Webhooks::sink`].
    pub(crate) fn start(settings: WebhookSettings, apps: Apps, metrics: Metrics) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        let dropped = metrics.webhooks_dropped.clone();
        let outstanding = Arc::new(AtomicUsize::new(0));
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let dispatcher = Dispatcher {
            http,
            settings: Arc::new(settings),
            apps,
            metrics,
            outstanding: outstanding.clone(),
            next_id: AtomicU64::new(0),
        };
        let task = tokio::spawn(dispatcher.run(rx));
        Webhooks {
            sink: HookSink::new(tx, dropped, outstanding.clone()),
            outstanding,
            task,
        }
    }

    /// Where rooms put their hooks.
    pub(crate) fn sink(&self) -> HookSink {
        self.sink.clone()
    }

    /// Callbacks queued or being delivered.
    pub(crate) fn outstanding(&self) -> usize {
        self.outstanding.load(Ordering::Relaxed)
    }

    /// Stops delivering; what is still queued is lost.
    pub(crate) fn stop(&self) {
        self.task.abort();
    }
}

struct Dispatcher {
    http: reqwest::Client,
    settings: Arc<WebhookSettings>,
    apps: Apps,
    metrics: Metrics,
    outstanding: Arc<AtomicUsize>,
    next_id: AtomicU64,
}

impl Dispatcher {
    /// Unique per event: the event's time, a counter, and randomness (unique across restarts
    /// and across servers sharing a receiver).
    fn event_id(&self, at: u64) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let salt: u32 = rand::rng().random();
        format!("{at:013}{n:08x}{salt:08x}")
    }

    fn callback(&self, event: &HookEvent) -> Option<Callback> {
        let secret = match &self.settings.secret {
            Some(secret) => secret.as_str(),
            None => self.apps.key(&event.key.app_id)?,
        };
        // A random four-digit nonce, as the vendor's callbacks carry.
        let nonce = format!("{:04}", rand::rng().random_range(0..10_000u32));
        Some(callback::build(
            event,
            self.event_id(event.at),
            nonce,
            secret,
        ))
    }

    async fn run(self, mut rx: mpsc::Receiver<HookEvent>) {
        let this = Arc::new(self);
        // Callbacks waiting, per room; a room is in `ready` when it has some and none in flight.
        let mut held: HashMap<RoomKey, VecDeque<Callback>> = HashMap::new();
        let mut ready: VecDeque<RoomKey> = VecDeque::new();
        let mut in_flight: HashMap<tokio::task::Id, RoomKey> = HashMap::new();
        let mut flights = JoinSet::new();
        let mut held_count = 0usize;
        loop {
            tokio::select! {
                event = rx.recv(), if held_count < MAX_HELD => {
                    let Some(event) = event else { break };
                    let Some(callback) = this.callback(&event) else {
                        // An app the server does not host cannot have rooms; nothing to sign.
                        this.outstanding.fetch_sub(1, Ordering::Relaxed);
                        continue;
                    };
                    let busy = in_flight.values().any(|k| *k == event.key);
                    let queue = held.entry(event.key.clone()).or_default();
                    queue.push_back(callback);
                    held_count += 1;
                    if !busy && queue.len() == 1 {
                        ready.push_back(event.key);
                    }
                }
                Some(done) = flights.join_next_with_id(), if !flights.is_empty() => {
                    let id = match done {
                        Ok((id, ())) => id,
                        Err(e) => {
                            tracing::error!(error = %e, "webhook delivery task failed");
                            e.id()
                        }
                    };
                    this.outstanding.fetch_sub(1, Ordering::Relaxed);
                    if let Some(key) = in_flight.remove(&id) {
                        if held.get(&key).is_some_and(|q| !q.is_empty()) {
                            ready.push_back(key);
                        } else {
                            held.remove(&key);
                        }
                    }
                }
            }
            while flights.len() < this.settings.concurrency {
                let Some(key) = ready.pop_front() else { break };
                let Some(callback) = held.get_mut(&key).and_then(VecDeque::pop_front) else {
                    continue;
                };
                held_count -= 1;
                let deliverer = this.clone();
                let handle = flights.spawn(async move { deliverer.deliver(callback).await });
                in_flight.insert(handle.id(), key);
            }
        }
    }

    /// Posts `callback` until the receiver answers 200, at most [`ATTEMPTS`] times.
    async fn deliver(&self, callback: Callback) {
        let url = &self.settings.url;
        for attempt in 1..=ATTEMPTS {
            if attempt > 1 {
                self.metrics.webhook_retries.inc();
            }
            let outcome = self
                .http
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(callback.body.clone())
                .send()
                .await;
            let why = match outcome {
                Ok(response) if response.status() == reqwest::StatusCode::OK => {
                    self.metrics.webhooks_delivered.inc();
                    return;
                }
                Ok(response) => format!("answered HTTP {}", response.status()),
                Err(e) if e.is_timeout() => format!(
                    "did not answer within {} ms",
                    self.settings.timeout.as_millis()
                ),
                // Without the URL: it may carry a token.
                Err(e) => format!("could not be reached: {}", e.without_url()),
            };
            tracing::debug!(
                event_id = %callback.event_id,
                event_type = callback.event_type.as_str(),
                attempt,
                "webhook receiver {why}"
            );
            if attempt == ATTEMPTS {
                self.metrics.webhooks_failed.inc();
                tracing::warn!(
                    event_id = %callback.event_id,
                    event_type = callback.event_type.as_str(),
                    "webhook callback given up after {ATTEMPTS} attempts: the receiver {why}"
                );
            }
        }
    }
}
