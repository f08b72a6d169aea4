//! A rejoin the server could not resume (its node died): the app's own subscriptions and
//! layer choices are asked for again, the layers at once and each subscription when its
//! stream is published again, and the others coming back are not announced again.

use chorus_proto::{
    Event, MediaType, Request, SimulcastParams, SimulcastStreamType, SubscribeParams,
};

use super::{Harness, joined_json};
use crate::event::EngineEvent;

fn event(h: &mut Harness, name: &str, data: &str) -> super::Step {
    h.m.handle_text(h.now, &format!(r#"{{"event":"{name}","data":{data}}}"#));
    h.step()
}

fn room_events(step: &super::Step) -> Vec<&Event> {
    step.events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Room(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[test]
fn a_rejoin_that_could_not_resume_subscribes_again_as_streams_come_back() {
    let mut h = Harness::new();
    h.joined();
    let bob_joined = r#"{"userInfo":{"userId":"bob"}}"#;
    let bob_video = r#"{"userId":"bob","mediaType":2}"#;
    assert_eq!(
        room_events(&event(&mut h, "onUserJoined", bob_joined)).len(),
        1
    );
    assert_eq!(
        room_events(&event(&mut h, "onUserPublishStream", bob_video)).len(),
        1
    );
    let subscribe = Request::SubscribeStream(SubscribeParams {
        user_id: "bob".into(),
        media_type: MediaType::Video,
    });
    let id = h.call(subscribe.clone(), "sub").only_sent().id;
    assert!(h.ok(id, "{}").reply("sub").is_ok());
    let layer = Request::SetRemoteSimulcastStreamType(SimulcastParams {
        user_id: "bob".into(),
        stream_type: SimulcastStreamType::Low,
    });
    let id = h.call(layer.clone(), "layer").only_sent().id;
    assert!(h.ok(id, "{}").reply("layer").is_ok());

    h.m.handle_connection_lost(h.now, "node gone");
    assert!(h.step().connect);
    h.m.handle_connected(h.now);
    let rejoin = h.step().only_sent().id;
    // A new session: the layer goes again at once; the subscription waits for Bob's stream.
    let step = h.ok(rejoin, &joined_json(false));
    let sent: Vec<&Request> = step.sent.iter().map(|f| &f.request).collect();
    assert_eq!(sent, [&layer]);
    // Bob comes back: the app hears nothing of it, and his video is subscribed again, once.
    let step = event(&mut h, "onUserJoined", bob_joined);
    assert!(
        room_events(&step).is_empty() && step.sent.is_empty(),
        "{step:?}"
    );
    let step = event(&mut h, "onUserPublishStream", bob_video);
    assert!(room_events(&step).is_empty(), "{step:?}");
    assert_eq!(step.only_sent().request, subscribe);
    let id = step.only_sent().id;
    assert!(h.ok(id, "{}").sent.is_empty());
    let step = event(&mut h, "onUserPublishStream", bob_video);
    assert!(step.sent.is_empty(), "asked for once: {step:?}");
}
