//! One direction of a link: an observer, a hidden member of the room on `from`, subscribes
//! once to each track of the users it mirrors, and a [`mirror`](super::mirror) per such user
//! joins the room on `into` and publishes what the observer receives. Keyframe requests the
//! mirrors get go back up the observer's leg to the publisher.
//!
//! Packets cross from the observer's task to a mirror's over a bounded channel, dropped
//! when it is full (the far side's NACK asks for it again): the observer's socket loop never
//! waits on a mirror. The observer receives each user's video at the layer its mirror's
//! subscribers want ([`layers`](super::layers)).

use std::collections::HashMap;
use std::sync::Arc;

use chorus_proto::{
    CaptureStateParams, Event, MediaType, MessageParams, Request, ServerFrame,
    SetUserVisibilityParams, SimulcastParams, StreamIndex, SubscribeParams, SubscriberAnswerParams,
    SubscriberOfferEvent, TrackKind, UserOfflineReason,
};
use prometheus_client::metrics::gauge::Gauge;
use str0m::change::SdpOffer;
use str0m::media::Mid;
use str0m::{Event as RtcEvent, Rtc};
use tokio::sync::{mpsc, watch};

use super::super::Node;
use super::Mirrored;
use super::admission::{Admissions, MIRROR_QUEUE};
use super::client::{Peer, Signal, SpanError};
use super::layers::{self, Asked, MirrorsRoom, Wanted};
use super::mirror::{self, KeyframeWanted, Relayed, ToMirror};
use crate::ctx::Ctx;
use crate::room::{RoomKey, is_link_client};

/// One direction of a link.
pub(super) struct Bridge {
    pub(super) ctx: Arc<Ctx>,
    pub(super) key: RoomKey,
    /// The node whose room's users are mirrored.
    pub(super) from: Node,
    /// The node whose room gets the mirrors.
    pub(super) into: Node,
    /// The observer's user id.
    pub(super) observer: String,
    /// Whether `from` is this node: its users' mirrors removed from the other room are
    /// removed here too.
    pub(super) users_here: bool,
    pub(super) mirrored: Mirrored,
    /// Told how many users this bridge mirrors, when someone wants to know.
    pub(super) count: Option<watch::Sender<usize>>,
    /// The mirrors `into` admitted before their users joined `from` (the shard's users).
    pub(super) admitted: Option<Admissions>,
}

/// The tracks a bridge receives, counted in the relayed-tracks gauge while it runs.
struct Counted {
    gauge: Gauge,
    tracks: i64,
}

impl Counted {
    fn set(&mut self, tracks: i64) {
        self.gauge.inc_by(tracks - self.tracks);
        self.tracks = tracks;
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.gauge.dec_by(self.tracks);
    }
}

/// What the observer knows.
struct State {
    /// The running mirrors, by user.
    mirrors: HashMap<Arc<str>, mpsc::Sender<ToMirror>>,
    /// What each mid of the subscriber transport carries.
    tracks: HashMap<Mid, (Arc<str>, StreamIndex, TrackKind)>,
    counted: Counted,
    /// The layer asked of each user's video.
    asked: Asked,
}

impl Bridge {
    /// Runs until `stop` turns true or the observer's connection or transport fails; its
    /// mirrors and observer then leave their rooms.
    pub(super) async fn run(self, stop: watch::Receiver<bool>) {
        if let Err(error) = self.observe(stop).await {
            tracing::warn!(room = %self.key.room_id, from = self.from.id, into = self.into.id, %error,
                "a span bridge stopped");
        }
    }

