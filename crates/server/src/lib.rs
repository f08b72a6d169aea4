//! chorus-server: the Chorus server as a library.
//!
//! This file is the one place that wires the parts together: [`signal`] (the WebSocket edge)
//! and [`api`] (the signed OpenAPI) drive [`room`] (the control plane) through commands; the
//! media plane ([`sfu`]) sits under `room` the same way; rooms' hooks flow out to
//! [`webhook`] when a webhook URL is configured; [`listener`] accepts the connections they
//! serve, under [`conn_caps`]. `chorus serve` is a thin shell over [`start`].

#![warn(clippy::unwrap_used)]

mod api;
#[cfg(feature = "bench")]
#[doc(hidden)]
pub mod bench_entry;
mod clock;
mod cluster;
mod config;
mod conn_caps;
mod ctx;
mod frame;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzz_entry;
mod listener;
mod messaging;
mod metrics;
mod own_users;
mod own_workers;
mod public;
mod room;
mod sfu;
mod signal;
mod subtitle;
#[cfg(feature = "test-hooks")]
pub mod test_hooks;
mod turn;
mod web;
mod webhook;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use chorus_sign::ReplayGuard;
use rand::Rng;
use rand::distr::Alphanumeric;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use chorus_tls::{
    CertSource, ClientConfig, ClientTls, SelfSigned, ServerTls, TlsError, describe_tls_failure,
    self_signed,
};
pub use config::{ApiCredentials, AppCredentials, Config, ConfigError, RecordS3};
pub use subtitle::{RecognizerKind, SubtitlesConfig};

use config::Apps;
use conn_caps::{Caps, ConnectionCaps};
use ctx::{Ctx, Lifecycle, Resolved};
use listener::ListenerSettings;
use messaging::{
    BusinessHosts, BusinessServer, BusinessSettings, HostRule, LoginRegistry, TargetPolicy,
};
use metrics::Metrics;
use room::{Directory, RoomSettings};
use sfu::{Sfu, SfuConfig};
use webhook::{AppWebhook, WebhookSettings, Webhooks};

