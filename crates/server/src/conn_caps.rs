//! Connection caps: how many TCP connections the HTTP listener holds at once, in total and
//! per source (an IPv4 address, or an IPv6 /64). A connection is admitted with a [`ConnectionSlot`] that gives its
//! place back when the last clone drops (the HTTP connection's, then the WebSocket
//! session's, which outlives it).
//!
//! Pure bookkeeping: no I/O and no tokio, so the listener and the tests share it. It takes a
//! lock once per accepted connection, never per request or frame.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// The caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Caps {
    /// Most connections at once.
    pub(crate) total: usize,
    /// Most connections at once from one source: an IPv4 address or an IPv6 /64.
    pub(crate) per_address: usize,
}

/// Which cap refused a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refused {
    /// The server holds as many connections as it may.
    #[error("the server holds its maximum of connections")]
    Total,
    /// This address holds as many connections as it may.
    #[error("this address holds its maximum of connections")]
    PerAddress,
}

impl Refused {
    /// The metric label.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Refused::Total => "total",
            Refused::PerAddress => "per_address",
        }
    }
}

#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// The connections open under the caps; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionCaps {
    caps: Caps,
    open: Arc<Mutex<Open>>,
}

/// One admitted connection's place; given back on drop.
#[derive(Debug)]
pub(crate) struct ConnectionSlot {
    address: IpAddr,
    open: Arc<Mutex<Open>>,
    caps: Caps,
}

impl ConnectionCaps {
    pub(crate) fn new(caps: Caps) -> Self {
        ConnectionCaps {
            caps,
            open: Arc::default(),
        }
    }

    /// A place for a connection from `address`, unless a cap is reached.
    pub(crate) fn admit(&self, address: IpAddr) -> Result<Arc<ConnectionSlot>, Refused> {
        let address = source(address);
        // The counts stay consistent whatever panicked while holding the lock.
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.total >= self.caps.total {
            return Err(Refused::Total);
        }
        place(&mut open, address, &self.open, self.caps)
    }

    /// Connections open now.
    #[cfg(test)]
    fn open(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .total
    }
}

/// Counts a connection from `address` in `open` (the counts behind `shared`, locked), unless
/// that address is at its cap.
fn place(
    open: &mut Open,
    address: IpAddr,
    shared: &Arc<Mutex<Open>>,
    caps: Caps,
) -> Result<Arc<ConnectionSlot>, Refused> {
    let from_address = open.by_address.entry(address).or_insert(0);
    if *from_address >= caps.per_address {
        return Err(Refused::PerAddress);
    }
    *from_address += 1;
    open.total += 1;
    Ok(Arc::new(ConnectionSlot {
        address,
        open: shared.clone(),
        caps,
    }))
}

/// The source a connection counts against. One IPv6 host usually holds a whole /64 (SLAAC,
/// privacy addresses), so counting per /128 would let it open a cap's worth from each of
/// 2^64 addresses; an IPv4-mapped address counts as the IPv4 one.
fn source(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !(u128::MAX >> 64)).into()),
        },
    }
}

impl ConnectionSlot {
    /// The same connection's place counted against `address` instead (a relayed client's own
    /// address, which the relaying node vouched for), unless that address is at its cap. The
    /// total is not checked again: the connection is in it already, and this slot's place is
    /// given back when its last clone drops.
    pub(crate) fn moved_to(&self, address: IpAddr) -> Result<Arc<ConnectionSlot>, Refused> {
        let address = source(address);
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        place(&mut open, address, &self.open, self.caps)
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.by_address.get_mut(&self.address) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                // An address with nothing open costs nothing.
                open.by_address.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn an_address_is_capped_and_admitted_again_once_one_closes() {
        let caps = ConnectionCaps::new(Caps {
            total: 10,
            per_address: 2,
        });
        let first = caps.admit(A).expect("first");
        let _second = caps.admit(A).expect("second");
        assert_eq!(caps.admit(A).unwrap_err(), Refused::PerAddress);
        let _other = caps.admit(B).expect("another address is not affected");
        drop(first);
        let _third = caps.admit(A).expect("room again");
    }

    #[test]
    fn the_total_is_capped_and_a_slot_lives_as_long_as_its_last_clone() {
        let caps = ConnectionCaps::new(Caps {
            total: 2,
            per_address: 10,
        });
        let first = caps.admit(A).expect("first");
        let _second = caps.admit(B).expect("second");
        assert_eq!(caps.admit(A).unwrap_err(), Refused::Total);
        let session = first.clone();
        drop(first);
        assert_eq!(caps.open(), 2, "the session's clone still holds the place");
        drop(session);
        assert_eq!(caps.open(), 1);
        assert!(!caps.open.lock().expect("lock").by_address.contains_key(&A));
    }

    #[test]
    fn a_moved_slot_counts_against_its_new_address() {
        let caps = ConnectionCaps::new(Caps {
            total: 10,
            per_address: 1,
        });
        let relayed = caps.admit(A).expect("the relay's connection");
        let moved = relayed.moved_to(B).expect("the client's address");
        drop(relayed);
        let _direct = caps.admit(A).expect("the relay's address is free again");
        assert_eq!(moved.moved_to(B).unwrap_err(), Refused::PerAddress);
        assert_eq!(caps.open(), 2);
    }

    #[test]
    fn an_ipv6_slash_64_counts_as_one_source() {
        let caps = ConnectionCaps::new(Caps {
            total: 10,
            per_address: 2,
        });
        let v6 = |s: &str| -> IpAddr { s.parse().expect("an address") };
        let _a = caps.admit(v6("2001:db8:0:1::1")).expect("first");
        let _b = caps
            .admit(v6("2001:db8:0:1:ffff::2"))
            .expect("second, same /64");
        assert_eq!(
            caps.admit(v6("2001:db8:0:1:abcd::3")).unwrap_err(),
            Refused::PerAddress,
            "a third address of the same /64"
        );
        let _c = caps.admit(v6("2001:db8:0:2::1")).expect("another /64");
        let _d = caps.admit(v6("::ffff:192.0.2.1")).expect("mapped IPv4");
        let _e = caps.admit(A).expect("the same IPv4 address, second");
        assert_eq!(caps.admit(A).unwrap_err(), Refused::PerAddress);
    }
}
