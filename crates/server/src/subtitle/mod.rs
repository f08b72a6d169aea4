//! Subtitles, the server's side: who in which room turned subtitles on, and one captioner
//! (chorus-subtitles) per room with subtitles on. A task of its own owns that state; sessions
//! reach it through [`Subtitles`] and get their subtitles through their outbox, as room
//! events. Depends on `room` only for the session link and the room key, and on neither the
//! SFU nor the rooms' tasks: the captioner is an ordinary (invisible) client of the room.
//!
//! Members are keyed by room and user, not by connection: a member whose connection drops
//! keeps its subtitles for the reconnect grace period, and its next session in that room
//! (the resume) takes them over; a member that does not come back in time is dropped.
//!
//! A failure (no recognizer, no translator, a recognizer that fails or times out mid-stream,
//! a translation that fails) reaches every member as `onSubtitleStateChanged` ERROR with its
//! `SUBTITLE_*` code, and subtitles are off in that room: members start them again.

mod settings;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chorus_proto::{
    ErrorCode, Event, RtcError, ServerFrame, SubtitleEventType, SubtitleMessage, SubtitleMessages,
    SubtitleMode, SubtitleStateEvent,
};
use chorus_subtitles::{
    CAPTIONER_USER_ID, CaptionEvent, Captioner, CaptionerConfig, SegmenterSettings,
};
use chorus_token::Privilege;
use tokio::sync::{mpsc, oneshot};

pub use settings::{RecognizerKind, SubtitlesConfig};

use crate::config::Apps;
use crate::frame::Frame;
use crate::own_users;
use crate::room::{Outbound, RoomKey, SessionId, SessionLink};

/// A member's subtitle settings.
#[derive(Debug, Clone)]
pub(crate) struct Wanted {
    pub(crate) mode: SubtitleMode,
    /// The translation's language (translation mode).
    pub(crate) target: Option<String>,
}

enum Command {
    Start {
        key: RoomKey,
        user: String,
        link: SessionLink,
        wanted: Wanted,
        reply: oneshot::Sender<Result<(), RtcError>>,
    },
    Update {
        key: RoomKey,
        session: SessionId,
        source_language: String,
        reply: oneshot::Sender<Result<(), RtcError>>,
    },
    Stop {
        key: RoomKey,
        session: SessionId,
    },
    Dropped {
        key: RoomKey,
        session: SessionId,
    },
    Rejoined {
        key: RoomKey,
        user: String,
        link: SessionLink,
    },
    /// The grace period of a member dropped as `session` ended.
    Expire {
        key: RoomKey,
        session: SessionId,
    },
    Caption {
        key: RoomKey,
        generation: u64,
        event: CaptionEvent,
    },
}

/// The handle sessions use.
#[derive(Clone)]
pub(crate) struct Subtitles {
    tx: mpsc::UnboundedSender<Command>,
}

struct Member {
    link: SessionLink,
    wanted: Wanted,
    /// Its connection dropped: it has the grace period to come back.
    dropped: bool,
    /// A new session of the same user that joined before the old one's drop was seen: it
    /// takes over at the drop.
    next: Option<SessionLink>,
}

impl Member {
    fn new(link: SessionLink, wanted: Wanted) -> Self {
        Member {
            link,
            wanted,
            dropped: false,
            next: None,
        }
    }
}

struct RoomSubtitles {
    /// By user id.
    members: HashMap<String, Member>,
    captioner: Captioner,
    generation: u64,
    ready: bool,
}

struct Hub {
    config: SubtitlesConfig,
    apps: Apps,
    http: reqwest::Client,
    /// The server's own URL, known once it listens.
    server_url: Arc<OnceLock<String>>,
    rooms: HashMap<RoomKey, RoomSubtitles>,
    next_generation: u64,
    /// How long a dropped member keeps its subtitles.
    grace: Duration,
    tx: mpsc::UnboundedSender<Command>,
}

fn send(link: &SessionLink, event: &Event) {
    let frame = Frame::from(ServerFrame::event_json(event));
    let _ = link.push(Outbound::Frame(frame));
}

fn state(event: SubtitleEventType, error: Option<(ErrorCode, String)>) -> Event {
    let (error_code, error_message) = match error {
        Some((code, message)) => (Some(code), Some(message)),
        None => (None, None),
    };
    Event::SubtitleStateChanged(SubtitleStateEvent {
        event,
        error_code,
        error_message,
    })
}