/// Credentials made up for a server started without apps (dev mode).
#[derive(Debug, Clone)]
pub struct DevCredentials {
    /// The dev app.
    pub app: AppCredentials,
    /// The dev OpenAPI key pair, if none was configured.
    pub openapi: Option<ApiCredentials>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The recordings' bucket URL is unusable.
    #[error("[record-s3]: {0}")]
    RecordS3(String),
    /// The media port could not be bound.
    #[error("cannot bind the media port {addr}: {source}")]
    RtcBind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The TLS certificate or key could not be loaded.
    #[error("TLS: {0}")]
    Tls(#[from] chorus_tls::TlsError),
    /// Cluster mode could not reach Redis.
    #[error("cluster mode: {0}")]
    Cluster(String),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// A server that is accepting connections.
pub struct RunningServer {
    addr: SocketAddr,
    ctx: Arc<Ctx>,
    dev: Option<DevCredentials>,
    stop: Option<oneshot::Sender<()>>,
    serve: JoinHandle<()>,
    /// The separate metrics listener's address and task, with `metrics_listen`.
    metrics: Option<(SocketAddr, JoinHandle<()>)>,
    /// The listener's certificate, when it serves TLS.
    tls: Option<ServerTls>,
    /// With TLS, the plain loopback listener of the server's own workers (`own_workers`):
    /// its stop and its task.
    workers_listener: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
    janitor: JoinHandle<()>,
    /// The cluster's heartbeat and messaging tasks, in cluster mode.
    cluster_tasks: Vec<JoinHandle<()>>,
}

pub(crate) fn random_string(len: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// The webhook settings, when the server or any app has a webhook URL.
fn webhook_settings(config: &Config, tls: &ClientTls) -> Option<WebhookSettings> {
    let apps: HashMap<String, AppWebhook> = config
        .apps
        .iter()
        .filter(|a| a.webhook_url.is_some() || a.webhook_secret.is_some())
        .map(|a| {
            let own = AppWebhook {
                url: a.webhook_url.clone(),
                secret: a.webhook_secret.clone(),
            };
            (a.id.clone(), own)
        })
        .collect();
    let any_url = config.webhook_url.is_some() || apps.values().any(|a| a.url.is_some());
    any_url.then(|| WebhookSettings {
        url: config.webhook_url.clone(),
        secret: config.webhook_secret.clone(),
        apps,
        timeout: Duration::from_millis(config.webhook_timeout_ms),
        concurrency: config.webhook_concurrency,
        tls: tls.clone(),
    })
}

/// Each app's business hosts; the dev app, on loopback, may use any.
fn business_hosts(config: &Config, dev: bool) -> BusinessHosts {
    if dev {
        return BusinessHosts::any();
    }
    BusinessHosts::listed(
        config
            .apps
            .iter()
            .map(|app| {
                // Validated at start: every entry parses.
                let rules = app.business_hosts.iter().filter_map(|e| HostRule::parse(e));
                (app.id.clone(), rules.collect())
            })
            .collect(),
    )
}

/// Validates `config`, binds, and starts serving. Without apps, makes up a dev app (and a dev
/// OpenAPI key when none is given) and insists on loopback.
pub async fn start(mut config: Config) -> Result<RunningServer, StartError> {
    config.validate()?;
    let tls = config.tls_source()?.map(ServerTls::new).transpose()?;
    let dev = config.apps.is_empty().then(|| {
        let app = AppCredentials {
            id: random_string(chorus_token::APP_ID_LEN),
            key: random_string(32),
            ..AppCredentials::default()
        };
        config.apps.push(app.clone());
        let openapi = config.openapi_keys.is_empty().then(|| {
            let pair = ApiCredentials {
                access_key: format!("AK{}", random_string(18)),
                secret_key: random_string(32),
                apps: None,
            };
            config.openapi_keys.push(pair.clone());
            pair
        });
        DevCredentials { app, openapi }
    });

    let metrics = Metrics::new();
    let settings = RoomSettings {
        max_users: config.max_room_users,
        grace: config.reconnect_grace_ms,
        warn_before: config.token_warn_secs * 1000,
    };
    let apps = Apps::new(&config.apps);
    let outbound_tls = config.client_tls()?;
    let webhooks = webhook_settings(&config, &outbound_tls)
        .map(|settings| Webhooks::start(settings, apps.clone(), metrics.clone()));
    // The captioners are clients of this server; they learn its address once it listens.
    let own_url = Arc::new(std::sync::OnceLock::new());
    let subtitles = subtitle::Subtitles::start(
        config.subtitles.clone(),
        apps.clone(),
        reqwest::Client::builder()
            .use_preconfigured_tls((*outbound_tls.config()).clone())
            .build()
            .unwrap_or_default(),
        own_url.clone(),
        Duration::from_millis(config.reconnect_grace_ms),
    );
    let rtc_bind = SocketAddr::new(config.listen.ip(), config.rtc_port);
    let sfu = Sfu::start(
        SfuConfig {
            bind: rtc_bind,
            public_ip: config.public_ip,
            max_peers: config.max_media_sessions,
            connect_timeout: Duration::from_millis(config.media_connect_timeout_ms),
            workers: match config.sfu_workers {
                0 => std::thread::available_parallelism().map_or(1, usize::from),
                n => n,
            },
        },
        metrics.sfu.clone(),
    )
    .await
    .map_err(|source| StartError::RtcBind {
        addr: rtc_bind,
        source,
    })?;
    let public_streams = public::PublicStreams::new(apps.clone());
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.listen,
        source,
    })?;
    // Bound first: in cluster mode the node advertises the address it got.
    let cluster = match config.cluster_settings(addr, tls.is_some(), &outbound_tls) {
        Some(settings) => Some(
            cluster::Cluster::connect(settings)
                .await
                .map_err(|e| StartError::Cluster(e.to_string()))?,
        ),
        None => None,
    };
    let (remote_logins, remote_work) = match cluster {
        Some(_) => {
            let (tx, rx) = tokio::sync::mpsc::channel(cluster::LOGIN_QUEUE);
            (Some(tx), Some(rx))
        }
        None => (None, None),
    };
    let bucket = config
        .record_s3
        .as_ref()
        .map(|s3| {
            let http = reqwest::Client::builder()
                .use_preconfigured_tls((*outbound_tls.config()).clone())
                .build()
                .unwrap_or_default();
            public::Bucket::new(s3, http).map_err(StartError::RecordS3)
        })
        .transpose()?;
    public_streams.set_recording(config.record_dir.clone(), bucket);
    // Background images go through the server messages' guard, with the same allowances.
    public_streams.set_image_fetch(public::ImageFetch::new(
        TargetPolicy {
            loopback: dev.is_some(),
            private: config.allow_private_targets,
        },
        &outbound_tls,
    ));
    let ctx = Arc::new(Ctx {
        config: Resolved {
            apps,
            api_keys: config
                .openapi_keys
                .iter()
                .map(|k| (k.access_key.clone(), k.secret_key.clone()))
                .collect(),
            api_scopes: config
                .openapi_keys
                .iter()
                .filter_map(|k| Some((k.access_key.clone(), k.apps.clone()?)))
                .collect(),
            api_max_skew_secs: config.api_max_skew_secs,
            ping_interval: Duration::from_millis(config.ping_interval_ms),
            idle_timeout: Duration::from_millis(config.idle_timeout_ms),
            write_timeout: Duration::from_millis(config.write_timeout_ms),
            join_timeout: Duration::from_millis(config.join_timeout_ms),
            // The header deadline again: the body is the rest of the same request.
            body_read_timeout: Duration::from_millis(config.header_read_timeout_ms),
            message_limit: config.message_limit(),
            state_change_limit: config.state_change_limit(),
            turn: config.turn_servers(),
        },
        directory: Directory::new(
            settings,
            metrics.clone(),
            webhooks.as_ref().map(Webhooks::sink),
            sfu.clone(),
        ),
        logins: LoginRegistry::start(remote_logins),
        business: BusinessServer::new(BusinessSettings {
            timeout: Duration::from_millis(config.server_message_timeout_ms),
            max_in_flight: config.server_message_concurrency,
            max_in_flight_per_app: config.server_message_concurrency_per_app,
            app_ids: config.apps.iter().map(|a| a.id.clone()).collect(),
            hosts: business_hosts(&config, dev.is_some()),
            policy: TargetPolicy {
                loopback: dev.is_some(),
                private: config.allow_private_targets,
            },
            tls: outbound_tls.clone(),
        }),
        metrics,
        sfu,
        webhooks,
        subtitles,
        lifecycle: Lifecycle::default(),
        api_replays: Mutex::new(ReplayGuard::new(
            config.api_max_skew_secs,
            api::REPLAY_CAPACITY,
        )),
        public_streams,
        cluster,
    });
    let mut cluster_tasks: Vec<JoinHandle<()>> =
        cluster::spawn_heartbeat(ctx.clone()).into_iter().collect();
    if let Some(work) = remote_work {
        cluster_tasks.extend(cluster::spawn_logins(ctx.clone(), work));
    }

    // With TLS the workers get a plain listener of their own on loopback (`own_workers`).
    let workers_listener = match tls {
        Some(_) => {
            let bound = own_workers::bind_loopback().await;
            let bound = bound.and_then(|l| Ok((l.local_addr()?, l)));
            Some(bound.map_err(|source| StartError::Bind {
                addr: SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0)),
                source,
            })?)
        }
        None => None,
    };
    let own_url_text = own_workers::url(workers_listener.as_ref().map_or(addr, |(a, _)| *a));
    let _ = own_url.set(own_url_text.clone());
    ctx.public_streams.set_url(own_url_text);
    let metrics = match config.metrics_listen {
        Some(addr) => Some(
            metrics::listen(addr, ctx.metrics.clone())
                .await
                .map_err(|source| StartError::Bind { addr, source })?,
        ),
        None => None,
    };
    let app = router(
        ctx.clone(),
        dev.as_ref().map(|d| d.app.clone()),
        metrics.is_none(),
    );
    let caps = ConnectionCaps::new(Caps {
        total: config.max_connections,
        per_address: config.max_connections_per_ip,
    });
    let settings = ListenerSettings {
        header_read_timeout: Duration::from_millis(config.header_read_timeout_ms),
        tcp_user_timeout: Duration::from_millis(config.tcp_user_timeout_ms),
    };
    let workers_listener = workers_listener.map(|(_, listener)| {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(listener::serve(
            listener,
            app.clone(),
            // Caps of its own: the workers never take a place a client could have.
            ConnectionCaps::new(Caps {
                total: config.max_connections,
                per_address: config.max_connections_per_ip,
            }),
            settings,
            None,
            ctx.metrics.clone(),
            stopped,
        ));
        (stop, task)
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let serve = tokio::spawn(listener::serve(
        listener,
        app,
        caps,
        settings,
        tls.as_ref()
            .map(|tls| tokio_rustls::TlsAcceptor::from(tls.config())),
        ctx.metrics.clone(),
        stopped,
    ));
    let janitor = {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                ctx.directory.prune_bans(clock::now_ms());
            }
        })
    };
    tracing::info!(%addr, dev = dev.is_some(), tls = tls.is_some(), "chorus listening");
    Ok(RunningServer {
        addr,
        tls,
        workers_listener,
        ctx,
        dev,
        stop: Some(stop),
        serve,
        metrics,
        janitor,
        cluster_tasks,
    })
}

