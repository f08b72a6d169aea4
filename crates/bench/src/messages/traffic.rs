//! The clients' side: each user's counts and flow control, the message stamps that time a
//! message from send to receipt, and the sending and receiving halves of a connection.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chorus_proto::{Event, MessageParams, Request, RequestFrame, ServerFrame, UserMessageParams};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::time::MissedTickBehavior;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{EventTally, Ws};

use super::{MEASURE, Mode, STOP};

/// One user: what it sent and received, and the flow control of its sends.
pub(super) struct Peer {
    /// Deliveries each of its messages makes.
    pub(super) fanout: u32,
    /// Messages sent.
    pub(super) sent: AtomicU64,
    /// Answers to them, successes and failures.
    pub(super) answered: AtomicU64,
    /// Failed answers.
    pub(super) failed: AtomicU64,
    /// Its messages that reached every receiver (or failed).
    pub(super) completed: AtomicU64,
    /// Messages it received.
    pub(super) received: AtomicU64,
    /// In `room` mode, receipts of message `seq` so far in slot `seq % window`.
    pub(super) slots: Box<[AtomicU32]>,
    /// Woken when an answer or a completion may have opened its window.
    pub(super) wake: Notify,
    /// Send -> receipt of the messages it received while measuring.
    pub(super) samples: Mutex<Vec<Duration>>,
}

/// What every client task shares.
pub(super) struct Shared {
    pub(super) mode: Mode,
    pub(super) epoch: Instant,
    pub(super) phase: AtomicU8,
    pub(super) peers: Vec<Peer>,
    pub(super) window: u64,
    pub(super) in_flight: Option<Semaphore>,
    pub(super) errors: Mutex<BTreeMap<String, u64>>,
    pub(super) tally: Arc<EventTally>,
}

impl Shared {
    pub(super) fn phase(&self) -> u8 {
        self.phase.load(Ordering::Acquire)
    }

    pub(super) fn now_nanos(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    pub(super) fn error(&self, what: &str) {
        let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
        *errors.entry(what.to_owned()).or_default() += 1;
    }

    /// Message `seq` of `from` arrived somewhere.
    pub(super) fn receipt(&self, from: usize, seq: u64) {
        let Some(peer) = self.peers.get(from) else {
            return;
        };
        if peer.fanout > 1 {
            let slot = &peer.slots[(seq % self.window) as usize];
            if slot.fetch_add(1, Ordering::AcqRel) + 1 < peer.fanout {
                return;
            }
            // Every receiver has it. The sender reuses the slot only once this message counts
            // as completed (receivers get one sender's room messages in order).
            slot.store(0, Ordering::Release);
        }
        self.complete(peer);
    }

    pub(super) fn complete(&self, peer: &Peer) {
        peer.completed.fetch_add(1, Ordering::AcqRel);
        peer.wake.notify_one();
        if let Some(in_flight) = &self.in_flight {
            in_flight.add_permits(1);
        }
    }

    pub(super) fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for peer in &self.peers {
            let answered = peer.answered.load(Ordering::Relaxed);
            let failed = peer.failed.load(Ordering::Relaxed);
            t.sent += peer.sent.load(Ordering::Relaxed);
            t.answered += answered;
            t.failed += failed;
            t.received += peer.received.load(Ordering::Relaxed);
            t.expected += answered.saturating_sub(failed) * u64::from(peer.fanout);
        }
        t
    }
}

/// Counts summed over all users.
#[derive(Default, Clone, Copy)]
pub(super) struct Totals {
    pub(super) sent: u64,
    pub(super) answered: u64,
    pub(super) failed: u64,
    pub(super) received: u64,
    /// Deliveries the successful answers promise.
    pub(super) expected: u64,
}

/// A room (or group) as `(first user, members)` for user `i`.
pub(super) fn group_of(i: usize, room_size: usize, users: usize) -> (usize, usize) {
    let base = i / room_size * room_size;
    (base, room_size.min(users - base))
}

/// Whom user `i` sends its `seq`-th message to: the other members of its group in turn.
pub(super) fn target(i: usize, seq: u64, room_size: usize, users: usize) -> usize {
    let (base, len) = group_of(i, room_size, users);
    let others = (len - 1) as u64;
    base + (i - base + 1 + (seq % others) as usize) % len
}

/// The message text: `sender.seq.nanos.` padded with `x` to `size` bytes.
pub(super) fn stamp(from: usize, seq: u64, nanos: u64, size: usize) -> String {
    let mut text = format!("{from}.{seq}.{nanos}.");
    let pad = size.saturating_sub(text.len());
    text.extend(std::iter::repeat_n('x', pad));
    text
}

/// Reads a stamp back: sender, seq, nanos.
pub(super) fn read_stamp(text: &str) -> Option<(usize, u64, u64)> {
    let mut parts = text.splitn(4, '.');
    let from = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    let nanos = parts.next()?.parse().ok()?;
    Some((from, seq, nanos))
}

pub(super) fn sender_failed(e: &anyhow::Error) {
    eprintln!("\nchorus-bench: a sender stopped: {e:#}");
}

/// One user's sending half.
pub(super) struct Sender {
    pub(super) shared: Arc<Shared>,
    pub(super) me: usize,
    pub(super) user_id: String,
    pub(super) next_id: u64,
    pub(super) users: usize,
    pub(super) room_size: usize,
    pub(super) size: usize,
}

