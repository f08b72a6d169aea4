//! The subscriber transport: one task that accepts the SFU's offers (`onSubscriberOffer`),
//! answers them (`subscriberAnswer`), and routes each received frame to the decoder of its
//! track, as the offer's track list names it. Decoders ask for keyframes through this task
//! (PLI on their m-line); str0m's ingress counters become `onRemoteStreamStats`.
//!
//! The SFU decides what arrives (subscriptions, pauses, layers); this side only follows its
//! offers: a track no longer listed loses its decoder, a new one gets a fresh decoder (and so
//! a fresh first-frame event). The task ends when its handle is dropped.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

use chorus_media::RtcSetup;
use chorus_proto::{
    Request, SubscribedTrack, SubscriberAnswerParams, SubscriberOfferEvent, TrackKind,
};
use str0m::media::{KeyframeRequestKind, Mid};
use str0m::{Event, IceConnectionState, Rtc};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use crate::caller::Caller;
use crate::event::{EngineEvent, MediaTransport, TransportState};
use crate::media::outlet::{Outlets, StreamKey};
use crate::media::receive::{Decoder, DecoderCtx, Received};
use crate::media::stats::{RateMeter, StreamStats, millis};
use crate::media::transport::{BindError, Transport};
use crate::media::turn::RelayPlan;

/// What a subscriber task needs.
pub(crate) struct SubscriberSetup {
    /// The local IP to bind.
    pub(crate) local_ip: IpAddr,
    /// Signalling.
    pub(crate) caller: Caller,
    /// The app's events.
    pub(crate) events: mpsc::UnboundedSender<EngineEvent>,
    /// Where decoded media goes.
    pub(crate) outlets: Outlets,
    /// TURN servers, and whether media must go through one.
    pub(crate) relay: RelayPlan,
}

/// The running subscriber transport. Dropping it ends the task, the transport and its
/// decoders.
pub(crate) struct Subscriber {
    offers: mpsc::UnboundedSender<SubscriberOfferEvent>,
    task: AbortHandle,
    /// The SFU transport this one pairs with, as its first offer names it.
    remote: Option<RemoteIdentity>,
}

/// What names the SFU's side of a transport: its ICE username fragment and DTLS certificate
/// fingerprint. An offer with others comes from a transport the SFU made afresh.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RemoteIdentity {
    ufrag: String,
    fingerprint: String,
}

