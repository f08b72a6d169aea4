//! The login registry: one task that owns the (app, user) -> session map of logged-in users,
//! so a login, a logout and a message are each one command, handled in order, with no lock.

use std::collections::HashMap;
use std::sync::Arc;

use chorus_proto::{
    ErrorCode, ErrorEvent, Event, PeerStatus, RtcError, ServerFrame, UserOnlineStatus,
};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use crate::frame::Frame;
use crate::room::{Outbound, Payload, SessionId, SessionLink};

/// Bound of the registry's inbox.
const INBOX: usize = 8192;

/// Names one login.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct LoginKey {
    pub(crate) app_id: Arc<str>,
    pub(crate) user_id: Arc<str>,
}

enum Command {
    Login {
        key: LoginKey,
        link: SessionLink,
        generation: u64,
        id: u64,
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
}

/// Handle to the login registry's task: who is logged in outside rooms, and the way
/// messages between them go.
#[derive(Clone)]
pub(crate) struct LoginRegistry {
    tx: mpsc::Sender<Command>,
}

impl LoginRegistry {
    /// Starts the registry's task.
    pub(crate) fn start() -> Self {
        let (tx, rx) = mpsc::channel(INBOX);
        tokio::spawn(run(rx));
        LoginRegistry { tx }
    }

    async fn send(&self, command: Command) {
        // The registry lives as long as the server; a failed send means it is shutting down.
        let _ = self.tx.send(command).await;
    }

    /// Logs `link`'s session in as `key`, ending any other session's login of the same user.
    /// `generation` tells the session's logins apart, so a late notice ends only its own.
    pub(crate) async fn login(&self, key: LoginKey, link: SessionLink, generation: u64, id: u64) {
        self.send(Command::Login {
            key,
            link,
            generation,
            id,
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
    let _ = link.push(frame(text));
}

fn done() -> serde_json::Value {
    serde_json::json!({})
}

/// Pushes `event` to `link`; false (and the receiver cut off) if its outbox is full.
fn push(link: &SessionLink, event: &Event) -> bool {
    link.push(frame(ServerFrame::event_json(event))).is_ok()
}

async fn run(mut rx: mpsc::Receiver<Command>) {
    // (app, user) -> the session logged in as them, and which of its logins it is.
    let mut logins: HashMap<LoginKey, (SessionLink, u64)> = HashMap::new();
    while let Some(command) = rx.recv().await {
        match command {
            Command::Login {
                key,
                link,
                generation,
                id,
            } => {
                if let Some((old, old_generation)) =
                    logins.insert(key.clone(), (link.clone(), generation))
                    && old.session != link.session
                {
                    let event = Event::Error(ErrorEvent {
                        error_code: ErrorCode::RtmDuplicateLogin,
                        message: format!("user {} logged in elsewhere", key.user_id),
                        forbidden_time: None,
                    });
                    push(&old, &event);
                    let _ = old.push(Outbound::LoggedOut(old_generation));
                }
                answer(&link, id, Ok(&done()));
            }
            Command::Logout { key, session } => {
                if logins.get(&key).is_some_and(|(l, _)| l.session == session) {
                    logins.remove(&key);
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
                let status = if logins.contains_key(&peer_key) {
                    UserOnlineStatus::Online
                } else {
                    UserOnlineStatus::Offline
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
                let result = match logins.get(&to_key) {
                    _ if to_key == from => Err(RtcError::new(
                        ErrorCode::UserMessageNoReceiver,
                        "a message cannot be sent to yourself",
                    )),
                    Some((receiver, _)) => {
                        if push(receiver, &payload.outside_room(&from.user_id)) {
                            Ok(())
                        } else {
                            Err(RtcError::new(
                                ErrorCode::UserMessageUnknown,
                                "the receiver is not reading its messages; it was disconnected",
                            ))
                        }
                    }
                    _ => Err(RtcError::new(
                        ErrorCode::UserMessageNoReceiver,
                        format!("user {to} is not logged in"),
                    )),
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
                let delivered = logins
                    .get(&to_key)
                    .is_some_and(|(receiver, _)| push(receiver, &payload.outside_room(&from)));
                let _ = done.send(delivered);
            }
        }
    }
}