impl Sender {
    /// Sends from the start signal until the stop phase, within the window, the in-flight
    /// bound and `pace` (first send's offset, period) if given.
    pub(super) async fn run(
        &self,
        mut sink: SplitSink<Ws, Message>,
        mut start: watch::Receiver<bool>,
        pace: Option<(Duration, Duration)>,
    ) -> anyhow::Result<()> {
        if start.wait_for(|go| *go).await.is_err() {
            return Ok(());
        }
        let shared = &*self.shared;
        let peer = &shared.peers[self.me];
        let mut ticks = pace.map(|(offset, period)| {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            ticks
        });
        let mut seq = 0u64;
        loop {
            loop {
                if shared.phase() >= STOP {
                    return Ok(());
                }
                let answered = peer.answered.load(Ordering::Acquire);
                let completed = peer.completed.load(Ordering::Acquire);
                if seq - answered.min(completed) < shared.window {
                    break;
                }
                peer.wake.notified().await;
            }
            if let Some(ticks) = &mut ticks {
                ticks.tick().await;
            }
            if let Some(in_flight) = &shared.in_flight {
                match in_flight.acquire().await {
                    Ok(permit) => permit.forget(),
                    Err(_) => return Ok(()),
                }
            }
            if shared.phase() >= STOP {
                return Ok(());
            }
            let message = stamp(self.me, seq, shared.now_nanos(), self.size);
            let request = match shared.mode {
                Mode::User => Request::SendUserMessage(UserMessageParams {
                    user_id: self.to(seq),
                    message,
                }),
                Mode::Room => Request::SendRoomMessage(MessageParams { message }),
                Mode::Outside => Request::SendUserMessageOutsideRoom(UserMessageParams {
                    user_id: self.to(seq),
                    message,
                }),
            };
            let text = RequestFrame {
                id: self.next_id + seq,
                request,
            }
            .to_json();
            sink.send(Message::Text(text.into()))
                .await
                .with_context(|| format!("{} cannot send", self.user_id))?;
            seq += 1;
            peer.sent.store(seq, Ordering::Release);
        }
    }

    pub(super) fn to(&self, seq: u64) -> String {
        format!("u{}", target(self.me, seq, self.room_size, self.users))
    }
}

/// One user's receiving half: counts answers and messages, times messages while measuring,
/// and reads until the connection ends (or the task is aborted), as a client must.
pub(super) async fn read(shared: Arc<Shared>, me: usize, mut stream: SplitStream<Ws>) {
    let peer = &shared.peers[me];
    while let Some(message) = stream.next().await {
        let text = match message {
            Ok(Message::Text(text)) => text,
            Ok(Message::Close(_)) => {
                shared.error("connection closed by the server");
                return;
            }
            Ok(_) => continue,
            Err(_) => {
                shared.error("connection failed");
                return;
            }
        };
        match ServerFrame::parse(&text) {
            Ok(ServerFrame::Response { outcome, .. }) => {
                if let Err(e) = outcome {
                    shared.error(e.code.as_str());
                    peer.failed.fetch_add(1, Ordering::Relaxed);
                    // A failed message is never delivered; it frees its place at once.
                    shared.complete(peer);
                }
                peer.answered.fetch_add(1, Ordering::AcqRel);
                peer.wake.notify_one();
            }
            Ok(ServerFrame::Event(
                Event::UserMessageReceived(m)
                | Event::RoomMessageReceived(m)
                | Event::UserMessageReceivedOutsideRoom(m),
            )) => {
                let now = shared.now_nanos();
                let Some((from, seq, sent)) = read_stamp(&m.message) else {
                    shared.error("message without a stamp");
                    continue;
                };
                peer.received.fetch_add(1, Ordering::Relaxed);
                if shared.phase() == MEASURE {
                    let took = Duration::from_nanos(now.saturating_sub(sent));
                    peer.samples
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(took);
                }
                shared.receipt(from, seq);
            }
            Ok(ServerFrame::Event(event)) => shared.tally.record(&event),
            Err(_) => shared.error("unreadable frame"),
        }
    }
    if shared.phase() < STOP {
        shared.error("connection ended");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn targets_rotate_through_the_others_of_the_group() {
        // Rooms of 4 out of 10 users: 0-3, 4-7, 8-9.
        let to: Vec<usize> = (0..4).map(|seq| target(5, seq, 4, 10)).collect();
        assert_eq!(to, [6, 7, 4, 6]);
        let to: Vec<usize> = (0..3).map(|seq| target(9, seq, 4, 10)).collect();
        assert_eq!(to, [8, 8, 8]);
        assert_eq!(group_of(9, 4, 10), (8, 2));
    }

    #[test]
    pub(super) fn stamps_read_back_and_pad_to_size() {
        let text = stamp(12, 345, 6_789_000, 100);
        assert_eq!(text.len(), 100);
        assert_eq!(read_stamp(&text), Some((12, 345, 6_789_000)));
        let short = stamp(12, 345, 6_789_000, 4);
        assert_eq!(short, "12.345.6789000.");
        assert_eq!(read_stamp(&short), Some((12, 345, 6_789_000)));
        assert_eq!(read_stamp("hello"), None);
    }
}
