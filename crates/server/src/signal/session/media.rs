//! The session's media part: its peer on the SFU, open while it is in a room. Offers and
//! answers go to the SFU and are answered here; the SFU's own events (a subscriber offer)
//! arrive on the session's media channel and become frames. It talks to the SFU only
//! through the `Sfu` handle: the SFU knows peers, never sessions or rooms.
//!
//! A session whose token holds no publish privilege gets no publisher transport: its
//! `publisherOffer` is refused here, before the SFU parses the SDP, so no DTLS/SRTP context
//! exists for it and none of its packets is ever decrypted. (Dropping such media in the demux
//! instead would still keep a transport open for nothing, and the SFU cannot tell who may
//! publish: it knows peers, not tokens.) Visibility is left to the room: a user may turn
//! visible and publish at once, and the room refuses the invisible one's streams.

use chorus_proto::{ErrorCode, Event, PublisherOfferParams, RtcError, SdpAnswer, ServerFrame};
use chorus_token::Privilege;
use tokio::sync::mpsc;

use super::{Answer, Session};
use crate::clock::now_ms;
use crate::room::Grant;
use crate::sfu::{PeerEvent, PeerId, SfuError};

/// The privileges any of which lets a session send media.
const PUBLISH_PRIVILEGES: [Privilege; 3] = [
    Privilege::PublishStream,
    Privilege::PublishAudio,
    Privilege::PublishVideo,
];

/// The client's view of an SFU refusal.
fn media_error(e: SfuError) -> RtcError {
    let code = match e {
        SfuError::Sdp(_)
        | SfuError::SdpTooLarge(_)
        | SfuError::Tracks(_)
        | SfuError::NoPendingOffer => ErrorCode::InvalidParams,
        SfuError::UnknownPeer => ErrorCode::NotConnectedYet,
        SfuError::Closed => ErrorCode::PublishFailed,
        SfuError::Full(_) => ErrorCode::IceServerWrong,
    };
    RtcError::new(code, e.to_string())
}

/// The session's peer in the SFU: open while the session is in a room.
pub(super) struct Media {
    /// Where the SFU tells this session things; the receiver is in the session loop.
    events: mpsc::Sender<PeerEvent>,
    open: bool,
    /// The grant of the latest token the session showed for its room.
    grant: Option<Grant>,
}

impl Media {
    pub(super) fn new(events: mpsc::Sender<PeerEvent>) -> Self {
        Media {
            events,
            open: false,
            grant: None,
        }
    }

    /// Keeps the grant of a token the session just showed (joinRoom, updateToken).
    pub(super) fn set_grant(&mut self, grant: Grant) {
        self.grant = Some(grant);
    }

    /// Whether the latest token lets the session publish anything now.
    fn may_publish(&self) -> bool {
        let now = now_ms();
        self.grant
            .as_ref()
            .is_some_and(|g| PUBLISH_PRIVILEGES.iter().any(|&p| g.allows(p, now)))
    }
}

impl Session {
    /// Gives the session its place on the SFU; a server that cannot take it refuses the join
    /// with ICE_SERVER_WRONG, the contract's "no media node for this join".
    pub(super) async fn open_media(&mut self) -> Result<(), RtcError> {
        if !self.media.open {
            let events = self.media.events.clone();
            if let Err(e) = self.ctx.sfu.open(self.peer(), events).await {
                return Err(RtcError::new(
                    ErrorCode::IceServerWrong,
                    format!(
                        "joinRoom: no media transport for this session: {e}; try again later or another server"
                    ),
                ));
            }
            self.media.open = true;
            self.push_fallback_settings().await;
        }
        Ok(())
    }

    pub(super) async fn close_media(&mut self) {
        if std::mem::take(&mut self.media.open) {
            self.ctx.sfu.close(self.peer()).await;
        }
    }

    fn peer(&self) -> PeerId {
        PeerId(self.link.session)
    }

    /// The session's peer if it is open on the SFU.
    pub(super) fn media_peer_if_open(&self) -> Option<PeerId> {
        self.media.open.then(|| self.peer())
    }

    /// The media transports exist only in a room.
    pub(super) fn media_peer(&self) -> Result<PeerId, RtcError> {
        match (&self.room, self.media.open) {
            (Some(_), true) => Ok(self.peer()),
            _ => Err(RtcError::new(
                ErrorCode::NotConnectedYet,
                "not in a room; call joinRoom before negotiating media",
            )),
        }
    }

    pub(super) async fn publisher_offer(
        &mut self,
        p: PublisherOfferParams,
    ) -> Result<Answer, RtcError> {
        let peer = self.media_peer()?;
        if !self.media.may_publish() {
            return Err(RtcError::new(
                ErrorCode::PublishFailed,
                "publisherOffer: the token holds no publish privilege or it has expired; \
                 get a token with PublishStream, PublishAudio or PublishVideo",
            ));
        }
        let sdp = self
            .ctx
            .sfu
            .publisher_offer(peer, p.sdp, p.tracks)
            .await
            .map_err(media_error)?;
        Ok(Answer::With(serde_json::json!(SdpAnswer { sdp })))
    }

    pub(super) async fn subscriber_answer(&mut self, sdp: String) -> Result<Answer, RtcError> {
        let peer = self.media_peer()?;
        self.ctx
            .sfu
            .subscriber_answer(peer, sdp)
            .await
            .map_err(media_error)?;
        Ok(Answer::Now)
    }

    /// What to tell the client about an SFU event, as a frame.
    pub(super) fn media_event(&self, event: PeerEvent) -> Option<String> {
        match event {
            PeerEvent::SubscriberOffer(offer) => {
                Some(ServerFrame::event_json(&Event::SubscriberOffer(offer)))
            }
            PeerEvent::Fallback(switch) => Some(ServerFrame::event_json(
                &Event::SimulcastSubscribeFallback(switch),
            )),
            PeerEvent::TransportFailed { reason } => {
                // The client sees its own transport fail and negotiates again.
                tracing::debug!(session = self.link.session, %reason, "media transport failed");
                None
            }
            PeerEvent::Restarted => {
                // Every transport of this session is gone with the SFU's state. Ending the
                // connection makes the SDKs reconnect, resume the room and remake both
                // transports: the path a network cut already takes.
                tracing::info!(
                    session = self.link.session,
                    "media plane restarted; ending the connection"
                );
                self.link.kill();
                None
            }
        }
    }
}
