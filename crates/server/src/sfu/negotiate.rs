//! Negotiation: the publisher's offers, the subscriber's m-lines and the offers the server
//! makes for them, and the commands that change what is forwarded. The other half of
//! [`Engine`] (the packet path is in `engine.rs`).
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

use super::engine::Engine;
use super::forward::{Flow, Lane, Layer, layer_order};
use super::source::{Feed, LaneEntry, Upstream};
use super::transport::{
    self, PendingOffer, Publishing, Side, Slot, Subscribing, TransportId, codec_table,
};
use super::{ForwardMode, PeerEvent, PeerId, SfuError, Source};

impl Engine {
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

    /// Closes both transports of `peer` and turns off everything forwarded from it.
    pub(super) fn close(&mut self, peer: PeerId) {
        let Some(state) = self.peers.remove(&peer) else {
            return;
        };
        if let Some(id) = state.subscriber
            && let Some(mut transport) = self.remove_transport(id)
            && let Some(subscribing) = transport.subscribing()
        {
            for (slot, s) in subscribing.slots.iter().enumerate() {
                if let Some(feed) = &s.wanted {
                    self.remove_lane(&feed.source, id, slot);
                }
            }
        }
        if let Some(id) = state.publisher {
            self.remove_transport(id);
        }
        // Every source of this peer: its subscribers' m-lines go off.
        let mut off = Vec::new();
        for (_, source) in self.sources.iter_mut() {
            if source.key.publisher != peer {
                continue;
            }
            source.upstream = None;
            for entry in source.lanes.drain(..) {
                off.push((entry.sub, entry.slot, entry.lane.continuation()));
            }
        }
        let mut touched = Vec::new();
        for (sub, slot, continuation) in off {
            let Some(subscribing) = self.transport_mut(sub).and_then(|t| t.subscribing()) else {
                continue;
            };
            if let Some(s) = subscribing.slots.get_mut(slot) {
                s.wanted = None;
                s.continuation = continuation.or(s.continuation);
            }
            if !touched.contains(&sub) {
                touched.push(sub);
            }
        }
        let ids: Vec<_> = self
            .sources
            .iter_mut()
            .filter(|(_, s)| s.key.publisher == peer)
            .map(|(id, _)| id)
            .collect();
        for id in ids {
            self.sources.collect(id);
        }
        for sub in touched {
            self.renegotiate(sub);
        }
        // Peers that would restore a forward from this one after a failure: not any more.
        for other in self.peers.values_mut() {
            other.restore.retain(|(f, _)| f.source.publisher != peer);
            other.layers.remove(&peer);
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

/// One m-line of an SDP, as far as the track list is concerned.
#[derive(Debug)]
struct MLine<'a> {
    kind: &'a str,
    /// Port 0 means stopped.
    stopped: bool,
    mid: Option<&'a str>,
    direction: Option<&'a str>,
}

/// The m-lines of an SDP, read just enough to check a track list against them.
fn scan_mlines(sdp: &str) -> Vec<MLine<'_>> {
    let mut lines: Vec<MLine<'_>> = Vec::new();
    for line in sdp.lines().map(str::trim_end) {
        if let Some(m) = line.strip_prefix("m=") {
            let mut parts = m.split_whitespace();
            let kind = parts.next().unwrap_or("");
            let stopped = parts.next() == Some("0");
            lines.push(MLine {
                kind,
                stopped,
                mid: None,
                direction: None,
            });
        } else if let Some(current) = lines.last_mut() {
            if let Some(mid) = line.strip_prefix("a=mid:") {
                current.mid = Some(mid.trim());
            } else if let Some(dir) = line.strip_prefix("a=")
                && matches!(dir, "sendonly" | "recvonly" | "sendrecv" | "inactive")
            {
                current.direction = Some(dir);
            }
        }
    }
    lines
}

fn kind_name(kind: TrackKind) -> &'static str {
    match kind {
        TrackKind::Audio => "audio",
        TrackKind::Video => "video",
    }
}

