//! The server's one configuration tree, read from flags and TOML and validated once at
//! start-up. Each part gets only its own small piece.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use chorus_tls::{CertSource, ClientTls, TlsError};
use serde::Deserialize;

use crate::turn::TurnServers;

/// Everything `chorus serve` can be told. Field names are the TOML keys (kebab-case).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// HTTP address: signalling, OpenAPI, health, and metrics unless `metrics_listen` is set.
    pub listen: SocketAddr,
    /// A separate HTTP address that serves only `/metrics`; when set, `listen` no longer
    /// serves it, so metrics can stay on an internal interface.
    pub metrics_listen: Option<SocketAddr>,
    /// UDP port for media, on the listen address's IP; ICE-TCP listens on the same number.
    /// 0 picks a free port.
    pub rtc_port: u16,
    /// The IP put in media candidates instead of the listen IP: the public address of a 1:1
    /// NAT, or whatever forwards to this host.
    pub public_ip: Option<IpAddr>,
    /// The apps served. None: a dev app is made up and the server stays on loopback.
    pub apps: Vec<AppCredentials>,
    /// Key pairs that may call the OpenAPI.
    pub openapi_keys: Vec<ApiCredentials>,
    /// Most TCP connections the HTTP listener holds at once; more are refused with 503.
    pub max_connections: usize,
    /// Most TCP connections from one IPv4 address or IPv6 /64 at once; more are refused with
    /// 503 (one IPv6 host usually holds a whole /64). Loopback
    /// counts too: behind a reverse proxy on the same host, raise it to `max-connections`.
    pub max_connections_per_ip: usize,
    /// How long an HTTP client has to send a request's headers (the first, or the next on a
    /// kept-alive connection), in milliseconds.
    pub header_read_timeout_ms: u64,
    /// How long sent data may stay unacknowledged before the kernel drops the connection
    /// (TCP_USER_TIMEOUT, Linux), in milliseconds.
    pub tcp_user_timeout_ms: u64,
    /// Most users in one room.
    pub max_room_users: usize,
    /// Most sessions with media transports on this server at once; a join beyond it fails
    /// with ICE_SERVER_WRONG, so a full server says so at once instead of degrading everyone.
    pub max_media_sessions: usize,
    /// How long a client's media transport has to finish ICE and DTLS before it is taken as
    /// failed, in milliseconds.
    pub media_connect_timeout_ms: u64,
    /// SFU workers: threads forwarding media, each owning its share of the clients, all on
    /// the one RTC port. 0 (the default) means one per core; at most 64.
    pub sfu_workers: usize,
    /// How long a user whose connection dropped keeps their place, in milliseconds.
    pub reconnect_grace_ms: u64,
    /// How often the server pings each client, in milliseconds.
    pub ping_interval_ms: u64,
    /// A client silent this long (no frame, not even a pong) is taken as gone, in
    /// milliseconds; its user then stays for the reconnect grace period.
    pub idle_timeout_ms: u64,
    /// A client whose writes make no progress this long (it stopped reading) is dropped, in
    /// milliseconds; its user then stays for the reconnect grace period.
    pub write_timeout_ms: u64,
    /// How long a new signalling connection has to send a joinRoom or login with a valid
    /// token before it is closed, in milliseconds.
    pub join_timeout_ms: u64,
    /// How long before token expiry `onTokenWillExpire` is sent, in seconds.
    pub token_warn_secs: u64,
    /// How long a draining server waits for rooms to empty, in seconds.
    pub drain_timeout_secs: u64,
    /// How far an OpenAPI request's X-Date may be from the server's clock, in seconds.
    pub api_max_skew_secs: u64,
    /// How long a business server has to answer a server message, in milliseconds.
    pub server_message_timeout_ms: u64,
    /// Most server messages in flight to business servers at once.
    pub server_message_concurrency: usize,
    /// Most server messages of one app in flight at once, so one app's slow business server
    /// leaves the others slots.
    pub server_message_concurrency_per_app: usize,
    /// Lets business servers be at loopback, private (RFC 1918, ULA), link-local,
    /// unspecified, multicast and broadcast addresses. Off: such addresses are refused as
    /// resolved, except loopback in dev mode.
    pub allow_private_targets: bool,
    /// Where webhook callbacks (room and user events) are POSTed. None: no callbacks.
    pub webhook_url: Option<String>,
    /// The secret that signs callbacks. None: each app's callbacks are signed with its key.
    pub webhook_secret: Option<String>,
    /// How long a webhook receiver has to answer 200 before the attempt counts as failed, in
    /// milliseconds.
    pub webhook_timeout_ms: u64,
    /// Most rooms of one app whose callbacks are being delivered at once (each room's in
    /// order); each app has its own slots.
    pub webhook_concurrency: usize,
    /// In-room messages (room or user, text or binary) one client may send a second, on
    /// average; more are refused with UNEXPECTED_ERROR.
    pub message_rate: u32,
    /// In-room messages one client may send at once, above `message-rate`.
    pub message_burst: u32,
    /// Publish, visibility, capture and subscription changes one client may make a second,
    /// on average; more are refused with UNEXPECTED_ERROR.
    pub state_change_rate: u32,
    /// Such changes one client may make at once, above `state-change-rate`.
    pub state_change_burst: u32,
    /// The certificate chain (PEM, leaf first) to serve HTTPS and WSS with on `listen`;
    /// with `tls-key`. Read again on SIGHUP.
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of `tls-cert`.
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS and WSS with a certificate made up at start-up for the listen and public
    /// IPs and `localhost`: for a LAN, where browsers are told to accept it once.
    pub tls_self_signed: bool,
    /// A PEM file of CA certificates trusted besides the system's when calling webhook
    /// receivers and business servers over https:// (a private CA).
    pub ca_file: Option<PathBuf>,
    /// TURN servers handed to each joining client (`turn:host:port?transport=udp|tcp`,
    /// `turns:host:port?transport=tcp`, `stun:host:port`), with credentials made from
    /// `turn-secret`.
    pub turn: Vec<String>,
    /// The secret shared with the TURN servers (coturn's `static-auth-secret`).
    pub turn_secret: Option<String>,
    /// The longest a TURN credential lives, in seconds; it expires with the join token when
    /// that comes first.
    pub turn_ttl_secs: u64,
    /// Real-time subtitles: the recognizer and translator (`[subtitles]`).
    pub subtitles: crate::subtitle::SubtitlesConfig,
    /// Cluster mode: the Redis (`redis://host:port[/db]`) the nodes share. None: this node
    /// stands alone with in-memory state.
    pub redis: Option<String>,
    /// This node's name in the cluster [default: made up at start-up].
    pub node_id: Option<String>,
    /// The base URL other nodes reach this one at (`http://10.0.0.2:8080`) [default: the
    /// listen address, which must then not be unspecified].
    pub advertise_url: Option<String>,
    /// Where StartRecord writes public streams' MP4 files (`record-dir`). None: recording is
    /// off and StartRecord says so.
    pub record_dir: Option<PathBuf>,
    /// An S3-compatible bucket recordings are uploaded to once finished (`[record-s3]`);
    /// the local file is removed then.
    pub record_s3: Option<RecordS3>,
}

