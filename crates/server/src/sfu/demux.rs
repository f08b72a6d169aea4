//! Which transport a datagram belongs to.
//!
//! Every transport shares one UDP socket (and one ICE-TCP port), so each datagram must be
//! routed by its remote address. A known address is one hash look-up; there is no scan over
//! transports per packet. An address is learnt only from a STUN binding request whose
//! USERNAME names one of our transports' ICE ufrags (RFC 8445 §7.2.2: "local:remote"), which
//! is how ICE introduces every new path. Anything else from an unknown address is dropped.
//!
//! Pure data: no sockets, no str0m `Rtc`. The caller still asks the transport whether it
//! accepts the datagram before the address is learnt.

use std::collections::HashMap;
use std::net::SocketAddr;

use str0m::net::Protocol;

use super::ids::TransportId;

/// Most remote addresses remembered per transport: enough for a path change or two.
const ADDRS_PER_TRANSPORT: usize = 4;

/// Routes datagrams to transports.
#[derive(Debug, Default)]
pub(super) struct Demux {
    udp: HashMap<SocketAddr, TransportId>,
    tcp: HashMap<SocketAddr, TransportId>,
    by_ufrag: HashMap<String, TransportId>,
    /// Each transport's addresses, oldest first, to forget them with it.
    addrs_of: HashMap<TransportId, Vec<(Protocol, SocketAddr)>>,
}

impl Demux {
    fn map(&self, proto: Protocol) -> &HashMap<SocketAddr, TransportId> {
        match proto {
            Protocol::Udp => &self.udp,
            _ => &self.tcp,
        }
    }

    fn map_mut(&mut self, proto: Protocol) -> &mut HashMap<SocketAddr, TransportId> {
        match proto {
            Protocol::Udp => &mut self.udp,
            _ => &mut self.tcp,
        }
    }

    /// The transport a known remote address belongs to.
    pub(super) fn lookup(&self, proto: Protocol, source: SocketAddr) -> Option<TransportId> {
        self.map(proto).get(&source).copied()
    }

    /// The transport whose local ICE ufrag a STUN request names, for an unknown address.
    pub(super) fn lookup_stun(&self, datagram: &[u8]) -> Option<TransportId> {
        let ufrag = stun_local_ufrag(datagram)?;
        self.by_ufrag.get(ufrag).copied()
    }

    /// Registers a transport's local ICE ufrag.
    pub(super) fn add_transport(&mut self, id: TransportId, ufrag: String) {
        self.by_ufrag.insert(ufrag, id);
        self.addrs_of.entry(id).or_default();
    }

    /// Routes `source` to `id` from now on; the transport's oldest address is forgotten once
    /// it has too many.
    pub(super) fn learn(&mut self, id: TransportId, proto: Protocol, source: SocketAddr) {
        let Some(addrs) = self.addrs_of.get_mut(&id) else {
            return;
        };
        if addrs.contains(&(proto, source)) {
            return;
        }
        let evicted = (addrs.len() >= ADDRS_PER_TRANSPORT).then(|| addrs.remove(0));
        addrs.push((proto, source));
        if let Some((proto, addr)) = evicted {
            self.map_mut(proto).remove(&addr);
        }
        // An address moving between transports (a client reusing a port) belongs to the
        // newest one.
        if let Some(previous) = self.map_mut(proto).insert(source, id)
            && previous != id
            && let Some(list) = self.addrs_of.get_mut(&previous)
        {
            list.retain(|a| *a != (proto, source));
        }
    }

    /// Forgets a transport: its ufrag and every address routed to it.
    pub(super) fn remove_transport(&mut self, id: TransportId) {
        self.by_ufrag.retain(|_, t| *t != id);
        for (proto, addr) in self.addrs_of.remove(&id).unwrap_or_default() {
            let map = self.map_mut(proto);
            if map.get(&addr) == Some(&id) {
                map.remove(&addr);
            }
        }
    }

    /// How many addresses are routed (for tests).
    #[cfg(test)]
    pub(super) fn routed(&self) -> usize {
        self.udp.len() + self.tcp.len()
    }
}

