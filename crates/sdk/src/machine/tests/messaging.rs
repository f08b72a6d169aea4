//! Messages in and outside rooms, server messages, and logins with their reconnects.

use super::*;

fn login_params(token: &str) -> LoginParams {
    LoginParams {
        token: token.into(),
        user_id: "alice".into(),
    }
}

fn to_bob(text: &str) -> UserMessageParams {
    UserMessageParams {
        user_id: "bob".into(),
        message: text.into(),
    }
}

fn text(text: &str) -> MessageParams {
    MessageParams {
        message: text.into(),
    }
}

fn server_params() -> ServerParams {
    ServerParams {
        signature: "sig".into(),
        url: "http://biz/".into(),
    }
}

/// Every messaging call, with whether it needs a login (else a room).
fn every_message() -> Vec<(Request, bool)> {
    vec![
        (Request::SendUserMessage(to_bob("m")), false),
        (Request::SendUserBinaryMessage(to_bob("AA==")), false),
        (Request::SendRoomMessage(text("m")), false),
        (Request::SendRoomBinaryMessage(text("AA==")), false),
        (Request::SendUserMessageOutsideRoom(to_bob("m")), true),
        (
            Request::SendUserBinaryMessageOutsideRoom(to_bob("AA==")),
            true,
        ),
        (Request::SendServerMessage(text("m")), true),
        (Request::SendServerBinaryMessage(text("AA==")), true),
    ]
}

impl Harness {
    /// Logs in as alice through a fresh connection.
    fn logged_in(&mut self) {
        let step = self.call(Request::Login(login_params("l1")), "login");
        assert!(step.connect, "login connects like a join");
        self.m.handle_connected(self.now);
        let frame = self.step().only_sent().clone();
        assert!(matches!(frame.request, Request::Login(_)), "{frame:?}");
        assert!(self.ok(frame.id, "{}").reply("login").is_ok());
    }

    /// Sends `request` as `who`; returns its request id.
    fn sent(&mut self, request: Request, who: &'static str) -> u64 {
        self.call(request, who).only_sent().id
    }
}

#[test]
fn messaging_without_a_connection_fails_locally_with_the_messaging_codes() {
    let mut h = Harness::new();
    for (request, outside) in every_message() {
        let method = request.method();
        let (code, _) = h.call(request, "m").error("m");
        let expected = if outside {
            ErrorCode::UserMessageNotLogin
        } else {
            ErrorCode::UserMessageNotJoin
        };
        assert_eq!(code, expected, "{method}");
    }
    let step = h.call(
        Request::GetPeerOnlineStatus(PeerParams {
            user_id: "bob".into(),
        }),
        "peer",
    );
    assert_eq!(step.error("peer").0, ErrorCode::NotLogin);
    let step = h.call(
        Request::UpdateLoginToken(LoginTokenParams { token: "t".into() }),
        "tok",
    );
    assert_eq!(step.error("tok").0, ErrorCode::NotLogin);
    let step = h.call(Request::SetServerParams(server_params()), "params");
    assert_eq!(step.error("params").0, ErrorCode::NotLogin);
    assert_eq!(
        step.events,
        [EngineEvent::ServerParamsSetResult { error: 401 }]
    );
    let step = h.call(Request::Logout(Empty {}), "logout");
    assert!(step.reply("logout").is_ok());
    assert!(!step.connect);
    assert!(h.m.poll_timeout().is_none());
}

#[test]
fn connected_messaging_calls_go_to_the_server() {
    let mut h = Harness::new();
    h.joined();
    // Connected, in a room, not logged in: the server decides, even for login-only calls.
    for (request, _) in every_message() {
        let method = request.method();
        let frame = h.call(request, "m").only_sent().clone();
        assert_eq!(frame.request.method(), method);
    }
    let frame = h
        .call(Request::SetServerParams(server_params()), "params")
        .only_sent()
        .clone();
    let step = h.err(frame.id, "NOT_LOGIN");
    assert_eq!(step.error("params").0, ErrorCode::NotLogin);
    assert_eq!(
        step.events,
        [EngineEvent::ServerParamsSetResult { error: 401 }]
    );
}

#[test]
fn a_message_unanswered_fails_after_the_message_timeout_with_its_own_code() {
    let mut h = Harness::new();
    h.joined();
    h.sent(Request::SendRoomMessage(text("hello")), "msg");
    h.sent(
        Request::PublishStream(MediaParams {
            media_type: MediaType::Audio,
        }),
        "pub",
    );
    assert_eq!(h.m.poll_timeout(), Some(h.now + MESSAGE_TIMEOUT));
    let step = h.advance(MESSAGE_TIMEOUT - Duration::from_millis(1));
    assert!(step.replies.is_empty());
    h.m.handle_activity(h.now);
    let step = h.advance(Duration::from_millis(1));
    let (code, message) = step.error("msg");
    assert_eq!(code, ErrorCode::UserMessageTimeout);
    assert_eq!(
        message,
        "no answer to sendRoomMessage within 10s; the message may or may not have been delivered"
    );
    assert!(step.sent.is_empty(), "nothing to undo for a message");
    assert_eq!(step.replies.len(), 1, "the publish waits its own 60 s");
}