/// An S3-compatible bucket for recordings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RecordS3 {
    /// The bucket's URL, path style: `http://host:9000/recordings`.
    pub url: String,
    /// The access key id.
    pub access_key: String,
    /// The secret access key.
    pub secret_key: String,
    /// The region signed for; most S3-compatible servers take the default, `us-east-1`.
    #[serde(default = "default_s3_region")]
    pub region: String,
}

fn default_s3_region() -> String {
    "us-east-1".into()
}

/// An app: its 24-character id, its key for signing tokens, and its own settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AppCredentials {
    /// 24 characters.
    pub id: String,
    /// The token signing key.
    pub key: String,
    /// The hosts its users may set as business server (`host` or `host:port`; a port-less
    /// entry allows any port). Empty: server messages are refused at `setServerParams`.
    #[serde(default)]
    pub business_hosts: Vec<String>,
    /// Where this app's webhook callbacks go, instead of the server-wide `webhook-url`.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Signs this app's callbacks, instead of the server-wide `webhook-secret` or the key.
    #[serde(default)]
    pub webhook_secret: Option<String>,
}

/// An OpenAPI access key, its secret, and the apps it may act on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ApiCredentials {
    /// The access key id (AK).
    pub access_key: String,
    /// The secret key (SK).
    pub secret_key: String,
    /// The app ids it may act on. None: every app.
    #[serde(default)]
    pub apps: Option<Vec<String>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_listen: None,
            rtc_port: 7881,
            public_ip: None,
            apps: Vec::new(),
            openapi_keys: Vec::new(),
            max_connections: 10_000,
            max_connections_per_ip: 256,
            header_read_timeout_ms: 10_000,
            tcp_user_timeout_ms: 30_000,
            max_room_users: 10_000,
            max_media_sessions: 10_000,
            media_connect_timeout_ms: 30_000,
            sfu_workers: 0,
            reconnect_grace_ms: 20_000,
            ping_interval_ms: 10_000,
            idle_timeout_ms: 30_000,
            write_timeout_ms: 10_000,
            join_timeout_ms: 10_000,
            token_warn_secs: 30,
            drain_timeout_secs: 30,
            api_max_skew_secs: 900,
            server_message_timeout_ms: 5_000,
            server_message_concurrency: 64,
            server_message_concurrency_per_app: 16,
            allow_private_targets: false,
            webhook_url: None,
            webhook_secret: None,
            webhook_timeout_ms: 5_000,
            webhook_concurrency: 16,
            message_rate: 100,
            message_burst: 200,
            state_change_rate: 20,
            state_change_burst: 40,
            tls_cert: None,
            tls_key: None,
            tls_self_signed: false,
            subtitles: crate::subtitle::SubtitlesConfig::default(),
            ca_file: None,
            turn: Vec::new(),
            turn_secret: None,
            turn_ttl_secs: 86_400,
            redis: None,
            node_id: None,
            advertise_url: None,
            record_dir: None,
            record_s3: None,
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// An app id is not 24 characters.
    #[error("app id {0:?} must be exactly 24 characters")]
    BadAppId(String),
    /// An app key or OpenAPI secret is empty.
    #[error("app {0:?} has an empty key")]
    EmptyKey(String),
    /// The same app id twice.
    #[error("app {0:?} is configured twice")]
    DuplicateApp(String),
    /// Two apps share a key, so a token signed for one would be signed for the other as well.
    #[error("apps {first:?} and {second:?} have the same key; give each app its own key")]
    SharedAppKey {
        /// The app configured first.
        first: String,
        /// The app configured later with the same key.
        second: String,
    },
    /// An OpenAPI key pair is incomplete.
    #[error("OpenAPI access key {0:?} needs a non-empty secret")]
    BadApiKey(String),
    /// An OpenAPI key is scoped to an app that is not configured.
    #[error("OpenAPI access key {access_key:?} names app {app:?}, which is not configured")]
    UnknownKeyApp {
        /// The key.
        access_key: String,
        /// The app it names.
        app: String,
    },
    /// Dev mode asked to listen beyond loopback.
    #[error(
        "with no --app configured Chorus runs a dev app and listens on loopback only; {0} is not loopback (configure --app ID:KEY to serve others)"
    )]
    DevModeNotLoopback(SocketAddr),
    /// A limit is zero.
    #[error("{0} must be greater than zero")]
    Zero(&'static str),
    /// A setting is above its ceiling.
    #[error("{0} must be at most {1}")]
    TooMany(&'static str, usize),
    /// A business-hosts entry is not `host` or `host:port`.
    #[error("app {app:?}: business host {entry:?} must be a host or host:port")]
    BadBusinessHost {
        /// The app.
        app: String,
        /// The entry.
        entry: String,
    },
    /// The webhook URL is not an http(s) URL.
    #[error("webhook URL {0:?} must be an http:// or https:// URL")]
    BadWebhookUrl(String),
    /// The subtitles settings do not fit together.
    #[error("[subtitles]: {0}")]
    Subtitles(String),
    /// The webhook secret is empty.
    #[error("the webhook secret is empty; give one, or none to sign with each app's key")]
    EmptyWebhookSecret,
    /// Only one of the certificate and its key was given.
    #[error("give both tls-cert and tls-key, or neither")]
    TlsHalf,
    /// Certificate files and a self-signed certificate were both asked for.
    #[error("tls-self-signed makes its own certificate; drop it or tls-cert and tls-key")]
    TlsBoth,
    /// A TURN URL is not `turn:`, `turns:` or `stun:` with a host.
    #[error("TURN server {0:?} must be a turn:, turns: or stun: URL with a host")]
    BadTurnUrl(String),
    /// TURN servers were given without the secret that makes their credentials.
    #[error(
        "turn servers need turn-secret, the secret they share with Chorus (coturn's static-auth-secret)"
    )]
    TurnWithoutSecret,
    /// The TURN secret is empty.
    #[error("the turn secret is empty")]
    EmptyTurnSecret,
    /// The Redis URL is not a `redis://` URL.
    #[error("redis {0:?} must be a redis:// URL")]
    BadRedisUrl(String),
    /// Cluster mode without apps: every node would make up its own dev app.
    #[error("cluster mode (redis) needs the same --app entries on every node")]
    ClusterWithoutApps,
    /// Cluster mode cannot tell other nodes where this one is.
    #[error(
        "cluster mode needs advertise-url when listening on {0}, an address others cannot reach"
    )]
    NoAdvertiseUrl(SocketAddr),
    /// The advertise URL is not an http(s) URL.
    #[error("advertise-url {0:?} must be an http:// or https:// URL")]
    BadAdvertiseUrl(String),
    /// The TOML file could not be read.
    #[error("config file {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What was wrong.
        reason: String,
    },
}

