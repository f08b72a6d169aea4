//! Negotiation: the publisher's offers, the subscriber's m-lines and the offers the server
//! makes for them, and the commands that change what is forwarded. The other half of
//! [`Router`] (the packet path is in `router.rs`).
//!
//! Subscriber m-lines are slots. A forward turned on takes a slot: one already agreed for the
//! same source, else a free one of the same kind (an inactive m-line, made `sendonly` again),
//! else a new m-line. A forward turned off makes its m-line `inactive` and frees the slot for
//! reuse. (str0m cannot recycle a port-0 m-line it created itself, and an offer that only
//! grows would carry every track ever subscribed; inactive-and-reused keeps the SDP as long
//! as the most tracks received at once.) One offer is in flight at a time; changes made
//! meanwhile go out in the next offer, right after the answer.

use std::sync::Arc;
use std::time::Instant;

use chorus_proto::{PublishedTrack, SimulcastStreamType, SubscribedTrack, SubscriberOfferEvent};
use chorus_proto::{StreamIndex, TrackKind};
use str0m::Rtc;
use str0m::change::{SdpAnswer, SdpOffer};
use str0m::media::{Direction, MediaKind, Mid, Rid, Rids};
use tracing::debug;

use super::forward::{Flow, Lane, Layer, layer_order};
use super::ids::TransportId;
use super::router::Router;
use super::source::{Feed, LaneEntry, Upstream};
use super::tracklist::check_tracks;
use super::transport::{self, PendingOffer, Publishing, Side, Slot, Subscribing, codec_table};
use super::{ForwardMode, MAX_SDP, PeerEvent, PeerId, SfuError, Source};

/// Refuses an SDP longer than [`MAX_SDP`] before anything parses it.
pub(crate) fn check_sdp_size(sdp: &str) -> Result<(), SfuError> {
    if sdp.len() > MAX_SDP {
        return Err(SfuError::SdpTooLarge(sdp.len()));
    }
    Ok(())
}

impl Router {
    // ----- publisher -----

    /// Accepts a publisher offer whose m-lines `tracks` describes; answers the SDP answer.
    pub(super) fn publisher_offer(
        &mut self,
        peer: PeerId,
        sdp: &str,
        tracks: &[PublishedTrack],
        now: Instant,
    ) -> Result<String, SfuError> {
        let existing = self
            .peers
            .get(&peer)
            .ok_or(SfuError::UnknownPeer)?
            .publisher;
        check_sdp_size(sdp)?;
        let offer = SdpOffer::from_sdp_string(sdp).map_err(|e| SfuError::Sdp(e.to_string()))?;
        check_tracks(sdp, tracks)?;
        let id = match existing {
            Some(id) => id,
            None => self.add_transport(peer, Side::Publisher(Publishing::default()), now),
        };
        let transport = self.transport_mut(id).ok_or(SfuError::UnknownPeer)?;
        let answer = match transport.rtc.sdp_api().accept_offer(offer) {
            Ok(answer) => answer,
            Err(e) => {
                if existing.is_none() {
                    self.remove_transport(id);
                }
                return Err(SfuError::Sdp(e.to_string()));
            }
        };
        if let Some(state) = self.peers.get_mut(&peer) {
            state.publisher = Some(id);
        }

        // What each m-line carries, with its simulcast layers.
        let mut published = Vec::with_capacity(tracks.len());
        for track in tracks {
            let mid = Mid::from(track.mid.as_str());
            let rids: Vec<Rid> = self
                .transport_mut(id)
                .and_then(|t| t.rtc.media(mid))
                .map(|m| match m.rids_rx() {
                    Rids::Specific(rids) => rids.clone(),
                    _ => Vec::new(),
                })
                .unwrap_or_default();
            let layers = layer_order(rids.iter().map(|r| &**r));
            let key = Source {
                publisher: peer,
                index: track.stream_index,
                kind: track.kind,
            };
            published.push(transport::PublishedTrack {
                mid,
                source: self.sources.get_or_insert(key),
                kind: track.kind,
                rids: rids.into_iter().zip(layers).collect(),
            });
        }
        let Some(transport) = self.transport_mut(id) else {
            return Err(SfuError::UnknownPeer);
        };
        let codecs = codec_table(transport.rtc.codec_config().params());
        let Some(publishing) = transport.publishing() else {
            return Err(SfuError::UnknownPeer);
        };
        let upstreams: Vec<_> = published
            .iter()
            .map(|t| {
                let layers = u8::try_from(t.rids.len()).unwrap_or(1).max(1);
                (t.source, t.mid, layers)
            })
            .collect();
        let old = std::mem::replace(&mut publishing.tracks, published);
        publishing.routes.clear();
        publishing.codecs = codecs;

        for gone in old
            .iter()
            .filter(|o| upstreams.iter().all(|u| u.0 != o.source))
        {
            self.detach_upstream(gone.source, id);
        }
        for (source, mid, layers) in upstreams {
            if let Some(state) = self.sources.get_mut(source) {
                state.upstream = Some(Upstream {
                    transport: id,
                    mid,
                    layers,
                });
            }
            self.kick_keyframes(source, now);
        }
        self.drain(id, now);
        Ok(answer.to_sdp_string())
    }

