//! The TURN servers a join answer names (`turn:host:port?transport=udp|tcp`,
//! `turns:host:port?transport=tcp`), and whether media must go through one. Pure string work.

use chorus_proto::IceServer;
use chorus_tls::ClientTls;

/// How a transport reaches a TURN server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TurnTransport {
    /// Datagrams.
    Udp,
    /// RFC 5766 framing on a TCP stream.
    Tcp,
    /// The same framing inside TLS (`turns:`).
    Tls,
}

/// One TURN server with its credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TurnServer {
    /// `host:port`.
    pub(crate) authority: String,
    /// The host alone: the name a `turns:` server's certificate must carry.
    pub(crate) host: String,
    /// UDP or TCP.
    pub(crate) transport: TurnTransport,
    /// The REST username.
    pub(crate) username: String,
    /// The REST password.
    pub(crate) password: String,
}

/// What the media transports do about relaying: the servers from the join answer, and
/// whether only relayed paths may be used (the cloud proxy, or the config's `relay_only`).
#[derive(Debug, Clone, Default)]
pub(crate) struct RelayPlan {
    /// The join answer's ICE servers.
    pub(crate) ice_servers: Vec<IceServer>,
    /// No host candidate: media goes through a TURN allocation or not at all.
    pub(crate) relay_only: bool,
    /// What a `turns:` server's certificate is checked against (the engine's `tls`); None:
    /// the system's roots.
    pub(crate) tls: Option<ClientTls>,
}

impl RelayPlan {
    /// The TURN servers this client can use, in the order given (`stun:` URLs are skipped:
    /// they relay nothing).
    pub(crate) fn servers(&self) -> Vec<TurnServer> {
        self.ice_servers
            .iter()
            .flat_map(|s| {
                s.urls.iter().filter_map(|url| {
                    let (authority, host, transport) = parse(url)?;
                    Some(TurnServer {
                        authority,
                        host,
                        transport,
                        username: s.username.clone(),
                        password: s.credential.clone(),
                    })
                })
            })
            .collect()
    }
}

/// `turn:host[:port][?transport=udp|tcp]` or `turns:host[:port][?transport=tcp]` as
/// `host:port`, the host, and the transport.
fn parse(url: &str) -> Option<(String, String, TurnTransport)> {
    let (rest, tls) = match url.strip_prefix("turns:") {
        Some(rest) => (rest, true),
        None => (url.strip_prefix("turn:")?, false),
    };
    let (hostport, query) = match rest.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (rest, None),
    };
    let transport = match (tls, query.map(|q| q.to_ascii_lowercase()).as_deref()) {
        (false, None | Some("transport=udp")) => TurnTransport::Udp,
        (false, Some("transport=tcp")) => TurnTransport::Tcp,
        (true, None | Some("transport=tcp")) => TurnTransport::Tls,
        _ => return None,
    };
    if hostport.is_empty() {
        return None;
    }
    let (host, has_port) = match hostport.rfind(']') {
        Some(close) => (&hostport[..=close], hostport[close..].contains(':')),
        None => match hostport.rsplit_once(':') {
            Some((host, _)) => (host, true),
            None => (hostport, false),
        },
    };
    let authority = if has_port {
        hostport.to_owned()
    } else {
        format!("{hostport}:{}", if tls { 5349 } else { 3478 })
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    Some((authority, host, transport))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turn_urls_give_authority_and_transport() {
        let plan = RelayPlan {
            ice_servers: vec![IceServer {
                urls: vec![
                    "turn:10.0.0.1:3478?transport=udp".into(),
                    "turn:relay.example.com?transport=tcp".into(),
                    "turn:[::1]:443?transport=tcp".into(),
                    "turns:relay.example.com:443?transport=tcp".into(),
                    "turns:relay.example.com".into(),
                    "stun:relay.example.com".into(),
                    "turn:h?transport=sctp".into(),
                ],
                username: "1:u".into(),
                credential: "p".into(),
            }],
            relay_only: true,
            tls: None,
        };
        let servers = plan.servers();
        let got: Vec<(&str, &str, TurnTransport)> = servers
            .iter()
            .map(|s| (s.authority.as_str(), s.host.as_str(), s.transport))
            .collect();
        assert_eq!(
            got,
            [
                ("10.0.0.1:3478", "10.0.0.1", TurnTransport::Udp),
                (
                    "relay.example.com:3478",
                    "relay.example.com",
                    TurnTransport::Tcp
                ),
                ("[::1]:443", "::1", TurnTransport::Tcp),
                (
                    "relay.example.com:443",
                    "relay.example.com",
                    TurnTransport::Tls
                ),
                (
                    "relay.example.com:5349",
                    "relay.example.com",
                    TurnTransport::Tls
                ),
            ]
        );
        assert_eq!(servers[0].username, "1:u");
        assert_eq!(servers[0].password, "p");
    }
}
