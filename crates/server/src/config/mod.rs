//! The server's one configuration tree, read from flags and TOML and validated once at
//! start-up. Each part gets only its own small piece.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use chorus_tls::{CertSource, ClientTls, TlsError};
use serde::Deserialize;

use crate::turn::TurnServers;

mod check;

pub use check::ConfigError;

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
    /// Cluster mode: the Redis (`redis://host:port[/db]`, or `rediss://` over TLS) the nodes
    /// share. None: this node stands alone with in-memory state.
    pub redis: Option<String>,
    /// A PEM file of the CA certificates a `rediss://` Redis's certificate is checked against
    /// instead of the system's roots (a private CA).
    pub redis_ca_file: Option<PathBuf>,
    /// This node's name in the cluster [default: made up at start-up].
    pub node_id: Option<String>,
    /// The base URL other nodes reach this one at (`http://10.0.0.2:8080`) [default: the
    /// listen address, which must then not be unspecified].
    pub advertise_url: Option<String>,
    /// Rooms that span nodes: once the node running a room (its home) serves this many users,
    /// a client reaching another node for the room is served there, by a shard of the room
    /// linked to the home (`span-max-users-per-node`). None: every room lives on one node.
    pub span_max_users_per_node: Option<u64>,
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
            redis_ca_file: None,
            node_id: None,
            advertise_url: None,
            span_max_users_per_node: None,
            record_dir: None,
            record_s3: None,
        }
    }
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
mod tests;
