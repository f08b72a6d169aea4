//! The conductor's rules under simulated time: auto-publishing, the publisher transport's
//! retry backoff, and reports or room sessions that have moved on.

use std::time::{Duration, Instant};

use chorus_proto::{
    CaptureStateParams, ErrorCode, MediaParams, MediaType, Request, RoomConfig, RtcError,
    StreamIndex, SubscribedTrack, SubscriberOfferEvent, TrackKind,
};

use super::rules::{Capturing, Effect, FIRST_RETRY, MAX_RETRY, Rules};
use crate::room::RoomView;

/// A caller waiting for the publisher, named by a number.
type Waiter = u32;

fn view(epoch: u64, auto_publish: Option<bool>, main: Option<MediaType>) -> Option<RoomView> {
    Some(RoomView {
        epoch,
        config: RoomConfig {
            is_auto_publish: auto_publish,
            ..RoomConfig::default()
        },
        main,
        screen: None,
        ice_servers: Vec::new(),
    })
}

fn effects(rules: &mut Rules<Waiter>) -> Vec<Effect<Waiter>> {
    std::iter::from_fn(|| rules.poll_effect()).collect()
}

fn capture_state(kind: TrackKind, capturing: bool) -> Effect<Waiter> {
    Effect::Request(Request::SetCaptureState(CaptureStateParams {
        kind,
        capturing,
    }))
}

fn publish(media_type: MediaType) -> Effect<Waiter> {
    Effect::Request(Request::PublishStream(MediaParams { media_type }))
}

fn broken() -> RtcError {
    RtcError::new(ErrorCode::PublishFailed, "ICE stayed disconnected")
}

/// A room (session `epoch`) that publishes audio, with its publisher transport negotiated:
/// returns that transport's generation.
fn publishing(rules: &mut Rules<Waiter>, now: Instant, epoch: u64) -> u64 {
    rules.handle_room(
        view(epoch, None, Some(MediaType::Audio)),
        Capturing::default(),
    );
    let generation = effects(rules)
        .into_iter()
        .find_map(|e| match e {
            Effect::StartPublisher { generation } => Some(generation),
            _ => None,
        })
        .expect("a published track starts a publisher transport");
    rules.handle_report(now, generation, Ok(()));
    assert!(rules.forwards(StreamIndex::Main, TrackKind::Audio));
    generation
}

#[test]
fn capture_started_in_a_room_with_auto_publish_publishes_it() {
    let mut rules = Rules::default();
    rules.handle_room(view(1, None, None), Capturing::default());
    assert_eq!(effects(&mut rules), vec![Effect::StopSubscriber]);

    rules.handle_capture(StreamIndex::Main, TrackKind::Audio, true);
    assert_eq!(
        effects(&mut rules),
        vec![
            capture_state(TrackKind::Audio, true),
            publish(MediaType::Audio)
        ]
    );
}

#[test]
fn capture_started_without_auto_publish_only_reports_the_capture() {
    let mut rules = Rules::default();
    rules.handle_room(view(1, Some(false), None), Capturing::default());
    effects(&mut rules);

    rules.handle_capture(StreamIndex::Main, TrackKind::Video, true);
    assert_eq!(
        effects(&mut rules),
        vec![capture_state(TrackKind::Video, true)]
    );
}

#[test]
fn capture_already_published_or_outside_a_room_asks_for_nothing_more() {
    let mut rules = Rules::default();
    rules.handle_capture(StreamIndex::Main, TrackKind::Audio, true);
    assert_eq!(effects(&mut rules), vec![]);

    rules.handle_room(view(1, None, Some(MediaType::Audio)), Capturing::default());
    effects(&mut rules);
    rules.handle_capture(StreamIndex::Main, TrackKind::Audio, true);
    assert_eq!(
        effects(&mut rules),
        vec![capture_state(TrackKind::Audio, true)]
    );
    // The screen stream's capture is not reported, nor auto-published.
    rules.handle_capture(StreamIndex::Screen, TrackKind::Video, true);
    assert_eq!(effects(&mut rules), vec![]);
}