#[test]
fn requests_in_flight_when_the_connection_drops_fail_messages_as_broken() {
    let mut h = Harness::new();
    h.joined();
    h.sent(Request::SendUserMessage(to_bob("hi")), "msg");
    h.sent(
        Request::PublishStream(MediaParams {
            media_type: MediaType::Audio,
        }),
        "pub",
    );
    h.m.handle_connection_lost(h.now, "reset");
    let step = h.step();
    let (code, message) = step.error("msg");
    assert_eq!(code, ErrorCode::UserMessageBroken);
    assert_eq!(
        message,
        "connection lost before sendUserMessage was answered: reset"
    );
    assert_eq!(step.error("pub").0, ErrorCode::NotConnectedYet);
    // Reconnecting: a message to the room fails at once, as broken.
    let step = h.call(Request::SendRoomMessage(text("again")), "again");
    let (code, message) = step.error("again");
    assert_eq!(code, ErrorCode::UserMessageBroken);
    assert!(message.contains("reconnecting"), "{message}");
    // Not logged in: an outside message needs a login, whatever the connection.
    let step = h.call(Request::SendServerMessage(text("x")), "srv");
    assert_eq!(step.error("srv").0, ErrorCode::UserMessageNotLogin);
}

#[test]
fn a_64_kb_message_that_escapes_to_six_times_its_size_is_still_sent() {
    let mut h = Harness::new();
    h.joined();
    // Every control byte escapes to \u00XX: the frame limit leaves room for that.
    let controls = "\u{1}".repeat(chorus_proto::MAX_MESSAGE_BYTES);
    let step = h.call(Request::SendRoomMessage(text(&controls)), "big");
    assert_eq!(step.sent.len(), 1);
    let frame = step.sent[0].to_json();
    assert!(frame.len() > 6 * chorus_proto::MAX_MESSAGE_BYTES);
    assert!(frame.len() <= chorus_proto::MAX_FRAME_BYTES);
}

#[test]
fn login_connects_like_a_join_and_a_lost_connection_logs_in_again() {
    let mut h = Harness::new();
    h.logged_in();
    // The server accepts a new login token and a business server.
    let id = h.sent(
        Request::UpdateLoginToken(LoginTokenParams { token: "l2".into() }),
        "tok",
    );
    h.ok(id, "{}");
    let id = h.sent(Request::SetServerParams(server_params()), "params");
    let step = h.ok(id, "{}");
    assert!(step.reply("params").is_ok());
    assert_eq!(
        step.events,
        [EngineEvent::ServerParamsSetResult { error: 200 }]
    );

    // Not in a room, but logged in: the engine reconnects.
    h.m.handle_connection_lost(h.now, "reset");
    let step = h.step();
    assert_eq!(step.states(), [ConnectionState::Reconnecting]);
    assert!(step.connect);
    // Meanwhile: a newer token is kept, a second login is refused, status needs the server.
    let step = h.call(
        Request::UpdateLoginToken(LoginTokenParams { token: "l3".into() }),
        "tok2",
    );
    assert!(step.reply("tok2").is_ok() && step.sent.is_empty());
    let step = h.call(Request::Login(login_params("x")), "again");
    assert_eq!(step.error("again").0, ErrorCode::AlreadyLogin);
    let step = h.call(
        Request::GetPeerOnlineStatus(PeerParams {
            user_id: "bob".into(),
        }),
        "peer",
    );
    assert_eq!(step.error("peer").0, ErrorCode::NotConnectedYet);
    let step = h.call(Request::SendUserMessageOutsideRoom(to_bob("x")), "out");
    assert_eq!(step.error("out").0, ErrorCode::UserMessageBroken);

    h.m.handle_connected(h.now);
    let relogin = h.step().only_sent().clone();
    match &relogin.request {
        Request::Login(p) => {
            assert_eq!((p.token.as_str(), p.user_id.as_str()), ("l3", "alice"))
        }
        other => panic!("{other:?}"),
    }
    let step = h.ok(relogin.id, "{}");
    assert_eq!(step.states(), [ConnectionState::Reconnected]);
    assert_eq!(
        step.only_sent().request,
        Request::SetServerParams(server_params()),
        "the business server is set again"
    );
    assert!(step.replies.is_empty());
    // Logged in again: outside messages go out.
    let step = h.call(Request::SendUserMessageOutsideRoom(to_bob("y")), "out2");
    assert_eq!(step.sent.len(), 1);
}