impl RemoteIdentity {
    /// The first `a=ice-ufrag` and `a=fingerprint` of `sdp`, when it has both.
    fn of(sdp: &str) -> Option<RemoteIdentity> {
        let attribute = |name: &str| {
            sdp.lines()
                .find_map(|l| l.trim().strip_prefix(name))
                .map(|v| v.trim().to_owned())
        };
        Some(RemoteIdentity {
            ufrag: attribute("a=ice-ufrag:")?,
            fingerprint: attribute("a=fingerprint:")?,
        })
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Subscriber {
    /// Starts the task with the SFU's first offer.
    pub(crate) fn start(setup: SubscriberSetup, first: SubscriberOfferEvent) -> Subscriber {
        let (offers, offers_rx) = mpsc::unbounded_channel();
        let remote = RemoteIdentity::of(&first.sdp);
        // The receiver is alive: it was just made.
        let _ = offers.send(first);
        let task = tokio::spawn(run(setup, offers_rx)).abort_handle();
        Subscriber {
            offers,
            task,
            remote,
        }
    }

    /// Hands the task a new offer; gives it back when this transport cannot take it (the
    /// task ended, or the offer comes from a new transport on the SFU's side).
    pub(crate) fn offer(&self, offer: SubscriberOfferEvent) -> Result<(), SubscriberOfferEvent> {
        if RemoteIdentity::of(&offer.sdp) != self.remote {
            return Err(offer);
        }
        self.offers.send(offer).map_err(|e| e.0)
    }
}

fn emit_state(setup: &SubscriberSetup, state: TransportState, reason: Option<String>) {
    let _ = setup.events.send(EngineEvent::TransportStateChanged {
        transport: MediaTransport::Subscriber,
        state,
        reason,
    });
}

async fn run(setup: SubscriberSetup, mut offers: mpsc::UnboundedReceiver<SubscriberOfferEvent>) {
    let rtc = RtcSetup::sdk().config().build(Instant::now());
    let mut transport = match Transport::bind(setup.local_ip, rtc, &setup.relay).await {
        Ok(t) => t,
        Err(e) => {
            let reason = match e {
                BindError::NoRelay(why) => format!("ICE_SERVER_WRONG: {why}"),
                BindError::Socket(_) => e.to_string(),
            };
            emit_state(&setup, TransportState::Failed, Some(reason));
            return;
        }
    };
    let (keyframes, mut keyframe_rx) = mpsc::unbounded_channel();
    let mut state = Receiving {
        setup: &setup,
        keyframes,
        tracks: HashMap::new(),
        decoders: HashMap::new(),
        meter: RateMeter::default(),
        negotiated: false,
        disconnected: false,
    };
    loop {
        if let Err(e) = transport.drain(|rtc, event| state.on_event(rtc, event)) {
            emit_state(&setup, TransportState::Failed, Some(e.to_string()));
            return;
        }
        if !transport.is_alive() {
            emit_state(&setup, TransportState::Failed, Some("closed".into()));
            return;
        }
        tokio::select! {
            offer = offers.recv() => match offer {
                Some(offer) => state.accept(transport.rtc(), offer),
                None => return,
            },
            wake = transport.wait() => match wake {
                Ok(wake) => transport.feed(wake),
                Err(e) => {
                    emit_state(&setup, TransportState::Failed, Some(format!("socket: {e}")));
                    return;
                }
            },
            Some(mid) = keyframe_rx.recv() => {
                if let Some(mut writer) = transport.rtc().writer(mid) {
                    // Not negotiated (an m-line just stopped): nothing to ask.
                    let _ = writer.request_keyframe(None, KeyframeRequestKind::Pli);
                }
            },
        }
    }
}

/// The running transport's state.
struct Receiving<'a> {
    setup: &'a SubscriberSetup,
    keyframes: mpsc::UnboundedSender<Mid>,
    /// What each active m-line carries, as the latest offer says.
    tracks: HashMap<Mid, SubscribedTrack>,
    /// The decoder of each m-line that has received something, with whose stream it is.
    decoders: HashMap<Mid, (StreamKey, Decoder)>,
    meter: RateMeter<Mid>,
    negotiated: bool,
    disconnected: bool,
}

impl Receiving<'_> {
    /// Applies an offer and sends the answer; decoders of tracks no longer listed (or now
    /// carrying someone else) end.
    fn accept(&mut self, rtc: &mut Rtc, offer: SubscriberOfferEvent) {
        let sdp = match str0m::change::SdpOffer::from_sdp_string(&offer.sdp) {
            Ok(sdp) => sdp,
            Err(e) => {
                tracing::warn!(error = %e, "the SFU's offer is not SDP; not answered");
                return;
            }
        };
        let answer = match rtc.sdp_api().accept_offer(sdp) {
            Ok(answer) => answer,
            Err(e) => {
                tracing::warn!(error = %e, "the SFU's offer was refused; not answered");
                return;
            }
        };
        let reply = self
            .setup
            .caller
            .send(Request::SubscriberAnswer(SubscriberAnswerParams {
                sdp: answer.to_sdp_string(),
            }));
        // Queued in order already; only the outcome is awaited apart.
        tokio::spawn(async move {
            if let Err(e) = reply.await {
                tracing::warn!(error = %e, "the SFU refused the subscriber answer");
            }
        });
        if !self.negotiated {
            self.negotiated = true;
            emit_state(self.setup, TransportState::Connecting, None);
        }
        self.tracks = offer
            .tracks
            .into_iter()
            .map(|t| (Mid::from(t.mid.as_str()), t))
            .collect();
        let tracks = &self.tracks;
        self.decoders.retain(|mid, (key, _)| {
            tracks
                .get(mid)
                .is_some_and(|t| t.user_id == key.0 && t.stream_index == key.1)
        });
    }