/// Every route; the demo page and `/dev/token` only with the made-up `dev_app` (and then every
/// route answers loopback `Host` names only), `/metrics` only `with_metrics` (not when it has
/// a listener of its own).
fn router(ctx: Arc<Ctx>, dev_app: Option<AppCredentials>, with_metrics: bool) -> Router {
    let dev = dev_app.is_some();
    let mut router = Router::new()
        .route(chorus_proto::SIGNAL_PATH, get(signal::upgrade))
        .route("/", post(api::handle))
        .route("/healthz", get(healthz))
        .route(cluster::WANTED_LAYERS_PATH, get(cluster::wanted_layers))
        .with_state(ctx.clone())
        .merge(web::routes(dev_app));
    if with_metrics {
        router = router.merge(metrics::routes(ctx.metrics.clone()));
    }
    let router = router.layer(axum::middleware::from_fn_with_state(ctx, api::handle_get));
    if dev {
        web::loopback_hosts_only(router)
    } else {
        router
    }
}

async fn healthz(State(ctx): State<Arc<Ctx>>) -> (StatusCode, &'static str) {
    if ctx.is_draining() {
        (StatusCode::SERVICE_UNAVAILABLE, "draining\n")
    } else {
        (StatusCode::OK, "ok\n")
    }
}