#[test]
fn joining_while_capturing_reports_and_publishes_what_is_captured() {
    let mut with = Rules::default();
    let both = Capturing {
        audio: true,
        video: true,
    };
    with.handle_room(view(1, None, None), both);
    assert_eq!(
        effects(&mut with),
        vec![
            Effect::StopSubscriber,
            capture_state(TrackKind::Audio, true),
            capture_state(TrackKind::Video, true),
            publish(MediaType::AudioAndVideo),
        ]
    );

    let mut without = Rules::default();
    without.handle_room(view(1, Some(false), None), both);
    assert_eq!(
        effects(&mut without),
        vec![
            Effect::StopSubscriber,
            capture_state(TrackKind::Audio, true),
            capture_state(TrackKind::Video, true),
        ]
    );
}

#[test]
fn a_broken_publisher_is_retried_after_a_pause_doubling_to_16_s() {
    let mut rules = Rules::default();
    let mut now = Instant::now();
    let mut generation = publishing(&mut rules, now, 1);
    let mut waits = Vec::new();
    for _ in 0..7 {
        rules.handle_report(now, generation, Err(broken()));
        assert!(!rules.forwards(StreamIndex::Main, TrackKind::Audio));
        let at = rules.poll_timeout().expect("a broken transport is retried");
        waits.push(at - now);

        // Not before its time.
        rules.handle_timeout(at - Duration::from_millis(1));
        assert_eq!(effects(&mut rules), vec![]);

        now = at;
        rules.handle_timeout(now);
        assert_eq!(
            effects(&mut rules),
            vec![
                Effect::StopPublisher,
                Effect::StartPublisher {
                    generation: generation + 1
                }
            ]
        );
        assert_eq!(rules.poll_timeout(), None);
        generation += 1;
        // The new transport negotiates, then breaks again.
        rules.handle_report(now, generation, Ok(()));
        assert!(rules.forwards(StreamIndex::Main, TrackKind::Audio));
    }
    let secs = |s| Duration::from_secs(s);
    assert_eq!(
        waits,
        [
            secs(1),
            secs(2),
            secs(4),
            secs(8),
            secs(16),
            secs(16),
            secs(16)
        ]
    );
    assert_eq!(waits[0], FIRST_RETRY);
    assert_eq!(waits[6], MAX_RETRY);
}

#[test]
fn a_new_room_session_resets_the_backoff() {
    let mut rules = Rules::default();
    let mut now = Instant::now();
    let mut generation = publishing(&mut rules, now, 1);
    for _ in 0..3 {
        rules.handle_report(now, generation, Err(broken()));
        now = rules.poll_timeout().expect("a broken transport is retried");
        rules.handle_timeout(now);
        effects(&mut rules);
        generation += 1;
        rules.handle_report(now, generation, Ok(()));
    }
    rules.handle_report(now, generation, Err(broken()));
    assert_eq!(rules.poll_timeout(), Some(now + Duration::from_secs(8)));

    // A rejoin: the pending retry is dropped with the old session.
    let generation = publishing(&mut rules, now, 2);
    assert_eq!(rules.poll_timeout(), None);
    rules.handle_report(now, generation, Err(broken()));
    assert_eq!(rules.poll_timeout(), Some(now + FIRST_RETRY));
}

#[test]
fn a_refused_negotiation_waits_for_the_next_publish() {
    let mut rules = Rules::default();
    let now = Instant::now();
    rules.handle_room(view(1, None, Some(MediaType::Audio)), Capturing::default());
    effects(&mut rules);
    rules.handle_await_publisher(7);
    rules.handle_report(now, 1, Err(broken()));
    assert_eq!(effects(&mut rules), vec![Effect::Reply(7, Err(broken()))]);
    assert_eq!(rules.poll_timeout(), None);

    // Waiting again (publishing again) sets up a new transport.
    rules.handle_await_publisher(8);
    assert_eq!(
        effects(&mut rules),
        vec![
            Effect::StopPublisher,
            Effect::StartPublisher { generation: 2 }
        ]
    );
    rules.handle_report(now, 2, Ok(()));
    assert_eq!(effects(&mut rules), vec![Effect::Reply(8, Ok(()))]);
}

