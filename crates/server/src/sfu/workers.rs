//! Which SFU worker owns what: a peer's worker, and the worker a STUN request is for.
//!
//! The SFU runs as N workers, each a thread with its own [`super::router::Router`] (its
//! peers' transports and the sources they publish) and its own UDP socket, all bound to one
//! port with SO_REUSEPORT. A peer belongs to worker `peer % N` for its whole life, so the
//! handle routes each command without asking anyone, and nothing is shared per packet.
//!
//! The kernel spreads datagrams over the sockets by their address pair, not by owner, so a
//! datagram may land on another worker than its transport's. Every server ICE ufrag names its
//! worker ([`ufrag_prefix`]): the STUN check that opens each path says whose it is, the
//! receiving worker remembers that for the address, and hands that address's datagrams on
//! ([`super::task`]). ICE-TCP connections are dispatched the same way by their first frame.
//!
//! Pure functions; depends on nothing else of the SFU.

use super::PeerId;

/// Most workers: a source's interested workers are a 64-bit set.
pub(crate) const MAX_WORKERS: usize = 64;

/// The worker that owns `peer`, of `workers`.
pub(super) fn worker_of(peer: PeerId, workers: usize) -> usize {
    (peer.0 % workers.max(1) as u64) as usize
}

/// The start of every ICE ufrag worker `worker` makes: `w<index>z`. ICE ufrags allow only
/// letters, digits, `+` and `/`, so the tag is letters and digits.
pub(super) fn ufrag_prefix(worker: usize) -> String {
    format!("w{worker}z")
}

/// The worker a server ufrag made by [`ufrag_prefix`] names.
pub(crate) fn worker_of_ufrag(ufrag: &str) -> Option<usize> {
    let rest = ufrag.strip_prefix('w')?;
    let end = rest.find('z')?;
    let digits = &rest[..end];
    if digits.is_empty() || digits.len() > 2 {
        return None;
    }
    digits.parse().ok().filter(|w| *w < MAX_WORKERS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ufrag_names_its_worker_and_nothing_else_parses() {
        for worker in [0, 1, 9, 10, 63] {
            let ufrag = format!("{}abcdefgh", ufrag_prefix(worker));
            assert_eq!(worker_of_ufrag(&ufrag), Some(worker));
        }
        for other in ["", "w", "wz", "w64zabc", "w123zabc", "wxzabc", "abc", "w1"] {
            assert_eq!(worker_of_ufrag(other), None, "{other}");
        }
    }

    #[test]
    fn peers_spread_evenly() {
        let mut counts = [0; 3];
        for peer in 0..300 {
            counts[worker_of(PeerId(peer), 3)] += 1;
        }
        assert_eq!(counts, [100, 100, 100]);
        assert_eq!(worker_of(PeerId(7), 1), 0);
    }
}
