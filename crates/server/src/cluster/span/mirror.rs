//! A mirror user: a user of one room, joined to the other room of a link under the same user
//! id, publishing there what its bridge's observer receives of the user. At the user's first
//! publish it makes its transport, offering one send-only section per stream and kind (as
//! the SDK does), publishes and
//! unpublishes as the user does, writes the observer's packets as they come, and passes the
//! keyframe requests its room's SFU sends back to the observer.
//!
//! Ends when its bridge drops its sender (the user left, or the link ended): it leaves the
//! room then, so the room sees an ordinary leave. A mirror in the home's room that the room
//! removes (KickUser, a ban, DismissRoom) removes its user from the shard too: the home is
//! the authority, and the OpenAPI called on a shard's node acts on the home's room.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::time::Instant;

use chorus_proto::{
    Event, MediaParams, MediaType, PublishedTrack, PublisherOfferParams, Request, ServerFrame,
    StreamIndex, TrackKind, UserMessageParams,
};
use str0m::change::SdpAnswer;
use str0m::format::Codec;
use str0m::media::{Direction, KeyframeRequestKind, MediaKind, Mid, Pt};
use str0m::rtp::{ExtensionValues, RtpWrite, SeqNo, Ssrc, VideoOrientation};
use str0m::{Event as RtcEvent, Rtc};
use tokio::sync::{mpsc, oneshot};

use super::super::Node;
use super::Mirrored;
use super::client::{Peer, Signal, SpanError};
use crate::ctx::Ctx;
use crate::room::{Command, RoomKey};

/// The streams and kinds a mirror offers.
const TRACKS: [(StreamIndex, TrackKind); 4] = [
    (StreamIndex::Main, TrackKind::Audio),
    (StreamIndex::Main, TrackKind::Video),
    (StreamIndex::Screen, TrackKind::Audio),
    (StreamIndex::Screen, TrackKind::Video),
];

/// One packet of the user's, as the observer received it.
#[derive(Debug)]
pub(super) struct Relayed {
    pub(super) index: StreamIndex,
    pub(super) kind: TrackKind,
    pub(super) codec: Codec,
    /// Extended sequence number on the observer's leg.
    pub(super) seq: u64,
    pub(super) ts: u32,
    pub(super) marker: bool,
    /// The header extensions the SFU reads: audio level and voice activity, orientation.
    pub(super) audio_level: Option<i8>,
    pub(super) voice_activity: Option<bool>,
    pub(super) video_orientation: Option<VideoOrientation>,
    pub(super) payload: Arc<[u8]>,
}

/// What a bridge tells its mirror.
#[derive(Debug)]
pub(super) enum ToMirror {
    /// The user published (`on`) or unpublished media of a stream.
    Publish {
        index: StreamIndex,
        media: MediaType,
        on: bool,
    },
    /// A packet to write.
    Packet(Relayed),
    /// A request to make as the user (a message the user sent in its own room).
    Say(Request),
}

/// Where a mirror runs.
pub(super) struct Place {
    pub(super) ctx: Arc<Ctx>,
    pub(super) node: Node,
    pub(super) key: RoomKey,
    /// Its link's mirrors, for the messages its room's users send the user.
    pub(super) mirrored: Mirrored,
    /// Whether the user is in this node's room: then the mirror's removal from the other
    /// room (a kick, a ban, a dismissal there) removes the user here too.
    pub(super) user_here: bool,
    /// Whether the user is visible: the mirror joins as the user is.
    pub(super) visible: bool,
}

/// A keyframe request for the user's track, from the mirror's room.
#[derive(Debug)]
pub(super) struct KeyframeWanted {
    pub(super) user: Arc<str>,
    pub(super) index: StreamIndex,
    pub(super) kind: TrackKind,
    pub(super) request: KeyframeRequestKind,
}

/// One outgoing track: its send stream, and the sequence numbers rebased to start below
/// 2^15 (str0m's sender assumes no rollover before the first packet).
struct Outgoing {
    ssrc: Ssrc,
    /// The first negotiated payload type of each codec, in the order of preference.
    pts: Vec<(Codec, Pt)>,
    base: Option<(u64, u64)>,
}

