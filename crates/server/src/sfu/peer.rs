//! One client as the SFU knows it: its transports, the events waiting for its session, and
//! what to restore after a failure. A plain record: the router's `peers.rs` acts on it, and
//! this file does not depend on the router, so the router can hold peers without a circle.

use std::collections::{HashMap, VecDeque};

use std::sync::Arc;

use chorus_proto::{RemoteUserPriority, SimulcastStreamType, SubscribeFallbackOption};
use tokio::sync::mpsc;

use super::ids::TransportId;
use super::source::Feed;
use super::{ForwardMode, PeerEvent, PeerId};

/// One client as the SFU knows it.
pub(super) struct Peer {
    pub(super) events: mpsc::Sender<PeerEvent>,
    /// Events the channel had no room for, in order.
    pub(super) outbox: VecDeque<PeerEvent>,
    pub(super) publisher: Option<TransportId>,
    pub(super) subscriber: Option<TransportId>,
    /// The simulcast layer chosen per publisher (High when not chosen).
    pub(super) layers: HashMap<PeerId, SimulcastStreamType>,
    /// What subscribe fallback may do to what this peer receives.
    pub(super) fallback: SubscribeFallbackOption,
    /// Publishers' priorities under fallback, by user id (Low when not set).
    pub(super) priorities: HashMap<Arc<str>, RemoteUserPriority>,
    /// Forwards to restore on a new subscriber transport after the last one failed.
    pub(super) restore: Vec<(Feed, ForwardMode)>,
}

impl Peer {
    /// A peer with no transports yet, telling its session things on `events`.
    pub(super) fn new(events: mpsc::Sender<PeerEvent>) -> Self {
        Peer {
            events,
            outbox: VecDeque::new(),
            publisher: None,
            subscriber: None,
            layers: HashMap::new(),
            fallback: SubscribeFallbackOption::Disable,
            priorities: HashMap::new(),
            restore: Vec::new(),
        }
    }
}