#[test]
fn waiting_for_the_publisher_with_nothing_published_is_answered_at_once() {
    let mut rules = Rules::default();
    rules.handle_await_publisher(1);
    assert_eq!(effects(&mut rules), vec![Effect::Reply(1, Ok(()))]);
    rules.handle_room(view(1, None, None), Capturing::default());
    effects(&mut rules);
    rules.handle_await_publisher(2);
    assert_eq!(effects(&mut rules), vec![Effect::Reply(2, Ok(()))]);
}

#[test]
fn a_report_from_a_replaced_publisher_is_ignored() {
    let mut rules = Rules::default();
    let now = Instant::now();
    rules.handle_room(view(1, None, Some(MediaType::Audio)), Capturing::default());
    effects(&mut rules);
    rules.handle_await_publisher(1);
    // A rejoin replaces the transport (generation 1) with generation 2; the waiter moves on
    // with it.
    rules.handle_room(view(2, None, Some(MediaType::Audio)), Capturing::default());
    assert_eq!(
        effects(&mut rules),
        vec![
            Effect::StopPublisher,
            Effect::Reply(
                1,
                Err(RtcError::new(
                    ErrorCode::PublishFailed,
                    "left the room before the media transport was set up"
                ))
            ),
            Effect::StopSubscriber,
            Effect::StartPublisher { generation: 2 },
        ]
    );
    rules.handle_await_publisher(2);

    rules.handle_report(now, 1, Ok(()));
    assert_eq!(effects(&mut rules), vec![]);
    assert!(!rules.forwards(StreamIndex::Main, TrackKind::Audio));
    rules.handle_report(now, 1, Err(broken()));
    assert_eq!(rules.poll_timeout(), None);

    rules.handle_report(now, 2, Ok(()));
    assert_eq!(effects(&mut rules), vec![Effect::Reply(2, Ok(()))]);
    assert!(rules.forwards(StreamIndex::Main, TrackKind::Audio));
}

#[test]
fn a_retry_due_after_the_room_moved_on_does_nothing() {
    let mut rules = Rules::default();
    let now = Instant::now();
    let generation = publishing(&mut rules, now, 1);
    rules.handle_report(now, generation, Err(broken()));
    assert!(rules.poll_timeout().is_some());

    rules.handle_room(None, Capturing::default());
    assert_eq!(
        effects(&mut rules),
        vec![
            Effect::StopPublisher,
            Effect::StopSubscriber,
            Effect::ForgetPictures
        ]
    );
    assert_eq!(rules.poll_timeout(), None);
    rules.handle_timeout(now + MAX_RETRY);
    assert_eq!(effects(&mut rules), vec![]);
    // And a late report of the dropped transport changes nothing.
    rules.handle_report(now, generation, Ok(()));
    assert_eq!(effects(&mut rules), vec![]);
}

#[test]
fn room_updates_within_a_session_keep_the_transports() {
    let mut rules = Rules::default();
    let now = Instant::now();
    publishing(&mut rules, now, 1);
    effects(&mut rules);
    // Publishing more in the same session: the negotiated transport carries it.
    rules.handle_room(
        view(1, None, Some(MediaType::AudioAndVideo)),
        Capturing::default(),
    );
    assert_eq!(effects(&mut rules), vec![]);
    assert!(rules.forwards(StreamIndex::Main, TrackKind::Video));
    assert!(!rules.forwards(StreamIndex::Screen, TrackKind::Video));
}

#[test]
fn offers_count_only_in_a_room() {
    let mut rules = Rules::default();
    let offer = SubscriberOfferEvent {
        sdp: "v=0".into(),
        tracks: Vec::<SubscribedTrack>::new(),
    };
    rules.handle_offer(offer.clone());
    assert_eq!(effects(&mut rules), vec![]);
    rules.handle_room(view(1, None, None), Capturing::default());
    effects(&mut rules);
    rules.handle_offer(offer.clone());
    assert_eq!(effects(&mut rules), vec![Effect::Offer(offer)]);
}