impl Config {
    /// Reads a TOML config file.
    pub fn from_toml_file(path: &str) -> Result<Self, ConfigError> {
        let file_error = |reason: String| ConfigError::File {
            path: path.to_owned(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
        toml::from_str(&text).map_err(|e| file_error(e.to_string()))
    }

    /// Checks the whole tree once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut seen = std::collections::HashSet::new();
        let mut keys: HashMap<&str, &str> = HashMap::new();
        for app in &self.apps {
            if app.id.chars().count() != chorus_token::APP_ID_LEN || !app.id.is_ascii() {
                return Err(ConfigError::BadAppId(app.id.clone()));
            }
            if app.key.is_empty() {
                return Err(ConfigError::EmptyKey(app.id.clone()));
            }
            if !seen.insert(&app.id) {
                return Err(ConfigError::DuplicateApp(app.id.clone()));
            }
            if let Some(entry) = app
                .business_hosts
                .iter()
                .find(|e| crate::messaging::HostRule::parse(e).is_none())
            {
                return Err(ConfigError::BadBusinessHost {
                    app: app.id.clone(),
                    entry: entry.clone(),
                });
            }
            if let Some(first) = keys.insert(&app.key, &app.id) {
                return Err(ConfigError::SharedAppKey {
                    first: first.to_owned(),
                    second: app.id.clone(),
                });
            }
        }
        for key in &self.openapi_keys {
            if key.access_key.is_empty() || key.secret_key.is_empty() {
                return Err(ConfigError::BadApiKey(key.access_key.clone()));
            }
            let unknown = key.apps.iter().flatten().find(|id| !seen.contains(id));
            if let Some(app) = unknown {
                return Err(ConfigError::UnknownKeyApp {
                    access_key: key.access_key.clone(),
                    app: app.clone(),
                });
            }
        }
        if self.apps.is_empty() {
            for addr in std::iter::once(self.listen).chain(self.metrics_listen) {
                if !addr.ip().is_loopback() {
                    return Err(ConfigError::DevModeNotLoopback(addr));
                }
            }
        }
        self.validate_cluster()?;
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err(ConfigError::TlsHalf);
        }
        if self.tls_cert.is_some() && self.tls_self_signed {
            return Err(ConfigError::TlsBoth);
        }
        if let Some(url) = self.turn.iter().find(|u| !crate::turn::is_ice_url(u)) {
            return Err(ConfigError::BadTurnUrl(url.clone()));
        }
        match self.turn_secret.as_deref() {
            Some("") => return Err(ConfigError::EmptyTurnSecret),
            None if !self.turn.is_empty() => return Err(ConfigError::TurnWithoutSecret),
            _ => {}
        }
        if self.turn_ttl_secs == 0 {
            return Err(ConfigError::Zero("turn-ttl-secs"));
        }
        if self.max_connections == 0 {
            return Err(ConfigError::Zero("max-connections"));
        }
        if self.max_connections_per_ip == 0 {
            return Err(ConfigError::Zero("max-connections-per-ip"));
        }
        if self.header_read_timeout_ms == 0 {
            return Err(ConfigError::Zero("header-read-timeout-ms"));
        }
        if self.tcp_user_timeout_ms == 0 {
            return Err(ConfigError::Zero("tcp-user-timeout-ms"));
        }
        if self.max_room_users == 0 {
            return Err(ConfigError::Zero("max-room-users"));
        }
        if self.max_media_sessions == 0 {
            return Err(ConfigError::Zero("max-media-sessions"));
        }
        if self.sfu_workers > crate::sfu::MAX_WORKERS {
            return Err(ConfigError::TooMany("sfu-workers", crate::sfu::MAX_WORKERS));
        }
        if self.media_connect_timeout_ms == 0 {
            return Err(ConfigError::Zero("media-connect-timeout-ms"));
        }
        if self.ping_interval_ms == 0 {
            return Err(ConfigError::Zero("ping-interval-ms"));
        }
        if self.write_timeout_ms == 0 {
            return Err(ConfigError::Zero("write-timeout-ms"));
        }
        if self.join_timeout_ms == 0 {
            return Err(ConfigError::Zero("join-timeout-ms"));
        }
        let app_webhooks = self
            .apps
            .iter()
            .map(|a| (&a.webhook_url, &a.webhook_secret));
        for (url, secret) in
            std::iter::once((&self.webhook_url, &self.webhook_secret)).chain(app_webhooks)
        {
            if let Some(url) = url {
                let parsed = reqwest::Url::parse(url).ok();
                if !parsed.is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host()) {
                    return Err(ConfigError::BadWebhookUrl(url.clone()));
                }
            }
            if secret.as_deref() == Some("") {
                return Err(ConfigError::EmptyWebhookSecret);
            }
        }
        if self.server_message_concurrency_per_app == 0 {
            return Err(ConfigError::Zero("server-message-concurrency-per-app"));
        }
        if self.webhook_timeout_ms == 0 {
            return Err(ConfigError::Zero("webhook-timeout-ms"));
        }
        if self.webhook_concurrency == 0 {
            return Err(ConfigError::Zero("webhook-concurrency"));
        }
        for (value, key) in [
            (self.message_rate, "message-rate"),
            (self.message_burst, "message-burst"),
            (self.state_change_rate, "state-change-rate"),
            (self.state_change_burst, "state-change-burst"),
        ] {
            if value == 0 {
                return Err(ConfigError::Zero(key));
            }
        }
        self.subtitles.validate().map_err(ConfigError::Subtitles)?;
        Ok(())
    }
}