    fn on_event(&mut self, _rtc: &mut Rtc, event: Event) {
        match event {
            Event::MediaData(data) => {
                let received = Received {
                    data: data.data,
                    seq: (**data.seq_range.start(), **data.seq_range.end()),
                    contiguous: data.contiguous,
                };
                self.deliver(data.mid, received);
            }
            Event::Connected => emit_state(self.setup, TransportState::Connected, None),
            Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                self.disconnected = true;
                emit_state(
                    self.setup,
                    TransportState::Disconnected,
                    Some("ICE connectivity lost".into()),
                );
            }
            Event::IceConnectionStateChange(
                IceConnectionState::Connected | IceConnectionState::Completed,
            ) if self.disconnected => {
                self.disconnected = false;
                emit_state(self.setup, TransportState::Connected, None);
            }
            Event::MediaIngressStats(stats) => {
                let Some(track) = self.tracks.get(&stats.mid) else {
                    return;
                };
                if stats.packets == 0 {
                    return;
                }
                let bitrate_kbps = self.meter.kbps(stats.mid, stats.bytes, stats.timestamp);
                let figures = StreamStats {
                    kind: track.kind,
                    bitrate_kbps,
                    packets: stats.packets,
                    packet_loss_rate: stats.loss.unwrap_or(0.0),
                    rtt_ms: stats.rtt.map(millis),
                };
                self.setup.outlets.stats().set_remote(
                    &track.user_id,
                    track.stream_index,
                    figures.clone(),
                    Instant::now(),
                );
                let _ = self.setup.events.send(EngineEvent::RemoteStreamStats {
                    user_id: track.user_id.clone(),
                    stream_index: track.stream_index,
                    stats: figures,
                });
            }
            _ => {}
        }
    }

    /// Hands a frame to its track's decoder, starting one for a track's first frame.
    fn deliver(&mut self, mid: Mid, received: Received) {
        let Some(track) = self.tracks.get(&mid) else {
            return;
        };
        if !self.decoders.contains_key(&mid) {
            let key: StreamKey = (track.user_id.clone(), track.stream_index);
            match self.start_decoder(mid, key.clone(), track.kind) {
                Ok(decoder) => {
                    self.decoders.insert(mid, (key, decoder));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot start a decoder thread");
                    return;
                }
            }
        }
        let alive = self
            .decoders
            .get(&mid)
            .is_some_and(|(_, decoder)| decoder.push(received));
        if !alive {
            // It gave up (no codec); the next frame tries a new one.
            self.decoders.remove(&mid);
        }
    }

    fn start_decoder(&self, mid: Mid, key: StreamKey, kind: TrackKind) -> std::io::Result<Decoder> {
        Decoder::start(
            kind,
            DecoderCtx {
                key,
                mid,
                outlets: self.setup.outlets.clone(),
                events: self.setup.events.clone(),
                keyframes: self.keyframes.clone(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_sfu_transport_is_named_by_its_ufrag_and_fingerprint() {
        let sdp = "v=0\r\na=ice-ufrag:abcd\r\na=fingerprint:sha-256 AA:BB\r\nm=audio 9\r\na=ice-ufrag:abcd\r\n";
        let id = RemoteIdentity::of(sdp).expect("both present");
        assert_eq!(id.ufrag, "abcd");
        assert_eq!(id.fingerprint, "sha-256 AA:BB");
        let other = sdp.replace("abcd", "efgh");
        assert_ne!(RemoteIdentity::of(&other), Some(id));
        assert_eq!(RemoteIdentity::of("v=0\r\n"), None);
    }
}