    // ----- subscriber -----

    /// Sets what `subscriber` gets of `source`.
    pub(super) fn forward(
        &mut self,
        subscriber: PeerId,
        source: Source,
        user_id: Arc<str>,
        mode: ForwardMode,
        now: Instant,
    ) {
        let Some(peer) = self.peers.get_mut(&subscriber) else {
            debug!(peer = subscriber.0, "forward for an unknown peer");
            return;
        };
        if mode == ForwardMode::Off {
            // A forward waiting to be restored after a failure is simply forgotten.
            peer.restore.retain(|(f, _)| f.source != source);
        }
        let wanted_layer = peer
            .layers
            .get(&source.publisher)
            .copied()
            .map_or(Layer::MAX, layer_index);
        let sub = match (peer.subscriber, mode) {
            (Some(id), _) => id,
            (None, ForwardMode::Off) => return,
            (None, _) => {
                let id =
                    self.add_transport(subscriber, Side::Subscriber(Subscribing::default()), now);
                if let Some(peer) = self.peers.get_mut(&subscriber) {
                    peer.subscriber = Some(id);
                }
                id
            }
        };
        let Some(subscribing) = self.transport_mut(sub).and_then(|t| t.subscribing()) else {
            return;
        };
        let slots = &mut subscribing.slots;
        let carries = |s: &Option<Feed>| s.as_ref().is_some_and(|f| f.source == source);

        if mode == ForwardMode::Off {
            let Some(slot) = slots.iter().position(|s| carries(&s.wanted)) else {
                return;
            };
            slots[slot].wanted = None;
            let (_, continuation) = self.remove_lane(&source, sub, slot);
            if let Some(s) = self
                .transport_mut(sub)
                .and_then(|t| t.subscribing())
                .and_then(|s| s.slots.get_mut(slot))
            {
                s.continuation = continuation.or(s.continuation);
            }
            self.renegotiate(sub);
            return;
        }

        let feed = Feed {
            source,
            user_id: user_id.clone(),
        };
        let slot = match slots.iter().position(|s| carries(&s.wanted)) {
            Some(slot) => slot,
            None => {
                let slot = slots
                    .iter()
                    .position(|s| s.wanted.is_none() && carries(&s.applied))
                    .or_else(|| {
                        slots
                            .iter()
                            .position(|s| s.is_free() && s.kind == source.kind && s.mid.is_some())
                    })
                    .unwrap_or_else(|| {
                        slots.push(Slot::new(source.kind));
                        slots.len() - 1
                    });
                slots[slot].wanted = Some(feed);
                slot
            }
        };
        let continuation = slots[slot].continuation;
        let flow = if mode == ForwardMode::On {
            Flow::On
        } else {
            Flow::Paused
        };
        let source_id = self.sources.get_or_insert(source);
        if let Some(state) = self.sources.get_mut(source_id) {
            match state.lane_mut(sub, slot) {
                Some(entry) => entry.lane.set_flow(flow),
                None => {
                    let video = source.kind == TrackKind::Video;
                    let mut lane = Lane::new(video, rand::random::<u16>() & 0x7fff, rand::random());
                    if let Some(from) = continuation {
                        lane.continue_from(from);
                    }
                    lane.set_wanted(wanted_layer);
                    lane.set_flow(flow);
                    state.lanes.push(LaneEntry {
                        sub,
                        slot,
                        tx: None,
                        lane,
                    });
                }
            }
        }
        self.refresh_lanes(sub, now);
        self.renegotiate(sub);
    }

