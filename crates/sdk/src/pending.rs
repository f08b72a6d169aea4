//! Requests awaiting their answer: id allocation, lookup by id, and deadlines.
//!
//! Every request gets the same timeout and ids grow with time, so the oldest entry (lowest
//! id) always has the earliest deadline: a `BTreeMap` gives the next deadline and the expired
//! entries without a separate timer queue. Pure data; no clock of its own (callers pass
//! `now`), no I/O.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Requests in flight, each carrying the caller's `T`.
#[derive(Debug)]
pub(crate) struct Pending<T> {
    next_id: u64,
    timeout: Duration,
    entries: BTreeMap<u64, (Instant, T)>,
}

impl<T> Pending<T> {
    /// An empty table whose entries expire `timeout` after insertion.
    pub(crate) fn new(timeout: Duration) -> Self {
        Pending {
            next_id: 1,
            timeout,
            entries: BTreeMap::new(),
        }
    }

    /// The timeout every entry gets.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A fresh request id. Ids are never reused within one engine.
    pub(crate) fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Tracks request `id` (just taken from [`Pending::next_id`]) sent at `now`.
    pub(crate) fn insert(&mut self, id: u64, now: Instant, item: T) {
        // Saturate rather than overflow on absurd timeouts: such an entry just never expires.
        let deadline = now
            .checked_add(self.timeout)
            .unwrap_or(now + Duration::from_secs(86_400 * 365));
        self.entries.insert(id, (deadline, item));
    }

    /// Removes and returns the entry for `id`, if it is still waiting.
    pub(crate) fn take(&mut self, id: u64) -> Option<T> {
        self.entries.remove(&id).map(|(_, item)| item)
    }

    /// The earliest deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.entries
            .first_key_value()
            .map(|(_, (deadline, _))| *deadline)
    }

    /// Removes and returns every entry whose deadline is at or before `now`, oldest first.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<T> {
        let mut expired = Vec::new();
        while let Some(entry) = self.entries.first_entry() {
            if entry.get().0 > now {
                break;
            }
            expired.push(entry.remove().1);
        }
        expired
    }

    /// Removes and returns every entry, oldest first.
    pub(crate) fn drain(&mut self) -> Vec<T> {
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
        let mut pending = Pending::new(Duration::from_secs(1));
        let now = Instant::now();
        let a = pending.next_id();
        pending.insert(a, now, "a");
        let b = pending.next_id();
        pending.insert(b, now, "b");
        assert_ne!(a, b);
        assert_eq!(pending.take(b), Some("b"));
        assert_eq!(pending.take(b), None);
        assert_eq!(pending.drain(), vec!["a"]);
    }

    #[test]
    fn entries_expire_oldest_first_at_their_deadline() {
        let mut pending = Pending::new(Duration::from_millis(100));
        let t0 = Instant::now();
        for (i, at) in [0u64, 30, 60].into_iter().enumerate() {
            let id = pending.next_id();
            pending.insert(id, t0 + Duration::from_millis(at), i);
        }
        assert_eq!(
            pending.next_deadline(),
            Some(t0 + Duration::from_millis(100))
        );
        assert!(pending.expire(t0 + Duration::from_millis(99)).is_empty());
        assert_eq!(pending.expire(t0 + Duration::from_millis(130)), vec![0, 1]);
        assert_eq!(
            pending.next_deadline(),
            Some(t0 + Duration::from_millis(160))
        );
        assert!(pending.any(|&i| i == 2));
    }
}
