//! A session's outbox: the way from rooms (and the login registry) to one session, a FIFO of
//! frames bounded by bytes.
//!
//! A bound counted in frames either cuts off healthy receivers of many small messages or lets
//! a stalled one hold a lot of memory; counting bytes keeps both in check. Senders never wait:
//! past the bound the receiver counts as not reading and is cut off, so one slow client never
//! stalls a room.
//!
//! A session with a socket gives its link a [`DirectWrite`]: frames then skip the session's
//! task and go straight to its socket's queue, written by the task that produced them (a
//! message wakes its room and no session). Notices, and frames for a session without one
//! (tests), go through the channel. Either way the frames of one session stay in the order
//! they were pushed.

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

/// A session's socket queue that any task may append frames to and write without waiting.
/// Implemented where the socket lives (`signal`); rooms know only this.
pub(crate) trait DirectWrite: Send + Sync + std::fmt::Debug {
    /// Appends `frame` unless the frames waiting would pass `bound` bytes (`Full`) or the
    /// session has let go of its socket (`Closed`).
    fn queue(&self, frame: Frame, bound: usize) -> Result<(), PushError>;
    /// Writes what is queued as far as the socket takes it now; the session writes the rest.
    fn flush(&self);
    /// Holds what is queued until the session has handled a notice sent after it: a frame
    /// must not reach the client before the session has acted on what came before it (a
    /// leave's answer before its media is closed).
    fn hold(&self);
}

/// How a room reaches one session.
#[derive(Debug, Clone)]
pub(crate) struct SessionLink {
    pub(crate) session: SessionId,
    /// The session's socket queue, when frames go straight to it.
    direct: Option<Arc<dyn DirectWrite>>,
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
        direct: None,
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
    /// This link, with its frames going straight to `direct`.
    pub(crate) fn with_direct(mut self, direct: Arc<dyn DirectWrite>) -> Self {
        self.direct = Some(direct);
        self
    }

    /// Queues `out` and, for a frame that goes straight to the socket, writes it now.
    /// Notices (not frames) are always taken while the session lives.
    pub(crate) fn push(&self, out: Outbound) -> Result<(), PushError> {
        let direct = matches!(out, Outbound::Frame(_)) && self.direct.is_some();
        self.push_deferred(out)?;
        if direct {
            self.flush();
        }
        Ok(())
    }

    /// Queues `out` as [`SessionLink::push`] does, but leaves a frame that goes straight to
    /// the socket unwritten until [`SessionLink::flush`]: a room writes once per turn what
    /// the turn produced for each session.
    pub(crate) fn push_deferred(&self, out: Outbound) -> Result<(), PushError> {
        let out = match (&self.direct, out) {
            (Some(direct), Outbound::Frame(frame)) => {
                return direct.queue(frame, OUTBOX_BYTES).inspect_err(|e| {
                    if *e == PushError::Full {
                        self.kill.notify_one();
                    }
                });
            }
            (direct, out) => {
                if let Some(direct) = direct {
                    // Released by the session once it has handled this notice.
                    direct.hold();
                }
                out
            }
        };
        self.push_via_session(out)
    }

    /// Queues `out` in the outbox even when frames could go straight to the socket: the
    /// session takes it, with whatever else is waiting there, and writes them together.
    pub(crate) fn push_via_session(&self, out: Outbound) -> Result<(), PushError> {
        let size = size(&out);
        let before = self.queued.fetch_add(size, Ordering::Relaxed);
        if size > 0 && before + size > OUTBOX_BYTES {
            self.queued.fetch_sub(size, Ordering::Relaxed);
            self.kill.notify_one();
            return Err(PushError::Full);
        }
        self.tx.send(out).map_err(|_| PushError::Closed)
    }

    /// Writes the frames [`SessionLink::push_deferred`] left, as far as the socket takes
    /// them now.
    pub(crate) fn flush(&self) {
        if let Some(direct) = &self.direct {
            direct.flush();
        }
    }

    /// The session's socket queue, when frames go straight to it.
    pub(crate) fn direct(&self) -> Option<&Arc<dyn DirectWrite>> {
        self.direct.as_ref()
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
