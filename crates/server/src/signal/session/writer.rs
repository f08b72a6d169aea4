//! The session's write side: the frames waiting for the socket, written by whichever task
//! produced them, without waking the session.
//!
//! A room (or the login registry) that has a frame for a client appends it here and writes it
//! at once with a non-blocking write ([`Direct`]): a message then wakes the room and no
//! session at all, where it used to wake the receiver's session to write the delivery and the
//! sender's to write the answer. A small lock covers the append and the write; nothing is
//! awaited under it. What a full socket leaves stays queued, and the session is told to write
//! it with a waker of its own (its loop polls [`Writer::drain`] next to the kill signal, the
//! timers and the reader, so a client that stops reading never holds the loop up). Once the
//! session has taken over, producers only append until it has caught up. The queue's frames
//! from producers are counted in bytes and bounded as the outbox was: past the bound the
//! producer is refused and cuts the client off.
//!
//! The writer remembers when it last made progress; the loop drops a client whose writes
//! made none for the write timeout. Depends on the socket's sink and the room's
//! [`DirectWrite`] alone.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker, ready};

use axum::body::Bytes;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use prometheus_client::metrics::counter::Counter;
use tokio::sync::Notify;
use tokio::task::coop::unconstrained;
use tokio::time::Instant;

use crate::frame::Frame;
use crate::room::{DirectWrite, PushError};

/// Most queue slots an idle writer keeps.
const KEPT_CAPACITY: usize = 4;

/// The session's handle on its socket's write half.
pub(super) struct Writer {
    shared: Arc<Shared>,
}

/// The producers' handle on the same write half, for the session's link.
#[derive(Debug)]
pub(super) struct Direct {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// Told when a producer left frames the socket would not take: the session writes them.
    blocked: Arc<Notify>,
    /// Counts those times, server-wide (`chorus_writes_left_to_session_total`).
    left_to_session: Counter,
}

struct State {
    /// `None` once the session has let go of the socket: producers are then refused.
    sink: Option<SplitSink<WebSocket, Message>>,
    /// Each message with the bytes it counts toward the bound (0 for the session's own).
    queue: VecDeque<(Message, usize)>,
    /// Bytes of producers' frames in `queue`.
    queued_bytes: usize,
    /// Messages were handed to the sink since the last flush.
    unflushed: bool,
    /// A write found the socket full: the session writes until the queue is empty, and
    /// producers only append meanwhile.
    blocked: bool,
    /// A write failed: the connection is over and frames are dropped from now on.
    failed: bool,
    /// Notices sent to the session and not yet handled: what is queued waits for them (see
    /// [`DirectWrite::hold`]).
    holds: usize,
    /// When the writer last got a message into the sink, or became busy.
    last_progress: Instant,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("open", &self.sink.is_some())
            .field("queued", &self.queue.len())
            .field("queued_bytes", &self.queued_bytes)
            .field("blocked", &self.blocked)
            .field("failed", &self.failed)
            .field("holds", &self.holds)
            .finish()
    }
}

/// The sink returned an error: the connection is over.
#[derive(Debug, thiserror::Error)]
#[error("the socket failed: {0}")]
pub(super) struct WriteFailed(String);

