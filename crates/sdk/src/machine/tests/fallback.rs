//! The fallback settings: sent before joining (opening the connection), and again on the new
//! connection after a drop, before the rejoin.

use chorus_proto::{
    FallbackOptionParams, RemoteUserPriority, SubscribeFallbackOption, UserPriorityParams,
};

use super::*;

fn option() -> Request {
    Request::SetSubscribeFallbackOption(FallbackOptionParams {
        option: SubscribeFallbackOption::AudioOnly,
    })
}

fn priority() -> Request {
    Request::SetRemoteUserPriority(UserPriorityParams {
        user_id: "bob".into(),
        priority: RemoteUserPriority::High,
    })
}

#[test]
fn settings_made_before_joining_open_the_connection_and_go_first() {
    let mut h = Harness::new();
    assert!(
        h.call(option(), "opt").connect,
        "the setting opens the connection"
    );
    h.call(Request::JoinRoom(join_params("r", "t1")), "join");
    h.m.handle_connected(h.now);
    let sent: Vec<Request> = h.step().sent.into_iter().map(|f| f.request).collect();
    assert_eq!(sent[0], option());
    assert!(matches!(sent[1], Request::JoinRoom(_)), "{sent:?}");
}

#[test]
fn settings_are_sent_again_on_the_new_connection_before_the_rejoin() {
    let mut h = Harness::new();
    h.joined();
    for (request, who) in [(option(), "opt"), (priority(), "prio")] {
        let id = h.call(request, who).only_sent().id;
        assert!(h.ok(id, "{}").reply(who).is_ok());
    }
    h.m.handle_connection_lost(h.now, "reset");
    assert!(h.step().connect);
    h.m.handle_connected(h.now);
    let sent: Vec<Request> = h.step().sent.into_iter().map(|f| f.request).collect();
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert_eq!(sent[..2], [option(), priority()]);
    assert!(matches!(sent[2], Request::JoinRoom(_)), "{sent:?}");
}
