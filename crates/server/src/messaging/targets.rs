//! Where the server may send a user's server messages: each app's allowed business hosts, and
//! which addresses are off limits (loopback, private, link-local, unspecified, multicast,
//! broadcast) unless the operator allows them. Without this a user could make the server
//! POST to any address on its network and read the answer.
//!
//! Addresses are checked as resolved, at connect time: [`TargetResolver`] is the HTTP
//! client's DNS resolver, so a name cannot pass a check and then resolve elsewhere. It
//! depends on nothing of the server's but the config's entry type, so that it can be checked
//! alone.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// One `business-hosts` entry: a host, and a port if the entry names one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostRule {
    host: String,
    port: Option<u16>,
}

impl HostRule {
    /// Parses `host`, `host:port`, `[v6]` or `[v6]:port`; None if it is none of them.
    pub(crate) fn parse(entry: &str) -> Option<HostRule> {
        let url = Url::parse(&format!("http://{entry}/")).ok()?;
        // Anything besides a host and port (a path, a user) is not an entry.
        if url.path() != "/" || !url.username().is_empty() || url.query().is_some() {
            return None;
        }
        let host = url.host_str()?.to_ascii_lowercase();
        // The URL parser drops a scheme's default port; the entry still named it.
        let named_port = entry
            .rsplit_once(':')
            .filter(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .is_some();
        let port = if named_port {
            url.port_or_known_default()
        } else {
            None
        };
        Some(HostRule { host, port })
    }

    fn allows(&self, url: &Url) -> bool {
        let host_matches = url
            .host_str()
            .is_some_and(|h| h.eq_ignore_ascii_case(&self.host));
        host_matches
            && self
                .port
                .is_none_or(|p| url.port_or_known_default() == Some(p))
    }
}

/// Which business hosts each app may use. `None`: any host (the dev app, on loopback).
#[derive(Debug, Clone, Default)]
pub(crate) struct BusinessHosts {
    apps: Option<HashMap<String, Vec<HostRule>>>,
}

impl BusinessHosts {
    /// Any host for any app: dev mode.
    pub(crate) fn any() -> Self {
        BusinessHosts { apps: None }
    }

    /// Only the hosts listed for each app.
    pub(crate) fn listed(apps: HashMap<String, Vec<HostRule>>) -> Self {
        BusinessHosts { apps: Some(apps) }
    }

    /// Whether `app_id` may send server messages to `url`.
    pub(crate) fn allows(&self, app_id: &str, url: &Url) -> bool {
        match &self.apps {
            None => true,
            Some(apps) => apps
                .get(app_id)
                .is_some_and(|rules| rules.iter().any(|r| r.allows(url))),
        }
    }
}

/// Which special addresses may be targets.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TargetPolicy {
    /// Loopback (dev mode, or the operator's flag).
    pub(crate) loopback: bool,
    /// Private, link-local, unspecified, multicast and broadcast too (the operator's flag).
    pub(crate) private: bool,
}

impl TargetPolicy {
    /// Whether the server may connect to `ip`.
    pub(crate) fn allows(self, ip: IpAddr) -> bool {
        match Special::of(ip) {
            None => true,
            Some(Special::Loopback) => self.loopback || self.private,
            Some(Special::Private) => self.private,
        }
    }
}

enum Special {
    Loopback,
    Private,
}

impl Special {
    fn of(ip: IpAddr) -> Option<Special> {
        match ip.to_canonical() {
            IpAddr::V4(v4) => Special::of_v4(v4),
            IpAddr::V6(v6) => Special::of_v6(v6),
        }
    }

    fn of_v4(ip: Ipv4Addr) -> Option<Special> {
        if ip.is_loopback() {
            Some(Special::Loopback)
        } else if ip.is_private()
            || ip.is_link_local()
            || ip.is_unspecified()
            // 0.0.0.0/8 is "this network": a connect to it reaches this host.
            || ip.octets()[0] == 0
            || ip.is_multicast()
            || ip.is_broadcast()
        {
            Some(Special::Private)
        } else {
            None
        }
    }

    fn of_v6(ip: Ipv6Addr) -> Option<Special> {
        let first = ip.segments()[0];
        if ip.is_loopback() {
            Some(Special::Loopback)
        } else if ip.is_unspecified()
            || ip.is_multicast()
            // fc00::/7, unique local.
            || first & 0xfe00 == 0xfc00
            // fe80::/10, link-local.
            || first & 0xffc0 == 0xfe80
        {
            Some(Special::Private)
        } else {
            None
        }
    }
}

/// Why a target was refused: said only in the server's log, never to the client.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TargetError {
    /// The name did not resolve.
    #[error("{name} did not resolve: {source}")]
    Lookup {
        /// The name.
        name: String,
        /// The resolver's error.
        source: std::io::Error,
    },
    /// Every address the name resolved to is off limits.
    #[error("{name} resolves only to addresses not allowed as targets ({addrs:?})")]
    Refused {
        /// The name.
        name: String,
        /// What it resolved to.
        addrs: Vec<IpAddr>,
    },
}

/// The HTTP client's resolver: the system's answers, minus the addresses the policy refuses.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TargetResolver {
    pub(crate) policy: TargetPolicy,
}

impl Resolve for TargetResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        Box::pin(async move {
            let name = name.as_str().to_owned();
            // Port 0: the client puts in the URL's port.
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await
                .map_err(|source| TargetError::Lookup {
                    name: name.clone(),
                    source,
                })?
                .collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| policy.allows(a.ip()))
                .collect();
            if allowed.is_empty() {
                let addrs = found.iter().map(SocketAddr::ip).collect();
                return Err(Box::new(TargetError::Refused { name, addrs }) as _);
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("a test URL")
    }

    #[test]
    fn entries_name_a_host_and_maybe_a_port() {
        let rule = HostRule::parse("API.example.com").expect("a host");
        assert!(rule.allows(&url("http://api.example.com/x")));
        assert!(rule.allows(&url("http://api.example.com:8080/x")));
        assert!(!rule.allows(&url("http://api.example.com.evil/x")));
        let rule = HostRule::parse("10.0.0.5:8080").expect("a host and port");
        assert!(rule.allows(&url("http://10.0.0.5:8080/")));
        assert!(!rule.allows(&url("http://10.0.0.5/")));
        let rule = HostRule::parse("example.com:80").expect("a default port");
        assert!(rule.allows(&url("http://example.com/")));
        assert!(!rule.allows(&url("http://example.com:81/")));
        let rule = HostRule::parse("[::1]:9000").expect("a v6 host");
        assert!(rule.allows(&url("http://[::1]:9000/")));
        for bad in ["", "http://x", "a/b", "user@host", "::1"] {
            assert_eq!(HostRule::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn special_addresses_need_the_operators_leave() {
        let strict = TargetPolicy::default();
        let dev = TargetPolicy {
            loopback: true,
            private: false,
        };
        let open = TargetPolicy {
            loopback: false,
            private: true,
        };
        for ip in [
            "127.0.0.1",
            "::1",
            "::ffff:127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "fd00::1",
            "fe80::1",
            "::",
            "ff02::1",
        ] {
            let ip: IpAddr = ip.parse().expect("a test address");
            assert!(!strict.allows(ip), "{ip}");
            assert!(open.allows(ip), "{ip}");
            assert_eq!(dev.allows(ip), ip.to_canonical().is_loopback(), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1"] {
            assert!(strict.allows(ip.parse().expect("a test address")), "{ip}");
        }
    }
}
