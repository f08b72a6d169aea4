//! Joining, leaving, tokens and the connection's life in a room.

use super::*;

#[test]
fn the_first_join_connects_then_sends() {
    let mut h = Harness::new();
    let step = h.call(Request::JoinRoom(join_params("r", "t1")), "join");
    assert!(step.connect);
    assert!(step.sent.is_empty());
    assert_eq!(step.states(), [ConnectionState::Connecting]);

    h.m.handle_connected(h.now);
    let step = h.step();
    assert_eq!(step.states(), [ConnectionState::Connected]);
    let frame = step.only_sent();
    match &frame.request {
        Request::JoinRoom(p) => {
            assert_eq!(p.room_id, "r");
            assert_eq!(p.visible, Some(true));
        }
        other => panic!("expected a join, got {other:?}"),
    }
    let step = h.ok(frame.id, &joined_json(false));
    assert_eq!(step.reply("join").as_ref().unwrap()["roomId"], "r");
}

#[test]
fn an_unreachable_server_fails_the_join() {
    let mut h = Harness::new();
    h.call(Request::JoinRoom(join_params("r", "t1")), "join");
    h.m.handle_connect_failed(h.now, "connection refused");
    let step = h.step();
    let (code, message) = step.error("join");
    assert_eq!(code, ErrorCode::JoinRoomFailed);
    assert_eq!(
        message,
        "cannot reach server http://server: connection refused"
    );
    assert_eq!(step.states(), [ConnectionState::Disconnected]);
}

#[test]
fn calls_without_a_connection_fail_locally() {
    let mut h = Harness::new();
    let media = || MediaParams {
        media_type: MediaType::Audio,
    };
    let step = h.call(Request::PublishStream(media()), "p");
    assert_eq!(step.error("p").0, ErrorCode::NotConnectedYet);
    let step = h.call(Request::UnpublishScreen(media()), "u");
    assert_eq!(step.error("u").0, ErrorCode::NotConnectedYet);
    let step = h.call(
        Request::UpdateToken(UpdateTokenParams { token: "t".into() }),
        "t",
    );
    assert_eq!(step.error("t").0, ErrorCode::UpdateTokenBeforeJoin);
    let step = h.call(Request::LeaveRoom(Empty {}), "l");
    assert!(step.reply("l").is_ok());
    assert!(!step.connect && step.states().is_empty());
}

