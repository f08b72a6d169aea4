//! The state machine's rules, driven with made-up time and hand-written server frames: the
//! harness here, the rules of rooms and connections in `room`, of messaging and logins in
//! `messaging`, of the fallback settings in `fallback`, of a rejoin that could not resume in
//! `rejoin`.

mod fallback;
mod messaging;
mod rejoin;
mod room;

use std::time::{Duration, Instant};

use chorus_proto::{
    ConnectionState, Empty, ErrorCode, Event, JoinRoomParams, LoginParams, LoginTokenParams,
    MediaParams, MediaType, MessageParams, PeerParams, Request, RequestFrame, ServerParams,
    SetUserVisibilityParams, UpdateTokenParams, UserInfo, UserMessageParams,
};
use serde_json::{Value, json};

use super::{Machine, Output, PING_INTERVAL, SILENCE_LIMIT};
use crate::config::EngineConfig;
use crate::event::EngineEvent;
use crate::room::RoomView;

const TIMEOUT: Duration = Duration::from_secs(60);
const RECONNECT: Duration = Duration::from_secs(30);
const MESSAGE_TIMEOUT: Duration = Duration::from_secs(10);

/// A machine and a clock; outputs are collected as they come.
struct Harness {
    m: Machine<&'static str>,
    now: Instant,
}

/// A reply as the tests compare it.
type Answer = Result<Value, (ErrorCode, String)>;

/// What one step produced, simplified for assertions.
#[derive(Debug, Default)]
struct Step {
    connect: bool,
    abandon: bool,
    close: bool,
    pings: usize,
    sent: Vec<RequestFrame>,
    replies: Vec<(&'static str, Answer)>,
    events: Vec<EngineEvent>,
    /// Room views reported to media, each with the number of replies queued before it.
    views: Vec<(usize, Option<RoomView>)>,
}

impl Step {
    fn states(&self) -> Vec<ConnectionState> {
        self.events
            .iter()
            .filter_map(|e| match e {
                EngineEvent::ConnectionStateChanged { state, .. } => Some(*state),
                _ => None,
            })
            .collect()
    }

    /// The `onError` events, as (code, message).
    fn errors(&self) -> Vec<(ErrorCode, String)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                EngineEvent::Room(Event::Error(e)) => Some((e.error_code, e.message.clone())),
                _ => None,
            })
            .collect()
    }

    fn reply(&self, who: &str) -> &Answer {
        &self
            .replies
            .iter()
            .find(|(w, _)| *w == who)
            .unwrap_or_else(|| panic!("no reply to {who}: {self:?}"))
            .1
    }

    fn error(&self, who: &str) -> (ErrorCode, String) {
        self.reply(who).clone().unwrap_err()
    }

    fn only_sent(&self) -> &RequestFrame {
        assert_eq!(self.sent.len(), 1, "{self:?}");
        &self.sent[0]
    }
}

fn join_params(room: &str, token: &str) -> JoinRoomParams {
    JoinRoomParams {
        token: Some(token.into()),
        room_id: room.into(),
        user_info: UserInfo {
            user_id: "alice".into(),
            extra_info: None,
        },
        room_config: None,
        visible: None,
    }
}

fn machine(request_timeout: Duration) -> Machine<&'static str> {
    let mut config = EngineConfig::new("http://server");
    config.request_timeout = request_timeout;
    config.message_timeout = MESSAGE_TIMEOUT;
    config.reconnect_timeout = RECONNECT;
    Machine::new(&config)
}

fn joined_json(resumed: bool) -> String {
    json!({"roomId": "r", "userId": "alice", "resumed": resumed}).to_string()
}

impl Harness {
    fn new() -> Self {
        Harness {
            m: machine(TIMEOUT),
            now: Instant::now(),
        }
    }

    fn step(&mut self) -> Step {
        let mut step = Step::default();
        while let Some(out) = self.m.poll_output() {
            match out {
                Output::Connect => step.connect = true,
                Output::Abandon => step.abandon = true,
                Output::Close => step.close = true,
                Output::Ping => step.pings += 1,
                Output::Send(text) => {
                    let frame = RequestFrame::parse(&text).expect("the machine sends valid frames");
                    step.sent.push(frame);
                }
                Output::Reply(w, r) => step.replies.push((w, r.map_err(|e| (e.code, e.message)))),
                Output::Event(e) => step.events.push(e),
                Output::Room(view) => step.views.push((step.replies.len(), view)),
            }
        }
        step
    }

    fn call(&mut self, request: Request, who: &'static str) -> Step {
        self.m.handle_call(self.now, request, who);
        self.step()
    }

    fn advance(&mut self, by: Duration) -> Step {
        self.now += by;
        self.m.handle_timeout(self.now);
        self.step()
    }

    fn answer(&mut self, id: u64, body: &str) -> Step {
        self.m
            .handle_text(self.now, &format!(r#"{{"id":{id},{body}}}"#));
        self.step()
    }

    fn ok(&mut self, id: u64, result: &str) -> Step {
        self.answer(id, &format!(r#""result":{result}"#))
    }

    fn err(&mut self, id: u64, code: &str) -> Step {
        self.answer(
            id,
            &format!(r#""error":{{"code":"{code}","message":"because"}}"#),
        )
    }

    /// Joins room "r" through a fresh connection; returns the join's request id.
    fn joined(&mut self) {
        let step = self.call(Request::JoinRoom(join_params("r", "t1")), "join");
        assert!(step.connect);
        self.m.handle_connected(self.now);
        let id = self.step().only_sent().id;
        let step = self.ok(id, &joined_json(false));
        assert!(step.reply("join").is_ok());
    }
}
