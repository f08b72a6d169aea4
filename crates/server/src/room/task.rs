//! The room task: the thin async shell around one [`Room`]. It feeds commands and timers in,
//! serialises each output once, and hands frames to session outboxes without ever waiting on
//! a session. Hooks go to the webhook queue the same way: never waited on.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chorus_proto::{ErrorCode, RtcError, ServerFrame, SimulcastStreamType};
use tokio::sync::mpsc;

use super::core::{Output, Reply, Room};
use super::outbox::PushError;
use super::{
    Command, Directory, HookEvent, Outbound, RoomKey, SessionId, SessionLink, SessionRequest,
};
use crate::clock::now_ms;
use crate::frame::Frame;
use crate::sfu::{ForwardMode, PeerId, Sfu, Source};

pub(super) async fn run(
    mut room: Room,
    mut inbox: mpsc::Receiver<Command>,
    key: RoomKey,
    directory: Directory,
) {
    let mut shell = Shell {
        links: HashMap::new(),
        key: key.clone(),
        directory: directory.clone(),
        media: Vec::new(),
        reported: (0, 0),
    };
    loop {
        let wait = room
            .poll_timeout()
            .map(|at| Duration::from_millis(at.saturating_sub(now_ms())));
        tokio::select! {
            command = inbox.recv() => match command {
                Some(command) => shell.apply(&mut room, command),
                None => break,
            },
            () = tokio::time::sleep(wait.unwrap_or_default()), if wait.is_some() => {
                room.handle_timeout(now_ms());
            }
        }
        shell.flush(&mut room);
        shell.report_state(&room);
        // The SFU applies forwarding in the order the room decided it; waiting here is the
        // backpressure that keeps a busy SFU's inbox bounded.
        for command in shell.media.drain(..) {
            command.send(directory.sfu()).await;
        }
        if room.is_empty() && directory.retire(&key, &inbox) {
            break;
        }
    }
    // Commands that slipped in between retiring and closing go to the room's next task.
    inbox.close();
    while let Some(command) = inbox.recv().await {
        let _ = directory.route(&key).send(command).await;
    }
}

struct Shell {
    links: HashMap<SessionId, SessionLink>,
    key: RoomKey,
    directory: Directory,
    /// SFU commands of this step, sent once the step is flushed.
    media: Vec<MediaCommand>,
    /// What this room last added to the state-size gauges: (entries, missed bytes).
    reported: (i64, i64),
}

/// A room output for the SFU.
enum MediaCommand {
    Forward {
        subscriber: PeerId,
        source: Source,
        user_id: Arc<str>,
        mode: ForwardMode,
    },
    Layer {
        subscriber: PeerId,
        publisher: PeerId,
        layer: SimulcastStreamType,
    },
}

impl MediaCommand {
    async fn send(self, sfu: &Sfu) {
        match self {
            MediaCommand::Forward {
                subscriber,
                source,
                user_id,
                mode,
            } => sfu.forward(subscriber, source, user_id, mode).await,
            MediaCommand::Layer {
                subscriber,
                publisher,
                layer,
            } => sfu.set_layer(subscriber, publisher, layer).await,
        }
    }
}

impl Shell {
    fn apply(&mut self, room: &mut Room, command: Command) {
        let now = now_ms();
        let before = room.participant_count();
        match command {
            Command::Session { link, request } => {
                let session = link.session;
                self.links.entry(session).or_insert(link);
                match request {
                    SessionRequest::Join(args) => room.join(now, args),
                    SessionRequest::Leave { id } => room.leave(session, id),
                    SessionRequest::UpdateToken { id, grant } => {
                        room.update_token(now, session, id, grant)
                    }
                    SessionRequest::SetVisible { id, visible } => {
                        room.set_visible(session, id, visible)
                    }
                    SessionRequest::Publish { id, index, media } => {
                        room.publish(now, session, id, index, media)
                    }
                    SessionRequest::Unpublish { id, index, media } => {
                        room.unpublish(session, id, index, media)
                    }
                    SessionRequest::UserMessage { id, to, payload } => {
                        room.user_message(session, id, &to, &payload)
                    }
                    SessionRequest::RoomMessage { id, payload } => {
                        room.room_message(session, id, &payload)
                    }
                    SessionRequest::Subscribe { id, args } => {
                        room.subscribe(now, session, id, args)
                    }
                    SessionRequest::PauseAll { id, media, paused } => {
                        room.pause_all(session, id, media, paused)
                    }
                    SessionRequest::SetLayer { id, user_id, layer } => {
                        room.set_layer(session, id, &user_id, layer)
                    }
                    SessionRequest::CaptureState {
                        id,
                        kind,
                        capturing,
                    } => room.capture_state(session, id, kind, capturing),
                }
                self.flush(room);
                if !room.has_session(session) {
                    self.links.remove(&session);
                }
            }
            Command::Dropped { session } => {
                // The session has stopped reading: whatever is still queued never reached it.
                let lost = self
                    .links
                    .remove(&session)
                    .is_some_and(|link| link.lost_frames());
                room.dropped(now, session, lost);
            }
            Command::Kick { user_id, done } => {
                let _ = done.send(room.kick(&user_id));
            }
            Command::Dismiss { done } => {
                room.dismiss();
                let _ = done.send(());
            }
            Command::Ban { scope, until } => room.ban(now, scope, until),
            Command::Lift { scope } => room.lift(&scope),
            Command::OnlineUsers { reply } => {
                let _ = reply.send(room.online_users());
            }
            Command::ServerMessage {
                from,
                to,
                payload,
                done,
            } => {
                let _ = done.send(room.server_message(&from, to.as_deref(), &payload));
            }
        }
        let after = room.participant_count();
        self.directory
            .metrics()
            .participants
            .inc_by(after as i64 - before as i64);
    }

