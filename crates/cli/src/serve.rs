//! `chorus serve`: flags and an optional TOML file make one [`Config`]; flags win. Apps and
//! key pairs add up from every source (TOML, flags, files, environment); the same app twice is
//! refused when the config is validated.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use chorus_server::{ApiCredentials, AppCredentials, Config};
use clap::Args;
use sha2::Digest as _;

use crate::secret;

#[derive(Args)]
pub(crate) struct ServeArgs {
    /// TOML config file (keys as the long flags, e.g. listen, rtc-port, [[apps]] id/key).
    #[arg(long)]
    config: Option<String>,
    /// HTTP address for signalling, the OpenAPI, /healthz and /metrics [default: 127.0.0.1:8080].
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Serve /metrics on this address only, instead of on --listen.
    #[arg(long, value_name = "ADDR")]
    metrics_listen: Option<SocketAddr>,
    /// Media port (UDP and TCP) [default: 7881; 0 picks one].
    #[arg(long)]
    rtc_port: Option<u16>,
    /// The IP to advertise in media candidates instead of the listen IP (1:1 NAT).
    #[arg(long)]
    public_ip: Option<std::net::IpAddr>,
    /// An app as ID:KEY (repeatable); also read from $CHORUS_APPS (ID:KEY entries separated
    /// by commas or spaces). No app anywhere: a dev app is made up, loopback only.
    #[arg(long = "app", value_name = "ID:KEY")]
    apps: Vec<String>,
    /// Read apps from this file, one ID:KEY a line, `#` comments (repeatable). Keys in a file
    /// or the environment stay out of `ps`.
    #[arg(long = "app-file", value_name = "PATH")]
    app_files: Vec<PathBuf>,
    /// An OpenAPI key pair as AK:SK (repeatable); also read from $CHORUS_OPENAPI_KEYS (AK:SK
    /// entries separated by commas or spaces).
    #[arg(long = "openapi-key", value_name = "AK:SK")]
    openapi_keys: Vec<String>,
    /// Read OpenAPI key pairs from this file, one AK:SK a line, `#` comments (repeatable).
    #[arg(long = "openapi-key-file", value_name = "PATH")]
    openapi_key_files: Vec<PathBuf>,
    /// Most TCP connections held at once; more are refused with HTTP 503 [default: 10000].
    #[arg(long)]
    max_connections: Option<usize>,
    /// Most TCP connections from one IP address (loopback too) [default: 256].
    #[arg(long)]
    max_connections_per_ip: Option<usize>,
    /// Most users in one room.
    #[arg(long)]
    max_room_users: Option<usize>,
    /// Most sessions with media on this server; joins beyond it fail with ICE_SERVER_WRONG.
    #[arg(long)]
    max_media_sessions: Option<usize>,
    /// SFU worker threads forwarding media, all on the one RTC port, at most 64 [default: one
    /// per core].
    #[arg(long, value_name = "N")]
    sfu_workers: Option<usize>,
    /// How long a dropped user keeps their place, in milliseconds.
    #[arg(long)]
    reconnect_grace_ms: Option<u64>,
    /// POST room and user events (webhook callbacks) to this http(s) URL.
    #[arg(long = "webhook", value_name = "URL")]
    webhook_url: Option<String>,
    /// Sign webhook callbacks with this secret [default: each app's own key] [env:
    /// CHORUS_WEBHOOK_SECRET].
    #[arg(long, value_name = "SECRET")]
    webhook_secret: Option<String>,
    /// Let APP_ID's users send server messages to HOST (a host, or host:port for that port
    /// only); repeatable. Adds to the app's TOML business-hosts.
    #[arg(long = "business-host", value_name = "APP_ID=HOST")]
    business_hosts: Vec<String>,
    /// Let business servers be at loopback, private, link-local, unspecified, multicast and
    /// broadcast addresses (refused by default, but loopback in dev mode).
    #[arg(long)]
    allow_private_targets: bool,
    /// Serve HTTPS and WSS with this certificate chain (PEM, leaf first); with --tls-key.
    /// Read again on SIGHUP, without dropping open connections.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS and WSS with a certificate made up now, for localhost and the listen and
    /// public IPs: a quick start on a LAN (browsers must be told to accept it).
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
    tls_self_signed: bool,
    /// Trust the CA certificates in this PEM file, besides the system's, for https://
    /// webhook receivers and business servers.
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// Read the webhook secret from this file (its one line).
    #[arg(long, value_name = "PATH", conflicts_with = "webhook_secret")]
    webhook_secret_file: Option<PathBuf>,
    /// Hand joining clients this TURN server (turn:HOST:PORT?transport=udp|tcp,
    /// turns:HOST:PORT?transport=tcp, stun:HOST:PORT); repeatable, all sharing --turn-secret.
    #[arg(long = "turn", value_name = "URL")]
    turn: Vec<String>,
    /// The secret shared with the TURN servers (coturn's static-auth-secret), which signs
    /// their time-limited credentials [env: CHORUS_TURN_SECRET].
    #[arg(long, value_name = "SECRET")]
    turn_secret: Option<String>,
    /// Read the TURN secret from this file (its one line).
    #[arg(long, value_name = "PATH", conflicts_with = "turn_secret")]
    turn_secret_file: Option<PathBuf>,
    /// The longest a TURN credential lives, in seconds (it ends with the token when that
    /// comes first) [default: 86400].
    #[arg(long)]
    turn_ttl_secs: Option<u64>,
    /// Join a cluster through this Redis (redis://host:port[/db], or rediss:// over TLS);
    /// every node needs the same apps and OpenAPI keys.
    #[arg(long, value_name = "URL")]
    redis: Option<String>,
    /// Check a rediss:// Redis's certificate against the CA certificates in this PEM file
    /// instead of the system's roots (a private CA).
    #[arg(long, value_name = "FILE", requires = "redis")]
    redis_ca: Option<PathBuf>,
    /// This node's name in the cluster [default: made up at start].
    #[arg(long, value_name = "ID", requires = "redis")]
    node_id: Option<String>,
    /// The base URL other nodes reach this one at [default: http(s)://LISTEN].
    #[arg(long, value_name = "URL", requires = "redis")]
    advertise_url: Option<String>,
    /// Let rooms span nodes: once a room's node serves this many users, a client reaching
    /// another node for the room is served there by a shard of it [default: off].
    #[arg(long, value_name = "USERS", requires = "redis")]
    span_max_users_per_node: Option<u64>,
    /// Write public-stream recordings (the OpenAPI's StartRecord) as MP4 files here.
    #[arg(long, value_name = "DIR")]
    record_dir: Option<PathBuf>,
    /// Upload each finished recording to this S3-compatible bucket, path style
    /// (http://HOST:PORT/BUCKET), and remove the local file.
    #[arg(long, value_name = "URL", requires = "record_s3_key")]
    record_s3: Option<String>,
    /// The bucket's key pair, ACCESS_KEY:SECRET_KEY.
    #[arg(long, value_name = "AK:SK", requires = "record_s3")]
    record_s3_key: Option<String>,
    /// The region the bucket's requests are signed for [default: us-east-1].
    #[arg(long, value_name = "REGION", requires = "record_s3")]
    record_s3_region: Option<String>,
}

