//! The session's write side: the messages waiting for the socket, written without ever
//! holding up the session loop.
//!
//! The loop polls [`Writer::drain`] as one branch of its `select!` next to the kill signal,
//! the timers and the reader, so a client that stops reading can no longer keep the session
//! from seeing those. The writer remembers when it last made progress; the loop drops a
//! client whose writes made none for the write timeout. Depends on the socket's sink only.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::task::{Context, Poll, ready};

use axum::extract::ws::{Message, WebSocket};
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use tokio::time::Instant;

/// Most queue slots an idle writer keeps.
const KEPT_CAPACITY: usize = 4;

/// The socket's write half and what is waiting for it.
pub(super) struct Writer {
    sink: SplitSink<WebSocket, Message>,
    queue: VecDeque<Message>,
    /// Messages were handed to the sink since the last flush.
    unflushed: bool,
    /// When the writer last got a message into the sink, or became busy.
    last_progress: Instant,
}

impl Writer {
    pub(super) fn new(sink: SplitSink<WebSocket, Message>) -> Self {
        Writer {
            sink,
            queue: VecDeque::new(),
            unflushed: false,
            last_progress: Instant::now(),
        }
    }

    /// Nothing waiting to be written or flushed.
    /// The sink back, once drained, to hand the socket to another owner.
    pub(super) fn into_sink(self) -> SplitSink<WebSocket, Message> {
        self.sink
    }

    pub(super) fn is_idle(&self) -> bool {
        self.queue.is_empty() && !self.unflushed
    }

    /// Messages waiting for the sink.
    pub(super) fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Queues `message` behind what is already waiting.
    pub(super) fn push(&mut self, message: Message) {
        if self.is_idle() {
            // A writer that was idle has made no progress to miss yet.
            self.last_progress = Instant::now();
        }
        self.queue.push_back(message);
    }

    /// When a busy writer that makes no more progress counts as stalled.
    pub(super) fn stalled_at(&self, timeout: std::time::Duration) -> Instant {
        self.last_progress + timeout
    }

    /// Writes everything queued, then flushes once: with TCP_NODELAY, a flush per message
    /// would send a packet per message. Cancel-safe: what is left stays queued here.
    pub(super) async fn drain(&mut self) -> Result<(), axum::Error> {
        poll_fn(|cx| self.poll_drain(cx)).await
    }

    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), axum::Error>> {
        while !self.queue.is_empty() {
            ready!(self.sink.poll_ready_unpin(cx))?;
            let Some(message) = self.queue.pop_front() else {
                break;
            };
            self.sink.start_send_unpin(message)?;
            self.unflushed = true;
            self.last_progress = Instant::now();
        }
        if self.unflushed {
            ready!(self.sink.poll_flush_unpin(cx))?;
            self.unflushed = false;
        }
        if self.queue.capacity() > KEPT_CAPACITY {
            // A join's snapshot fills a burst; an idle session need not keep room for one.
            self.queue = VecDeque::new();
        }
        Poll::Ready(Ok(()))
    }
}
