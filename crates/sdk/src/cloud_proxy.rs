//! The cloud proxy (`start_cloud_proxy` / `stop_cloud_proxy`): where signalling and media go
//! when the app asks for the proxy, for networks that let nothing but TCP (or TLS) 443 out.
//! On, the signalling WebSocket opens to the proxy's `wss://` address instead of the
//! configured server, and media goes only through a TURN relay reached over TCP or TLS; off, neither
//! changes. This module reads the addresses and keeps the setting; the connection's shell and
//! the media conductor ask it which way to go. Must not depend on the machine or on media.
//!
//! How a [`CloudProxyInfo`] maps onto Chorus (docs/deploy.md says the same for operators),
//! as the Web SDK reads it:
//! - `access_proxy`: a `host[:port]` (443 when none), `wss://` or `https://` entry is where
//!   signalling goes, over WSS (the first such entry); `turn:` entries name relays, reached
//!   with the credentials of the join answer. With no relay entry, the join answer's TURN
//!   URLs that run over TCP (`?transport=tcp`) or TLS (`turns:`) are used.
//! - `config_proxy`, `log_proxy`: accepted and unused (a Chorus client fetches no
//!   configuration and uploads no logs).

use std::sync::{Arc, Mutex, PoisonError};

use chorus_proto::{ErrorCode, IceServer, RtcError};

use crate::config::signal_url;

/// The cloud proxy's addresses (the vendor's `CloudProxyInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CloudProxyInfo {
    /// The proxy addresses: signalling (`host[:port]`, `wss://`, `https://`) and relays
    /// (`turn:host:port?transport=tcp`, `turns:host:port`).
    pub access_proxy: Vec<String>,
    /// The vendor's configuration proxy. Chorus's configuration comes with the join answer:
    /// accepted, unused.
    pub config_proxy: String,
    /// The vendor's log upload proxy. Chorus uploads no logs: accepted, unused.
    pub log_proxy: String,
}

/// A proxy's addresses, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProxyRoute {
    /// The signalling WebSocket URL through the proxy.
    pub(crate) signal_url: String,
    /// Relay URLs the proxy names; empty: the join answer's TCP and TLS ones.
    pub(crate) relays: Vec<String>,
}

fn invalid(why: &str) -> RtcError {
    RtcError::new(
        ErrorCode::InvalidParams,
        format!("start_cloud_proxy: {why}; pass access_proxy: [\"host:443\", ...]"),
    )
}

impl ProxyRoute {
    /// Reads `info` for the app `app_id` (INVALID_PARAMS when it names no signalling address,
    /// or one not reached over TLS).
    pub(crate) fn read(info: &CloudProxyInfo, app_id: &str) -> Result<ProxyRoute, RtcError> {
        let mut relays = Vec::new();
        let mut signal = None;
        for entry in info.access_proxy.iter().map(|e| e.trim()) {
            let lower = entry.to_ascii_lowercase();
            if entry.is_empty() {
                continue;
            }
            if lower.starts_with("turn:") || lower.starts_with("turns:") {
                relays.push(entry.to_owned());
                continue;
            }
            if signal.is_some() {
                continue;
            }
            let authority = match lower.split_once("://") {
                Some(("wss" | "https", _)) => &entry[entry.find("://").map_or(0, |i| i + 3)..],
                Some(_) => {
                    return Err(invalid(&format!(
                        "access_proxy entry {entry:?} must be reached over TLS (wss://)"
                    )));
                }
                None => entry,
            };
            let host = authority.split('/').next().unwrap_or_default();
            if host.is_empty() || host.contains(['?', '#', '@', ' ']) {
                return Err(invalid(&format!(
                    "access_proxy entry {entry:?} is not host:port or a wss:// URL"
                )));
            }
            let has_port = match host.rfind(']') {
                Some(close) => host[close..].contains(':'),
                None => host.contains(':'),
            };
            let host = if has_port {
                host.to_owned()
            } else {
                format!("{host}:443")
            };
            signal = Some(signal_url(&format!("wss://{host}"), app_id).map_err(|e| invalid(&e))?);
        }
        let Some(signal_url) = signal else {
            return Err(invalid(if relays.is_empty() {
                "access_proxy names no address"
            } else {
                "access_proxy names relays but no signalling address (host:port)"
            }));
        };
        Ok(ProxyRoute { signal_url, relays })
    }

