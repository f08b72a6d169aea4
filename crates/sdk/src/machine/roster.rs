//! The room's other users as the app has been told of them (`onUserJoined`, `onUserLeave`,
//! the publish and unpublish events), so that a reconnect which could not resume shows the
//! app no more than the reconnect.
//!
//! When the server that held the session is gone (a cluster node died or drained), the
//! engine rejoins as a new session, and the server announces everyone in the room afresh,
//! as they come back themselves. Without this the app would see each of them join and
//! publish a second time. While [`RETURN_WINDOW`] runs after such a rejoin, an announcement
//! of a user or stream the app already knows is kept from it; when the window closes, those
//! who did not come back leave (`DROPPED`), and what was not published again is unpublished.
//! Pure data with `now` passed in, like the machine that owns it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chorus_proto::{
    Event, MediaType, StreamIndex, StreamPublishedEvent, StreamRemoveReason,
    StreamUnpublishedEvent, UserInfo, UserLeaveEvent, UserOfflineReason,
};

/// How long after a rejoin that could not resume the others have to come back before the
/// app hears they left: a dead node is noticed within its registration's 3 s, and the SDKs'
/// reconnect attempts are at most 2 s apart.
pub(crate) const RETURN_WINDOW: Duration = Duration::from_secs(10);

/// What one user publishes, per stream index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Streams {
    main: Option<MediaType>,
    screen: Option<MediaType>,
}

impl Streams {
    fn slot(&mut self, index: StreamIndex) -> &mut Option<MediaType> {
        match index {
            StreamIndex::Main => &mut self.main,
            StreamIndex::Screen => &mut self.screen,
        }
    }

    fn add(&mut self, index: StreamIndex, media: MediaType) {
        let slot = self.slot(index);
        let now = slot.map_or((false, false), |m| (m.has_audio(), m.has_video()));
        *slot = MediaType::from_parts(now.0 || media.has_audio(), now.1 || media.has_video());
    }

    fn remove(&mut self, index: StreamIndex, media: MediaType) {
        let slot = self.slot(index);
        let now = slot.map_or((false, false), |m| (m.has_audio(), m.has_video()));
        *slot = MediaType::from_parts(now.0 && !media.has_audio(), now.1 && !media.has_video());
    }

    /// Whether `media` on `index` is all published here.
    fn covers(mut self, index: StreamIndex, media: MediaType) -> bool {
        let slot = *self.slot(index);
        slot.is_some_and(|m| {
            (!media.has_audio() || m.has_audio()) && (!media.has_video() || m.has_video())
        })
    }
}

/// A user the app knows of.
#[derive(Debug, Clone)]
struct Known {
    info: UserInfo,
    streams: Streams,
}

/// The users the app knew of when a rejoin could not resume, waiting to come back.
#[derive(Debug)]
struct Returning {
    until: Instant,
    /// Not announced again yet.
    missing: HashMap<String, Known>,
    /// Came back; what they published before and have not published again yet.
    unpublished: HashMap<String, Streams>,
}

/// The others in the room, as told to the app.
#[derive(Debug, Default)]
pub(crate) struct Roster {
    users: HashMap<String, Known>,
    returning: Option<Returning>,
}

impl Roster {
    /// A new room (a join, or the room is left): nobody is known.
    pub(crate) fn clear(&mut self) {
        self.users.clear();
        self.returning = None;
    }

    /// The engine rejoined as a new session at `now`: the others are announced anew as they
    /// come back.
    pub(crate) fn rejoined(&mut self, now: Instant) {
        let mut missing = std::mem::take(&mut self.users);
        if let Some(earlier) = self.returning.take() {
            // Back again before the last window closed: those still missing stay missing.
            missing.extend(earlier.missing);
        }
        self.returning = Some(Returning {
            until: now + RETURN_WINDOW,
            missing,
            unpublished: HashMap::new(),
        });
    }