/// Where apps come from besides --app and the config file.
const APPS_ENV: &str = "CHORUS_APPS";
/// Where OpenAPI key pairs come from besides --openapi-key and the config file.
const OPENAPI_KEYS_ENV: &str = "CHORUS_OPENAPI_KEYS";

fn pair(spec: &str, what: &str) -> anyhow::Result<(String, String)> {
    let (a, b) = spec
        .split_once(':')
        .with_context(|| format!("{what} must be given as A:B, got {spec:?}"))?;
    Ok((a.to_owned(), b.to_owned()))
}

fn config(args: ServeArgs) -> anyhow::Result<Config> {
    let mut config = match &args.config {
        Some(path) => Config::from_toml_file(path)?,
        None => Config::default(),
    };
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if args.metrics_listen.is_some() {
        config.metrics_listen = args.metrics_listen;
    }
    if let Some(port) = args.rtc_port {
        config.rtc_port = port;
    }
    if args.public_ip.is_some() {
        config.public_ip = args.public_ip;
    }
    let mut apps = Vec::new();
    for spec in &args.apps {
        apps.push(pair(spec, "--app")?);
    }
    for path in &args.app_files {
        apps.extend(secret::pairs_from_file(path, "ID:KEY").context("--app-file")?);
    }
    apps.extend(secret::pairs_from_env(APPS_ENV, "ID:KEY")?);
    config
        .apps
        .extend(apps.into_iter().map(|(id, key)| AppCredentials {
            id,
            key,
            ..AppCredentials::default()
        }));
    for spec in &args.business_hosts {
        let (app_id, host) = spec.split_once('=').with_context(|| {
            format!("--business-host must be given as APP_ID=HOST, got {spec:?}")
        })?;
        let app = config
            .apps
            .iter_mut()
            .find(|a| a.id == app_id)
            .with_context(|| {
                format!("--business-host names app {app_id:?}, which is not configured")
            })?;
        app.business_hosts.push(host.to_owned());
    }
    if args.allow_private_targets {
        config.allow_private_targets = true;
    }
    let mut api_keys = Vec::new();
    for spec in &args.openapi_keys {
        api_keys.push(pair(spec, "--openapi-key")?);
    }
    for path in &args.openapi_key_files {
        api_keys.extend(secret::pairs_from_file(path, "AK:SK").context("--openapi-key-file")?);
    }
    api_keys.extend(secret::pairs_from_env(OPENAPI_KEYS_ENV, "AK:SK")?);
    config
        .openapi_keys
        .extend(
            api_keys
                .into_iter()
                .map(|(access_key, secret_key)| ApiCredentials {
                    access_key,
                    secret_key,
                    ..ApiCredentials::default()
                }),
        );
    if let Some(n) = args.max_connections {
        config.max_connections = n;
    }
    if let Some(n) = args.max_connections_per_ip {
        config.max_connections_per_ip = n;
    }
    if let Some(n) = args.max_room_users {
        config.max_room_users = n;
    }
    if let Some(n) = args.max_media_sessions {
        config.max_media_sessions = n;
    }
    if let Some(n) = args.sfu_workers {
        config.sfu_workers = n;
    }
    if let Some(ms) = args.reconnect_grace_ms {
        config.reconnect_grace_ms = ms;
    }
    if args.tls_cert.is_some() {
        config.tls_cert = args.tls_cert;
        config.tls_key = args.tls_key;
    }
    if args.tls_self_signed {
        config.tls_self_signed = true;
    }
    if args.ca.is_some() {
        config.ca_file = args.ca;
    }
    if let Some(url) = args.webhook_url {
        config.webhook_url = Some(url);
    }
    if args.redis.is_some() {
        config.redis = args.redis;
    }
    if args.redis_ca.is_some() {
        config.redis_ca_file = args.redis_ca;
    }
    if args.node_id.is_some() {
        config.node_id = args.node_id;
    }
    if args.advertise_url.is_some() {
        config.advertise_url = args.advertise_url;
    }
    if args.span_max_users_per_node.is_some() {
        config.span_max_users_per_node = args.span_max_users_per_node;
    }
    let webhook_secret = secret::one(
        args.webhook_secret_file.as_deref(),
        args.webhook_secret,
        "CHORUS_WEBHOOK_SECRET",
    )
    .context("--webhook-secret-file")?;
    if let Some(secret) = webhook_secret {
        config.webhook_secret = Some(secret);
    }
    config.turn.extend(args.turn);
    let turn_secret = secret::one(
        args.turn_secret_file.as_deref(),
        args.turn_secret,
        "CHORUS_TURN_SECRET",
    )
    .context("--turn-secret-file")?;
    if let Some(secret) = turn_secret {
        config.turn_secret = Some(secret);
    }
    if let Some(secs) = args.turn_ttl_secs {
        config.turn_ttl_secs = secs;
    }
    if let Some(dir) = args.record_dir {
        config.record_dir = Some(dir);
    }
    if let (Some(url), Some(key)) = (args.record_s3, args.record_s3_key) {
        let (access_key, secret_key) = key
            .split_once(':')
            .context("--record-s3-key takes ACCESS_KEY:SECRET_KEY")?;
        config.record_s3 = Some(chorus_server::RecordS3 {
            url,
            access_key: access_key.to_owned(),
            secret_key: secret_key.to_owned(),
            region: args.record_s3_region.unwrap_or_else(|| "us-east-1".into()),
        });
    }
    Ok(config)
}