    /// Brings the lanes of subscriber `sub` in line with its slots: a lane sends once its
    /// m-line is agreed for its source and the transport is connected.
    pub(super) fn refresh_lanes(&mut self, sub: TransportId, now: Instant) {
        let Some(Some(transport)) = self.transports.get_mut(sub.0 as usize) else {
            return;
        };
        let connected = transport.connected;
        let Some(subscribing) = transport.subscribing() else {
            return;
        };
        let mut kick = Vec::new();
        for (slot, s) in subscribing.slots.iter().enumerate() {
            let Some(feed) = &s.wanted else {
                continue;
            };
            let agreed = s.applied.as_ref().is_some_and(|a| a.source == feed.source);
            let tx = if agreed { s.tx } else { None };
            let Some(id) = self.sources.id_of(&feed.source) else {
                continue;
            };
            let Some(entry) = self
                .sources
                .get_mut(id)
                .and_then(|st| st.lane_mut(sub, slot))
            else {
                continue;
            };
            entry.tx = tx;
            let ready = connected && tx.is_some();
            if ready != entry.lane.is_ready() {
                entry.lane.set_ready(ready);
                kick.push(id);
            } else if ready && entry.lane.wants_keyframe().is_some() {
                kick.push(id);
            }
        }
        for id in kick {
            self.kick_keyframes(id, now);
        }
    }

    /// Schedules an offer for the subscriber's slot changes at the end of this turn, so the
    /// changes of several commands in a row go out in one offer.
    pub(super) fn renegotiate(&mut self, sub: TransportId) {
        if !self.to_offer.contains(&sub) {
            self.to_offer.push(sub);
        }
    }