impl RunningServer {
    /// The bound media (UDP) address.
    pub fn rtc_addr(&self) -> SocketAddr {
        self.ctx.sfu.local_addr()
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bound address of the separate `/metrics` listener, with `metrics_listen`.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(addr, _)| *addr)
    }

    /// `http://ADDR`, or `https://ADDR` with TLS: the base URL for SDKs and the OpenAPI.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The listener's certificate, when it serves TLS: [`ServerTls::reload`] reads its
    /// files again, for connections opened from then on (open ones keep theirs).
    pub fn tls(&self) -> Option<&ServerTls> {
        self.tls.as_ref()
    }

    /// This node's name, in cluster mode.
    pub fn node_id(&self) -> Option<&str> {
        self.ctx.cluster.as_ref().map(|c| c.node_id())
    }

    /// The dev credentials, in dev mode.
    pub fn dev_credentials(&self) -> Option<&DevCredentials> {
        self.dev.as_ref()
    }

    /// Stops accepting joins (they fail with JOIN_ROOM_FAILED; in a cluster, joins for new
    /// rooms are placed on other nodes, and the clients here are moved to them: see
    /// `cluster::drain`) and waits up to `timeout` for every room to empty and, with webhooks, for their callbacks to be delivered. Returns
    /// whether all that happened in time.
    pub async fn drain(&self, timeout: Duration) -> bool {
        self.ctx.lifecycle.start_draining();
        // In a cluster the clients move to other nodes rather than wait here.
        cluster::move_clients_off(&self.ctx).await;
        let deadline = tokio::time::Instant::now() + timeout;
        let busy = || {
            self.ctx.directory.room_count() > 0
                || self
                    .ctx
                    .webhooks
                    .as_ref()
                    .is_some_and(|w| w.outstanding() > 0)
        };
        while busy() {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        true
    }

    /// Stops serving.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.janitor.abort();
        for task in &self.cluster_tasks {
            task.abort();
        }
        if let Some(cluster) = &self.ctx.cluster {
            cluster.deregister().await;
        }
        if let Some((_, task)) = &self.metrics {
            task.abort();
        }
        if let Some(webhooks) = &self.ctx.webhooks {
            webhooks.stop();
        }
        self.ctx.public_streams.stop_all();
        if let Some((stop, task)) = self.workers_listener.take() {
            let _ = stop.send(());
            task.abort();
        }
        self.serve.abort();
        let _ = (&mut self.serve).await;
    }
}
