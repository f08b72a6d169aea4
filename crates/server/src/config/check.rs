//! Checking the configuration tree once, at start-up: every refusal is a [`ConfigError`]
//! that names the key and says what to do.

use std::collections::HashMap;
use std::net::SocketAddr;

use super::Config;

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
    /// The Redis URL is not a `redis://` or `rediss://` URL.
    #[error("redis {0:?} must be a redis:// URL, or rediss:// for TLS")]
    BadRedisUrl(String),
    /// A CA file for Redis was given for a Redis reached without TLS.
    #[error("redis-ca-file is for a rediss:// (TLS) Redis; {0:?} is reached without TLS")]
    RedisCaWithoutTls(String),
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
