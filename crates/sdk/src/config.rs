//! Engine configuration: where the server is and how long to wait for it, and the signalling
//! URL derived from that. Pure data and string work; depends on nothing but std and the
//! protocol's path constant, so it can be checked without a network.

use std::time::Duration;

use chorus_tls::ClientTls;

/// How an engine reaches its server. Build it with [`EngineConfig::new`] and adjust the
/// public fields as needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// The server's base URL: `http://host:port` or `ws://host:port` (`https://` and `wss://`
    /// for TLS). `http` becomes `ws` and `https` becomes `wss`; a URL without a scheme is taken
    /// as `ws://`. A path prefix (a server behind a reverse proxy) is kept.
    pub server_url: String,
    /// How long a request may go unanswered before it fails with `TIME_OUT` (default 60 s).
    pub request_timeout: Duration,
    /// How long a message send (user, room, outside-room or server message) may go
    /// unanswered before it fails with `USER_MESSAGE_TIMEOUT` (default 10 s). A server
    /// message waits on the app's business server, so this should exceed the server's own
    /// limit for that call (5 s by default).
    pub message_timeout: Duration,
    /// How long the engine keeps trying to get back into its room (and its login) after the
    /// connection drops, before it reports `RECONNECT_FAILED` (default 30 s).
    pub reconnect_timeout: Duration,
    /// What a `wss://` server's certificate (and a `turns:` relay's) is checked against.
    /// None (the default): the system's roots. For a private CA, [`ClientTls::with_ca_file`] (the system's roots
    /// and the CA's).
    pub tls: Option<ClientTls>,
    /// Media only through a TURN relay the server names in its join answer (its
    /// `--turn` servers), never directly to the media port: for networks that block the
    /// media port, or to keep the client's address from the server. With no relay to be had,
    /// publishing fails with `ICE_SERVER_WRONG`. Default false: direct, with the relay as
    /// another candidate when the server names one.
    pub relay_only: bool,
}

impl EngineConfig {
    /// The default configuration for the server at `server_url`.
    pub fn new(server_url: impl Into<String>) -> Self {
        EngineConfig {
            server_url: server_url.into(),
            request_timeout: Duration::from_secs(60),
            message_timeout: Duration::from_secs(10),
            reconnect_timeout: Duration::from_secs(30),
            tls: None,
            relay_only: false,
        }
    }
}

/// The signalling WebSocket URL for `server_url` and `app_id`:
/// `ws(s)://host:port[/prefix]/signal/v1?appId=...`. Errors say what is wrong with the URL.
pub(crate) fn signal_url(server_url: &str, app_id: &str) -> Result<String, String> {
    let url = server_url.trim();
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("ws".to_owned(), url),
    };
    let scheme = match scheme.as_str() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        other => {
            return Err(format!(
                "unsupported scheme {other:?}; use http://, https://, ws:// or wss://"
            ));
        }
    };
    if rest.contains(['?', '#']) {
        return Err("the server URL must not carry a query or fragment".into());
    }
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() || rest.starts_with('/') {
        return Err("the server URL has no host".into());
    }
    let mut out = format!("{scheme}://{rest}{}", chorus_proto::SIGNAL_PATH);
    if !app_id.is_empty() {
        out.push_str("?appId=");
        percent_encode_into(app_id, &mut out);
    }
    Ok(out)
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode_into(value: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_contract() {
        let config = EngineConfig::new("http://127.0.0.1:8080");
        assert_eq!(config.request_timeout, Duration::from_secs(60));
        assert_eq!(config.message_timeout, Duration::from_secs(10));
        assert_eq!(config.reconnect_timeout, Duration::from_secs(30));
    }

    #[test]
    fn http_maps_to_ws_and_https_to_wss() {
        let app = "abcdefghijklmnopqrstuvwx";
        assert_eq!(
            signal_url("http://127.0.0.1:8080", app).as_deref(),
            Ok("ws://127.0.0.1:8080/signal/v1?appId=abcdefghijklmnopqrstuvwx")
        );
        assert_eq!(
            signal_url("https://rtc.example.com/", app).as_deref(),
            Ok("wss://rtc.example.com/signal/v1?appId=abcdefghijklmnopqrstuvwx")
        );
        assert_eq!(
            signal_url("WS://h:1/chorus", app).as_deref(),
            Ok("ws://h:1/chorus/signal/v1?appId=abcdefghijklmnopqrstuvwx")
        );
        assert_eq!(
            signal_url("wss://h", "").as_deref(),
            Ok("wss://h/signal/v1")
        );
        assert_eq!(
            signal_url("h:9", "a b&c").as_deref(),
            Ok("ws://h:9/signal/v1?appId=a%20b%26c")
        );
    }

    #[test]
    fn bad_urls_say_why() {
        assert!(
            signal_url("ftp://h", "a")
                .unwrap_err()
                .contains("unsupported scheme")
        );
        assert!(signal_url("http://", "a").unwrap_err().contains("no host"));
        assert!(
            signal_url("http://h/?x=1", "a")
                .unwrap_err()
                .contains("query")
        );
    }
}
