//! One user in one room: identity, visibility, what they publish, what they receive, and
//! their token's grant.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chorus_proto::{MediaType, SimulcastStreamType, StreamIndex, TrackKind, UserInfo};

use super::grant::{Grant, Millis};
use crate::frame::Frame;

/// Identifies one signalling connection across the server.
pub(crate) type SessionId = u64;

/// Published media of one stream index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Published {
    pub(crate) audio: bool,
    pub(crate) video: bool,
}

impl Published {
    pub(crate) fn media(self) -> Option<MediaType> {
        MediaType::from_parts(self.audio, self.video)
    }

    /// Adds `media`; returns what was newly added.
    pub(crate) fn add(&mut self, media: MediaType) -> Option<MediaType> {
        let added = MediaType::from_parts(
            media.has_audio() && !self.audio,
            media.has_video() && !self.video,
        );
        self.audio |= media.has_audio();
        self.video |= media.has_video();
        added
    }

    /// Removes `media`; returns what was actually removed.
    pub(crate) fn remove(&mut self, media: MediaType) -> Option<MediaType> {
        let removed = MediaType::from_parts(
            media.has_audio() && self.audio,
            media.has_video() && self.video,
        );
        self.audio &= !media.has_audio();
        self.video &= !media.has_video();
        removed
    }
}

/// A participant of a room.
#[derive(Debug, Clone)]
pub(crate) struct Participant {
    pub(crate) session: SessionId,
    pub(crate) info: UserInfo,
    pub(crate) visible: bool,
    pub(crate) main: Published,
    pub(crate) screen: Published,
    pub(crate) grant: Grant,
    /// Whether onTokenWillExpire went out for the current grant.
    pub(crate) warned: bool,
    /// The publish-privilege end (see [`Grant::next_publish_end`]) last warned about, and the
    /// last one enforced; 0 none yet for the current grant.
    pub(crate) publish_warned: Millis,
    pub(crate) publish_enforced: Millis,
    /// Whether onTokenSubscribePrivilegeWillExpire went out for the current grant.
    pub(crate) subscribe_warned: bool,
    /// Set while the connection is gone and the grace period runs.
    pub(crate) dropped_at: Option<Millis>,
    /// What others did while the connection was gone.
    pub(crate) missed: Missed,
    /// What they receive of others.
    pub(crate) reception: Reception,
    /// Set when this member is a forward into this room (see `forwarded.rs`): the user is in
    /// another room, and only their streams are here.
    pub(crate) forwarded: Option<Forwarded>,
    /// Set while the user forwards their streams from this room into others (see
    /// `forward.rs`).
    pub(crate) forwarding: Option<Forwarding>,
}

/// A forwarded member: the user is in `source_room` and publishes into this room from there.
/// They receive nothing of this room; their session hears only how the forward stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Forwarded {
    /// The room the user is in (same app).
    pub(crate) source_room: String,
    /// Whether the forwarder paused sending media here.
    pub(crate) paused: bool,
}

/// A user's forwarding from the room they are in: the target rooms, and whether it is paused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Forwarding {
    /// Target room ids whose forward is under way (asked for, not yet ended).
    pub(crate) targets: BTreeSet<String>,
    pub(crate) paused: bool,
}

/// Events a participant in grace missed, as the frames they would have been sent, replayed in
/// order when they resume. A frame is shared with everyone else who missed it, never copied.
///
/// Bounded by count, by bytes per participant and (through the room's running total) by bytes
/// per room. Past any bound the participant has *lost* events: what was kept is freed at once
/// and nothing more is kept, and their next join cannot resume silently (`resumed: false`,
/// a fresh snapshot), so a client always learns it missed something.
#[derive(Debug, Clone, Default)]
pub(crate) struct Missed {
    frames: Vec<Frame>,
    bytes: usize,
    lost: bool,
}

impl Missed {
    /// Most events kept; past this, resuming silently would take longer than rejoining.
    pub(crate) const MAX_EVENTS: usize = 256;
    /// Most bytes kept for one participant.
    pub(crate) const MAX_BYTES: usize = 1024 * 1024;
    /// Most bytes kept for everyone in grace in one room together.
    pub(crate) const MAX_ROOM_BYTES: usize = 8 * 1024 * 1024;