impl Subtitles {
    /// Starts the task; `server_url` is filled in once the server listens.
    pub(crate) fn start(
        config: SubtitlesConfig,
        apps: Apps,
        http: reqwest::Client,
        server_url: Arc<OnceLock<String>>,
        grace: Duration,
    ) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut hub = Hub {
            config,
            apps,
            http,
            server_url,
            rooms: HashMap::new(),
            next_generation: 0,
            grace,
            tx: tx.clone(),
        };
        tokio::spawn(async move {
            while let Some(command) = rx.recv().await {
                hub.handle(command);
            }
        });
        Subtitles { tx }
    }

    /// Turns subtitles on for `user`, reached at `link`, in room `key`.
    pub(crate) async fn start_for(
        &self,
        key: RoomKey,
        user: String,
        link: SessionLink,
        wanted: Wanted,
    ) -> Result<(), RtcError> {
        let (reply, answer) = oneshot::channel();
        let _ = self.tx.send(Command::Start {
            key,
            user,
            link,
            wanted,
            reply,
        });
        answer.await.unwrap_or_else(|_| Err(gone()))
    }

    /// Sets the language the room's speakers speak.
    pub(crate) async fn update(
        &self,
        key: RoomKey,
        session: SessionId,
        source_language: String,
    ) -> Result<(), RtcError> {
        let (reply, answer) = oneshot::channel();
        let _ = self.tx.send(Command::Update {
            key,
            session,
            source_language,
            reply,
        });
        answer.await.unwrap_or_else(|_| Err(gone()))
    }

    /// Turns subtitles off for `session` (also when it leaves the room or is removed).
    pub(crate) fn stop_for(&self, key: RoomKey, session: SessionId) {
        let _ = self.tx.send(Command::Stop { key, session });
    }

    /// `session`'s connection is gone: its user keeps its subtitles for the grace period.
    pub(crate) fn dropped(&self, key: RoomKey, session: SessionId) {
        let _ = self.tx.send(Command::Dropped { key, session });
    }

    /// `user` joined room `key` again as `link`: if its last session there dropped with
    /// subtitles on, they now reach `link`.
    pub(crate) fn rejoined(&self, key: RoomKey, user: String, link: SessionLink) {
        let _ = self.tx.send(Command::Rejoined { key, user, link });
    }
}

fn gone() -> RtcError {
    RtcError::new(
        ErrorCode::SubtitleErrUnknown,
        "the subtitle service stopped; try again",
    )
}

impl Hub {
    fn handle(&mut self, command: Command) {
        match command {
            Command::Start {
                key,
                user,
                link,
                wanted,
                reply,
            } => {
                let _ = reply.send(self.start(key, user, link, wanted));
            }
            Command::Update {
                key,
                session,
                source_language,
                reply,
            } => {
                let _ = reply.send(self.update(&key, session, source_language));
            }
            Command::Stop { key, session } => self.stop(&key, session),
            Command::Dropped { key, session } => self.dropped(key, session),
            Command::Rejoined { key, user, link } => self.rejoined(&key, user, link),
            Command::Expire { key, session } => self.expire(&key, session),
            Command::Caption {
                key,
                generation,
                event,
            } => self.caption(&key, generation, event),
        }
    }

    fn start(
        &mut self,
        key: RoomKey,
        user: String,
        link: SessionLink,
        wanted: Wanted,
    ) -> Result<(), RtcError> {
        if let Some(room) = self.rooms.get_mut(&key) {
            if room.members.contains_key(&user) {
                return Err(RtcError::new(
                    ErrorCode::SubtitleAlreadyOn,
                    "subtitles are already on; call stopSubtitle first to start them with other settings",
                ));
            }
            if room.ready {
                send(&link, &state(SubtitleEventType::Started, None));
            }
            room.members.insert(user, Member::new(link, wanted));
            let targets = targets(&room.members);
            room.captioner.set_targets(targets);
            return Ok(());
        }
        let captioner = self.captioner(&key, &wanted)?;
        let mut members = HashMap::new();
        members.insert(user, Member::new(link, wanted));
        self.rooms.insert(
            key,
            RoomSubtitles {
                members,
                captioner,
                generation: self.next_generation,
                ready: false,
            },
        );
        Ok(())
    }

    fn captioner(&mut self, key: &RoomKey, wanted: &Wanted) -> Result<Captioner, RtcError> {
        let server_url = self.server_url.get().cloned().ok_or_else(gone)?;
        let app_key = self.apps.key(&key.app_id).ok_or_else(gone)?;
        let token = own_users::server_token(&key.app_id, app_key, &key.room_id, CAPTIONER_USER_ID)
            .add_privilege(Privilege::SubscribeStream, 0)
            .serialize()
            .map_err(|e| {
                RtcError::new(
                    ErrorCode::SubtitleErrUnknown,
                    format!("cannot make the captioner's token: {e}"),
                )
            })?;
        self.next_generation += 1;
        let generation = self.next_generation;
        let tx = self.tx.clone();
        let room = key.clone();
        let sink = Box::new(move |event| {
            let _ = tx.send(Command::Caption {
                key: room.clone(),
                generation,
                event,
            });
        });
        let targets = match (&wanted.mode, &wanted.target) {
            (SubtitleMode::AsrAndTranslation, Some(target)) => BTreeSet::from([target.clone()]),
            _ => BTreeSet::new(),
        };
        Ok(Captioner::start(
            CaptionerConfig {
                server_url,
                app_id: key.app_id.to_string(),
                room_id: key.room_id.to_string(),
                token,
                recognizer: self.config.recognizer(&self.http),
                translator: self.config.translator(&self.http),
                segmenter: SegmenterSettings::default(),
                source_language: self.config.source_language.clone(),
                targets,
            },
            sink,
        ))
    }