pub(crate) async fn run(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = config(args)?;
    let self_signed = config.tls_self_signed;
    raise_nofile(config.max_connections);
    let drain_timeout = Duration::from_secs(config.drain_timeout_secs);
    let server = chorus_server::start(config).await?;
    // Before saying where it listens: whoever reads that may send SIGHUP at once.
    let reload = reload_on_sighup(&server);
    println!("chorus is listening on {}", server.url());
    if self_signed && let Some(tls) = server.tls() {
        // What a browser's certificate warning shows, to check before accepting it.
        let digest = sha2::Sha256::digest(tls.leaf_der());
        let hex: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
        println!(
            "self-signed TLS certificate, SHA-256 fingerprint {}",
            hex.join(":")
        );
    }
    if let Some(dev) = server.dev_credentials() {
        println!(
            "dev mode (loopback only). app id: {}  app key: {}",
            dev.app.id, dev.app.key
        );
        if let Some(api) = &dev.openapi {
            println!("dev OpenAPI key: {}:{}", api.access_key, api.secret_key);
        }
        println!(
            "make a token: chorus token create --app-id {} --app-key {} --room ROOM --user USER",
            dev.app.id, dev.app.key
        );
    }
    shutdown_signal().await;
    if let Some(reload) = reload {
        reload.abort();
    }
    eprintln!(
        "draining: new joins are refused; waiting up to {}s for rooms to empty",
        drain_timeout.as_secs()
    );
    server.drain(drain_timeout).await;
    server.shutdown().await;
    Ok(())
}

