//! The login registry: one task that owns the (app, user) -> session map of logged-in users,
//! so a login, a logout and a message are each one command, handled in order, with no lock.
//! It also ends each login when its token expires (the latest token, after
//! `updateLoginToken`), so that deadline needs no timer in the session.
//!
//! In cluster mode it also tells the cluster (through [`Remote`]) who logs in and out here,
//! and hands it what it cannot serve alone: a message or status question for a user who is
//! not logged in here, who may be on another node.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chorus_proto::{
    ErrorCode, ErrorEvent, Event, PeerStatus, RtcError, ServerFrame, UserOnlineStatus,
};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::clock::now_ms;
use crate::frame::Frame;
use crate::room::{Millis, Outbound, Payload, SessionId, SessionLink};

/// Bound of the registry's inbox.
const INBOX: usize = 8192;

/// Names one login.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct LoginKey {
    pub(crate) app_id: Arc<str>,
    pub(crate) user_id: Arc<str>,
}

enum Command {
    Login {
        key: LoginKey,
        link: SessionLink,
        generation: u64,
        expires: Option<Millis>,
        id: u64,
    },
    Renew {
        key: LoginKey,
        session: SessionId,
        generation: u64,
        expires: Option<Millis>,
    },
    Logout {
        key: LoginKey,
        session: SessionId,
    },
    Status {
        key: LoginKey,
        peer: String,
        link: SessionLink,
        id: u64,
    },
    Send {
        from: LoginKey,
        to: String,
        payload: Payload,
        link: SessionLink,
        id: u64,
    },
    ServerSend {
        app_id: Arc<str>,
        from: String,
        to: String,
        payload: Payload,
        done: oneshot::Sender<bool>,
    },
    /// Ends a login because the same user logged in on another node.
    Evict {
        key: LoginKey,
    },
    /// Tells the cluster of every login here again (Redis came back, perhaps empty).
    Republish,
}

/// What the registry hands the cluster in cluster mode.
pub(crate) enum Remote {
    /// `key` logged in here.
    LoggedIn(LoginKey),
    /// `key`'s login here ended.
    LoggedOut(LoginKey),
    /// A message for a user not logged in here; the cluster answers request `id` on `link`.
    Send {
        from: LoginKey,
        to: String,
        payload: Payload,
        link: SessionLink,
        id: u64,
    },
    /// Whether `peer`, not logged in here, is logged in on another node; answered likewise.
    Status {
        key: LoginKey,
        peer: String,
        link: SessionLink,
        id: u64,
    },
}

/// The sending end the registry hands [`Remote`] work to.
pub(crate) type RemoteSender = mpsc::Sender<Remote>;

/// Handle to the login registry's task: who is logged in outside rooms, and the way
/// messages between them go.
#[derive(Clone)]
pub(crate) struct LoginRegistry {
    tx: mpsc::Sender<Command>,
}

impl LoginRegistry {
    /// Starts the registry's task.
    /// With `remote` (cluster mode), logins, logouts and what concerns users not logged in
    /// here go there too.
    pub(crate) fn start(remote: Option<RemoteSender>) -> Self {
        let (tx, rx) = mpsc::channel(INBOX);
        tokio::spawn(run(rx, remote));
        LoginRegistry { tx }
    }

    async fn send(&self, command: Command) {
        // The registry lives as long as the server; a failed send means it is shutting down.
        let _ = self.tx.send(command).await;
    }

    /// Logs `link`'s session in as `key`, ending any other session's login of the same user.
    /// `generation` tells the session's logins apart, so a late notice ends only its own.
    /// The login ends at `expires` (unix milliseconds; `None` never) unless renewed.
    pub(crate) async fn login(
        &self,
        key: LoginKey,
        link: SessionLink,
        generation: u64,
        expires: Option<Millis>,
        id: u64,
    ) {
        self.send(Command::Login {
            key,
            link,
            generation,
            expires,
            id,
        })
        .await;
    }