/// Runs the mirror of `user` in `key`'s room on `node` until `commands` closes; `joined` is
/// its connection when the room admitted it already (see `admission`).
pub(super) async fn run(
    place: Place,
    user: Arc<str>,
    mut commands: mpsc::Receiver<ToMirror>,
    keyframes: mpsc::Sender<KeyframeWanted>,
    joined: Option<Signal>,
) -> Result<(), SpanError> {
    let Place {
        ctx,
        node,
        key,
        mirrored,
        user_here,
        visible,
    } = place;
    let mut signal = match joined {
        Some(signal) => signal,
        None => Signal::join(&ctx, &node, &key, &user, visible).await?.0,
    };
    // The media transport is made at the user's first publish: a user who only watches costs
    // the other room a member, not a transport.
    let mut media: Option<Media> = None;
    let mut buf = vec![0u8; 2048];
    let result = loop {
        let timeout = match media.as_mut().map(|m| m.tick(&keyframes, &user)) {
            Some(Err(e)) => break Err(e),
            Some(Ok(at)) => Some(at),
            None => None,
        };
        let readable = async {
            match &media {
                Some(m) => m.peer.readable().await,
                None => std::future::pending().await,
            }
        };
        let sleep = async {
            match timeout {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            command = commands.recv() => match command {
                None => break Ok(()),
                Some(ToMirror::Publish { index, media: kinds, on }) => {
                    if on && media.is_none() {
                        match Media::open(&node, &mut signal).await {
                            Ok(opened) => media = Some(opened),
                            Err(e) => break Err(e),
                        }
                    }
                    let params = MediaParams { media_type: kinds };
                    let request = match (index, on) {
                        (StreamIndex::Main, true) => Request::PublishStream(params),
                        (StreamIndex::Main, false) => Request::UnpublishStream(params),
                        (StreamIndex::Screen, true) => Request::PublishScreen(params),
                        (StreamIndex::Screen, false) => Request::UnpublishScreen(params),
                    };
                    if let Err(e) = signal.send(request).await {
                        break Err(e);
                    }
                }
                Some(ToMirror::Say(request)) => {
                    if let Err(e) = signal.send(request).await {
                        break Err(e);
                    }
                }
                Some(ToMirror::Packet(packet)) => {
                    if let Some(m) = &mut media {
                        m.write(packet);
                    }
                }
            },
            frame = signal.next_frame() => match frame {
                // A message to the user from a user of this room: the sender's mirror on the
                // other side says it to the user there.
                Ok(ServerFrame::Event(Event::UserMessageReceived(m))) => {
                    let to = UserMessageParams { user_id: user.to_string(), message: m.message };
                    pass_on(&mirrored, &m.user_id, Request::SendUserMessage(to)).await;
                }
                Ok(ServerFrame::Event(Event::UserBinaryMessageReceived(m))) => {
                    let to = UserMessageParams { user_id: user.to_string(), message: m.message };
                    pass_on(&mirrored, &m.user_id, Request::SendUserBinaryMessage(to)).await;
                }
                // The room removed the mirror: its user goes too, the room's word being final.
                Ok(ServerFrame::Event(Event::Error(removed))) => {
                    if user_here {
                        remove_here(&ctx, &key, &user).await;
                    }
                    break Err(SpanError::Removed(removed.message));
                }
                // Answers to its own calls, and room events: a mirror does what its user does
                // and follows nothing else.
                Ok(_) => {}
                Err(e) => break Err(e),
            },
            ready = readable => {
                if let Some(m) = &mut media
                    && let Err(e) = ready.and_then(|()| m.read(&mut buf, &keyframes, &user))
                {
                    break Err(e);
                }
            }
            () = sleep => {}
        }
    };
    // A failed link holds its users (see `mirrored`): dropped, not gone.
    match mirrored.holding() {
        true => signal.drop_connection().await,
        false => signal.leave().await,
    }
    result
}

/// Removes `user` from this node's room of `key`, as the OpenAPI's KickUser does.
async fn remove_here(ctx: &Ctx, key: &RoomKey, user: &str) {
    if let Some(room) = ctx.directory.get(key) {
        let (done, _) = oneshot::channel();
        let kick = Command::Kick {
            user_id: user.to_owned(),
            done,
        };
        let _ = room.send(kick).await;
    }
}

/// Has `sender`'s mirror make `request`.
async fn pass_on(mirrored: &Mirrored, sender: &str, request: Request) {
    if let Some(mirror) = mirrored.mirror_of(sender) {
        let _ = mirror.send(ToMirror::Say(request)).await;
    }
}

/// A mirror's publisher transport.
struct Media {
    peer: Peer,
    /// What each offered mid carries.
    mids: HashMap<Mid, (StreamIndex, TrackKind)>,
    outgoing: HashMap<Mid, Outgoing>,
    connected: bool,
}

impl Media {
    /// Binds a transport to `node` and negotiates it.
    async fn open(node: &Node, signal: &mut Signal) -> Result<Media, SpanError> {
        let mut peer = Peer::bind(node).await?;
        let mids = offer(signal, &mut peer).await?;
        Ok(Media {
            peer,
            mids,
            outgoing: HashMap::new(),
            connected: false,
        })
    }

    fn tick(
        &mut self,
        keyframes: &mpsc::Sender<KeyframeWanted>,
        user: &Arc<str>,
    ) -> Result<Instant, SpanError> {
        let (mids, connected) = (&self.mids, &mut self.connected);
        self.peer
            .tick(&mut |_, event| on_event(mids, connected, keyframes, user, event))
    }

    fn read(
        &mut self,
        buf: &mut [u8],
        keyframes: &mpsc::Sender<KeyframeWanted>,
        user: &Arc<str>,
    ) -> Result<(), SpanError> {
        let (mids, connected) = (&self.mids, &mut self.connected);
        self.peer.read(buf, &mut |_, event| {
            on_event(mids, connected, keyframes, user, event)
        })
    }

    fn write(&mut self, packet: Relayed) {
        if self.connected {
            write(&mut self.peer.rtc, &self.mids, &mut self.outgoing, packet);
        }
    }
}

/// What the transport's str0m says: connected, or a keyframe wanted (asked up the link).
fn on_event(
    mids: &HashMap<Mid, (StreamIndex, TrackKind)>,
    connected: &mut bool,
    keyframes: &mpsc::Sender<KeyframeWanted>,
    user: &Arc<str>,
    event: RtcEvent,
) {
    match event {
        RtcEvent::Connected => *connected = true,
        RtcEvent::KeyframeRequest(request) => {
            if let Some(&(index, kind)) = mids.get(&request.mid) {
                let _ = keyframes.try_send(KeyframeWanted {
                    user: user.clone(),
                    index,
                    kind,
                    request: request.kind,
                });
            }
        }
        _ => {}
    }
}

/// Offers every track and applies the SFU's answer; returns what each mid carries.
async fn offer(
    signal: &mut Signal,
    peer: &mut Peer,
) -> Result<HashMap<Mid, (StreamIndex, TrackKind)>, SpanError> {
    let mut api = peer.rtc.sdp_api();
    let mut mids = HashMap::new();
    let mut tracks = Vec::new();
    for (index, kind) in TRACKS {
        let media = match kind {
            TrackKind::Audio => MediaKind::Audio,
            TrackKind::Video => MediaKind::Video,
        };
        let stream = format!("chorus-span-{}", index.value());
        let mid = api.add_media(media, Direction::SendOnly, Some(stream), None, None);
        mids.insert(mid, (index, kind));
        tracks.push(PublishedTrack {
            mid: mid.to_string(),
            stream_index: index,
            kind,
        });
    }
    let (offer, pending) = api
        .apply()
        .ok_or_else(|| SpanError::media("str0m made no offer"))?;
    let params = PublisherOfferParams {
        sdp: offer.to_sdp_string(),
        tracks,
    };
    let answer = signal
        .call(Request::PublisherOffer(params), &mut Vec::new())
        .await?;
    let sdp = answer
        .get("sdp")
        .and_then(|v| v.as_str())
        .ok_or_else(|| SpanError::media("publisherOffer answered no sdp"))?;
    let answer = SdpAnswer::from_sdp_string(sdp).map_err(SpanError::media)?;
    peer.rtc
        .sdp_api()
        .accept_answer(pending, answer)
        .map_err(SpanError::media)?;
    Ok(mids)
}

/// Writes `packet` on its track's send stream, if the track was negotiated with its codec.
fn write(
    rtc: &mut Rtc,
    mids: &HashMap<Mid, (StreamIndex, TrackKind)>,
    outgoing: &mut HashMap<Mid, Outgoing>,
    packet: Relayed,
) {
    let Some((&mid, _)) = mids
        .iter()
        .find(|(_, (index, kind))| *index == packet.index && *kind == packet.kind)
    else {
        return;
    };
    let track = match outgoing.entry(mid) {
        Entry::Occupied(known) => known.into_mut(),
        Entry::Vacant(new) => match track(rtc, mid) {
            Some(track) => new.insert(track),
            None => return,
        },
    };
    let Some(&(_, pt)) = track.pts.iter().find(|(c, _)| *c == packet.codec) else {
        return;
    };
    let (first, start) = *track.base.get_or_insert((packet.seq, packet.seq & 0x7fff));
    let Some(seq) = packet.seq.checked_sub(first).map(|d| d + start) else {
        return; // older than the first one written: the far side cannot place it
    };
    let nackable = packet.kind == TrackKind::Video;
    if let Some(stream) = rtc.direct_api().stream_tx(&track.ssrc) {
        let write = RtpWrite::new(
            pt,
            SeqNo::from(seq),
            packet.ts,
            Instant::now(),
            packet.payload,
        )
        .marker(packet.marker)
        .ext_vals(ExtensionValues {
            audio_level: packet.audio_level,
            voice_activity: packet.voice_activity,
            video_orientation: packet.video_orientation,
            ..ExtensionValues::default()
        })
        .nackable(nackable);
        stream.write_rtp(write);
    }
}

/// The send stream of `mid` and its negotiated payload types by codec.
fn track(rtc: &mut Rtc, mid: Mid) -> Option<Outgoing> {
    let remote = rtc.media(mid)?.remote_pts().to_vec();
    let mut pts: Vec<(Codec, Pt)> = Vec::new();
    for p in rtc.codec_config().params() {
        let codec = p.spec().codec;
        if remote.contains(&p.pt()) && !pts.iter().any(|(c, _)| *c == codec) {
            pts.push((codec, p.pt()));
        }
    }
    let ssrc = rtc.direct_api().stream_tx_by_mid(mid, None)?.ssrc();
    Some(Outgoing {
        ssrc,
        pts,
        base: None,
    })
}