    /// When [`Roster::handle_timeout`] has work.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.returning.as_ref().map(|r| r.until)
    }

    /// Closes the return window once due: the events that say who did not come back.
    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Vec<Event> {
        let Some(returning) = self.returning.take_if(|r| r.until <= now) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (user_id, mut streams) in returning.unpublished {
            for index in [StreamIndex::Main, StreamIndex::Screen] {
                if let Some(media_type) = streams.slot(index).take() {
                    out.push(unpublished(&user_id, index, media_type));
                }
            }
        }
        for (_, known) in returning.missing {
            out.push(Event::UserLeave(UserLeaveEvent {
                user_info: known.info,
                reason: UserOfflineReason::Dropped,
            }));
        }
        out
    }

    /// Takes in a room event from the server; whether the app should see it.
    pub(crate) fn admit(&mut self, event: &Event) -> bool {
        match event {
            Event::UserJoined(e) => self.joined(&e.user_info),
            Event::UserLeave(e) => {
                self.users.remove(&e.user_info.user_id);
                if let Some(r) = self.returning.as_mut() {
                    r.unpublished.remove(&e.user_info.user_id);
                    // Left before the window closed: the app hears of it once, now.
                    r.missing.remove(&e.user_info.user_id);
                }
                true
            }
            Event::UserPublishStream(e) => self.published(e, StreamIndex::Main),
            Event::UserPublishScreen(e) => self.published(e, StreamIndex::Screen),
            Event::UserUnpublishStream(e) => self.unpublished(e, StreamIndex::Main),
            Event::UserUnpublishScreen(e) => self.unpublished(e, StreamIndex::Screen),
            _ => true,
        }
    }

    fn joined(&mut self, info: &UserInfo) -> bool {
        let id = &info.user_id;
        let back = self.returning.as_mut().and_then(|r| {
            let known = r.missing.remove(id)?;
            r.unpublished.insert(id.clone(), known.streams);
            Some(known)
        });
        self.users.insert(
            id.clone(),
            Known {
                info: info.clone(),
                streams: Streams::default(),
            },
        );
        // Known before and unchanged: nothing new for the app.
        !back.is_some_and(|k| k.info == *info)
    }

    fn published(&mut self, e: &StreamPublishedEvent, index: StreamIndex) -> bool {
        if let Some(known) = self.users.get_mut(&e.user_id) {
            known.streams.add(index, e.media_type);
        }
        let Some(before) = self
            .returning
            .as_mut()
            .and_then(|r| r.unpublished.get_mut(&e.user_id))
        else {
            return true;
        };
        let again = before.covers(index, e.media_type);
        before.remove(index, e.media_type);
        !again
    }

    fn unpublished(&mut self, e: &StreamUnpublishedEvent, index: StreamIndex) -> bool {
        if let Some(known) = self.users.get_mut(&e.user_id) {
            known.streams.remove(index, e.media_type);
        }
        true
    }
}

fn unpublished(user_id: &str, index: StreamIndex, media_type: MediaType) -> Event {
    let e = StreamUnpublishedEvent {
        user_id: user_id.to_owned(),
        media_type,
        reason: StreamRemoveReason::ClientDisconnected,
    };
    match index {
        StreamIndex::Main => Event::UserUnpublishStream(e),
        StreamIndex::Screen => Event::UserUnpublishScreen(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str, extra: Option<&str>) -> UserInfo {
        UserInfo {
            user_id: id.into(),
            extra_info: extra.map(Into::into),
        }
    }

    fn joined(id: &str) -> Event {
        Event::UserJoined(chorus_proto::UserJoinedEvent {
            user_info: info(id, None),
        })
    }

    fn publish(id: &str, media_type: MediaType) -> Event {
        Event::UserPublishStream(StreamPublishedEvent {
            user_id: id.into(),
            media_type,
        })
    }

    #[test]
    fn the_others_coming_back_after_a_rejoin_are_not_announced_again() {
        let mut roster = Roster::default();
        let t0 = Instant::now();
        for e in [
            joined("bob"),
            publish("bob", MediaType::AudioAndVideo),
            joined("carol"),
        ] {
            assert!(roster.admit(&e));
        }
        assert!(
            roster.admit(&Event::UserPublishScreen(StreamPublishedEvent {
                user_id: "carol".into(),
                media_type: MediaType::Video,
            }))
        );
        roster.rejoined(t0);
        assert_eq!(roster.poll_timeout(), Some(t0 + RETURN_WINDOW));
        // Bob comes back and publishes audio and video again, in two steps: nothing new.
        assert!(!roster.admit(&joined("bob")));
        assert!(!roster.admit(&publish("bob", MediaType::Audio)));
        assert!(!roster.admit(&publish("bob", MediaType::Video)));
        // Dave is new.
        assert!(roster.admit(&joined("dave")));
        assert!(roster.admit(&publish("dave", MediaType::Audio)));
        // Carol comes back with other extra info: the app hears of her again; her screen
        // does not come back.
        assert!(
            roster.admit(&Event::UserJoined(chorus_proto::UserJoinedEvent {
                user_info: info("carol", Some("moved")),
            }))
        );
        assert!(roster.handle_timeout(t0 + RETURN_WINDOW / 2).is_empty());
        let closing = roster.handle_timeout(t0 + RETURN_WINDOW);
        assert_eq!(
            closing,
            [Event::UserUnpublishScreen(StreamUnpublishedEvent {
                user_id: "carol".into(),
                media_type: MediaType::Video,
                reason: StreamRemoveReason::ClientDisconnected,
            })]
        );
        assert_eq!(roster.poll_timeout(), None);
        // After the window, announcements pass as ever.
        assert!(roster.admit(&publish("carol", MediaType::Audio)));
    }

    #[test]
    fn those_who_do_not_come_back_leave_when_the_window_closes() {
        let mut roster = Roster::default();
        let t0 = Instant::now();
        assert!(roster.admit(&joined("bob")));
        assert!(roster.admit(&joined("erin")));
        roster.rejoined(t0);
        // Erin left meanwhile, as the server says: the app hears it once.
        assert!(roster.admit(&Event::UserLeave(UserLeaveEvent {
            user_info: info("erin", None),
            reason: UserOfflineReason::Quit,
        })));
        let closing = roster.handle_timeout(t0 + RETURN_WINDOW);
        assert_eq!(
            closing,
            [Event::UserLeave(UserLeaveEvent {
                user_info: info("bob", None),
                reason: UserOfflineReason::Dropped,
            })]
        );
        // Bob joining later is news.
        assert!(roster.admit(&joined("bob")));
    }
}