    async fn observe(&self, mut stop: watch::Receiver<bool>) -> Result<(), SpanError> {
        let (mut signal, events) =
            Signal::join(&self.ctx, &self.from, &self.key, &self.observer, false).await?;
        let mut peer = Peer::bind(&self.from).await?;
        if let Some(admitted) = &self.admitted {
            admitted.set_ready(true);
        }
        let (keyframes_tx, mut keyframes) = mpsc::channel::<KeyframeWanted>(256);
        let mut state = State {
            mirrors: HashMap::new(),
            tracks: HashMap::new(),
            counted: Counted {
                gauge: self.ctx.metrics.cluster_span_tracks.clone(),
                tracks: 0,
            },
            asked: Asked::default(),
        };
        // What the mirrors' subscribers want of each video, followed as it changes from the
        // first video on: a bridge of users who only watch or talk never asks.
        let (wanted_tx, mut wanted) = watch::channel(Wanted::new());
        let mut wanted_tx = Some(wanted_tx);
        let mut following = false;
        let result: Result<(), SpanError> = async {
            for event in events {
                self.on_event(&mut state, &mut signal, &mut peer, &keyframes_tx, event)
                    .await?;
            }
            let mut buf = vec![0u8; 2048];
            loop {
                if !following
                    && state.has_video()
                    && let Some(tx) = wanted_tx.take()
                {
                    tokio::spawn(layers::watch_wanted(
                        self.ctx.clone(),
                        self.key.clone(),
                        self.mirrors_room(),
                        tx,
                    ));
                    following = true;
                }
                let timeout = peer.tick(&mut |rtc, event| forward(&state, rtc, event))?;
                tokio::select! {
                    _ = stop.changed() => break Ok(()),
                    frame = signal.next_frame() => {
                        if let ServerFrame::Event(event) = frame? {
                            self.on_event(&mut state, &mut signal, &mut peer, &keyframes_tx, event)
                                .await?;
                        }
                    }
                    ready = peer.readable() => {
                        ready?;
                        peer.read(&mut buf, &mut |rtc, event| forward(&state, rtc, event))?;
                    }
                    Some(wanted) = keyframes.recv() => ask_keyframe(&state, &mut peer.rtc, &wanted),
                    changed = wanted.changed(), if following => match changed {
                        Ok(()) => {
                            let now = wanted.borrow_and_update().clone();
                            ask_layers(&mut state, &mut signal, &now).await?;
                        }
                        Err(_) => following = false,
                    },
                    () = tokio::time::sleep_until(timeout.into()) => {}
                }
            }
        }
        .await;
        if let Some(admitted) = &self.admitted {
            admitted.set_ready(false);
        }
        if result.is_err() {
            self.mirrored.hold(); // before its mirrors end: they drop rather than leave
        }
        for user in state.mirrors.keys() {
            self.mirrored.release(user);
        }
        // Dropping the mirrors' senders makes them leave; the observer leaves too, so the
        // room holds no one of the link's once it ends.
        drop(state);
        signal.leave().await;
        result
    }

    async fn on_event(
        &self,
        state: &mut State,
        signal: &mut Signal,
        peer: &mut Peer,
        keyframes: &mpsc::Sender<KeyframeWanted>,
        event: Event,
    ) -> Result<(), SpanError> {
        match event {
            Event::UserJoined(joined) => {
                let user = joined.user_info.user_id;
                // A mirrored user visible again: its mirror, kept invisible, turns visible.
                if state.mirrors.contains_key(user.as_str()) {
                    visibility(state, &user, true).await;
                    return Ok(());
                }
                self.start_mirror(state, keyframes, user, true);
            }
            // A mirrored user turned invisible: so does its mirror, which stays in its room
            // as the user stays in theirs (their streams ended first, as the mirror's do).
            // The room tells the observer alone of a user here invisible from the start:
            // its mirror joins invisible.
            Event::UserLeave(left) if left.reason == UserOfflineReason::SwitchToInvisible => {
                let user = left.user_info.user_id;
                if state.mirrors.contains_key(user.as_str()) {
                    visibility(state, &user, false).await;
                } else {
                    self.start_mirror(state, keyframes, user, false);
                }
            }
            Event::UserLeave(left) => {
                let user = left.user_info.user_id.as_str();
                if state.mirrors.remove(user).is_some() {
                    self.mirrored.release(user);
                    state.asked.forget(user);
                    self.tell_count(state);
                }
            }
            Event::UserPublishStream(p) => {
                publish(
                    state,
                    signal,
                    StreamIndex::Main,
                    &p.user_id,
                    p.media_type,
                    true,
                )
                .await?;
            }
            Event::UserPublishScreen(p) => {
                publish(
                    state,
                    signal,
                    StreamIndex::Screen,
                    &p.user_id,
                    p.media_type,
                    true,
                )
                .await?;
            }
            Event::UserUnpublishStream(p) => {
                publish(
                    state,
                    signal,
                    StreamIndex::Main,
                    &p.user_id,
                    p.media_type,
                    false,
                )
                .await?;
            }
            Event::UserUnpublishScreen(p) => {
                publish(
                    state,
                    signal,
                    StreamIndex::Screen,
                    &p.user_id,
                    p.media_type,
                    false,
                )
                .await?;
            }
            Event::SubscriberOffer(offer) => answer(state, signal, peer, offer).await?,
            // A mirrored user's capture state: its mirror says the same in the other room.
            Event::UserStartVideoCapture(c) => {
                capture(state, c.user_id, TrackKind::Video, true).await
            }
            Event::UserStopVideoCapture(c) => {
                capture(state, c.user_id, TrackKind::Video, false).await
            }
            Event::UserStartAudioCapture(c) => {
                capture(state, c.user_id, TrackKind::Audio, true).await
            }
            Event::UserStopAudioCapture(c) => {
                capture(state, c.user_id, TrackKind::Audio, false).await
            }
            // A mirrored user's message to the room: said in the other room by its mirror.
            Event::RoomMessageReceived(m) => {
                say(
                    state,
                    &m.user_id,
                    Request::SendRoomMessage(MessageParams { message: m.message }),
                )
                .await;
            }
            Event::RoomBinaryMessageReceived(m) => {
                let params = MessageParams { message: m.message };
                say(state, &m.user_id, Request::SendRoomBinaryMessage(params)).await;
            }
            _ => {}
        }
        Ok(())
    }