/// Checks that `tracks` describes exactly the offer's live audio and video m-lines, each
/// once, every one `sendonly`.
fn check_tracks(sdp: &str, tracks: &[PublishedTrack]) -> Result<(), SfuError> {
    let mlines = scan_mlines(sdp);
    for (i, track) in tracks.iter().enumerate() {
        let earlier = &tracks[..i];
        if earlier.iter().any(|t| t.mid == track.mid) {
            return Err(SfuError::Tracks(format!(
                "mid {} is listed twice",
                track.mid
            )));
        }
        if earlier
            .iter()
            .any(|t| t.stream_index == track.stream_index && t.kind == track.kind)
        {
            return Err(SfuError::Tracks(format!(
                "two m-lines carry the {} of the same stream",
                kind_name(track.kind)
            )));
        }
        let Some(mline) = mlines.iter().find(|m| m.mid == Some(track.mid.as_str())) else {
            return Err(SfuError::Tracks(format!("no m-line has mid {}", track.mid)));
        };
        if mline.kind != kind_name(track.kind) {
            return Err(SfuError::Tracks(format!(
                "mid {} is {}, listed as {}",
                track.mid,
                mline.kind,
                kind_name(track.kind)
            )));
        }
        if mline.stopped {
            return Err(SfuError::Tracks(format!("mid {} is stopped", track.mid)));
        }
    }
    for mline in &mlines {
        if mline.stopped || !matches!(mline.kind, "audio" | "video") {
            continue;
        }
        let Some(mid) = mline.mid else {
            return Err(SfuError::Sdp("an m-line has no a=mid".into()));
        };
        if !tracks.iter().any(|t| t.mid == mid) {
            return Err(SfuError::Tracks(format!(
                "m-line {mid} is not in the track list"
            )));
        }
        match mline.direction {
            Some("sendonly" | "inactive") => {}
            other => {
                return Err(SfuError::Sdp(format!(
                    "m-line {mid} is {}; publisher m-lines are sendonly",
                    other.unwrap_or("sendrecv")
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
        m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendonly\r\n\
        m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=sendonly\r\n\
        m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=inactive\r\n\
        m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:3\r\n";

    fn track(mid: &str, index: StreamIndex, kind: TrackKind) -> PublishedTrack {
        PublishedTrack {
            mid: mid.into(),
            stream_index: index,
            kind,
        }
    }

    #[test]
    fn a_matching_track_list_passes() {
        let tracks = [
            track("0", StreamIndex::Main, TrackKind::Audio),
            track("1", StreamIndex::Main, TrackKind::Video),
        ];
        check_tracks(OFFER, &tracks).expect("matches");
    }

    #[test]
    fn mismatched_track_lists_are_refused() {
        let audio = track("0", StreamIndex::Main, TrackKind::Audio);
        let video = track("1", StreamIndex::Main, TrackKind::Video);
        let cases: Vec<Vec<PublishedTrack>> = vec![
            vec![audio.clone()], // video m-line unlisted
            vec![
                audio.clone(),
                video.clone(),
                track("9", StreamIndex::Screen, TrackKind::Video),
            ],
            vec![
                track("0", StreamIndex::Main, TrackKind::Video),
                video.clone(),
            ],
            vec![audio.clone(), video.clone(), video.clone()],
            vec![
                audio.clone(),
                track("1", StreamIndex::Main, TrackKind::Audio),
            ],
            vec![
                audio.clone(),
                video.clone(),
                track("2", StreamIndex::Screen, TrackKind::Video),
            ],
        ];
        for tracks in cases {
            assert!(
                matches!(check_tracks(OFFER, &tracks), Err(SfuError::Tracks(_))),
                "{tracks:?}"
            );
        }
    }

    #[test]
    fn publisher_m_lines_must_be_sendonly() {
        let offer = OFFER.replace("a=mid:1\r\na=sendonly", "a=mid:1\r\na=sendrecv");
        let tracks = [
            track("0", StreamIndex::Main, TrackKind::Audio),
            track("1", StreamIndex::Main, TrackKind::Video),
        ];
        assert!(matches!(
            check_tracks(&offer, &tracks),
            Err(SfuError::Sdp(_))
        ));
    }
}
