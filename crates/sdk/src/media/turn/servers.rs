//! The TURN servers a join answer names (`turn:host:port?transport=udp|tcp`), and whether
//! media must go through one. Pure string work.

use chorus_proto::IceServer;

/// How a transport reaches a TURN server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TurnTransport {
    /// Datagrams.
    Udp,
    /// RFC 5766 framing on a TCP stream.
    Tcp,
}

/// One TURN server with its credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TurnServer {
    /// `host:port`.
    pub(crate) authority: String,
    /// UDP or TCP.
    pub(crate) transport: TurnTransport,
    /// The REST username.
    pub(crate) username: String,
    /// The REST password.
    pub(crate) password: String,
}

/// What the media transports do about relaying: the servers from the join answer, and
/// whether only relayed paths may be used (the cloud proxy, or the config's `relay_only`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RelayPlan {
    /// The join answer's ICE servers.
    pub(crate) ice_servers: Vec<IceServer>,
    /// No host candidate: media goes through a TURN allocation or not at all.
    pub(crate) relay_only: bool,
}

impl RelayPlan {
    /// The TURN servers this client can use, in the order given. `turns:` (TLS) and `stun:`
    /// URLs are skipped: this client relays over plain UDP and TCP.
    pub(crate) fn servers(&self) -> Vec<TurnServer> {
        self.ice_servers
            .iter()
            .flat_map(|s| {
                s.urls.iter().filter_map(|url| {
                    let (authority, transport) = parse(url)?;
                    Some(TurnServer {
                        authority,
                        transport,
                        username: s.username.clone(),
                        password: s.credential.clone(),
                    })
                })
            })
            .collect()
    }
}

/// `turn:host[:port][?transport=udp|tcp]` as `host:port` and the transport.
fn parse(url: &str) -> Option<(String, TurnTransport)> {
    let rest = url.strip_prefix("turn:")?;
    let (hostport, query) = match rest.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (rest, None),
    };
    let transport = match query.map(|q| q.to_ascii_lowercase()).as_deref() {
        None | Some("transport=udp") => TurnTransport::Udp,
        Some("transport=tcp") => TurnTransport::Tcp,
        Some(_) => return None,
    };
    if hostport.is_empty() {
        return None;
    }
    let has_port = match hostport.rfind(']') {
        Some(close) => hostport[close..].contains(':'),
        None => hostport.contains(':'),
    };
    let authority = if has_port {
        hostport.to_owned()
    } else {
        format!("{hostport}:3478")
    };
    Some((authority, transport))
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
                    "stun:relay.example.com".into(),
                    "turn:h?transport=sctp".into(),
                ],
                username: "1:u".into(),
                credential: "p".into(),
            }],
            relay_only: true,
        };
        let servers = plan.servers();
        let got: Vec<(&str, TurnTransport)> = servers
            .iter()
            .map(|s| (s.authority.as_str(), s.transport))
            .collect();
        assert_eq!(
            got,
            [
                ("10.0.0.1:3478", TurnTransport::Udp),
                ("relay.example.com:3478", TurnTransport::Tcp),
                ("[::1]:443", TurnTransport::Tcp),
            ]
        );
        assert_eq!(servers[0].username, "1:u");
        assert_eq!(servers[0].password, "p");
    }
}
