//! The server `chorus loadtest` and `chorus soak` talk to, by its URL: `host:port`,
//! `http://` or `ws://` for plain HTTP and WebSocket, `https://` or `wss://` for TLS, checked
//! against the system's roots and `--ca` as `chorus join` checks it. The one place that turns
//! it into the signalling and metrics URLs, the address media goes to, and the TLS connector.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context as _, anyhow, bail};
use chorus_proto::SIGNAL_PATH;
use chorus_server::ClientTls;
use tokio::net::TcpStream;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::tls::client_tls;

/// A signalling connection, plain or TLS.
pub(crate) type SignalSocket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Where the server is and how to reach it.
#[derive(Clone, Debug)]
pub(crate) struct ServerUrl {
    /// `host:port` as given (the name TLS checks the certificate against).
    authority: String,
    /// The address the host resolved to: where media goes.
    addr: SocketAddr,
    /// TLS, and what it trusts; None: plain.
    tls: Option<ClientTls>,
}

impl ServerUrl {
    /// A plain server at `addr` (the child server these commands start).
    pub(crate) fn plain(addr: SocketAddr) -> Self {
        ServerUrl {
            authority: addr.to_string(),
            addr,
            tls: None,
        }
    }

    /// Parses `text` (see the module doc; a path other than `/` or the signalling path is
    /// refused) and resolves its host; `ca` is trusted besides the system's roots for TLS.
    pub(crate) async fn parse(text: &str, ca: Option<&Path>) -> anyhow::Result<Self> {
        let (tls, rest) = split_scheme(text)?;
        let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
        if !path.is_empty() && format!("/{path}") != SIGNAL_PATH {
            bail!("--server {text}: give the server's base URL, without a path");
        }
        if authority.is_empty() {
            bail!("--server {text}: no host");
        }
        let authority = if authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            authority.to_owned()
        } else {
            format!("{authority}:{}", if tls { 443 } else { 80 })
        };
        let addr = tokio::net::lookup_host(&authority)
            .await
            .with_context(|| format!("--server: cannot resolve {authority}"))?
            .next()
            .ok_or_else(|| anyhow!("--server: {authority} has no address"))?;
        if ca.is_some() && !tls {
            bail!("--ca is for an https:// or wss:// server");
        }
        let tls = if tls { Some(client_tls(ca)?) } else { None };
        Ok(ServerUrl {
            authority,
            addr,
            tls,
        })
    }

    /// The address media goes to.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The signalling WebSocket's URL.
    pub(crate) fn signal_url(&self) -> String {
        let scheme = if self.tls.is_some() { "wss" } else { "ws" };
        format!("{scheme}://{}{SIGNAL_PATH}", self.authority)
    }

    /// The Prometheus metrics' URL.
    pub(crate) fn metrics_url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}/metrics", self.authority)
    }

    /// An HTTP client that trusts what signalling trusts.
    pub(crate) fn http_client(&self) -> anyhow::Result<reqwest::Client> {
        let builder = reqwest::Client::builder();
        let builder = match &self.tls {
            Some(tls) => builder.use_preconfigured_tls((*tls.config()).clone()),
            None => builder,
        };
        builder.build().context("the HTTP client")
    }

    /// Opens the signalling WebSocket.
    pub(crate) async fn connect(&self) -> anyhow::Result<SignalSocket> {
        let connector = self.tls.as_ref().map(|tls| Connector::Rustls(tls.config()));
        let (ws, _) = tokio_tungstenite::connect_async_tls_with_config(
            self.signal_url(),
            None,
            true,
            connector,
        )
        .await
        .map_err(|e| match crate::tls::explain(&e) {
            Some(why) => anyhow!("{why}"),
            None => anyhow!(e),
        })?;
        Ok(ws)
    }
}

/// Whether `text` names a TLS server, and the rest after its scheme.
fn split_scheme(text: &str) -> anyhow::Result<(bool, &str)> {
    for (scheme, tls) in [
        ("https://", true),
        ("wss://", true),
        ("http://", false),
        ("ws://", false),
    ] {
        if let Some(rest) = text.strip_prefix(scheme) {
            return Ok((tls, rest));
        }
    }
    if text.contains("://") {
        bail!("--server {text}: use http://, https://, ws:// or wss://");
    }
    Ok((false, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn schemes_ports_and_paths() {
        let plain = ServerUrl::parse("127.0.0.1:8080", None).await.unwrap();
        assert_eq!(
            plain.signal_url(),
            format!("ws://127.0.0.1:8080{SIGNAL_PATH}")
        );
        assert_eq!(plain.metrics_url(), "http://127.0.0.1:8080/metrics");
        let http = ServerUrl::parse("http://127.0.0.1:8080/", None)
            .await
            .unwrap();
        assert_eq!(http.addr(), "127.0.0.1:8080".parse().unwrap());
        let wss = ServerUrl::parse(&format!("wss://127.0.0.1{SIGNAL_PATH}"), None)
            .await
            .unwrap();
        assert_eq!(
            wss.signal_url(),
            format!("wss://127.0.0.1:443{SIGNAL_PATH}")
        );
        assert_eq!(wss.metrics_url(), "https://127.0.0.1:443/metrics");
        for bad in ["ftp://127.0.0.1:1", "http://127.0.0.1:1/other", "https://"] {
            assert!(ServerUrl::parse(bad, None).await.is_err(), "{bad}");
        }
        let ca_without_tls = ServerUrl::parse("127.0.0.1:1", Some(Path::new("/nonexistent"))).await;
        assert!(ca_without_tls.is_err());
    }
}
