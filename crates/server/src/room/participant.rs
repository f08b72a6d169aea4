//! One user in one room: identity, visibility, what they publish, what they receive, and
//! their token's grant.

use std::collections::{BTreeMap, HashSet};

use chorus_proto::{Event, MediaType, SimulcastStreamType, StreamIndex, TrackKind, UserInfo};

use super::grant::{Grant, Millis};

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
}

/// Events a participant in grace missed, replayed in order when they resume.
#[derive(Debug, Clone, Default)]
pub(crate) struct Missed {
    events: Vec<Event>,
    overflowed: bool,
}

impl Missed {
    /// Most events kept; past this, resuming silently would take longer than rejoining.
    const MAX: usize = 256;

    pub(crate) fn record(&mut self, event: &Event) {
        if self.events.len() < Self::MAX {
            self.events.push(event.clone());
        } else {
            self.overflowed = true;
        }
    }

    pub(crate) fn overflowed(&self) -> bool {
        self.overflowed
    }

    pub(crate) fn take(&mut self) -> Vec<Event> {
        self.overflowed = false;
        std::mem::take(&mut self.events)
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
    /// Publisher -> the layer chosen with setRemoteSimulcastStreamType.
    pub(super) layers: BTreeMap<String, SimulcastStreamType>,
}

impl Reception {
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