/// Raises the open-files limit to the hard limit: each connection is a file descriptor, and
/// the usual soft limit (1024) would refuse connections long before the caps do.
fn raise_nofile(max_connections: usize) {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => {
            tracing::info!(limit, "open files limit");
            if limit < max_connections as u64 {
                tracing::warn!(
                    limit,
                    max_connections,
                    "the open files limit is below max-connections; raise the hard limit (ulimit -Hn)"
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "open files limit not raised"),
    }
}

/// Reads the TLS certificate again on each SIGHUP until the returned task is aborted.
/// Without TLS a SIGHUP is noted and ignored (its default action would end the server).
#[cfg(unix)]
fn reload_on_sighup(server: &chorus_server::RunningServer) -> Option<tokio::task::JoinHandle<()>> {
    let tls = server.tls().cloned();
    let mut hangups = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(signal) => signal,
        Err(e) => {
            tracing::warn!(error = %e, "SIGHUP not handled: the certificate cannot be reloaded");
            return None;
        }
    };
    Some(tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            match tls.as_ref().map(chorus_server::ServerTls::reload) {
                Some(Ok(())) => eprintln!("TLS certificate reloaded"),
                Some(Err(e)) => eprintln!("TLS certificate not reloaded, the old one stays: {e}"),
                None => eprintln!("SIGHUP: no TLS certificate to reload"),
            }
        }
    }))
}