    fn update(
        &mut self,
        key: &RoomKey,
        session: SessionId,
        source_language: String,
    ) -> Result<(), RtcError> {
        let room = self
            .rooms
            .get_mut(key)
            .filter(|room| room.members.values().any(|m| m.link.session == session))
            .ok_or_else(|| {
                RtcError::new(
                    ErrorCode::SubtitleNotTurnedOn,
                    "subtitles are off; call startSubtitle first",
                )
            })?;
        room.captioner.set_source_language(source_language);
        for member in room.members.values() {
            send(&member.link, &state(SubtitleEventType::Updated, None));
        }
        Ok(())
    }

    fn stop(&mut self, key: &RoomKey, session: SessionId) {
        if let Some(member) = self.remove(key, session) {
            send(&member.link, &state(SubtitleEventType::Stopped, None));
        }
    }

    fn dropped(&mut self, key: RoomKey, session: SessionId) {
        let Some(member) = self.rooms.get_mut(&key).and_then(|room| {
            room.members
                .values_mut()
                .find(|m| m.link.session == session)
        }) else {
            return;
        };
        if let Some(next) = member.next.take() {
            member.link = next;
            return;
        }
        member.dropped = true;
        let tx = self.tx.clone();
        let grace = self.grace;
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            let _ = tx.send(Command::Expire { key, session });
        });
    }

    fn rejoined(&mut self, key: &RoomKey, user: String, link: SessionLink) {
        let Some(member) = self
            .rooms
            .get_mut(key)
            .and_then(|room| room.members.get_mut(&user))
            .filter(|m| m.link.session != link.session)
        else {
            return;
        };
        if member.dropped {
            member.dropped = false;
            member.link = link;
        } else {
            member.next = Some(link);
        }
    }

    /// A member dropped as `session` that did not come back within the grace period.
    fn expire(&mut self, key: &RoomKey, session: SessionId) {
        let still_dropped = self.rooms.get(key).is_some_and(|room| {
            room.members
                .values()
                .any(|m| m.dropped && m.link.session == session)
        });
        if still_dropped {
            self.remove(key, session);
        }
    }

    /// Removes the member reached at `session`, and the room's captioner with its last one.
    fn remove(&mut self, key: &RoomKey, session: SessionId) -> Option<Member> {
        let room = self.rooms.get_mut(key)?;
        let user = room
            .members
            .iter()
            .find(|(_, m)| m.link.session == session)
            .map(|(user, _)| user.clone())?;
        let member = room.members.remove(&user)?;
        if room.members.is_empty() {
            if let Some(room) = self.rooms.remove(key) {
                room.captioner.stop();
            }
        } else {
            room.captioner.set_targets(targets(&room.members));
        }
        Some(member)
    }

    fn caption(&mut self, key: &RoomKey, generation: u64, event: CaptionEvent) {
        let Some(room) = self
            .rooms
            .get_mut(key)
            .filter(|r| r.generation == generation)
        else {
            return;
        };
        match event {
            CaptionEvent::Ready => {
                room.ready = true;
                for member in room.members.values() {
                    send(&member.link, &state(SubtitleEventType::Started, None));
                }
            }
            CaptionEvent::Captions(captions) => deliver(&room.members, &captions),
            CaptionEvent::Failed(error) => {
                tracing::info!(room = %key.room_id, %error, "subtitles failed");
                let event = state(
                    SubtitleEventType::Error,
                    Some((error.code(), error.to_string())),
                );
                if let Some(room) = self.rooms.remove(key) {
                    for member in room.members.values() {
                        send(&member.link, &event);
                    }
                    room.captioner.stop();
                }
            }
        }
    }
}

/// The translation languages members want.
fn targets(members: &HashMap<String, Member>) -> BTreeSet<String> {
    members
        .values()
        .filter(|m| m.wanted.mode == SubtitleMode::AsrAndTranslation)
        .filter_map(|m| m.wanted.target.clone())
        .collect()
}

/// Each member gets the subtitles of its mode (and its target language, translating).
fn deliver(members: &HashMap<String, Member>, captions: &[SubtitleMessage]) {
    for member in members.values() {
        let mine: Vec<SubtitleMessage> = captions
            .iter()
            .filter(|c| match member.wanted.mode {
                SubtitleMode::AsrOnly => c.mode == SubtitleMode::AsrOnly,
                SubtitleMode::AsrAndTranslation => {
                    c.mode == SubtitleMode::AsrAndTranslation
                        && Some(&c.language) == member.wanted.target.as_ref()
                }
            })
            .cloned()
            .collect();
        if !mine.is_empty() {
            send(
                &member.link,
                &Event::SubtitleMessageReceived(SubtitleMessages(mine)),
            );
        }
    }
}
