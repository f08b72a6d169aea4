//! Requests awaiting their answer: id allocation, lookup by id, and deadlines.
//!
//! Requests carry different timeouts (messages have their own), so deadlines are kept in a
//! second ordered index beside the entries: the next deadline and the expired entries come
//! without a separate timer queue, and every operation is logarithmic. Pure data; no clock
//! of its own (callers pass `now`), no I/O.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Requests in flight, each carrying the caller's `T`.
#[derive(Debug)]
pub(crate) struct Pending<T> {
    next_id: u64,
    entries: BTreeMap<u64, (Instant, T)>,
    deadlines: BTreeSet<(Instant, u64)>,
}

impl<T> Pending<T> {
    /// An empty table.
    pub(crate) fn new() -> Self {
        Pending {
            next_id: 1,
            entries: BTreeMap::new(),
            deadlines: BTreeSet::new(),
        }
    }

    /// A fresh request id. Ids are never reused within one engine.
    pub(crate) fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Tracks request `id` (just taken from [`Pending::next_id`]) sent at `now`, to expire
    /// `timeout` later.
    pub(crate) fn insert(&mut self, id: u64, now: Instant, timeout: Duration, item: T) {
        // Saturate rather than overflow on absurd timeouts: such an entry just never expires.
        let deadline = now
            .checked_add(timeout)
            .unwrap_or(now + Duration::from_secs(86_400 * 365));
        self.deadlines.insert((deadline, id));
        self.entries.insert(id, (deadline, item));
    }

    /// Removes and returns the entry for `id`, if it is still waiting.
    pub(crate) fn take(&mut self, id: u64) -> Option<T> {
        let (deadline, item) = self.entries.remove(&id)?;
        self.deadlines.remove(&(deadline, id));
        Some(item)
    }

    /// The earliest deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.first().map(|(deadline, _)| *deadline)
    }

    /// Removes and returns every entry whose deadline is at or before `now`, earliest
    /// deadline first (oldest first among equal deadlines).
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<T> {
        let mut expired = Vec::new();
        while let Some(&(deadline, id)) = self.deadlines.first() {
            if deadline > now {
                break;
            }
            self.deadlines.pop_first();
            if let Some((_, item)) = self.entries.remove(&id) {
                expired.push(item);
            }
        }
        expired
    }

    /// Removes and returns every entry, oldest first.
    pub(crate) fn drain(&mut self) -> Vec<T> {
        self.deadlines.clear();
        std::mem::take(&mut self.entries)
            .into_values()
            .map(|(_, item)| item)
            .collect()
    }

    /// Whether any entry satisfies `f`.
    pub(crate) fn any(&self, mut f: impl FnMut(&T) -> bool) -> bool {
        self.entries.values().any(|(_, item)| f(item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_fresh_and_answers_find_their_entry() {
        let mut pending = Pending::new();
        let now = Instant::now();
        let second = Duration::from_secs(1);
        let a = pending.next_id();
        pending.insert(a, now, second, "a");
        let b = pending.next_id();
        pending.insert(b, now, second, "b");
        assert_ne!(a, b);
        assert_eq!(pending.take(b), Some("b"));
        assert_eq!(pending.take(b), None);
        assert_eq!(pending.next_deadline(), Some(now + second));
        assert_eq!(pending.drain(), vec!["a"]);
        assert_eq!(pending.next_deadline(), None);
    }

    #[test]
    fn entries_expire_at_their_own_deadline() {
        let mut pending = Pending::new();
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        // (sent at, timeout): the third, sent last, has the shortest timeout.
        for (i, (at, timeout)) in [(0u64, 100u64), (30, 100), (60, 20)]
            .into_iter()
            .enumerate()
        {
            let id = pending.next_id();
            pending.insert(id, t0 + ms(at), ms(timeout), i);
        }
        assert_eq!(pending.next_deadline(), Some(t0 + ms(80)));
        assert!(pending.expire(t0 + ms(79)).is_empty());
        assert_eq!(pending.expire(t0 + ms(80)), vec![2]);
        assert_eq!(pending.next_deadline(), Some(t0 + ms(100)));
        assert_eq!(pending.expire(t0 + ms(130)), vec![0, 1]);
        assert_eq!(pending.next_deadline(), None);
        assert!(!pending.any(|_| true));
    }
}