    /// Starts the mirror of `user`, joining `visible` or not, unless it is a link's client
    /// or a user the other bridge of the link put in this room.
    fn start_mirror(
        &self,
        state: &mut State,
        keyframes: &mpsc::Sender<KeyframeWanted>,
        user: String,
        visible: bool,
    ) {
        // Link clients are never mirrored.
        if is_link_client(&user) {
            return;
        }
        // A mirror the home admitted before its user joined here: claimed already.
        let adopted = self
            .admitted
            .as_ref()
            .and_then(|a| a.take(&user, &self.into));
        let (tx, rx, joined) = match adopted {
            Some(admitted) => {
                if admitted.visible != visible {
                    let params = SetUserVisibilityParams { visible };
                    let _ = admitted
                        .tx
                        .try_send(ToMirror::Say(Request::SetUserVisibility(params)));
                }
                (admitted.tx, admitted.rx, Some(admitted.signal))
            }
            None => {
                let (tx, rx) = mpsc::channel(MIRROR_QUEUE);
                if !self.mirrored.claim(&user, &tx) {
                    return;
                }
                (tx, rx, None)
            }
        };
        let user: Arc<str> = user.into();
        let run = mirror::run(
            mirror::Place {
                ctx: self.ctx.clone(),
                node: self.into.clone(),
                key: self.key.clone(),
                mirrored: self.mirrored.clone(),
                user_here: self.users_here,
                visible,
            },
            user.clone(),
            rx,
            keyframes.clone(),
            joined,
        );
        let (room, into) = (self.key.room_id.clone(), self.into.id.clone());
        tokio::spawn(async move {
            if let Err(error) = run.await {
                tracing::warn!(%room, into, %error, "a mirror user stopped");
            }
        });
        state.mirrors.insert(user, tx);
        self.tell_count(state);
    }

    /// Where the room of this bridge's mirrors runs.
    fn mirrors_room(&self) -> MirrorsRoom {
        match &self.ctx.cluster {
            Some(cluster) if !cluster.is_self(&self.into) => MirrorsRoom::On {
                node: self.into.clone(),
                user: self.observer.clone(),
            },
            _ => MirrorsRoom::Here,
        }
    }

    fn tell_count(&self, state: &State) {
        if let Some(count) = &self.count {
            count.send_replace(state.mirrors.len());
        }
    }
}

impl State {
    /// Whether the observer receives some video.
    fn has_video(&self) -> bool {
        self.tracks
            .values()
            .any(|(_, _, kind)| *kind == TrackKind::Video)
    }
}

/// Has `user`'s mirror, if this bridge runs one, make `request` in its room.
async fn say(state: &State, user: &str, request: Request) {
    if let Some(mirror) = state.mirrors.get(user) {
        let _ = mirror.send(ToMirror::Say(request)).await;
    }
}

/// The user turned visible or invisible: its mirror does the same in its room, whose users
/// then see the user join or leave (`SWITCH_TO_INVISIBLE`) as the user's own room's do.
async fn visibility(state: &State, user: &str, visible: bool) {
    let params = SetUserVisibilityParams { visible };
    say(state, user, Request::SetUserVisibility(params)).await;
}

/// The user started or stopped capturing `kind`: its mirror says so.
async fn capture(state: &State, user: String, kind: TrackKind, capturing: bool) {
    let params = CaptureStateParams { kind, capturing };
    say(state, &user, Request::SetCaptureState(params)).await;
}

