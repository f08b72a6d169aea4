//! The room task: the thin async shell around one [`Room`]. It feeds commands and timers in,
//! serialises each output once, and hands frames to session outboxes without ever waiting on
//! a session. Hooks go to the webhook queue the same way: never waited on.
//!
//! It also supervises its room. A panic is a bug, but one room's bug must not leave its
//! clients waiting on a dead task: each turn's synchronous work runs under `catch_unwind`,
//! and a turn that panics ends the room. The directory forgets it at once, and every session
//! it knew (or that was queued to reach it) has its connection ended; the SDKs reconnect and
//! rejoin, which starts a fresh room. Restarting the same room in place is not attempted: its
//! state may be half-changed, and a fresh room is what a rejoin rebuilds anyway.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use chorus_proto::{ErrorCode, RtcError, ServerFrame, SimulcastStreamType};
use tokio::sync::mpsc;

use super::core::{Output, Reply, Room};
use super::grant::Millis;
use super::outbox::PushError;
use super::{
    Command, DirectWrite, Directory, HookEvent, Outbound, Relay, RoomKey, SessionId, SessionLink,
    SessionRequest,
};
use crate::clock::now_ms;
use crate::frame::Frame;
use crate::sfu::{ForwardMode, PeerId, Sfu, Source};

/// What wakes a turn.
enum Input {
    Command(Command),
    Timeout,
}

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
        participants: 0,
        relays: None,
        unwritten: Vec::new(),
    };
    // One timer for the room's life, moved only when the room's next timeout moves: a fresh
    // one per turn would add and remove a timer entry once per message.
    let timer = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(timer);
    let mut armed: Option<Millis> = None;
    // Turns since the room last wrote to its members' sockets.
    let mut unwritten_turns = 0;
    let crashed = loop {
        let next = room.poll_timeout();
        if next != armed {
            if let Some(at) = next {
                let wait = Duration::from_millis(at.saturating_sub(now_ms()));
                timer.as_mut().reset(tokio::time::Instant::now() + wait);
            }
            armed = next;
        }
        let input = tokio::select! {
            command = inbox.recv() => match command {
                Some(command) => Input::Command(command),
                None => break false,
            },
            () = &mut timer, if armed.is_some() => {
                // Armed again from the room's answer, even if that is the same instant.
                armed = None;
                Input::Timeout
            }
        };
        // Messages never change subscriptions or layers: counting the room's entries walks
        // every member, too much to do once per message in a large room.
        let mut count_entries = !is_message(&input);
        // The shell's own records (links, gauges) are only read after a panic, to end what
        // the room held; the room itself is never used again.
        let turn = catch_unwind(AssertUnwindSafe(|| {
            match input {
                Input::Command(command) => shell.apply(&mut room, command),
                Input::Timeout => room.handle_timeout(now_ms()),
            }
            shell.flush(&mut room);
            // Commands already waiting join this turn: the loop's own work (the timer, the
            // gauges) is then paid once for them all. Each is still applied and flushed on
            // its own, in order.
            for _ in 1..TURN_COMMANDS {
                let Ok(command) = inbox.try_recv() else {
                    break;
                };
                count_entries |= !is_message_command(&command);
                shell.apply(&mut room, command);
                shell.flush(&mut room);
            }
            shell.report_state(&room, count_entries);
        }));
        // What the turns queued for each socket leaves once no command is waiting (or the
        // SFU is about to be waited on, or enough has gathered): a busy room then writes
        // several frames per member in one write, an idle one at once.
        unwritten_turns += 1;
        if inbox.is_empty() || !shell.media.is_empty() || unwritten_turns >= WRITE_TURNS {
            shell.write_queued();
            unwritten_turns = 0;
        }
        if turn.is_err() {
            break true;
        }
        // The SFU applies forwarding in the order the room decided it; waiting here is the
        // backpressure that keeps a busy SFU's inbox bounded.
        for command in shell.media.drain(..) {
            command.send(directory.sfu()).await;
        }
        if room.is_empty() && directory.retire(&key, &inbox) {
            break false;
        }
    };
    shell.write_queued();
    if crashed {
        shell.crashed();
    }
    // Commands that slipped in between retiring and closing go to the room's next task;
    // after a crash, their sessions end as the room's own did.
    inbox.close();
    while let Some(command) = inbox.recv().await {
        if crashed && let Command::Session { link, .. } = &command {
            link.kill();
            continue;
        }
        if crashed && let Command::Dropped { .. } = &command {
            continue;
        }
        let _ = directory.route(&key).send(command).await;
    }
}