    /// Moves the end of `session`'s login `generation` to `expires` (a new token's).
    pub(crate) async fn renew(
        &self,
        key: LoginKey,
        session: SessionId,
        generation: u64,
        expires: Option<Millis>,
    ) {
        self.send(Command::Renew {
            key,
            session,
            generation,
            expires,
        })
        .await;
    }

    /// Ends `session`'s login, unless another session has taken it over since.
    pub(crate) async fn logout(&self, key: LoginKey, session: SessionId) {
        self.send(Command::Logout { key, session }).await;
    }

    /// Answers whether `peer` is logged in to `key`'s app.
    pub(crate) async fn status(&self, key: LoginKey, peer: String, link: SessionLink, id: u64) {
        self.send(Command::Status {
            key,
            peer,
            link,
            id,
        })
        .await;
    }

    /// Delivers a message from `from` to the user `to` of the same app.
    pub(crate) async fn message(
        &self,
        from: LoginKey,
        to: String,
        payload: Payload,
        link: SessionLink,
        id: u64,
    ) {
        self.send(Command::Send {
            from,
            to,
            payload,
            link,
            id,
        })
        .await;
    }

    /// Ends `key`'s login here because the user logged in on another node.
    pub(crate) async fn evict(&self, key: LoginKey) {
        self.send(Command::Evict { key }).await;
    }

    /// Tells the cluster of every login here again, after Redis was away (it may have come
    /// back empty).
    pub(crate) async fn republish(&self) {
        self.send(Command::Republish).await;
    }

    /// Delivers a message from the OpenAPI; returns whether `to` was logged in.
    pub(crate) async fn server_message(
        &self,
        app_id: Arc<str>,
        from: String,
        to: String,
        payload: Payload,
    ) -> bool {
        let (done, delivered) = oneshot::channel();
        self.send(Command::ServerSend {
            app_id,
            from,
            to,
            payload,
            done,
        })
        .await;
        delivered.await.unwrap_or(false)
    }
}

fn frame(text: String) -> Outbound {
    Outbound::Frame(Frame::from(text))
}

fn answer(link: &SessionLink, id: u64, result: Result<&impl Serialize, RtcError>) {
    let text = match result {
        Ok(value) => ServerFrame::ok_json(id, value),
        Err(e) => ServerFrame::error_json(Some(id), &e),
    };
    // A full outbox cuts the session off; nothing more to do here.
    let _ = link.push_via_session(frame(text));
}

fn done() -> serde_json::Value {
    serde_json::json!({})
}

/// Pushes `event` to `link`; false (and the receiver cut off) if its outbox is full.
///
/// Through the session rather than straight into its socket: one registry serves every
/// login, so it rarely has two frames for the same socket at once, while a session that
/// takes its frames from the outbox gathers a busy client's into one write (measured:
/// straight writes gave 0.85× the messages per core here).
fn push(link: &SessionLink, event: &Event) -> bool {
    link.push_via_session(frame(ServerFrame::event_json(event)))
        .is_ok()
}

/// One logged-in user: the session, which of its logins, and when it ends.
struct Entry {
    link: SessionLink,
    generation: u64,
    expires: Option<Instant>,
}

/// A login's end as queued: (when, who, which session and login). Stale once the login is
/// replaced, renewed or gone; skipped then.
type Deadline = Reverse<(Instant, LoginKey, SessionId, u64)>;

/// Turns a unix-milliseconds expiry into the runtime's clock.
fn instant(expires: Option<Millis>) -> Option<Instant> {
    expires.map(|at| Instant::now() + Duration::from_millis(at.saturating_sub(now_ms())))
}

#[derive(Default)]
struct Registry {
    logins: HashMap<LoginKey, Entry>,
    deadlines: BinaryHeap<Deadline>,
    remote: Option<RemoteSender>,
}