#[test]
fn a_refused_relogin_reports_rtm_token_error_and_logs_out() {
    let mut h = Harness::new();
    h.logged_in();
    h.m.handle_connection_lost(h.now, "reset");
    h.step();
    h.m.handle_connected(h.now);
    let relogin = h.step().only_sent().id;
    let step = h.err(relogin, "LOGIN_FAILED");
    let errors = step.errors();
    assert_eq!(errors.len(), 1, "{step:?}");
    assert_eq!(errors[0].0, ErrorCode::RtmTokenError);
    assert!(
        errors[0]
            .1
            .contains("logging in again as alice was refused: LOGIN_FAILED"),
        "{}",
        errors[0].1
    );
    assert!(step.abandon, "nothing left to keep the connection for");
    assert_eq!(step.states(), [ConnectionState::Disconnected]);
    let step = h.call(Request::SendUserMessageOutsideRoom(to_bob("x")), "out");
    assert_eq!(step.error("out").0, ErrorCode::UserMessageNotLogin);
}

#[test]
fn in_a_room_and_logged_in_both_are_restored_or_reported_apart() {
    let mut h = Harness::new();
    h.joined();
    let id = h.sent(Request::Login(login_params("l1")), "login");
    h.ok(id, "{}");
    h.m.handle_connection_lost(h.now, "reset");
    h.step();
    h.m.handle_connected(h.now);
    let step = h.step();
    assert_eq!(step.sent.len(), 2);
    assert!(matches!(step.sent[0].request, Request::JoinRoom(_)));
    assert!(matches!(step.sent[1].request, Request::Login(_)));
    let (rejoin, relogin) = (step.sent[0].id, step.sent[1].id);
    // The room is refused, the login comes back: reconnected, out of the room only.
    let step = h.err(rejoin, "ROOM_FORBIDDEN");
    assert_eq!(step.errors()[0].0, ErrorCode::ReconnectFailed);
    assert!(
        step.states().is_empty(),
        "the login is still being restored"
    );
    let step = h.ok(relogin, "{}");
    assert_eq!(step.states(), [ConnectionState::Reconnected]);
    assert!(!step.abandon);
    let step = h.call(Request::SendRoomMessage(text("x")), "room");
    assert_eq!(step.only_sent().request.method(), "sendRoomMessage");
}

#[test]
fn a_duplicate_login_elsewhere_logs_out() {
    let mut h = Harness::new();
    h.logged_in();
    h.m.handle_text(
        h.now,
        r#"{"event":"onError","data":{"errorCode":"RTM_DUPLICATE_LOGIN","message":"elsewhere"}}"#,
    );
    assert_eq!(h.step().errors()[0].0, ErrorCode::RtmDuplicateLogin);
    // Logged out and not in a room: a lost connection is not restored.
    h.m.handle_connection_lost(h.now, "closed");
    let step = h.step();
    assert_eq!(step.states(), [ConnectionState::Disconnected]);
    assert!(!step.connect);
}

#[test]
fn an_expired_login_token_logs_out() {
    let mut h = Harness::new();
    h.logged_in();
    h.m.handle_text(
        h.now,
        r#"{"event":"onError","data":{"errorCode":"RTM_TOKEN_ERROR","message":"expired"}}"#,
    );
    assert_eq!(h.step().errors()[0].0, ErrorCode::RtmTokenError);
    // Logged out and not in a room: a lost connection is not restored.
    h.m.handle_connection_lost(h.now, "closed");
    let step = h.step();
    assert_eq!(step.states(), [ConnectionState::Disconnected]);
    assert!(!step.connect);
}

#[test]
fn logging_out_while_reconnecting_stops_it_and_a_queued_login_is_cancelled() {
    let mut h = Harness::new();
    h.logged_in();
    h.m.handle_connection_lost(h.now, "reset");
    h.step();
    let step = h.call(Request::Logout(Empty {}), "logout");
    assert!(step.reply("logout").is_ok());
    assert!(step.abandon);
    assert_eq!(step.states(), [ConnectionState::Disconnected]);
    assert_eq!(h.m.poll_timeout(), None);

    // A login waiting for the connection is cancelled by logout.
    let step = h.call(Request::Login(login_params("l1")), "login");
    assert!(step.connect);
    let step = h.call(Request::Logout(Empty {}), "logout2");
    assert_eq!(step.error("login").0, ErrorCode::OperationCancel);
    assert!(step.reply("logout2").is_ok());
}