#[cfg(not(unix))]
fn reload_on_sighup(_: &chorus_server::RunningServer) -> Option<tokio::task::JoinHandle<()>> {
    None
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn config_of(args: &[&str]) -> anyhow::Result<Config> {
        let cli = Cli::try_parse_from(std::iter::once("serve").chain(args.iter().copied()))?;
        config(cli.serve)
    }

    const APP: &str = "flagsapp0000000000000001";

    #[test]
    fn business_hosts_and_private_targets_come_from_flags() {
        let app = format!("{APP}:key");
        let host = format!("{APP}=api.example.com:8080");
        let config = config_of(&[
            "--app",
            &app,
            "--business-host",
            &host,
            "--allow-private-targets",
        ])
        .expect("the flags make a config");
        assert_eq!(config.apps[0].business_hosts, ["api.example.com:8080"]);
        assert!(config.allow_private_targets);
        assert!(!config_of(&["--app", &app]).unwrap().allow_private_targets);
    }

    #[test]
    fn a_business_host_names_a_configured_app() {
        let app = format!("{APP}:key");
        let e = config_of(&["--app", &app, "--business-host", "otherapp=h"]).unwrap_err();
        assert!(e.to_string().contains("not configured"), "{e}");
        let e = config_of(&["--app", &app, "--business-host", "h"]).unwrap_err();
        assert!(e.to_string().contains("APP_ID=HOST"), "{e}");
    }

    #[test]
    fn turn_servers_and_their_secret_come_from_flags() {
        let app = format!("{APP}:key");
        let config = config_of(&[
            "--app",
            &app,
            "--turn",
            "turn:10.0.0.3:3478?transport=udp",
            "--turn",
            "turn:10.0.0.3:443?transport=tcp",
            "--turn-secret",
            "shared",
            "--turn-ttl-secs",
            "600",
        ])
        .expect("the flags make a config");
        assert_eq!(
            config.turn,
            [
                "turn:10.0.0.3:3478?transport=udp",
                "turn:10.0.0.3:443?transport=tcp"
            ]
        );
        assert_eq!(config.turn_secret.as_deref(), Some("shared"));
        assert_eq!(config.turn_ttl_secs, 600);
        config.validate().expect("URLs and a secret");
    }

    #[test]
    fn tls_flags_come_in_a_pair_or_as_self_signed() {
        let app = format!("{APP}:key");
        let config = config_of(&["--app", &app, "--tls-cert", "c.pem", "--tls-key", "k.pem"])
            .expect("a cert and its key");
        assert_eq!(
            config.tls_cert.as_deref(),
            Some(std::path::Path::new("c.pem"))
        );
        assert_eq!(
            config.tls_key.as_deref(),
            Some(std::path::Path::new("k.pem"))
        );
        assert!(config_of(&["--tls-cert", "c.pem"]).is_err(), "no key");
        assert!(
            config_of(&["--tls-self-signed", "--tls-cert", "c", "--tls-key", "k"]).is_err(),
            "both"
        );
        assert!(config_of(&["--tls-self-signed"]).unwrap().tls_self_signed);
    }

    #[test]
    fn record_dir_turns_recording_on() {
        assert_eq!(config_of(&[]).expect("defaults").record_dir, None);
        let config = config_of(&["--record-dir", "/srv/rec"]).expect("a directory");
        assert_eq!(
            config.record_dir.as_deref(),
            Some(std::path::Path::new("/srv/rec"))
        );
        let config = config_of(&["--record-s3", "http://h:9000/rec", "--record-s3-key", "a:s"])
            .expect("a bucket");
        let s3 = config.record_s3.expect("set");
        assert_eq!(
            (s3.url.as_str(), s3.access_key.as_str()),
            ("http://h:9000/rec", "a")
        );
        assert_eq!(
            (s3.secret_key.as_str(), s3.region.as_str()),
            ("s", "us-east-1")
        );
        assert!(
            config_of(&["--record-s3", "http://h/rec"]).is_err(),
            "no key"
        );
        assert!(config_of(&["--record-s3", "http://h/rec", "--record-s3-key", "nocolon"]).is_err());
    }
}