async fn run(mut rx: mpsc::Receiver<Command>, remote: Option<RemoteSender>) {
    let mut registry = Registry {
        remote,
        ..Registry::default()
    };
    // One timer, moved only when the soonest deadline changes, so messages cost no timer work.
    let timer = tokio::time::sleep_until(Instant::now());
    tokio::pin!(timer);
    let mut armed = None;
    loop {
        let next = registry.deadlines.peek().map(|Reverse(d)| d.0);
        if next != armed {
            if let Some(at) = next {
                timer.as_mut().reset(at);
            }
            armed = next;
        }
        tokio::select! {
            command = rx.recv() => match command {
                Some(command) => registry.handle(command),
                None => return,
            },
            () = &mut timer, if armed.is_some() => {
                armed = None;
                registry.expire(Instant::now());
            }
        }
    }
}

/// Tells the user their login ended because it was taken over.
fn duplicate(link: &SessionLink, user_id: &str, generation: u64) {
    let event = Event::Error(ErrorEvent {
        error_code: ErrorCode::RtmDuplicateLogin,
        message: format!("user {user_id} logged in elsewhere"),
        forbidden_time: None,
    });
    push(link, &event);
    let _ = link.push(Outbound::LoggedOut(generation));
}

impl Registry {
    /// Hands `work` to the cluster, in cluster mode. Never waits: when the cluster falls
    /// this far behind, a message or status question is answered as broken, and a presence
    /// change is dropped (and logged).
    /// Returns the work back when the cluster did not take it.
    fn tell(&self, work: Remote) -> Option<Remote> {
        let Some(remote) = &self.remote else {
            return Some(work);
        };
        match remote.try_send(work) {
            Ok(()) => None,
            Err(e) => {
                tracing::warn!("the cluster is behind with outside-room work");
                Some(e.into_inner())
            }
        }
    }

    fn tell_presence(&self, work: Remote) {
        let _ = self.tell(work);
    }

    fn schedule(
        &mut self,
        key: &LoginKey,
        session: SessionId,
        generation: u64,
        at: Option<Instant>,
    ) {
        if let Some(at) = at {
            self.deadlines
                .push(Reverse((at, key.clone(), session, generation)));
        }
        // Logins that end or renew leave their old deadline behind until it comes up; keep
        // those from piling up under long-lived tokens.
        if self.deadlines.len() > 2 * self.logins.len() + 64 {
            self.deadlines = self
                .logins
                .iter()
                .filter_map(|(key, e)| {
                    let at = e.expires?;
                    Some(Reverse((at, key.clone(), e.link.session, e.generation)))
                })
                .collect();
        }
    }