    /// Offers the subscriber the m-line changes its slots call for, unless an offer is
    /// already waiting for its answer (then they go out after it).
    pub(super) fn offer_now(&mut self, sub: TransportId) {
        let Some(transport) = self.transport_mut(sub) else {
            return;
        };
        let peer = transport.peer;
        let Side::Subscriber(subscribing) = &mut transport.side else {
            return;
        };
        if subscribing.pending.is_some() {
            return;
        }
        let mut api = transport.rtc.sdp_api();
        let mut changes = Vec::new();
        for (i, slot) in subscribing.slots.iter_mut().enumerate() {
            let wanted = slot.wanted.as_ref().map(|f| f.source);
            let applied = slot.applied.as_ref().map(|f| f.source);
            if wanted == applied {
                continue;
            }
            match (&slot.wanted, slot.mid) {
                (Some(feed), None) => {
                    let kind = match slot.kind {
                        TrackKind::Audio => MediaKind::Audio,
                        TrackKind::Video => MediaKind::Video,
                    };
                    let stream_id = format!("{}-{}", feed.user_id, stream_index_name(feed));
                    let mid = api.add_media(kind, Direction::SendOnly, Some(stream_id), None, None);
                    slot.mid = Some(mid);
                    changes.push((i, Some(feed.clone()), true));
                }
                (Some(feed), Some(mid)) => {
                    api.set_direction(mid, Direction::SendOnly);
                    changes.push((i, Some(feed.clone()), false));
                }
                (None, Some(mid)) => {
                    api.set_direction(mid, Direction::Inactive);
                    changes.push((i, None, false));
                }
                (None, None) => {}
            }
        }
        if changes.is_empty() {
            return;
        }
        let Some((offer, pending)) = api.apply() else {
            // Nothing the client must agree to (the session already has these directions).
            agree(&mut transport.rtc, subscribing, changes);
            return;
        };
        let tracks = subscribing
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, slot)| {
                let feed = match changes.iter().find(|c| c.0 == i) {
                    Some((_, feed, _)) => feed.as_ref(),
                    None => slot.applied.as_ref(),
                }?;
                Some(SubscribedTrack {
                    mid: slot.mid?.to_string(),
                    user_id: feed.user_id.to_string(),
                    stream_index: feed.source.index,
                    kind: feed.source.kind,
                })
            })
            .collect();
        subscribing.pending = Some(PendingOffer { pending, changes });
        let event = SubscriberOfferEvent {
            sdp: offer.to_sdp_string(),
            tracks,
        };
        self.emit(peer, PeerEvent::SubscriberOffer(event));
    }

    /// Applies the client's answer to the offer in flight.
    pub(super) fn subscriber_answer(
        &mut self,
        peer: PeerId,
        sdp: &str,
        now: Instant,
    ) -> Result<(), SfuError> {
        let state = self.peers.get(&peer).ok_or(SfuError::UnknownPeer)?;
        let sub = state.subscriber.ok_or(SfuError::NoPendingOffer)?;
        let transport = self.transport_mut(sub).ok_or(SfuError::NoPendingOffer)?;
        let Side::Subscriber(subscribing) = &mut transport.side else {
            return Err(SfuError::NoPendingOffer);
        };
        // Both refusals come before the parse: an answer nobody asked for, or one too long,
        // costs nothing.
        if subscribing.pending.is_none() {
            return Err(SfuError::NoPendingOffer);
        }
        check_sdp_size(sdp)?;
        let answer = SdpAnswer::from_sdp_string(sdp).map_err(|e| SfuError::Sdp(e.to_string()))?;
        let PendingOffer { pending, changes } =
            subscribing.pending.take().ok_or(SfuError::NoPendingOffer)?;
        if let Err(e) = transport.rtc.sdp_api().accept_answer(pending, answer) {
            // The offer is spent. M-lines it added do not exist; offer again from there.
            for (slot, _, added) in &changes {
                if *added {
                    subscribing.slots[*slot].mid = None;
                }
            }
            self.renegotiate(sub);
            self.drain(sub, now);
            return Err(SfuError::Sdp(e.to_string()));
        }
        agree(&mut transport.rtc, subscribing, changes);
        self.refresh_lanes(sub, now);
        self.renegotiate(sub);
        self.drain(sub, now);
        Ok(())
    }

    /// Chooses the layer `subscriber` gets of `publisher`'s video.
    pub(super) fn set_layer(
        &mut self,
        subscriber: PeerId,
        publisher: PeerId,
        layer: SimulcastStreamType,
        now: Instant,
    ) {
        let Some(peer) = self.peers.get_mut(&subscriber) else {
            return;
        };
        peer.layers.insert(publisher, layer);
        let Some(sub) = peer.subscriber else {
            return;
        };
        let mut changed = Vec::new();
        for (id, state) in self.sources.iter_mut() {
            if state.key.publisher != publisher || state.key.kind != TrackKind::Video {
                continue;
            }
            for entry in state.lanes.iter_mut().filter(|l| l.sub == sub) {
                entry.lane.set_wanted(layer_index(layer));
                changed.push(id);
            }
        }
        for id in changed {
            self.kick_keyframes(id, now);
        }
    }
}

/// Records the slot changes the client agreed to, with each new m-line's send stream and
/// payload types.
fn agree(rtc: &mut Rtc, subscribing: &mut Subscribing, changes: Vec<(usize, Option<Feed>, bool)>) {
    for (slot, feed, _) in changes {
        let Some(state) = subscribing.slots.get_mut(slot) else {
            continue;
        };
        state.tx = match (&feed, state.mid) {
            (Some(_), Some(mid)) => {
                let mut api = rtc.direct_api();
                let ssrc = api.stream_tx_by_mid(mid, None).map(|s| s.ssrc());
                let pts = transport::negotiated_pts(rtc, mid);
                ssrc.map(|ssrc| (ssrc, pts))
            }
            _ => None,
        };
        state.applied = feed;
    }
}

/// The layer a subscriber's choice asks for (`Layer::MAX`: the highest there is).
fn layer_index(choice: SimulcastStreamType) -> Layer {
    match choice {
        SimulcastStreamType::High => Layer::MAX,
        SimulcastStreamType::Low => 0,
        SimulcastStreamType::Mid => 1,
    }
}

fn stream_index_name(feed: &Feed) -> &'static str {
    match feed.source.index {
        StreamIndex::Main => "main",
        StreamIndex::Screen => "screen",
    }
}