/// A rate limit: `per_sec` on average, up to `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rate {
    pub(crate) per_sec: u32,
    pub(crate) burst: u32,
}

impl Config {
    /// Where the listener's certificate comes from, if it serves TLS. A self-signed one is
    /// made here, for `localhost`, the listen IP and the public IP.
    pub(crate) fn tls_source(&self) -> Result<Option<CertSource>, TlsError> {
        if let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) {
            return Ok(Some(CertSource::Files {
                cert: cert.clone(),
                key: key.clone(),
            }));
        }
        if !self.tls_self_signed {
            return Ok(None);
        }
        let mut names = vec!["localhost".to_owned()];
        let ips = std::iter::once(self.listen.ip()).chain(self.public_ip);
        names.extend(
            ips.filter(|ip| !ip.is_unspecified())
                .map(|ip| ip.to_string()),
        );
        Ok(Some(CertSource::SelfSigned(chorus_tls::self_signed(
            &names,
        )?)))
    }

    /// What outbound https:// calls (webhooks, server messages) trust: the system's roots,
    /// and `ca-file`'s certificates when given.
    pub(crate) fn client_tls(&self) -> Result<ClientTls, TlsError> {
        match &self.ca_file {
            Some(path) => ClientTls::with_ca_file(path),
            None => ClientTls::system(),
        }
    }

    /// The TURN servers to hand out, if any.
    pub(crate) fn turn_servers(&self) -> Option<TurnServers> {
        let secret = self.turn_secret.clone().filter(|_| !self.turn.is_empty())?;
        Some(TurnServers::new(
            self.turn.clone(),
            secret,
            self.turn_ttl_secs,
        ))
    }

    /// The per-client limit on in-room messages.
    pub(crate) fn message_limit(&self) -> Rate {
        Rate {
            per_sec: self.message_rate,
            burst: self.message_burst,
        }
    }

    /// The per-client limit on publish, visibility, capture and subscription changes.
    pub(crate) fn state_change_limit(&self) -> Rate {
        Rate {
            per_sec: self.state_change_rate,
            burst: self.state_change_burst,
        }
    }
}