/// `{"id":ID,"result":{}}`, as `ServerFrame::ok_json` writes it, without serde: every
/// message to one user is answered with it.
fn done_json(id: u64) -> String {
    format!("{{\"id\":{id},\"result\":{{}}}}")
}

/// Most commands one turn takes.
const TURN_COMMANDS: usize = 32;

/// Most turns whose frames wait for the next write while commands keep coming: up to 2048
/// commands, a few milliseconds of a busy room's work.
const WRITE_TURNS: usize = 64;

/// A message from a member: it changes no kept entries.
fn is_message(input: &Input) -> bool {
    matches!(input, Input::Command(command) if is_message_command(command))
}

/// A member's message command.
fn is_message_command(command: &Command) -> bool {
    matches!(
        command,
        Command::Session {
            request: SessionRequest::UserMessage { .. } | SessionRequest::RoomMessage { .. },
            ..
        }
    )
}

struct Shell {
    links: HashMap<SessionId, SessionLink>,
    key: RoomKey,
    directory: Directory,
    /// SFU commands of this step, sent once the step is flushed.
    media: Vec<MediaCommand>,
    /// What this room last added to the state-size gauges: (entries, missed bytes).
    reported: (i64, i64),
    /// What this room last added to the participants gauge.
    participants: i64,
    /// Relays to other rooms, delivered in order by a task of their own (started with the
    /// first), so two rooms relaying to each other never wait on each other's inbox.
    relays: Option<mpsc::UnboundedSender<(RoomKey, Command)>>,
    /// Sockets this turn queued frames for, written at its end.
    unwritten: Vec<Arc<dyn DirectWrite>>,
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
        match command {
            Command::Session { link, request } => {
                #[cfg(feature = "test-hooks")]
                if let SessionRequest::RoomMessage { payload, .. } = &request
                    && payload.message == crate::test_hooks::PANIC_ROOM
                {
                    panic!("test hook: a room message asked the room task to panic");
                }
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
                    SessionRequest::Forward { id, op } => room.forward(session, id, op),
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
            Command::Relay {
                session,
                link,
                relay,
            } => {
                if let Some(link) = link {
                    self.links.insert(session, link);
                }
                room.relayed(now, session, relay);
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
            Command::BanStream {
                user_id,
                video,
                audio,
                until,
                done,
            } => {
                let _ = done.send(room.ban_stream(&user_id, video, audio, until));
            }
            Command::UnbanStream {
                user_id,
                video,
                audio,
                done,
            } => {
                let _ = done.send(room.unban_stream(now, &user_id, video, audio));
            }
            Command::OnlineUsers { reply } => {
                let _ = reply.send(room.online_users());
            }
            Command::WantedLayers { reply } => {
                let _ = reply.send(room.wanted_layers());
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
    }

    /// The room panicked: the directory forgets it, the gauges lose what it had added, and
    /// every session it knew is ended so its client reconnects into a fresh room.
    fn crashed(&mut self) {
        tracing::error!(room = %self.key.room_id, app = %self.key.app_id, sessions = self.links.len(), "room task panicked; ending the room and its sessions");
        self.directory.forget(&self.key);
        let metrics = self.directory.metrics();
        metrics.participants.dec_by(self.participants);
        metrics.room_entries.dec_by(self.reported.0);
        metrics.missed_bytes.dec_by(self.reported.1);
        self.media.clear();
        for (_, link) in self.links.drain() {
            link.kill();
        }
    }

    /// Brings the gauges in line with the room after a turn, whatever the turn was: a
    /// command, or a timeout (a grace period that ends removes a participant too). The kept
    /// entries are counted again only with `entries`, when the turn may have changed them.
    fn report_state(&mut self, room: &Room, entries: bool) {
        let participants = room.participant_count() as i64;
        let entries = if entries {
            room.kept_entries() as i64
        } else {
            self.reported.0
        };
        let missed = room.missed_bytes() as i64;
        if (participants, entries, missed) == (self.participants, self.reported.0, self.reported.1)
        {
            // Most turns (messages) change none: the gauges are shared by every room's task,
            // so even a zero added to them moves their cache lines between cores.
            return;
        }
        let metrics = self.directory.metrics();
        metrics
            .participants
            .inc_by(participants - self.participants);
        self.participants = participants;
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
                        Ok(Reply::Done) => done_json(id),
                        Ok(Reply::Forward(states)) => ServerFrame::ok_json(id, &states),
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
                            done_json(id)
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
                Output::Relay {
                    room: room_id,
                    session,
                    relay,
                } => {
                    let key = RoomKey {
                        app_id: self.key.app_id.clone(),
                        room_id: room_id.into(),
                    };
                    let command = Command::Relay {
                        session,
                        link: self.links.get(&session).cloned(),
                        relay,
                    };
                    // The relay task ends only with this shell's sender.
                    let _ = self.relays().send((key, command));
                }
                Output::Unlink { session } => {
                    if !room.has_session(session) {
                        self.links.remove(&session);
                    }
                }
                Output::Detach { session } => {
                    if let Some(link) = self.links.remove(&session) {
                        // Notices are always queued while the session lives.
                        let _ = link.push(Outbound::Detached(self.key.clone()));
                    }
                }
            }
        }
    }

    /// The queue of relays to other rooms, its task started with the first relay.
    fn relays(&mut self) -> &mpsc::UnboundedSender<(RoomKey, Command)> {
        self.relays.get_or_insert_with(|| {
            let (tx, mut rx) = mpsc::unbounded_channel::<(RoomKey, Command)>();
            let directory = self.directory.clone();
            tokio::spawn(async move {
                while let Some((key, command)) = rx.recv().await {
                    // Only a join starts a room; anything else for a room that is gone is moot.
                    let starts = matches!(
                        command,
                        Command::Relay {
                            relay: Relay::Join(_),
                            ..
                        }
                    );
                    let mut command = command;
                    // A room that just emptied may end between routing and sending: once more.
                    for _ in 0..2 {
                        let handle = if starts {
                            directory.route(&key)
                        } else {
                            match directory.get(&key) {
                                Some(handle) => handle,
                                None => break,
                            }
                        };
                        match handle.send(command).await {
                            Ok(()) => break,
                            Err(back) => command = back,
                        }
                    }
                }
            });
            tx
        })
    }

    /// Writes what this turn queued, one write per socket for all its frames: the room
    /// writes straight into its members' sockets, so a message wakes no session.
    fn write_queued(&mut self) {
        for direct in self.unwritten.drain(..) {
            direct.flush();
        }
    }

    /// Queues `frame` for session `to`, to be written at the end of the turn; false if it
    /// could not be.
    fn deliver(&mut self, room: &mut Room, to: SessionId, frame: Frame) -> bool {
        let Some(link) = self.links.get(&to) else {
            return false;
        };
        match link.push_deferred(Outbound::Frame(frame)) {
            Ok(()) => {
                if let Some(direct) = link.direct() {
                    self.unwritten.push(direct.clone());
                }
                true
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn done_json_is_what_serde_writes() {
        for id in [0, 7, u64::MAX] {
            assert_eq!(
                done_json(id),
                ServerFrame::ok_json(id, &serde_json::json!({}))
            );
        }
    }
}
