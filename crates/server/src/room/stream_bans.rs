//! Stream bans, the OpenAPI's `BanUserStream` and `UnbanUserStream`: which users of one room
//! may not publish their video or audio, until when, and who hears of it. A ban unpublishes
//! what it covers (main and screen streams alike) and refuses publishing it again; everyone in
//! the room hears `onVideoStreamBanned` / `onAudioStreamBanned`, the banned user too, and hears
//! it again when the banned user or they themselves join while it lasts. Bans live as long as
//! the room: a room that ends and starts again starts without any.
//!
//! Part of the room core: sans-IO, `now` comes in; it depends on `core` and `streams`, never
//! the reverse.

use std::collections::HashMap;

use chorus_proto::{Event, MediaType, StreamBannedEvent, StreamIndex, StreamRemoveReason};

use super::core::Room;
use super::grant::Millis;
use super::participant::SessionId;

/// Until when one user's video and audio are banned (`Millis::MAX`: until lifted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Ban {
    video: Option<Millis>,
    audio: Option<Millis>,
}

/// A room's stream bans, by user id.
#[derive(Debug, Default)]
pub(crate) struct StreamBans {
    by_user: HashMap<String, Ban>,
}

impl StreamBans {
    /// What of `user`'s media is banned at `now`.
    pub(super) fn banned(&self, user: &str, now: Millis) -> Option<MediaType> {
        let ban = self.by_user.get(user).copied().unwrap_or_default();
        let on = |until: Option<Millis>| until.is_some_and(|t| t > now);
        MediaType::from_parts(on(ban.audio), on(ban.video))
    }

    /// When the next timed ban ends.
    pub(super) fn next_end(&self) -> Option<Millis> {
        self.by_user
            .values()
            .flat_map(|b| [b.video, b.audio])
            .flatten()
            .filter(|&t| t != Millis::MAX)
            .min()
    }
}

/// The event that says `user`'s `media` (one kind) is banned or not.
fn ban_event(user: &str, video: bool, banned: bool) -> Event {
    let data = StreamBannedEvent {
        uid: user.to_owned(),
        banned,
    };
    if video {
        Event::VideoStreamBanned(data)
    } else {
        Event::AudioStreamBanned(data)
    }
}

impl Room {
    /// `BanUserStream`: `user` may not publish `video`/`audio` until `until`; what they publish
    /// of it goes now. Answers whether the user is in the room.
    pub(crate) fn ban_stream(
        &mut self,
        user: &str,
        video: bool,
        audio: bool,
        until: Millis,
    ) -> bool {
        self.next_timeout = None;
        let ban = self.stream_bans.by_user.entry(user.to_owned()).or_default();
        if video {
            ban.video = Some(until);
        }
        if audio {
            ban.audio = Some(until);
        }
        if let Some(media) = MediaType::from_parts(audio, video) {
            for index in [StreamIndex::Main, StreamIndex::Screen] {
                self.withdraw(user, index, media, StreamRemoveReason::Other);
            }
        }
        for (kind_is_video, wanted) in [(true, video), (false, audio)] {
            if wanted {
                self.tell_everyone(ban_event(user, kind_is_video, true));
            }
        }
        self.users.contains_key(user)
    }

    /// `UnbanUserStream`: `user` may publish `video`/`audio` again; those whose ban lifts
    /// are told. Answers whether the user is in the room.
    pub(crate) fn unban_stream(
        &mut self,
        now: Millis,
        user: &str,
        video: bool,
        audio: bool,
    ) -> bool {
        self.next_timeout = None;
        let was = self.stream_bans.banned(user, now);
        if let Some(ban) = self.stream_bans.by_user.get_mut(user) {
            if video {
                ban.video = None;
            }
            if audio {
                ban.audio = None;
            }
            if *ban == Ban::default() {
                self.stream_bans.by_user.remove(user);
            }
        }
        let was = was.map_or((false, false), |m| (m.has_video(), m.has_audio()));
        if video && was.0 {
            self.tell_everyone(ban_event(user, true, false));
        }
        if audio && was.1 {
            self.tell_everyone(ban_event(user, false, false));
        }
        self.users.contains_key(user)
    }

    /// Ends the timed bans that are due at `now`, telling everyone.
    pub(super) fn stream_bans_due(&mut self, now: Millis) {
        let mut ended = Vec::new();
        self.stream_bans.by_user.retain(|user, ban| {
            for (kind_is_video, until) in [(true, &mut ban.video), (false, &mut ban.audio)] {
                if until.is_some_and(|t| t <= now) {
                    *until = None;
                    ended.push((user.clone(), kind_is_video));
                }
            }
            *ban != Ban::default()
        });
        for (user, kind_is_video) in ended {
            self.tell_everyone(ban_event(&user, kind_is_video, false));
        }
    }

    /// `user` (at `session`) just joined: they hear of the bans in force on others, and if
    /// they are banned themselves, everyone hears of it again.
    pub(super) fn stream_bans_on_join(&mut self, now: Millis, session: SessionId, user: &str) {
        let mut to_joiner = Vec::new();
        let mut own = None;
        for name in self.stream_bans.by_user.keys() {
            let Some(media) = self.stream_bans.banned(name, now) else {
                continue;
            };
            if name == user {
                own = Some(media);
            } else if self.users.contains_key(name) {
                to_joiner.push((name.clone(), media));
            }
        }
        for (name, media) in to_joiner {
            for (kind_is_video, on) in [(true, media.has_video()), (false, media.has_audio())] {
                if on {
                    self.event(vec![session], ban_event(&name, kind_is_video, true));
                }
            }
        }
        if let Some(media) = own {
            for (kind_is_video, on) in [(true, media.has_video()), (false, media.has_audio())] {
                if on {
                    self.tell_everyone(ban_event(user, kind_is_video, true));
                }
            }
        }
    }

    /// Sends `event` to everyone in the room (kept for those in grace).
    fn tell_everyone(&mut self, event: Event) {
        // No user id is empty, so broadcasting "from" it leaves nobody out.
        self.broadcast("", event);
    }
}