/// App id -> key, for token checks.
#[derive(Debug, Clone, Default)]
pub(crate) struct Apps {
    keys: HashMap<String, String>,
}

impl Apps {
    pub(crate) fn new(apps: &[AppCredentials]) -> Self {
        Apps {
            keys: apps.iter().map(|a| (a.id.clone(), a.key.clone())).collect(),
        }
    }

    pub(crate) fn key(&self, app_id: &str) -> Option<&str> {
        self.keys.get(app_id).map(String::as_str)
    }

    pub(crate) fn contains(&self, app_id: &str) -> bool {
        self.keys.contains_key(app_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_hosts_are_read_per_app_and_checked() {
        let toml = r#"
            allow-private-targets = true
            [[apps]]
            id = "0123456789abcdef01234567"
            key = "k"
            business-hosts = ["api.example.com", "10.0.0.5:8080"]
        "#;
        let mut config: Config = toml::from_str(toml).expect("the TOML parses");
        assert!(config.allow_private_targets);
        assert_eq!(
            config.apps[0].business_hosts,
            ["api.example.com", "10.0.0.5:8080"]
        );
        config.validate().expect("the entries are hosts");
        config.apps[0].business_hosts.push("http://x/y".into());
        assert!(matches!(
            config.validate(),
            Err(ConfigError::BadBusinessHost { .. })
        ));
    }

    #[test]
    fn sfu_workers_and_the_media_connect_timeout_are_checked() {
        let toml = "sfu-workers = 4\nmedia-connect-timeout-ms = 5000\n";
        let mut config: Config = toml::from_str(toml).expect("the TOML parses");
        config.validate().expect("4 workers, 5 s");
        config.sfu_workers = 65;
        assert!(matches!(
            config.validate(),
            Err(ConfigError::TooMany("sfu-workers", 64))
        ));
        config.sfu_workers = 0;
        config.media_connect_timeout_ms = 0;
        assert!(matches!(
            config.validate(),
            Err(ConfigError::Zero("media-connect-timeout-ms"))
        ));
    }

    #[test]
    fn openapi_keys_name_configured_apps_only() {
        let toml = r#"
            [[apps]]
            id = "0123456789abcdef01234567"
            key = "k"
            [[openapi-keys]]
            access-key = "AK"
            secret-key = "SK"
            apps = ["0123456789abcdef01234567"]
        "#;
        let mut config: Config = toml::from_str(toml).expect("the TOML parses");
        config.validate().expect("the key names a configured app");
        config.openapi_keys[0].apps = Some(vec!["nosuchapp000000000000000".into()]);
        assert!(matches!(
            config.validate(),
            Err(ConfigError::UnknownKeyApp { .. })
        ));
    }

    #[test]
    fn the_record_directory_is_read_from_toml() {
        let config: Config = toml::from_str(r#"record-dir = "/srv/rec""#).expect("parses");
        assert_eq!(config.record_dir, Some(PathBuf::from("/srv/rec")));
        let toml = r#"
            [record-s3]
            url = "http://127.0.0.1:9000/rec"
            access-key = "a"
            secret-key = "s"
        "#;
        let config: Config = toml::from_str(toml).expect("parses");
        let s3 = config.record_s3.expect("a bucket");
        assert_eq!(
            (s3.url.as_str(), s3.region.as_str()),
            ("http://127.0.0.1:9000/rec", "us-east-1")
        );
    }

    #[test]
    fn rate_limits_are_read_and_must_not_be_zero() {
        let toml = r#"
            message-rate = 1000
            message-burst = 2000
            state-change-rate = 5
            state-change-burst = 10
        "#;
        let mut config: Config = toml::from_str(toml).expect("the TOML parses");
        assert_eq!(
            config.message_limit(),
            Rate {
                per_sec: 1000,
                burst: 2000
            }
        );
        assert_eq!(
            config.state_change_limit(),
            Rate {
                per_sec: 5,
                burst: 10
            }
        );
        config.validate().expect("non-zero limits");
        config.state_change_burst = 0;
        assert!(matches!(
            config.validate(),
            Err(ConfigError::Zero("state-change-burst"))
        ));
    }

    #[test]
    fn turn_servers_need_urls_and_a_secret() {
        let toml = r#"
            turn = ["turn:10.0.0.3:3478?transport=udp", "turns:turn.example.com:443?transport=tcp"]
            turn-secret = "shared"
            turn-ttl-secs = 600
        "#;
        let mut config: Config = toml::from_str(toml).expect("the TOML parses");
        config.validate().expect("TURN URLs and a secret");
        let servers = config.turn_servers().expect("TURN is configured");
        let server = servers.ice_server("alice", 0, 1_000);
        assert_eq!(server.urls, config.turn);
        assert_eq!(server.username, "1600:alice");
        config.turn.push("http://turn.example.com".into());
        assert!(matches!(config.validate(), Err(ConfigError::BadTurnUrl(_))));
        config.turn.pop();
        config.turn_secret = None;
        assert!(matches!(
            config.validate(),
            Err(ConfigError::TurnWithoutSecret)
        ));
        config.turn_secret = Some(String::new());
        assert!(matches!(
            config.validate(),
            Err(ConfigError::EmptyTurnSecret)
        ));
        assert!(Config::default().turn_servers().is_none());
    }

    #[test]
    fn an_apps_webhook_is_checked_like_the_servers() {
        let mut config = Config {
            apps: vec![AppCredentials {
                id: "0123456789abcdef01234567".into(),
                key: "k".into(),
                webhook_url: Some("ftp://x/".into()),
                ..AppCredentials::default()
            }],
            ..Config::default()
        };
        assert!(matches!(
            config.validate(),
            Err(ConfigError::BadWebhookUrl(_))
        ));
        config.apps[0].webhook_url = Some("https://hooks.example.com/".into());
        config.apps[0].webhook_secret = Some(String::new());
        assert!(matches!(
            config.validate(),
            Err(ConfigError::EmptyWebhookSecret)
        ));
    }
}