#[test]
fn visibility_outside_a_room_applies_to_the_next_join() {
    let mut h = Harness::new();
    let step = h.call(
        Request::SetUserVisibility(SetUserVisibilityParams { visible: false }),
        "v",
    );
    assert!(step.reply("v").is_ok());
    assert!(!step.connect);
    h.call(Request::JoinRoom(join_params("r", "t1")), "join");
    h.m.handle_connected(h.now);
    match &h.step().only_sent().request {
        Request::JoinRoom(p) => assert_eq!(p.visible, Some(false)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unanswered_requests_time_out_and_a_timed_out_join_is_undone() {
    let mut h = Harness::new();
    h.call(Request::JoinRoom(join_params("r", "t1")), "join");
    h.m.handle_connected(h.now);
    h.step();
    assert_eq!(h.m.poll_timeout(), Some(h.now + PING_INTERVAL));
    // Keep the connection alive with pongs so only the request deadline matters.
    for _ in 0..5 {
        h.now += PING_INTERVAL;
        h.m.handle_activity(h.now);
        assert_eq!(h.advance(Duration::ZERO).pings, 1);
    }
    let step = h.advance(TIMEOUT - 5 * PING_INTERVAL);
    let (code, message) = step.error("join");
    assert_eq!(code, ErrorCode::TimeOut);
    assert_eq!(
        message,
        "no answer to joinRoom within 60s; the server may be overloaded or unreachable"
    );
    assert!(matches!(step.only_sent().request, Request::LeaveRoom(_)));
}

#[test]
fn a_silent_server_counts_as_lost() {
    let mut h = Harness::new();
    h.joined();
    let step = h.advance(PING_INTERVAL);
    assert_eq!(step.pings, 1);
    let step = h.advance(SILENCE_LIMIT - PING_INTERVAL);
    assert!(step.abandon);
    assert_eq!(step.states(), [ConnectionState::Reconnecting]);
    assert!(step.connect, "in a room, the engine reconnects at once");
}

#[test]
fn a_lost_connection_in_a_room_resumes_and_republishes() {
    let mut h = Harness::new();
    h.joined();
    let step = h.call(
        Request::PublishStream(MediaParams {
            media_type: MediaType::Audio,
        }),
        "pub",
    );
    let id = step.only_sent().id;
    assert!(h.ok(id, "{}").reply("pub").is_ok());
    let step = h.call(
        Request::UpdateToken(UpdateTokenParams { token: "t2".into() }),
        "tok",
    );
    let id = step.only_sent().id;
    h.ok(id, "{}");
    // A request in flight when the connection drops fails.
    let step = h.call(
        Request::PublishScreen(MediaParams {
            media_type: MediaType::Video,
        }),
        "screen",
    );
    assert_eq!(step.sent.len(), 1);

    h.m.handle_connection_lost(h.now, "reset by peer");
    let step = h.step();
    let (code, message) = step.error("screen");
    assert_eq!(code, ErrorCode::NotConnectedYet);
    assert!(message.contains("connection lost"), "{message}");
    assert_eq!(step.states(), [ConnectionState::Reconnecting]);
    assert!(step.connect);
    match &step.events[0] {
        EngineEvent::ConnectionStateChanged { reason, .. } => {
            assert_eq!(reason.as_deref(), Some("reset by peer"))
        }
        other => panic!("{other:?}"),
    }

    // Calls during the outage fail at once; a join is a repeat.
    let step = h.call(
        Request::PublishStream(MediaParams {
            media_type: MediaType::Video,
        }),
        "p2",
    );
    assert_eq!(step.error("p2").0, ErrorCode::NotConnectedYet);
    let step = h.call(Request::JoinRoom(join_params("r", "t1")), "j2");
    assert_eq!(step.error("j2").0, ErrorCode::RepeatJoin);

    // The first attempt fails; the next comes after the backoff.
    h.m.handle_connect_failed(h.now, "refused");
    assert!(!h.step().connect);
    assert_eq!(h.m.poll_timeout(), Some(h.now + Duration::from_millis(100)));
    assert!(h.advance(Duration::from_millis(100)).connect);

    h.m.handle_connected(h.now);
    let step = h.step();
    assert!(
        step.states().is_empty(),
        "still reconnecting until the rejoin is answered"
    );
    let rejoin = step.only_sent();
    match &rejoin.request {
        Request::JoinRoom(p) => {
            assert_eq!(p.token.as_deref(), Some("t2"), "the latest token");
            assert_eq!(p.visible, Some(true));
        }
        other => panic!("{other:?}"),
    }
    let step = h.ok(rejoin.id, &joined_json(true));
    assert_eq!(step.states(), [ConnectionState::Reconnected]);
    let republished: Vec<&Request> = step.sent.iter().map(|f| &f.request).collect();
    assert_eq!(
        republished,
        [&Request::PublishStream(MediaParams {
            media_type: MediaType::Audio
        })]
    );
    assert!(step.replies.is_empty());
}

#[test]
fn reconnecting_gives_up_after_the_budget() {
    let mut h = Harness::new();
    h.joined();
    h.m.handle_connection_lost(h.now, "reset");
    h.step();
    let mut waited = Duration::ZERO;
    let mut attempts = 0;
    loop {
        if h.m.poll_timeout().is_none() {
            panic!("the machine stopped trying without giving up");
        }
        h.m.handle_connect_failed(h.now, "refused");
        h.step();
        let next = h.m.poll_timeout().expect("a retry or the deadline");
        let by = next - h.now;
        assert!(
            by <= Duration::from_secs(2),
            "backoff is capped at 2 s, got {by:?}"
        );
        waited += by;
        let step = h.advance(by);
        attempts += 1;
        if !step.events.is_empty() {
            assert_eq!(waited, RECONNECT);
            match &step.events[0] {
                EngineEvent::Room(Event::Error(e)) => {
                    assert_eq!(e.error_code, ErrorCode::ReconnectFailed);
                    assert_eq!(e.message, "could not get back to the server within 30s");
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(step.states(), [ConnectionState::Disconnected]);
            break;
        }
        assert!(step.connect);
    }
    assert!(attempts > 15, "{attempts}");
    // Out of the room now: publishing needs a join first.
    let step = h.call(
        Request::PublishStream(MediaParams {
            media_type: MediaType::Audio,
        }),
        "p",
    );
    assert_eq!(step.error("p").0, ErrorCode::NotConnectedYet);
}

#[test]
fn leaving_while_reconnecting_stops_it() {
    let mut h = Harness::new();
    h.joined();
    h.m.handle_connection_lost(h.now, "reset");
    h.step();
    let step = h.call(Request::LeaveRoom(Empty {}), "leave");
    assert!(step.reply("leave").is_ok());
    assert!(step.abandon);
    assert_eq!(step.states(), [ConnectionState::Disconnected]);
    assert_eq!(h.m.poll_timeout(), None);
}

#[test]
fn a_lost_connection_outside_a_room_just_disconnects() {
    let mut h = Harness::new();
    h.joined();
    let id = h.call(Request::LeaveRoom(Empty {}), "leave").only_sent().id;
    h.ok(id, "{}");
    h.m.handle_connection_lost(h.now, "closed");
    let step = h.step();
    assert_eq!(step.states(), [ConnectionState::Disconnected]);
    assert!(!step.connect);
    // The next join connects again.
    let step = h.call(Request::JoinRoom(join_params("r", "t1")), "join");
    assert!(step.connect);
    assert_eq!(step.states(), [ConnectionState::Connecting]);
}

#[test]
fn update_token_retries_a_join_refused_for_its_token() {
    let mut h = Harness::new();
    h.call(Request::JoinRoom(join_params("r", "old")), "join");
    h.m.handle_connected(h.now);
    let id = h.step().only_sent().id;
    assert_eq!(
        h.err(id, "INVALID_TOKEN").error("join").0,
        ErrorCode::InvalidToken
    );

    let step = h.call(
        Request::UpdateToken(UpdateTokenParams {
            token: "new".into(),
        }),
        "tok",
    );
    let frame = step.only_sent();
    match &frame.request {
        Request::JoinRoom(p) => {
            assert_eq!((p.room_id.as_str(), p.token.as_deref()), ("r", Some("new")))
        }
        other => panic!("expected the join again, got {other:?}"),
    }
    assert!(h.ok(frame.id, &joined_json(false)).reply("tok").is_ok());
    // In the room now, so the next update is a plain update.
    let step = h.call(
        Request::UpdateToken(UpdateTokenParams {
            token: "newer".into(),
        }),
        "tok2",
    );
    assert!(matches!(step.only_sent().request, Request::UpdateToken(_)));
}

#[test]
fn removal_by_the_server_ends_the_room() {
    let mut h = Harness::new();
    h.joined();
    h.m.handle_text(
        h.now,
        r#"{"event":"onError","data":{"errorCode":"KICKED_OUT","message":"bye"}}"#,
    );
    let step = h.step();
    assert!(
        matches!(&step.events[..], [EngineEvent::Room(Event::Error(e))] if e.error_code == ErrorCode::KickedOut)
    );
    // Losing the connection now does not try to get back in.
    h.m.handle_connection_lost(h.now, "closed");
    assert_eq!(h.step().states(), [ConnectionState::Disconnected]);
}

#[test]
fn destroy_leaves_fails_waiters_and_closes() {
    let mut h = Harness::new();
    h.joined();
    let step = h.call(
        Request::PublishStream(MediaParams {
            media_type: MediaType::Audio,
        }),
        "pub",
    );
    assert_eq!(step.sent.len(), 1);
    h.m.destroy();
    let step = h.step();
    assert!(matches!(step.only_sent().request, Request::LeaveRoom(_)));
    assert_eq!(step.error("pub").0, ErrorCode::InvalidEngine);
    assert!(step.close);
    assert_eq!(step.states(), [ConnectionState::Disconnected]);
    assert!(h.m.is_destroyed());
    let step = h.call(Request::LeaveRoom(Empty {}), "late");
    assert_eq!(step.error("late").0, ErrorCode::InvalidEngine);
}

#[test]
fn leave_cancels_a_join_waiting_for_the_connection() {
    let mut h = Harness::new();
    h.call(Request::JoinRoom(join_params("r", "t1")), "join");
    let step = h.call(Request::LeaveRoom(Empty {}), "leave");
    assert_eq!(step.error("join").0, ErrorCode::OperationCancel);
    assert!(step.reply("leave").is_ok());
    h.m.handle_connected(h.now);
    let step = h.step();
    assert!(step.sent.is_empty());
    assert_eq!(step.states(), [ConnectionState::Connected]);
}

#[test]
fn unknown_frames_are_ignored() {
    let mut h = Harness::new();
    h.joined();
    h.m.handle_text(h.now, "not json");
    h.m.handle_text(h.now, r#"{"event":"onSomethingNew","data":{}}"#);
    h.m.handle_text(h.now, r#"{"id":999,"result":{}}"#);
    let step = h.step();
    assert!(step.events.is_empty() && step.replies.is_empty());
}

#[test]
fn a_refused_rejoin_gives_up_and_update_token_can_bring_it_back() {
    let mut h = Harness::new();
    h.joined();
    h.m.handle_connection_lost(h.now, "reset");
    h.step();
    h.m.handle_connected(h.now);
    let rejoin = h.step().only_sent().id;
    let step = h.err(rejoin, "INVALID_TOKEN");
    assert!(step.abandon);
    match &step.events[0] {
        EngineEvent::Room(Event::Error(e)) => {
            assert_eq!(e.error_code, ErrorCode::ReconnectFailed);
            assert!(
                e.message
                    .contains("rejoining room r was refused: INVALID_TOKEN"),
                "{}",
                e.message
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(step.states(), [ConnectionState::Disconnected]);
    // The refused join is the one updateToken retries, through a new connection.
    let step = h.call(
        Request::UpdateToken(UpdateTokenParams {
            token: "fresh".into(),
        }),
        "tok",
    );
    assert!(step.connect);
    h.m.handle_connected(h.now);
    match &h.step().only_sent().request {
        Request::JoinRoom(p) => assert_eq!(p.token.as_deref(), Some("fresh")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unanswered_rejoin_tries_a_fresh_connection() {
    let mut h = Harness::new();
    h.m = machine(Duration::from_secs(5));
    h.joined();
    h.m.handle_connection_lost(h.now, "reset");
    h.step();
    h.m.handle_connected(h.now);
    h.step();
    let step = h.advance(Duration::from_secs(5));
    assert!(step.abandon, "the silent connection is dropped");
    assert!(step.states().is_empty(), "still reconnecting");
    assert!(
        h.advance(Duration::from_millis(100)).connect,
        "and a new one is tried"
    );
}

#[test]
fn the_engine_handle_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<crate::RtcEngine>();
    check::<crate::EventStream>();
}