    /// Moves the state-size gauges by how much this room's kept state changed.
    fn report_state(&mut self, room: &Room) {
        let metrics = self.directory.metrics();
        let entries = room.kept_entries() as i64;
        let missed = room.missed_bytes() as i64;
        metrics.room_entries.inc_by(entries - self.reported.0);
        metrics.missed_bytes.inc_by(missed - self.reported.1);
        self.reported = (entries, missed);
    }

    /// Delivers every queued output.
    fn flush(&mut self, room: &mut Room) {
        while let Some(output) = room.poll_output() {
            match output {
                Output::Reply { to, id, result } => {
                    let text = match result {
                        Ok(Reply::Joined(joined)) => ServerFrame::ok_json(id, &joined),
                        Ok(Reply::Done) => ServerFrame::ok_json(id, &serde_json::json!({})),
                        Err(error) => ServerFrame::error_json(Some(id), &error),
                    };
                    let _ = self.deliver(room, to, Frame::from(text));
                }
                Output::Event { to, event } => {
                    // Serialised once, shared by every recipient.
                    let frame = Frame::from(ServerFrame::event_json(&event));
                    for session in to {
                        let _ = self.deliver(room, session, frame.clone());
                    }
                }
                Output::Replay { to, frames } => {
                    for frame in frames {
                        if !self.deliver(room, to, frame) {
                            break;
                        }
                    }
                }
                Output::Deliver { to, event, reply } => {
                    let frame = Frame::from(ServerFrame::event_json(&event));
                    let delivered = self.deliver(room, to, frame);
                    if let Some((sender, id)) = reply {
                        let text = if delivered {
                            ServerFrame::ok_json(id, &serde_json::json!({}))
                        } else {
                            let e = RtcError::new(
                                ErrorCode::UserMessageUnknown,
                                "the receiver is not reading its messages; it was disconnected",
                            );
                            ServerFrame::error_json(Some(id), &e)
                        };
                        let _ = self.deliver(room, sender, Frame::from(text));
                    }
                }
                Output::Hook(hook) => {
                    if let Some(sink) = self.directory.hooks() {
                        sink.emit(HookEvent {
                            key: self.key.clone(),
                            at: now_ms(),
                            hook,
                        });
                    }
                }
                Output::Forward {
                    subscriber,
                    source,
                    user_id,
                    mode,
                } => self.media.push(MediaCommand::Forward {
                    subscriber,
                    source,
                    user_id,
                    mode,
                }),
                Output::Layer {
                    subscriber,
                    publisher,
                    layer,
                } => self.media.push(MediaCommand::Layer {
                    subscriber,
                    publisher,
                    layer,
                }),
                Output::Detach { session } => {
                    if let Some(link) = self.links.remove(&session) {
                        // Notices are always queued while the session lives.
                        let _ = link.push(Outbound::Detached(self.key.clone()));
                    }
                }
            }
        }
    }

    /// Queues `frame` for session `to`; false if it could not be.
    fn deliver(&mut self, room: &mut Room, to: SessionId, frame: Frame) -> bool {
        let Some(link) = self.links.get(&to) else {
            return false;
        };
        match link.push(Outbound::Frame(frame)) {
            Ok(()) => true,
            Err(error) => {
                if error == PushError::Full {
                    // The client is not reading: it is cut off rather than stall the room.
                    tracing::warn!(session = to, room = %self.key.room_id, "outbox full; closing session");
                }
                self.links.remove(&to);
                // This frame, at least, never reached the session.
                room.dropped(now_ms(), to, true);
                false
            }
        }
    }
}
