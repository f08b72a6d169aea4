//! A session's outbox: the way from rooms (and the login registry) to one session, a FIFO of
//! frames bounded by bytes.
//!
//! A bound counted in frames either cuts off healthy receivers of many small messages or lets
//! a stalled one hold a lot of memory; counting bytes keeps both in check. Senders never wait:
//! past the bound the receiver counts as not reading and is cut off, so one slow client never
//! stalls a room.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::sync::{Notify, mpsc};

use super::RoomKey;
use super::participant::SessionId;
use crate::frame::Frame;

/// Most bytes of frames waiting for one session's socket.
pub(crate) const OUTBOX_BYTES: usize = 4 * 1024 * 1024;

/// What a room or the login registry sends a session.
#[derive(Debug)]
pub(crate) enum Outbound {
    /// A text frame for the socket, already serialised.
    Frame(Frame),
    /// The session is no longer in this room.
    Detached(RoomKey),
    /// The session's login with this generation was ended elsewhere.
    LoggedOut(u64),
}

/// Why a frame could not be queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PushError {
    /// The session is not reading: past [`OUTBOX_BYTES`]. It has been told to close.
    Full,
    /// The session is gone.
    Closed,
}

/// How a room reaches one session.
#[derive(Debug, Clone)]
pub(crate) struct SessionLink {
    pub(crate) session: SessionId,
    tx: mpsc::UnboundedSender<Outbound>,
    queued: Arc<AtomicUsize>,
    kill: Arc<Notify>,
    unwritten: Arc<AtomicBool>,
}

/// The session's end of its link.
#[derive(Debug)]
pub(crate) struct Outbox {
    rx: mpsc::UnboundedReceiver<Outbound>,
    queued: Arc<AtomicUsize>,
    kill: Arc<Notify>,
    unwritten: Arc<AtomicBool>,
}

/// A new link for `session`, and the outbox it fills.
pub(crate) fn open_outbox(session: SessionId) -> (SessionLink, Outbox) {
    let (tx, rx) = mpsc::unbounded_channel();
    let queued = Arc::new(AtomicUsize::new(0));
    let kill = Arc::new(Notify::new());
    let unwritten = Arc::new(AtomicBool::new(false));
    let link = SessionLink {
        session,
        tx,
        queued: queued.clone(),
        kill: kill.clone(),
        unwritten: unwritten.clone(),
    };
    let outbox = Outbox {
        rx,
        queued,
        kill,
        unwritten,
    };
    (link, outbox)
}

fn size(out: &Outbound) -> usize {
    match out {
        Outbound::Frame(frame) => frame.byte_len(),
        Outbound::Detached(_) | Outbound::LoggedOut(_) => 0,
    }
}

impl SessionLink {
    /// Queues `out`. Notices (not frames) are always taken while the session lives.
    pub(crate) fn push(&self, out: Outbound) -> Result<(), PushError> {
        let size = size(&out);
        let before = self.queued.fetch_add(size, Ordering::Relaxed);
        if size > 0 && before + size > OUTBOX_BYTES {
            self.queued.fetch_sub(size, Ordering::Relaxed);
            self.kill.notify_one();
            return Err(PushError::Full);
        }
        self.tx.send(out).map_err(|_| PushError::Closed)
    }

    /// Ends the session's connection, as a full outbox does. The client sees its connection
    /// drop and reconnects, which makes it a new session.
    pub(crate) fn kill(&self) {
        self.kill.notify_one();
    }

    /// Whether frames queued for this session never reached its socket: still waiting in
    /// the outbox, or taken but not written (see [`Outbox::unwritten`]). Asked once the
    /// session has gone, so what it was owed counts as missed, not delivered.
    pub(crate) fn lost_frames(&self) -> bool {
        self.queued.load(Ordering::Relaxed) > 0 || self.unwritten.load(Ordering::Relaxed)
    }
}

impl Outbox {
    /// The next item, waiting for one.
    pub(crate) async fn recv(&mut self) -> Option<Outbound> {
        let out = self.rx.recv().await?;
        self.queued.fetch_sub(size(&out), Ordering::Relaxed);
        Some(out)
    }

    /// The next item, if one is waiting.
    pub(crate) fn try_recv(&mut self) -> Option<Outbound> {
        let out = self.rx.try_recv().ok()?;
        self.queued.fetch_sub(size(&out), Ordering::Relaxed);
        Some(out)
    }

    /// The socket failed while frames taken from this outbox were being written: they may
    /// not have reached the client.
    pub(crate) fn unwritten(&self) {
        self.unwritten.store(true, Ordering::Relaxed);
    }

    /// Notified when a sender found this session not reading.
    pub(crate) fn kill_signal(&self) -> Arc<Notify> {
        self.kill.clone()
    }
}