#[test]
fn a_join_while_the_login_is_being_restored_goes_out_after_the_relogin() {
    let mut h = Harness::new();
    h.logged_in();
    h.m.handle_connection_lost(h.now, "reset");
    h.step();
    h.m.handle_connect_failed(h.now, "refused");
    h.step();
    let step = h.call(Request::JoinRoom(join_params("r", "t1")), "join");
    assert!(
        !step.connect,
        "the reconnect's backoff decides when to connect"
    );
    assert!(h.advance(Duration::from_millis(100)).connect);
    h.m.handle_connected(h.now);
    let step = h.step();
    let methods: Vec<&str> = step.sent.iter().map(|f| f.request.method()).collect();
    assert_eq!(methods, ["login", "joinRoom"]);
    let step = h.ok(step.sent[1].id, &joined_json(false));
    assert!(step.reply("join").is_ok());
}

#[test]
fn an_unreachable_server_fails_a_login_with_login_failed() {
    let mut h = Harness::new();
    h.call(Request::Login(login_params("l1")), "login");
    h.m.handle_connect_failed(h.now, "connection refused");
    let (code, message) = h.step().error("login");
    assert_eq!(code, ErrorCode::LoginFailed);
    assert_eq!(
        message,
        "cannot reach server http://server: connection refused"
    );
}

#[test]
fn a_timed_out_login_is_undone() {
    let mut h = Harness::new();
    h.joined();
    h.sent(Request::Login(login_params("l1")), "login");
    for _ in 0..5 {
        h.now += PING_INTERVAL;
        h.m.handle_activity(h.now);
        h.advance(Duration::ZERO);
    }
    let step = h.advance(TIMEOUT - 5 * PING_INTERVAL);
    assert_eq!(step.error("login").0, ErrorCode::TimeOut);
    assert!(matches!(step.only_sent().request, Request::Logout(_)));
}

#[test]
fn a_refused_rejoin_keeps_the_connection_for_a_login_made_meanwhile() {
    let mut h = Harness::new();
    h.joined();
    h.m.handle_connection_lost(h.now, "reset");
    h.step();
    h.m.handle_connected(h.now);
    let rejoin = h.step().only_sent().id;
    let login = h.sent(Request::Login(login_params("l1")), "login");
    let step = h.err(rejoin, "ROOM_FORBIDDEN");
    assert_eq!(step.errors()[0].0, ErrorCode::ReconnectFailed);
    assert!(!step.abandon, "the login waits on this connection");
    assert_eq!(step.states(), [ConnectionState::Reconnected]);
    assert!(h.ok(login, "{}").reply("login").is_ok());
    // Logged in now: a lost connection is repaired for the login.
    h.m.handle_connection_lost(h.now, "reset");
    assert!(h.step().connect);
}

#[test]
fn media_hears_of_room_changes_before_the_caller() {
    let mut h = Harness::new();
    let step = h.call(Request::JoinRoom(join_params("r", "t1")), "join");
    assert!(step.views.is_empty());
    h.m.handle_connected(h.now);
    let id = h.step().only_sent().id;
    let step = h.ok(id, &joined_json(false));
    assert_eq!(step.views.len(), 1, "{step:?}");
    let (before, view) = step.views[0].clone();
    assert_eq!(before, 0, "reported before the join's answer");
    let view = view.expect("in a room");
    assert_eq!((view.main, view.screen), (None, None));
    let first_epoch = view.epoch;

    let step = h.call(
        Request::PublishStream(MediaParams {
            media_type: MediaType::AudioAndVideo,
        }),
        "pub",
    );
    let id = step.only_sent().id;
    let step = h.ok(id, "{}");
    assert_eq!(step.views.len(), 1);
    assert_eq!(step.views[0].0, 0, "reported before the publish's answer");
    let view = step.views[0].1.clone().expect("in a room");
    assert_eq!(view.main, Some(MediaType::AudioAndVideo));
    assert_eq!(view.epoch, first_epoch);

    // A rejoin after a lost connection is a new session on the server.
    h.m.handle_connection_lost(h.now, "reset");
    assert!(h.step().views.is_empty());
    h.m.handle_connected(h.now);
    let rejoin = h.step().only_sent().id;
    let step = h.ok(rejoin, &joined_json(true));
    let view = step.views[0].1.clone().expect("in a room");
    assert!(view.epoch > first_epoch);
    assert_eq!(view.main, Some(MediaType::AudioAndVideo));

    let step = h.call(Request::LeaveRoom(Empty {}), "leave");
    let id = step.sent.last().expect("a leave").id;
    let step = h.ok(id, "{}");
    assert_eq!(step.views, [(0, None::<RoomView>)]);
}
