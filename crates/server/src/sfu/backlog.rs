//! The media backlog: RTP read off the socket but not forwarded yet, so that everything else
//! on the socket (STUN, DTLS, RTCP) is handled as soon as it is read.
//!
//! Forwarding a packet costs its fan-out (tens of microseconds per subscriber), reading one
//! costs a system call. When media comes in faster than one core forwards it, a socket read
//! in arrival order would queue ICE consent checks behind seconds of media until clients
//! give their connections up, and every session would fail at once. So the task reads
//! whatever the socket holds, handles the small control datagrams at once, and queues RTP
//! here; what waits longer than [`Backlog::MAX_AGE`] (or overflows the queue) is dropped:
//! under overload media gets lossy (NACK and keyframes repair it) but sessions stay up.
//!
//! Buffers are allocated once; pushing and popping allocate nothing. Pure data, no I/O.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// One queued datagram: which buffer, how long, from where, read when.
#[derive(Debug, Clone, Copy)]
pub(super) struct Queued {
    pub(super) slot: usize,
    pub(super) len: usize,
    pub(super) source: SocketAddr,
    pub(super) at: Instant,
}

/// RTP waiting to be forwarded, in arrival order.
pub(super) struct Backlog {
    size: usize,
    buffers: Vec<Box<[u8]>>,
    free: Vec<usize>,
    queue: VecDeque<Queued>,
}

impl Backlog {
    /// Media older than this is dropped rather than forwarded late.
    pub(super) const MAX_AGE: Duration = Duration::from_millis(100);

    /// A backlog of `capacity` buffers of `size` bytes.
    pub(super) fn new(capacity: usize, size: usize) -> Self {
        Backlog {
            size,
            buffers: (0..capacity)
                .map(|_| vec![0; size].into_boxed_slice())
                .collect(),
            free: (0..capacity).rev().collect(),
            queue: VecDeque::with_capacity(capacity),
        }
    }

    /// A buffer to read the next datagram into, and whether the oldest queued packet had to
    /// be dropped to free one.
    pub(super) fn reserve(&mut self) -> (usize, bool) {
        if let Some(slot) = self.free.pop() {
            return (slot, false);
        }
        match self.queue.pop_front() {
            Some(oldest) => (oldest.slot, true),
            // A backlog made without buffers: reading needs somewhere to go.
            None => {
                self.buffers.push(vec![0; self.size].into_boxed_slice());
                (self.buffers.len() - 1, false)
            }
        }
    }

    /// The buffer `slot`, to read into or out of.
    pub(super) fn buffer(&mut self, slot: usize) -> &mut [u8] {
        &mut self.buffers[slot]
    }

    /// The first `len` bytes of `slot`.
    pub(super) fn data(&self, slot: usize, len: usize) -> &[u8] {
        &self.buffers[slot][..len]
    }

    /// Queues the datagram read into `slot`.
    pub(super) fn push(&mut self, queued: Queued) {
        self.queue.push_back(queued);
    }

    /// Gives a buffer back.
    pub(super) fn release(&mut self, slot: usize) {
        self.free.push(slot);
    }

    /// The oldest packet not older than [`Backlog::MAX_AGE`] at `now`, and how many older
    /// ones were dropped on the way (their buffers are free again).
    pub(super) fn pop(&mut self, now: Instant) -> (Option<Queued>, u64) {
        let mut dropped = 0;
        while let Some(queued) = self.queue.pop_front() {
            if now.saturating_duration_since(queued.at) <= Self::MAX_AGE {
                return (Some(queued), dropped);
            }
            self.free.push(queued.slot);
            dropped += 1;
        }
        (None, dropped)
    }

    /// Whether nothing waits.
    pub(super) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

/// Whether a datagram is RTP (media), as opposed to STUN, DTLS or RTCP (RFC 7983 for the
/// first byte, RFC 5761 for telling RTCP apart by its packet type).
pub(super) fn is_rtp(datagram: &[u8]) -> bool {
    match datagram {
        [first, second, ..] => (128..=191).contains(first) && !(64..96).contains(&(second & 0x7f)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 9))
    }

    #[test]
    fn tells_rtp_from_the_rest() {
        assert!(is_rtp(&[0x80, 0x60, 0, 1])); // PT 96
        assert!(is_rtp(&[0x90, 0xef, 0, 1])); // marker, PT 111
        assert!(!is_rtp(&[0x80, 0xc8, 0, 6])); // RTCP SR (200)
        assert!(!is_rtp(&[0x81, 0xcd, 0, 3])); // RTCP feedback (205)
        assert!(!is_rtp(&[0x00, 0x01, 0, 0])); // STUN
        assert!(!is_rtp(&[0x16, 0xfe, 0xfd])); // DTLS
        assert!(!is_rtp(&[0x80]));
        assert!(!is_rtp(&[]));
    }

    #[test]
    fn queues_in_order_and_reuses_buffers() {
        let t0 = Instant::now();
        let mut backlog = Backlog::new(2, 16);
        let (a, shed) = backlog.reserve();
        assert!(!shed);
        backlog.buffer(a)[..3].copy_from_slice(b"one");
        backlog.push(Queued {
            slot: a,
            len: 3,
            source: addr(),
            at: t0,
        });
        let (b, _) = backlog.reserve();
        backlog.buffer(b)[..3].copy_from_slice(b"two");
        backlog.push(Queued {
            slot: b,
            len: 3,
            source: addr(),
            at: t0,
        });
        // Full: the oldest ("one") makes room.
        let (c, shed) = backlog.reserve();
        assert!(shed);
        assert_eq!(c, a);
        backlog.release(c);
        let (next, dropped) = backlog.pop(t0);
        let next = next.expect("queued");
        assert_eq!(dropped, 0);
        assert_eq!(backlog.data(next.slot, next.len), b"two");
        backlog.release(next.slot);
        assert!(backlog.is_empty());
        assert_eq!(backlog.pop(t0).0.map(|q| q.slot), None);
    }

    #[test]
    fn drops_what_waited_too_long() {
        let t0 = Instant::now();
        let mut backlog = Backlog::new(4, 16);
        for i in 0..3 {
            let (slot, _) = backlog.reserve();
            backlog.push(Queued {
                slot,
                len: 0,
                source: addr(),
                at: t0 + Duration::from_millis(60 * i),
            });
        }
        // At 150 ms the first (0 ms) is too old, the second (60 ms) is not.
        let (next, dropped) = backlog.pop(t0 + Duration::from_millis(150));
        assert_eq!(dropped, 1);
        assert_eq!(next.map(|q| q.at), Some(t0 + Duration::from_millis(60)));
    }
}