    /// Keeps `frame` if every bound allows it, else marks the events lost. `room_bytes` is the
    /// room's running total of kept bytes, kept in step.
    pub(crate) fn record(&mut self, frame: &Frame, room_bytes: &mut usize) {
        if self.lost {
            return;
        }
        let size = frame.byte_len();
        if self.frames.len() >= Self::MAX_EVENTS
            || self.bytes + size > Self::MAX_BYTES
            || *room_bytes + size > Self::MAX_ROOM_BYTES
        {
            self.mark_lost(room_bytes);
            return;
        }
        self.frames.push(frame.clone());
        self.bytes += size;
        *room_bytes += size;
    }

    /// Something this participant was owed never reached them: they cannot resume silently.
    pub(crate) fn mark_lost(&mut self, room_bytes: &mut usize) {
        self.forget(room_bytes);
        self.lost = true;
    }

    /// Whether events were lost, so a resume must start afresh.
    pub(crate) fn lost(&self) -> bool {
        self.lost
    }

    /// The kept frames, in order; starts over empty.
    pub(crate) fn take(&mut self, room_bytes: &mut usize) -> Vec<Frame> {
        *room_bytes -= self.bytes;
        self.bytes = 0;
        self.lost = false;
        std::mem::take(&mut self.frames)
    }

    /// Bytes kept, for the fuzz driver's check of the room's running total.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn kept_bytes(&self) -> usize {
        self.bytes
    }

    /// Frees what was kept (the participant is gone or starts over).
    pub(crate) fn forget(&mut self, room_bytes: &mut usize) {
        drop(self.take(room_bytes));
    }
}

impl Participant {
    /// Takes a new token's grant: its timers start over.
    pub(crate) fn set_grant(&mut self, grant: Grant) {
        self.grant = grant;
        self.warned = false;
        self.publish_warned = 0;
        self.publish_enforced = 0;
        self.subscribe_warned = false;
    }

    pub(crate) fn published(&self, index: StreamIndex) -> &Published {
        match index {
            StreamIndex::Main => &self.main,
            StreamIndex::Screen => &self.screen,
        }
    }

    pub(crate) fn published_mut(&mut self, index: StreamIndex) -> &mut Published {
        match index {
            StreamIndex::Main => &mut self.main,
            StreamIndex::Screen => &mut self.screen,
        }
    }

    pub(crate) fn connected(&self) -> bool {
        self.dropped_at.is_none()
    }

    /// Whether this room's events and messages go to the member's session now: connected,
    /// and a member of its own (a forwarded member's session belongs to another room).
    pub(crate) fn reachable(&self) -> bool {
        self.connected() && self.forwarded.is_none()
    }
}

/// One participant's side of receiving.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reception {
    /// Subscribe to others' audio as they publish it.
    pub(crate) auto_audio: bool,
    /// Subscribe to others' video as they publish it.
    pub(crate) auto_video: bool,
    /// Whether the token's subscribe privilege holds, as the room last saw it. While it does
    /// not, nothing is forwarded, but `subscribed` is kept for when a new token restores it.
    pub(super) allowed: bool,
    /// (publisher, stream, kind) subscribed to.
    pub(super) subscribed: HashSet<(String, StreamIndex, TrackKind)>,
    pub(super) paused_audio: bool,
    pub(super) paused_video: bool,
    /// Publisher -> the layer chosen with setRemoteSimulcastStreamType: every user in the
    /// room, and at most [`Reception::MAX_ABSENT_LAYERS`] who are not.
    pub(super) layers: BTreeMap<String, SimulcastStreamType>,
}

impl Reception {
    /// Most layer choices kept about users who are not in the room (yet): enough for a client
    /// that chooses before the publisher joins, too few for a flood of ids to hold memory.
    pub(super) const MAX_ABSENT_LAYERS: usize = 16;

    /// Entries kept for this participant: subscriptions and layer choices.
    pub(super) fn entries(&self) -> usize {
        self.subscribed.len() + self.layers.len()
    }

    pub(crate) fn new(auto_audio: bool, auto_video: bool) -> Self {
        Reception {
            auto_audio,
            auto_video,
            ..Default::default()
        }
    }

    pub(super) fn auto(&self, kind: TrackKind) -> bool {
        match kind {
            TrackKind::Audio => self.auto_audio,
            TrackKind::Video => self.auto_video,
        }
    }

    pub(super) fn paused(&self, kind: TrackKind) -> bool {
        match kind {
            TrackKind::Audio => self.paused_audio,
            TrackKind::Video => self.paused_video,
        }
    }
}