impl Writer {
    /// The writer for `sink`, and the handle producers write through; `left_to_session`
    /// counts the producers' writes the socket would not take at once.
    pub(super) fn new(
        sink: SplitSink<WebSocket, Message>,
        left_to_session: Counter,
    ) -> (Self, Direct) {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                sink: Some(sink),
                queue: VecDeque::new(),
                queued_bytes: 0,
                unflushed: false,
                blocked: false,
                failed: false,
                holds: 0,
                last_progress: Instant::now(),
            }),
            blocked: Arc::new(Notify::new()),
            left_to_session,
        });
        let direct = Direct {
            shared: shared.clone(),
        };
        (Writer { shared }, direct)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state()
    }

    /// Notified when producers left frames for the session to write.
    pub(super) fn blocked_signal(&self) -> Arc<Notify> {
        self.shared.blocked.clone()
    }

    /// The sink back, once drained, to hand the socket to another owner; producers are
    /// refused from now on.
    pub(super) fn into_sink(self) -> Option<SplitSink<WebSocket, Message>> {
        self.state().sink.take()
    }

    /// Lets go of the socket: producers are refused from now on. True when frames were
    /// left unwritten (queued, or handed to a socket that then failed).
    pub(super) fn shut(&self) -> bool {
        let mut state = self.state();
        let lost = !state.is_idle() || state.failed;
        state.sink = None;
        state.queue.clear();
        state.queued_bytes = 0;
        lost
    }

    /// Something waits to be written or flushed and no notice holds it, or a write failed
    /// (which [`Writer::drain`] then reports).
    pub(super) fn is_busy(&self) -> bool {
        let state = self.state();
        (!state.is_idle() && state.holds == 0) || state.failed
    }

    /// The session has handled a notice: the frames queued before it may go.
    pub(super) fn release(&self) {
        let mut state = self.state();
        state.holds = state.holds.saturating_sub(1);
    }

    /// Messages waiting for the sink.
    pub(super) fn queued(&self) -> usize {
        self.state().queue.len()
    }

    /// Queues the session's own `message` behind what is already waiting; it does not count
    /// toward the producers' bound.
    pub(super) fn push(&mut self, message: Message) {
        self.state().append(message, 0);
    }

    /// When a busy writer that makes no more progress counts as stalled.
    pub(super) fn stalled_at(&self, timeout: std::time::Duration) -> Instant {
        self.state().last_progress + timeout
    }

    /// Writes everything queued, then flushes once: with TCP_NODELAY, a flush per message
    /// would send a packet per message. Cancel-safe: what is left stays queued.
    pub(super) async fn drain(&mut self) -> Result<(), WriteFailed> {
        poll_fn(|cx| {
            let mut state = self.state();
            let drained = state.poll_drain(cx);
            if drained.is_ready() {
                // Caught up: producers write for themselves again.
                state.blocked = false;
            }
            drained
        })
        .await
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // Nothing under the lock panics on purpose; a poisoned queue is still a queue.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    fn is_idle(&self) -> bool {
        self.queue.is_empty() && !self.unflushed
    }

    fn append(&mut self, message: Message, bytes: usize) {
        if self.is_idle() {
            // A writer that was idle has made no progress to miss yet.
            self.last_progress = Instant::now();
        }
        self.queued_bytes += bytes;
        self.queue.push_back((message, bytes));
    }

    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WriteFailed>> {
        if self.failed {
            return Poll::Ready(Err(WriteFailed("an earlier write failed".into())));
        }
        if self.holds > 0 {
            // Written once the session has handled the notice that holds them.
            return Poll::Ready(Ok(()));
        }
        let Some(sink) = self.sink.as_mut() else {
            return Poll::Ready(Err(WriteFailed("the socket was let go".into())));
        };
        let failed = |e: axum::Error| WriteFailed(e.to_string());
        while !self.queue.is_empty() {
            if let Err(e) = ready!(sink.poll_ready_unpin(cx)) {
                self.failed = true;
                return Poll::Ready(Err(failed(e)));
            }
            let Some((message, bytes)) = self.queue.pop_front() else {
                break;
            };
            self.queued_bytes -= bytes;
            if let Err(e) = sink.start_send_unpin(message) {
                self.failed = true;
                return Poll::Ready(Err(failed(e)));
            }
            self.unflushed = true;
            self.last_progress = Instant::now();
        }
        if self.unflushed {
            if let Err(e) = ready!(sink.poll_flush_unpin(cx)) {
                self.failed = true;
                return Poll::Ready(Err(failed(e)));
            }
            self.unflushed = false;
        }
        if self.queue.capacity() > KEPT_CAPACITY {
            // A join's snapshot fills a burst; an idle session need not keep room for one.
            self.queue = VecDeque::new();
        }
        Poll::Ready(Ok(()))
    }
}

impl DirectWrite for Direct {
    fn queue(&self, frame: Frame, bound: usize) -> Result<(), PushError> {
        let mut state = self.shared.state();
        if state.sink.is_none() {
            return Err(PushError::Closed);
        }
        if state.failed {
            // The session is ending: the frame is lost as it would be in the socket.
            return Ok(());
        }
        let bytes = frame.byte_len();
        if state.queued_bytes + bytes > bound {
            return Err(PushError::Full);
        }
        state.append(text_message(frame), bytes);
        Ok(())
    }

    fn hold(&self) {
        self.shared.state().holds += 1;
    }

    fn flush(&self) {
        let mut state = self.shared.state();
        if state.blocked || state.holds > 0 || state.is_idle() || state.sink.is_none() {
            // The session writes what is left, or there is nothing to write.
            return;
        }
        // A waker that does nothing: if the socket is full, the session is told below and
        // polls again with its own.
        let mut cx = Context::from_waker(Waker::noop());
        // Outside tokio's cooperative budget: a room writes to many members in one poll, and
        // once its task's budget (128 I/O operations a poll) was spent, every later write
        // came back Pending as if the socket were full, so the sessions woke to write after
        // all (80% of the writes at full speed). The write never waits and is bounded by
        // what is queued, so the budget has nothing to protect here.
        let drained = {
            let mut drain = pin!(unconstrained(poll_fn(|cx| state.poll_drain(cx))));
            drain.as_mut().poll(&mut cx)
        };
        match drained {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(_)) => {
                // The session's loop sees the failure and ends the connection.
                state.queue.clear();
                state.queued_bytes = 0;
                state.unflushed = false;
                self.shared.blocked.notify_one();
            }
            Poll::Pending => {
                self.shared.left_to_session.inc();
                state.blocked = true;
                self.shared.blocked.notify_one();
            }
        }
    }
}

/// The WebSocket message for `frame`. It shares the frame's text rather than copying it, so
/// an event fanned out to a whole room is still serialised and stored once.
pub(super) fn text_message(frame: Frame) -> Message {
    let text = Utf8Bytes::try_from(Bytes::from_owner(frame))
        .expect("a Frame is made from a String, so its bytes are UTF-8");
    Message::Text(text)
}
