//! The data plane: WebRTC transports and RTP forwarding.
//!
//! One task owns every transport (a str0m `Rtc` per publisher and per subscriber transport)
//! and the UDP socket they share, so forwarding a packet from one transport to another is a
//! function call, never a channel hop or a lock. The rest of the server talks to it through
//! [`Sfu`], a handle that sends [`Command`]s; what the SFU has to tell a client (a subscriber
//! offer, a failed transport) goes straight to that client's session as a [`PeerEvent`].
//!
//! Must not depend on `room`, `signal` or `api`: it knows peers and tracks, not users, rooms
//! or permissions. The room decides *what* is forwarded; this module does the forwarding.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use chorus_proto::{
    PublishedTrack, SimulcastStreamType, StreamIndex, SubscriberOfferEvent, TrackKind,
};
use tokio::sync::{mpsc, oneshot};

/// Names one client's media: its publisher and subscriber transports. The session picks it
/// (its own session number) and keeps it for its whole life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct PeerId(pub(crate) u64);

/// One published track: a peer's stream and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Source {
    pub(crate) publisher: PeerId,
    pub(crate) index: StreamIndex,
    pub(crate) kind: TrackKind,
}

/// What a subscriber gets of one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ForwardMode {
    /// Not subscribed: the m-line is stopped (renegotiated away).
    Off,
    /// Subscribed but paused: the m-line stays, no packets flow.
    Paused,
    /// Subscribed: packets flow.
    On,
}

/// Where the SFU listens and what it tells clients.
#[derive(Debug, Clone)]
pub(crate) struct SfuConfig {
    /// The UDP (and ICE-TCP) address to bind; port 0 picks one.
    pub(crate) bind: SocketAddr,
    /// The address advertised in candidates instead of the bound IP (1:1 NAT, or a relay).
    pub(crate) public_ip: Option<IpAddr>,
}

/// Why a media request failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SfuError {
    /// The SDP could not be parsed or accepted.
    #[error("the SDP was not accepted: {0}")]
    Sdp(String),
    /// An m-line in the offer is not in the track list, or the list names an unknown mid.
    #[error("the track list does not match the offer: {0}")]
    Tracks(String),
    /// No subscriber offer is waiting for this answer.
    #[error("no subscriber offer is waiting for an answer")]
    NoPendingOffer,
    /// The peer was never opened or is closed.
    #[error("no media transport for this session")]
    UnknownPeer,
    /// The SFU task is gone (shutting down).
    #[error("the media server is shutting down")]
    Closed,
}

/// What the SFU tells one client's session.
#[derive(Debug)]
pub(crate) enum PeerEvent {
    /// Send this offer for the subscriber transport to the client.
    SubscriberOffer(SubscriberOfferEvent),
    /// A transport failed (ICE/DTLS timed out or broke); the client should renegotiate.
    TransportFailed {
        /// In words, for the log and the client.
        reason: String,
    },
}

/// A command for the SFU task.
#[derive(Debug)]
pub(crate) enum Command {
    Open {
        peer: PeerId,
        events: mpsc::Sender<PeerEvent>,
    },
    Close {
        peer: PeerId,
    },
    PublisherOffer {
        peer: PeerId,
        sdp: String,
        tracks: Vec<PublishedTrack>,
        reply: oneshot::Sender<Result<String, SfuError>>,
    },
    SubscriberAnswer {
        peer: PeerId,
        sdp: String,
        reply: oneshot::Sender<Result<(), SfuError>>,
    },
    Forward {
        subscriber: PeerId,
        source: Source,
        /// The publisher's user id, for the subscriber's track list.
        user_id: Arc<str>,
        mode: ForwardMode,
    },
    SetLayer {
        subscriber: PeerId,
        publisher: PeerId,
        layer: SimulcastStreamType,
    },
}

/// The handle to the SFU task. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Sfu {
    commands: mpsc::Sender<Command>,
    local_addr: SocketAddr,
}

impl Sfu {
    /// Binds the sockets and spawns the SFU task on the current runtime.
    pub(crate) async fn start(config: SfuConfig) -> io::Result<Sfu> {
        // Placeholder until the forwarding loop lands: binds the port and refuses media.
        let socket = tokio::net::UdpSocket::bind(config.bind).await?;
        let local_addr = socket.local_addr()?;
        let (commands, mut inbox) = mpsc::channel(1024);
        tokio::spawn(async move {
            let _socket = socket;
            while let Some(command) = inbox.recv().await {
                match command {
                    Command::PublisherOffer { reply, .. } => {
                        let _ = reply.send(Err(SfuError::Closed));
                    }
                    Command::SubscriberAnswer { reply, .. } => {
                        let _ = reply.send(Err(SfuError::NoPendingOffer));
                    }
                    _ => {}
                }
            }
        });
        Ok(Sfu {
            commands,
            local_addr,
        })
    }

    /// The bound UDP address.
    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Registers a peer; what the SFU has to tell it arrives on `events`.
    pub(crate) async fn open(&self, peer: PeerId, events: mpsc::Sender<PeerEvent>) {
        let _ = self.commands.send(Command::Open { peer, events }).await;
    }

    /// Closes both transports of a peer and stops everything forwarded from or to it.
    pub(crate) async fn close(&self, peer: PeerId) {
        let _ = self.commands.send(Command::Close { peer }).await;
    }

    /// Accepts an offer for the peer's publisher transport; answers the SDP answer.
    pub(crate) async fn publisher_offer(
        &self,
        peer: PeerId,
        sdp: String,
        tracks: Vec<PublishedTrack>,
    ) -> Result<String, SfuError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::PublisherOffer {
                peer,
                sdp,
                tracks,
                reply,
            })
            .await
            .map_err(|_| SfuError::Closed)?;
        answer.await.map_err(|_| SfuError::Closed)?
    }

    /// Applies the client's answer to the latest subscriber offer.
    pub(crate) async fn subscriber_answer(
        &self,
        peer: PeerId,
        sdp: String,
    ) -> Result<(), SfuError> {
        let (reply, done) = oneshot::channel();
        self.commands
            .send(Command::SubscriberAnswer { peer, sdp, reply })
            .await
            .map_err(|_| SfuError::Closed)?;
        done.await.map_err(|_| SfuError::Closed)?
    }

    /// Sets what `subscriber` gets of `source`.
    pub(crate) async fn forward(
        &self,
        subscriber: PeerId,
        source: Source,
        user_id: Arc<str>,
        mode: ForwardMode,
    ) {
        let command = Command::Forward {
            subscriber,
            source,
            user_id,
            mode,
        };
        let _ = self.commands.send(command).await;
    }

    /// Chooses the simulcast layer `subscriber` gets of `publisher`'s video.
    pub(crate) async fn set_layer(
        &self,
        subscriber: PeerId,
        publisher: PeerId,
        layer: SimulcastStreamType,
    ) {
        let command = Command::SetLayer {
            subscriber,
            publisher,
            layer,
        };
        let _ = self.commands.send(command).await;
    }
}