/// The local (first) part of the USERNAME of a STUN binding request: the ufrag of the
/// transport it is meant for. `None` for anything that is not such a request.
pub(crate) fn stun_local_ufrag(datagram: &[u8]) -> Option<&str> {
    const BINDING_REQUEST: u16 = 0x0001;
    const MAGIC_COOKIE: [u8; 4] = [0x21, 0x12, 0xa4, 0x42];
    const USERNAME: u16 = 0x0006;
    let header = datagram.get(..20)?;
    let kind = u16::from_be_bytes([header[0], header[1]]);
    if kind != BINDING_REQUEST || header[4..8] != MAGIC_COOKIE {
        return None;
    }
    let length = usize::from(u16::from_be_bytes([header[2], header[3]]));
    let mut attrs = datagram.get(20..20 + length)?;
    while attrs.len() >= 4 {
        let kind = u16::from_be_bytes([attrs[0], attrs[1]]);
        let len = usize::from(u16::from_be_bytes([attrs[2], attrs[3]]));
        let value = attrs.get(4..4 + len)?;
        if kind == USERNAME {
            let username = std::str::from_utf8(value).ok()?;
            let (local, _remote) = username.split_once(':')?;
            return Some(local);
        }
        // Attributes are padded to four bytes.
        let padded = (len + 3) & !3;
        attrs = attrs.get(4 + padded..)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding_request(username: &str) -> Vec<u8> {
        let mut attrs = Vec::new();
        // A PRIORITY attribute first, so the parser has to skip one.
        attrs.extend_from_slice(&[0x00, 0x24, 0x00, 0x04, 1, 2, 3, 4]);
        attrs.extend_from_slice(&0x0006u16.to_be_bytes());
        attrs.extend_from_slice(&(username.len() as u16).to_be_bytes());
        attrs.extend_from_slice(username.as_bytes());
        while attrs.len() % 4 != 0 {
            attrs.push(0);
        }
        let mut msg = vec![0x00, 0x01];
        msg.extend_from_slice(&(attrs.len() as u16).to_be_bytes());
        msg.extend_from_slice(&[0x21, 0x12, 0xa4, 0x42]);
        msg.extend_from_slice(&[7; 12]);
        msg.extend_from_slice(&attrs);
        msg
    }

    #[test]
    fn reads_the_local_ufrag_of_a_binding_request() {
        let msg = binding_request("srvUfrag:cliUfrag");
        assert_eq!(stun_local_ufrag(&msg), Some("srvUfrag"));
    }

    #[test]
    fn ignores_what_is_not_a_well_formed_binding_request() {
        let msg = binding_request("srv:cli");
        // A binding response.
        let mut response = msg.clone();
        response[1] = 0x01;
        response[0] = 0x01;
        assert_eq!(stun_local_ufrag(&response), None);
        // Truncated anywhere.
        for cut in 0..msg.len() {
            assert_eq!(stun_local_ufrag(&msg[..cut]), None, "cut at {cut}");
        }
        // No colon.
        assert_eq!(stun_local_ufrag(&binding_request("nocolon")), None);
        // RTP, DTLS, garbage.
        assert_eq!(stun_local_ufrag(&[0x80; 40]), None);
        assert_eq!(stun_local_ufrag(&[]), None);
    }

    #[test]
    fn learns_and_forgets_addresses() {
        let mut demux = Demux::default();
        let a = TransportId(1);
        let b = TransportId(2);
        demux.add_transport(a, "ua".into());
        demux.add_transport(b, "ub".into());
        assert_eq!(demux.lookup_stun(&binding_request("ub:x")), Some(b));
        assert_eq!(demux.lookup_stun(&binding_request("uc:x")), None);

        let addr = |port| SocketAddr::from(([127, 0, 0, 1], port));
        demux.learn(a, Protocol::Udp, addr(1));
        demux.learn(b, Protocol::Udp, addr(2));
        demux.learn(b, Protocol::Tcp, addr(2));
        assert_eq!(demux.lookup(Protocol::Udp, addr(1)), Some(a));
        assert_eq!(demux.lookup(Protocol::Tcp, addr(2)), Some(b));
        assert_eq!(demux.lookup(Protocol::Tcp, addr(1)), None);

        // Too many addresses: the oldest goes.
        for port in 10..10 + ADDRS_PER_TRANSPORT as u16 {
            demux.learn(a, Protocol::Udp, addr(port));
        }
        assert_eq!(demux.lookup(Protocol::Udp, addr(1)), None);
        assert_eq!(demux.lookup(Protocol::Udp, addr(10)), Some(a));

        // An address taken over by another transport.
        demux.learn(b, Protocol::Udp, addr(10));
        assert_eq!(demux.lookup(Protocol::Udp, addr(10)), Some(b));

        demux.remove_transport(a);
        assert_eq!(demux.lookup(Protocol::Udp, addr(11)), None);
        assert_eq!(demux.lookup(Protocol::Udp, addr(10)), Some(b));
        assert_eq!(demux.lookup_stun(&binding_request("ua:x")), None);
        demux.remove_transport(b);
        assert_eq!(demux.routed(), 0);
    }
}