/// The user published or unpublished: the mirror does the same, and the observer subscribes.
async fn publish(
    state: &mut State,
    signal: &mut Signal,
    index: StreamIndex,
    user: &str,
    media: MediaType,
    on: bool,
) -> Result<(), SpanError> {
    let Some(mirror) = state.mirrors.get(user) else {
        return Ok(());
    };
    if mirror
        .send(ToMirror::Publish { index, media, on })
        .await
        .is_err()
    {
        state.mirrors.remove(user);
        return Ok(());
    }
    if on {
        if media.has_video() {
            state.asked.forget(user);
        }
        let params = SubscribeParams {
            user_id: user.to_owned(),
            media_type: media,
        };
        let request = match index {
            StreamIndex::Main => Request::SubscribeStream(params),
            StreamIndex::Screen => Request::SubscribeScreen(params),
        };
        signal.send(request).await?;
    }
    Ok(())
}

/// Answers the SFU's offer for the observer's subscriber transport, and notes its tracks.
async fn answer(
    state: &mut State,
    signal: &mut Signal,
    peer: &mut Peer,
    offer: SubscriberOfferEvent,
) -> Result<(), SpanError> {
    let sdp = SdpOffer::from_sdp_string(&offer.sdp).map_err(SpanError::media)?;
    let answer = peer
        .rtc
        .sdp_api()
        .accept_offer(sdp)
        .map_err(SpanError::media)?;
    signal
        .send(Request::SubscriberAnswer(SubscriberAnswerParams {
            sdp: answer.to_sdp_string(),
        }))
        .await?;
    state.tracks = offer
        .tracks
        .into_iter()
        .filter_map(|t| {
            let (user, _) = state.mirrors.get_key_value(t.user_id.as_str())?;
            let mid = Mid::from(t.mid.as_str());
            Some((mid, (user.clone(), t.stream_index, t.kind)))
        })
        .collect();
    let tracks = i64::try_from(state.tracks.len()).unwrap_or(i64::MAX);
    state.counted.set(tracks);
    Ok(())
}

/// Hands a packet the observer received to its user's mirror.
fn forward(state: &State, rtc: &mut Rtc, event: RtcEvent) {
    let RtcEvent::RtpPacket(packet) = event else {
        return;
    };
    let Some(mid) = rtc
        .direct_api()
        .stream_rx(&packet.header.ssrc)
        .map(|s| s.mid())
    else {
        return;
    };
    let Some((user, index, kind)) = state.tracks.get(&mid) else {
        return;
    };
    let Some(codec) = rtc
        .codec_config()
        .params()
        .iter()
        .find(|p| p.pt() == packet.header.payload_type)
        .map(|p| p.spec().codec)
    else {
        return;
    };
    let Some(mirror) = state.mirrors.get(user) else {
        return;
    };
    let ext = &packet.header.ext_vals;
    let relayed = Relayed {
        index: *index,
        kind: *kind,
        codec,
        seq: *packet.seq_no,
        ts: packet.header.timestamp,
        marker: packet.header.marker,
        audio_level: ext.audio_level,
        voice_activity: ext.voice_activity,
        video_orientation: ext.video_orientation,
        payload: packet.payload,
    };
    // Full: dropped, and asked for again by the far side's NACK.
    let _ = mirror.try_send(ToMirror::Packet(relayed));
}

/// Asks each user's video at the layer the mirrors' room wants of it, where that changed.
async fn ask_layers(
    state: &mut State,
    signal: &mut Signal,
    wanted: &Wanted,
) -> Result<(), SpanError> {
    let videos = state
        .tracks
        .values()
        .filter(|(_, _, kind)| *kind == TrackKind::Video)
        .map(|(user, _, _)| user);
    for (user, layer) in state.asked.changes(videos, wanted) {
        tracing::debug!(%user, ?layer, "asking a mirrored video's layer across the link");
        let params = SimulcastParams {
            user_id: user.to_string(),
            stream_type: layer,
        };
        signal
            .send(Request::SetRemoteSimulcastStreamType(params))
            .await?;
    }
    Ok(())
}

/// Asks the publisher, up the observer's leg, for the keyframe a mirror's room wants.
fn ask_keyframe(state: &State, rtc: &mut Rtc, wanted: &KeyframeWanted) {
    let mid = state.tracks.iter().find_map(|(mid, (user, index, kind))| {
        (**user == *wanted.user && *index == wanted.index && *kind == wanted.kind).then_some(*mid)
    });
    if let Some(mid) = mid
        && let Some(stream) = rtc.direct_api().stream_rx_by_mid(mid, None)
    {
        stream.request_keyframe(wanted.request);
    }
}
