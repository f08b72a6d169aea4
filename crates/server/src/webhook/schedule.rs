//! The order callbacks go out in: each room's one after another, at most `per_app_flights`
//! rooms of one app at a time, apps taking turns, and at most `per_app_held` callbacks held
//! per app. So one app's storm, or its receiver that never answers, fills that app's slots
//! and its own bound only: another app's callbacks neither wait behind it nor are dropped for
//! it. Pure bookkeeping, no I/O, no time.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use super::callback::Callback;
use crate::room::RoomKey;

/// The app's held callbacks are at their bound: this one was not taken.
#[derive(Debug)]
pub(super) struct Full;

/// One app's callbacks.
#[derive(Default)]
struct AppQueue {
    held: HashMap<RoomKey, VecDeque<Callback>>,
    /// Rooms with callbacks held and none in flight, in arrival order.
    ready: VecDeque<RoomKey>,
    /// Rooms with a callback in flight.
    busy: HashSet<RoomKey>,
    count: usize,
    flights: usize,
    /// Whether the app is in `turns`.
    waiting: bool,
}

/// Callbacks waiting for delivery, per app and per room.
pub(super) struct Schedule {
    per_app_flights: usize,
    per_app_held: usize,
    apps: HashMap<Arc<str>, AppQueue>,
    /// Apps with a ready room and a free slot, in turn order.
    turns: VecDeque<Arc<str>>,
}

impl Schedule {
    pub(super) fn new(per_app_flights: usize, per_app_held: usize) -> Self {
        Schedule {
            per_app_flights: per_app_flights.max(1),
            per_app_held,
            apps: HashMap::new(),
            turns: VecDeque::new(),
        }
    }

    /// Holds `callback` for `key`'s room, unless its app holds its bound already.
    pub(super) fn push(&mut self, key: RoomKey, callback: Callback) -> Result<(), Full> {
        let app = self.apps.entry(key.app_id.clone()).or_default();
        if app.count >= self.per_app_held {
            return Err(Full);
        }
        let queue = app.held.entry(key.clone()).or_default();
        queue.push_back(callback);
        app.count += 1;
        if queue.len() == 1 && !app.busy.contains(&key) {
            app.ready.push_back(key.clone());
        }
        self.offer_turn(&key.app_id);
        Ok(())
    }

    /// The next callback to deliver, if any app has one and a free slot; the room is then in
    /// flight until [`Schedule::done`].
    pub(super) fn next(&mut self) -> Option<(RoomKey, Callback)> {
        while let Some(app_id) = self.turns.pop_front() {
            let Some(app) = self.apps.get_mut(&app_id) else {
                continue;
            };
            app.waiting = false;
            if app.flights >= self.per_app_flights {
                continue;
            }
            let Some(key) = app.ready.pop_front() else {
                continue;
            };
            let Some(callback) = app.held.get_mut(&key).and_then(VecDeque::pop_front) else {
                continue;
            };
            app.count -= 1;
            app.flights += 1;
            app.busy.insert(key.clone());
            self.offer_turn(&app_id);
            return Some((key, callback));
        }
        None
    }

    /// `key`'s room's callback in flight is done with.
    pub(super) fn done(&mut self, key: &RoomKey) {
        let Some(app) = self.apps.get_mut(&key.app_id) else {
            return;
        };
        if app.busy.remove(key) {
            app.flights -= 1;
        }
        if app.held.get(key).is_some_and(|q| !q.is_empty()) {
            app.ready.push_back(key.clone());
        } else {
            app.held.remove(key);
        }
        if app.count == 0 && app.flights == 0 {
            self.apps.remove(&key.app_id);
            return;
        }
        self.offer_turn(&key.app_id);
    }

    /// Puts the app in line if it has a ready room, a free slot, and no place in line yet.
    fn offer_turn(&mut self, app_id: &Arc<str>) {
        if let Some(app) = self.apps.get_mut(app_id)
            && !app.waiting
            && !app.ready.is_empty()
            && app.flights < self.per_app_flights
        {
            app.waiting = true;
            self.turns.push_back(app_id.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chorus_proto::openapi::WebhookEventType;

    fn key(app: &str, room: &str) -> RoomKey {
        RoomKey {
            app_id: Arc::from(app),
            room_id: Arc::from(room),
        }
    }

    fn callback(id: &str) -> Callback {
        Callback {
            event_type: WebhookEventType::RoomCreate,
            event_id: id.into(),
            body: Vec::new(),
        }
    }

    #[test]
    fn a_room_goes_one_at_a_time_and_in_order() {
        let mut s = Schedule::new(4, 10);
        s.push(key("a", "r"), callback("1")).unwrap();
        s.push(key("a", "r"), callback("2")).unwrap();
        let (k, c) = s.next().unwrap();
        assert_eq!(c.event_id, "1");
        assert!(s.next().is_none(), "the room has one in flight");
        s.done(&k);
        assert_eq!(s.next().unwrap().1.event_id, "2");
    }

    #[test]
    fn a_busy_app_leaves_another_apps_slots_and_bound_alone() {
        let mut s = Schedule::new(2, 3);
        for room in ["r1", "r2", "r3"] {
            s.push(key("storm", room), callback(room)).unwrap();
        }
        assert!(s.push(key("storm", "r4"), callback("r4")).is_err());
        // The storm takes its two slots, and no more.
        assert!(s.next().is_some());
        assert!(s.next().is_some());
        assert!(s.next().is_none());
        // The other app is neither full nor waiting.
        s.push(key("calm", "r"), callback("calm")).unwrap();
        let (k, c) = s.next().unwrap();
        assert_eq!((k.app_id.as_ref(), c.event_id.as_str()), ("calm", "calm"));
    }
}
