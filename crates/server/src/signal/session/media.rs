//! The session's media part: its peer on the SFU, open while it is in a room. Offers and
//! answers go to the SFU and are answered here; the SFU's own events (a subscriber offer)
//! arrive on the session's media channel and become frames. It talks to the SFU only
//! through the `Sfu` handle: the SFU knows peers, never sessions or rooms.

use chorus_proto::{ErrorCode, Event, PublisherOfferParams, RtcError, SdpAnswer, ServerFrame};
use tokio::sync::mpsc;

use super::{Answer, Session};
use crate::sfu::{PeerEvent, PeerId, SfuError};

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
}

impl Media {
    pub(super) fn new(events: mpsc::Sender<PeerEvent>) -> Self {
        Media {
            events,
            open: false,
        }
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
            PeerEvent::TransportFailed { reason } => {
                // The client sees its own transport fail and negotiates again.
                tracing::debug!(session = self.link.session, %reason, "media transport failed");
                None
            }
        }
    }
}