    /// The TURN servers media may use through this proxy, given the join answer's: the
    /// proxy's relays with the answer's credentials, or the answer's TCP and TLS relays.
    pub(crate) fn relays(&self, answer: &[IceServer]) -> Vec<IceServer> {
        if !self.relays.is_empty() {
            return answer
                .first()
                .map(|credentials| IceServer {
                    urls: self.relays.clone(),
                    username: credentials.username.clone(),
                    credential: credentials.credential.clone(),
                })
                .into_iter()
                .collect();
        }
        answer
            .iter()
            .map(|s| IceServer {
                urls: s.urls.iter().filter(|u| over_tcp(u)).cloned().collect(),
                ..s.clone()
            })
            .filter(|s| !s.urls.is_empty())
            .collect()
    }
}

/// Whether `url` reaches its TURN server over TCP or TLS.
fn over_tcp(url: &str) -> bool {
    let url = url.to_ascii_lowercase();
    url.starts_with("turns:") || (url.starts_with("turn:") && url.contains("transport=tcp"))
}

/// The engine's cloud proxy setting, shared by the handle (which sets it), the connection's
/// shell (which opens signalling by it) and the media conductor (which relays by it). Read
/// once per connection or transport, never per packet.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProxySetting(Arc<Mutex<Setting>>);

#[derive(Debug, Default)]
struct Setting {
    route: Option<ProxyRoute>,
    /// Whether a join through the proxy was reported since it was turned on.
    reported: bool,
}

impl ProxySetting {
    /// The route while the proxy is on.
    pub(crate) fn get(&self) -> Option<ProxyRoute> {
        self.lock().route.clone()
    }

    /// Turns the proxy on (`Some`) or off.
    pub(crate) fn set(&self, route: Option<ProxyRoute>) {
        *self.lock() = Setting {
            route,
            reported: false,
        };
    }

    /// True the first time it is asked after the proxy was turned on.
    pub(crate) fn first_report(&self) -> bool {
        !std::mem::replace(&mut self.lock().reported, true)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Setting> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(entries: &[&str]) -> CloudProxyInfo {
        CloudProxyInfo {
            access_proxy: entries.iter().map(|e| (*e).to_owned()).collect(),
            ..CloudProxyInfo::default()
        }
    }

    #[test]
    fn the_first_address_carries_signalling_over_wss_on_443_by_default() {
        let route = ProxyRoute::read(&info(&["proxy.example.com", "other:1"]), "app").unwrap();
        assert_eq!(
            route.signal_url,
            "wss://proxy.example.com:443/signal/v1?appId=app"
        );
        let route = ProxyRoute::read(&info(&["https://10.0.0.1:8443/"]), "app").unwrap();
        assert_eq!(route.signal_url, "wss://10.0.0.1:8443/signal/v1?appId=app");
        let route = ProxyRoute::read(
            &info(&["turn:10.0.0.2:443?transport=tcp", "wss://[::1]"]),
            "a",
        )
        .unwrap();
        assert_eq!(route.signal_url, "wss://[::1]:443/signal/v1?appId=a");
        assert_eq!(route.relays, ["turn:10.0.0.2:443?transport=tcp"]);
    }

    #[test]
    fn addresses_that_cannot_carry_signalling_are_invalid_params() {
        for bad in [
            info(&[]),
            info(&["  "]),
            info(&["ws://proxy:80"]),
            info(&["turn:relay:443?transport=tcp"]),
            info(&["user@proxy"]),
        ] {
            let err = ProxyRoute::read(&bad, "a").unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidParams, "{bad:?}: {err}");
        }
    }

    #[test]
    fn relays_are_the_proxys_with_the_answers_credentials_or_the_answers_tcp_ones() {
        let answer = vec![IceServer {
            urls: vec![
                "turn:t:3478?transport=udp".into(),
                "turn:t:443?transport=tcp".into(),
            ],
            username: "9:u".into(),
            credential: "c".into(),
        }];
        let plain = ProxyRoute::read(&info(&["p"]), "a").unwrap();
        assert_eq!(plain.relays(&answer)[0].urls, ["turn:t:443?transport=tcp"]);
        let named = ProxyRoute::read(&info(&["p", "turn:r:443?transport=tcp"]), "a").unwrap();
        let relays = named.relays(&answer);
        assert_eq!(relays[0].urls, ["turn:r:443?transport=tcp"]);
        assert_eq!(
            (relays[0].username.as_str(), relays[0].credential.as_str()),
            ("9:u", "c")
        );
        assert!(named.relays(&[]).is_empty());
    }
}