    /// Ends every login whose token expired by `now`: told with RTM_TOKEN_ERROR, as when a
    /// login is refused for its token.
    fn expire(&mut self, now: Instant) {
        while let Some(Reverse((at, key, session, generation))) = self.deadlines.peek().cloned() {
            if at > now {
                return;
            }
            self.deadlines.pop();
            let current = self.logins.get(&key).is_some_and(|e| {
                e.link.session == session && e.generation == generation && e.expires == Some(at)
            });
            if !current {
                continue;
            }
            let Some(entry) = self.logins.remove(&key) else {
                continue;
            };
            let event = Event::Error(ErrorEvent {
                error_code: ErrorCode::RtmTokenError,
                message: format!(
                    "the login token of {} expired; log in again with a new token",
                    key.user_id
                ),
                forbidden_time: None,
            });
            push(&entry.link, &event);
            let _ = entry.link.push(Outbound::LoggedOut(generation));
            self.tell_presence(Remote::LoggedOut(key));
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Login {
                key,
                link,
                generation,
                expires,
                id,
            } => {
                let expires = instant(expires);
                let entry = Entry {
                    link: link.clone(),
                    generation,
                    expires,
                };
                if let Some(old) = self.logins.insert(key.clone(), entry)
                    && old.link.session != link.session
                {
                    duplicate(&old.link, &key.user_id, old.generation);
                }
                answer(&link, id, Ok(&done()));
                self.tell_presence(Remote::LoggedIn(key.clone()));
                self.schedule(&key, link.session, generation, expires);
            }
            Command::Renew {
                key,
                session,
                generation,
                expires,
            } => {
                let expires = instant(expires);
                let Some(entry) = self
                    .logins
                    .get_mut(&key)
                    .filter(|e| e.link.session == session && e.generation == generation)
                else {
                    return;
                };
                entry.expires = expires;
                self.schedule(&key, session, generation, expires);
            }
            Command::Logout { key, session } => {
                if self
                    .logins
                    .get(&key)
                    .is_some_and(|e| e.link.session == session)
                {
                    self.logins.remove(&key);
                    self.tell_presence(Remote::LoggedOut(key));
                }
            }
            Command::Republish => {
                for key in self.logins.keys() {
                    self.tell_presence(Remote::LoggedIn(key.clone()));
                }
            }
            Command::Evict { key } => {
                if let Some(old) = self.logins.remove(&key) {
                    duplicate(&old.link, &key.user_id, old.generation);
                }
            }
            Command::Status {
                key,
                peer,
                link,
                id,
            } => {
                let peer_key = LoginKey {
                    app_id: key.app_id,
                    user_id: peer.as_str().into(),
                };
                let status = if self.logins.contains_key(&peer_key) {
                    UserOnlineStatus::Online
                } else {
                    let asked = Remote::Status {
                        key: LoginKey {
                            app_id: peer_key.app_id,
                            user_id: key.user_id,
                        },
                        peer,
                        link,
                        id,
                    };
                    match self.tell(asked) {
                        None => return,
                        Some(Remote::Status { peer, link, id, .. }) => {
                            answer(
                                &link,
                                id,
                                Ok(&PeerStatus {
                                    user_id: peer,
                                    status: UserOnlineStatus::Offline,
                                }),
                            );
                            return;
                        }
                        Some(_) => return,
                    }
                };
                answer(
                    &link,
                    id,
                    Ok(&PeerStatus {
                        user_id: peer,
                        status,
                    }),
                );
            }
            Command::Send {
                from,
                to,
                payload,
                link,
                id,
            } => {
                let to_key = LoginKey {
                    app_id: from.app_id.clone(),
                    user_id: to.as_str().into(),
                };
                let result = match self.logins.get(&to_key) {
                    _ if to_key == from => Err(RtcError::new(
                        ErrorCode::UserMessageNoReceiver,
                        "a message cannot be sent to yourself",
                    )),
                    Some(Entry { link: receiver, .. }) => {
                        if push(receiver, &payload.outside_room(&from.user_id)) {
                            Ok(())
                        } else {
                            Err(RtcError::new(
                                ErrorCode::UserMessageUnknown,
                                "the receiver is not reading its messages; it was disconnected",
                            ))
                        }
                    }
                    None => {
                        let work = Remote::Send {
                            from,
                            to,
                            payload,
                            link,
                            id,
                        };
                        match self.tell(work) {
                            None => return,
                            Some(Remote::Send { to, link, id, .. }) => {
                                let error = RtcError::new(
                                    ErrorCode::UserMessageNoReceiver,
                                    format!("user {to} is not logged in"),
                                );
                                answer(&link, id, Err::<&serde_json::Value, _>(error));
                                return;
                            }
                            Some(_) => return,
                        }
                    }
                };
                let ok = done();
                answer(&link, id, result.map(|()| &ok));
            }
            Command::ServerSend {
                app_id,
                from,
                to,
                payload,
                done,
            } => {
                let to_key = LoginKey {
                    app_id,
                    user_id: to.as_str().into(),
                };
                let delivered = self
                    .logins
                    .get(&to_key)
                    .is_some_and(|e| push(&e.link, &payload.outside_room(&from)));
                let _ = done.send(delivered);
            }
        }
    }
}
