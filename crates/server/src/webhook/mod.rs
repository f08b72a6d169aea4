//! Webhooks out: room and user events POSTed to the app's URL (or the server-wide one) in the
//! vendor's callback format, signed with the app's secret (or the server-wide one, or the
//! app's key), and retried.
//!
//! Rooms never wait for this: they `try_send` their hooks into one bounded queue (a full
//! queue drops and counts, see `room::HookSink`). One dispatcher task drains it, builds each
//! callback once, and delivers as `schedule` orders: at most `concurrency` rooms of one app at
//! a time, each room's callbacks one after another, so a receiver sees a room's events in the
//! order they happened. Each app holds at most [`MAX_HELD_PER_APP`] callbacks; past that its
//! own are dropped and counted, and the dispatcher keeps reading the queue, so one app's storm
//! neither delays nor drops another app's callbacks. A delivery that gets no 200 within the timeout (error, other status,
//! or too slow) is retried twice more, immediately, with the same body and `EventId`.
//! Depends on `room` for the hook values; nothing depends on it but `lib.rs`.

mod callback;
mod schedule;

use std::collections::HashMap;
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
use schedule::Schedule;

/// Bound of the hook queue between rooms and the dispatcher.
const QUEUE: usize = 4096;
/// Most callbacks the dispatcher holds for one app (waiting for their room's turn) besides
/// the queue; past this that app's callbacks are dropped and counted.
const MAX_HELD_PER_APP: usize = 16_384;
/// Deliveries per callback: the first and two retries.
const ATTEMPTS: usize = 3;

/// What the webhook part needs from the configuration.
#[derive(Debug, Clone)]
pub(crate) struct WebhookSettings {
    /// Where callbacks of apps without their own URL go; None: such apps send none.
    pub(crate) url: Option<String>,
    /// Signs callbacks of apps without their own secret; None: each app's key signs its own.
    pub(crate) secret: Option<String>,
    /// Apps' own URLs and secrets, by app id.
    pub(crate) apps: HashMap<String, AppWebhook>,
    pub(crate) timeout: Duration,
    /// Most rooms of one app whose callbacks are in flight at once.
    pub(crate) concurrency: usize,
    /// What https:// receivers are checked against.
    pub(crate) tls: chorus_tls::ClientTls,
}

/// One app's own webhook settings, over the server-wide ones.
#[derive(Debug, Clone, Default)]
pub(crate) struct AppWebhook {
    pub(crate) url: Option<String>,
    pub(crate) secret: Option<String>,
}

impl WebhookSettings {
    fn url(&self, app_id: &str) -> Option<&str> {
        self.apps
            .get(app_id)
            .and_then(|a| a.url.as_deref())
            .or(self.url.as_deref())
    }

    fn secret(&self, app_id: &str) -> Option<&str> {
        self.apps
            .get(app_id)
            .and_then(|a| a.secret.as_deref())
            .or(self.secret.as_deref())
    }
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
            .use_preconfigured_tls((*settings.tls.config()).clone())
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
        let app_id = &event.key.app_id;
        // An app with no URL anywhere sends no callbacks.
        self.settings.url(app_id)?;
        let secret = match self.settings.secret(app_id) {
            Some(secret) => secret,
            None => self.apps.key(app_id)?,
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
        let mut schedule = Schedule::new(this.settings.concurrency, MAX_HELD_PER_APP);
        let mut in_flight: HashMap<tokio::task::Id, RoomKey> = HashMap::new();
        let mut flights = JoinSet::new();
        loop {
            tokio::select! {
                event = rx.recv() => {
                    let Some(event) = event else { break };
                    let Some(callback) = this.callback(&event) else {
                        // No URL for the app, or an app the server does not host (which
                        // cannot have rooms): nothing to send.
                        this.outstanding.fetch_sub(1, Ordering::Relaxed);
                        continue;
                    };
                    let app_id = event.key.app_id.clone();
                    if schedule.push(event.key, callback).is_err() {
                        this.outstanding.fetch_sub(1, Ordering::Relaxed);
                        this.metrics.webhooks_dropped.inc();
                        tracing::debug!(%app_id, "webhook callback dropped: the app holds too many");
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
                        schedule.done(&key);
                    }
                }
            }
            while let Some((key, callback)) = schedule.next() {
                let deliverer = this.clone();
                let app_id = key.app_id.clone();
                let handle =
                    flights.spawn(async move { deliverer.deliver(&app_id, callback).await });
                in_flight.insert(handle.id(), key);
            }
        }
    }

    /// Posts `callback` until the receiver answers 200, at most [`ATTEMPTS`] times.
    async fn deliver(&self, app_id: &str, callback: Callback) {
        // Only callbacks of apps with a URL are built.
        let Some(url) = self.settings.url(app_id) else {
            return;
        };
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
