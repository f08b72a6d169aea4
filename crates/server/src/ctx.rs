//! What every handler shares: the resolved configuration and a handle to each part of the
//! server. `lib.rs` builds it once; `signal` and `api` take it. It names the parts' handles
//! only, never `signal` or `api`, so the edges depend on it and not on the file that wires
//! them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use chorus_sign::ReplayGuard;

use crate::cluster::Cluster;
use crate::config::{Apps, Rate};
use crate::messaging::{BusinessServer, LoginRegistry};
use crate::metrics::Metrics;
use crate::public::PublicStreams;
use crate::room::Directory;
use crate::sfu::Sfu;
use crate::subtitle::Subtitles;
use crate::turn::TurnServers;
use crate::webhook::Webhooks;

/// What every handler shares.
pub(crate) struct Ctx {
    pub(crate) config: Resolved,
    pub(crate) directory: Directory,
    pub(crate) logins: LoginRegistry,
    pub(crate) business: BusinessServer,
    pub(crate) metrics: Metrics,
    pub(crate) sfu: Sfu,
    pub(crate) webhooks: Option<Webhooks>,
    pub(crate) subtitles: Subtitles,
    pub(crate) lifecycle: Lifecycle,
    /// OpenAPI signatures already accepted, so none is accepted twice. A lock taken once per
    /// signed OpenAPI request, never on the signalling or media paths.
    pub(crate) api_replays: Mutex<ReplayGuard>,
    /// The public streams pushed, and their compositors.
    pub(crate) public_streams: PublicStreams,
    /// This node's part in a cluster, in cluster mode.
    pub(crate) cluster: Option<Cluster>,
}

/// The configuration after defaults and dev credentials are filled in.
pub(crate) struct Resolved {
    pub(crate) apps: Apps,
    pub(crate) api_keys: HashMap<String, String>,
    /// The apps each scoped OpenAPI key may act on; a key not here may act on every app.
    pub(crate) api_scopes: HashMap<String, Vec<String>>,
    pub(crate) api_max_skew_secs: u64,
    pub(crate) ping_interval: Duration,
    pub(crate) idle_timeout: Duration,
    /// How long a client's writes may make no progress before it is dropped.
    pub(crate) write_timeout: Duration,
    /// How long a connection has to show a valid token (joinRoom or login).
    pub(crate) join_timeout: Duration,
    /// How long an HTTP client has to send a request's body once its headers are in.
    pub(crate) body_read_timeout: Duration,
    /// Each client's limit on in-room messages.
    pub(crate) message_limit: Rate,
    /// Each client's limit on publish, visibility, capture and subscription changes.
    pub(crate) state_change_limit: Rate,
    /// The TURN servers handed to joining clients, if any.
    pub(crate) turn: Option<TurnServers>,
}

/// The server's running state: whether it is draining, how far moving its clients to other
/// nodes has come, and the next session's number.
#[derive(Debug)]
pub(crate) struct Lifecycle {
    draining: AtomicBool,
    moving_off: tokio::sync::watch::Sender<MoveOff>,
    /// Sessions whose client is connected (counted by [`Connected`]).
    connected: AtomicUsize,
    next_session: AtomicU64,
}

/// How far a draining cluster node has come in moving its clients off, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum MoveOff {
    /// Not moving anyone.
    No,
    /// Every session closes its client's connection with a reason to reconnect, and stays
    /// in its room, so that no client hears of another leaving.
    CloseConnections,
    /// Every session leaves its room, so the rooms empty at once.
    LeaveRooms,
}

/// A session's client counted as connected until this is dropped.
pub(crate) struct Connected<'a>(&'a Lifecycle);

impl Drop for Connected<'_> {
    fn drop(&mut self) {
        self.0.connected.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            draining: AtomicBool::new(false),
            moving_off: tokio::sync::watch::Sender::new(MoveOff::No),
            connected: AtomicUsize::new(0),
            next_session: AtomicU64::new(1),
        }
    }
}

impl Lifecycle {
    /// From now on, joins are refused.
    pub(crate) fn start_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Moves the clients off as far as `phase`.
    pub(crate) fn move_off(&self, phase: MoveOff) {
        self.moving_off.send_replace(phase);
    }

    /// How far moving the clients off has come, as it changes.
    pub(crate) fn moving_off(&self) -> tokio::sync::watch::Receiver<MoveOff> {
        self.moving_off.subscribe()
    }

    /// Counts a session's client as connected while the result lives.
    pub(crate) fn connected(&self) -> Connected<'_> {
        self.connected.fetch_add(1, Ordering::Relaxed);
        Connected(self)
    }

    /// How many sessions' clients are connected.
    pub(crate) fn connected_count(&self) -> usize {
        self.connected.load(Ordering::Relaxed)
    }
}

impl Ctx {
    pub(crate) fn next_session_id(&self) -> u64 {
        self.lifecycle.next_session.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn is_draining(&self) -> bool {
        self.lifecycle.draining.load(Ordering::Relaxed)
    }
}
