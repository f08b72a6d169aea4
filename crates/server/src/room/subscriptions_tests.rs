//! Forwarding decisions under simulated time: what the room asks the SFU for as people join,
//! publish, subscribe, pause, drop and resume.

use std::collections::BTreeMap;

use chorus_proto::{ErrorCode, MediaType, StreamIndex, TrackKind};
use chorus_token::Privilege;

use super::ban::Bans;
use super::core::{Output, Reply, Room, RoomSettings};
use super::core_tests::join_args;
use super::grant::Grant;
use super::membership::JoinArgs;
use super::{SubscribeArgs, SubscribeOp};
use crate::sfu::{ForwardMode, PeerId};

use MediaType::{Audio, Video};
use StreamIndex::{Main, Screen};

const T0: u64 = 1_700_000_000_000;

fn room() -> Room {
    let settings = RoomSettings {
        max_users: 10,
        grace: 5_000,
        warn_before: 30_000,
    };
    Room::new("r".into(), settings, Bans::default())
}

fn grant(privileges: &[Privilege]) -> Grant {
    Grant {
        expire_at: 0,
        privileges: privileges
            .iter()
            .map(|p| (*p, 0))
            .collect::<BTreeMap<_, _>>(),
    }
}

const ALL: &[Privilege] = &[Privilege::PublishStream, Privilege::SubscribeStream];

fn join(room: &mut Room, session: u64, user: &str, privileges: &[Privilege], auto: bool) {
    room.join(
        T0,
        JoinArgs {
            auto_audio: auto,
            auto_video: auto,
            ..join_args(session, user, grant(privileges))
        },
    );
}

/// A subscribe request for `room.subscribe`, short enough to read in a line.
fn args(op: SubscribeOp, publisher: &str, index: StreamIndex, media: MediaType) -> SubscribeArgs {
    SubscribeArgs {
        op,
        publisher: publisher.to_owned(),
        index,
        media,
    }
}

fn drain(room: &mut Room) -> Vec<Output> {
    std::iter::from_fn(|| room.poll_output()).collect()
}

/// (subscriber, publisher, kind, mode) of every forward in `outputs`.
fn forwards(outputs: &[Output]) -> Vec<(u64, u64, TrackKind, ForwardMode)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Forward {
                subscriber,
                source,
                mode,
                ..
            } => Some((subscriber.0, source.publisher.0, source.kind, *mode)),
            _ => None,
        })
        .collect()
}

fn reply(outputs: &[Output], to: u64, id: u64) -> Result<Reply, ErrorCode> {
    outputs
        .iter()
        .find_map(|o| match o {
            Output::Reply {
                to: t,
                id: i,
                result,
            } if *t == to && *i == id => Some(result.clone().map_err(|e| e.code)),
            _ => None,
        })
        .expect("a reply")
}

#[test]
fn auto_subscribers_get_what_is_published_and_lose_it_on_unpublish() {
    let mut room = room();
    join(&mut room, 1, "alice", ALL, true);
    join(&mut room, 2, "bob", ALL, true);
    drain(&mut room);
    room.publish(T0, 1, 7, StreamIndex::Main, MediaType::AudioAndVideo);
    let out = drain(&mut room);
    use ForwardMode::*;
    use TrackKind::*;
    assert_eq!(forwards(&out), [(2, 1, Audio, On), (2, 1, Video, On)]);

    room.unpublish(1, 8, StreamIndex::Main, MediaType::Video);
    assert_eq!(forwards(&drain(&mut room)), [(2, 1, Video, Off)]);
}

#[test]
fn a_late_joiner_is_forwarded_what_is_already_published() {
    let mut room = room();
    join(&mut room, 1, "alice", ALL, true);
    room.publish(T0, 1, 7, StreamIndex::Screen, MediaType::Video);
    drain(&mut room);
    join(&mut room, 2, "bob", ALL, true);
    let out = drain(&mut room);
    assert_eq!(forwards(&out), [(2, 1, TrackKind::Video, ForwardMode::On)]);
    assert!(out.iter().any(
        |o| matches!(o, Output::Forward { source, .. } if source.index == StreamIndex::Screen)
    ));
}

#[test]
fn manual_subscribers_choose_and_unpublished_streams_do_not_exist() {
    let mut room = room();
    join(&mut room, 1, "alice", ALL, true);
    join(&mut room, 2, "bob", ALL, false);
    room.publish(T0, 1, 7, StreamIndex::Main, MediaType::Audio);
    assert!(forwards(&drain(&mut room)).is_empty());

    let op = SubscribeOp::Subscribe;
    room.subscribe(T0, 2, 3, args(op, "alice", Main, Video));
    assert_eq!(
        reply(&drain(&mut room), 2, 3),
        Err(ErrorCode::StreamNotExist)
    );
    room.subscribe(T0, 2, 4, args(op, "nobody", Main, Audio));
    assert_eq!(
        reply(&drain(&mut room), 2, 4),
        Err(ErrorCode::StreamNotExist)
    );
    room.subscribe(T0, 2, 5, args(op, "alice", Main, Audio));
    let out = drain(&mut room);
    assert_eq!(reply(&out, 2, 5), Ok(Reply::Done));
    assert_eq!(forwards(&out), [(2, 1, TrackKind::Audio, ForwardMode::On)]);

    let op = SubscribeOp::Unsubscribe;
    room.subscribe(T0, 2, 6, args(op, "alice", Main, Audio));
    let out = drain(&mut room);
    assert_eq!(forwards(&out), [(2, 1, TrackKind::Audio, ForwardMode::Off)]);
    room.subscribe(T0, 2, 7, args(op, "alice", Screen, Audio));
    assert_eq!(
        reply(&drain(&mut room), 2, 7),
        Err(ErrorCode::StreamNotExist)
    );
}

#[test]
fn subscribing_needs_the_subscribe_privilege() {
    let mut room = room();
    join(&mut room, 1, "alice", ALL, true);
    join(&mut room, 2, "bob", &[Privilege::PublishStream], true);
    room.publish(T0, 1, 7, StreamIndex::Main, MediaType::Audio);
    // No auto-subscription without the privilege either.
    assert!(forwards(&drain(&mut room)).is_empty());
    let op = SubscribeOp::Subscribe;
    room.subscribe(T0, 2, 3, args(op, "alice", Main, Audio));
    let out = drain(&mut room);
    let Some(Output::Reply { result: Err(e), .. }) = out.first() else {
        panic!("a refusal, got {out:?}");
    };
    assert_eq!(e.code, ErrorCode::PublishFailed);
    assert!(e.message.contains("subscribe"), "{}", e.message);
}

#[test]
fn pause_keeps_the_subscription_and_resume_restores_it() {
    let mut room = room();
    join(&mut room, 1, "alice", ALL, true);
    join(&mut room, 2, "bob", ALL, true);
    room.publish(T0, 1, 7, StreamIndex::Main, MediaType::AudioAndVideo);
    drain(&mut room);
    room.pause_all(2, 3, MediaType::Video, true);
    use ForwardMode::*;
    assert_eq!(
        forwards(&drain(&mut room)),
        [(2, 1, TrackKind::Video, Paused)]
    );
    room.pause_all(2, 4, MediaType::AudioAndVideo, false);
    assert_eq!(forwards(&drain(&mut room)), [(2, 1, TrackKind::Video, On)]);
}

#[test]
fn a_drop_stops_forwarding_and_a_resume_restarts_it_on_the_new_session() {
    let mut room = room();
    join(&mut room, 1, "alice", ALL, true);
    join(&mut room, 2, "bob", ALL, true);
    room.publish(T0, 1, 7, StreamIndex::Main, MediaType::Audio);
    drain(&mut room);
    room.dropped(T0 + 10, 2, false);
    use ForwardMode::*;
    assert_eq!(forwards(&drain(&mut room)), [(2, 1, TrackKind::Audio, Off)]);
    // Bob resumes on session 3: his subscription survives the drop.
    join(&mut room, 3, "bob", ALL, true);
    assert_eq!(forwards(&drain(&mut room)), [(3, 1, TrackKind::Audio, On)]);
}

#[test]
fn a_resume_that_asks_auto_subscription_gets_what_is_published() {
    let mut room = room();
    join(&mut room, 1, "alice", ALL, true);
    // A spanning room's held place: joined subscribing to nothing, then dropped.
    join(&mut room, 2, "bob", ALL, false);
    room.publish(T0, 1, 7, StreamIndex::Main, MediaType::Audio);
    room.dropped(T0 + 10, 2, false);
    assert_eq!(forwards(&drain(&mut room)), []);
    // Bob himself takes the place over, auto-subscribing: silently, and subscribed now.
    join(&mut room, 3, "bob", ALL, true);
    let out = drain(&mut room);
    assert_eq!(forwards(&out), [(3, 1, TrackKind::Audio, ForwardMode::On)]);
    assert!(matches!(reply(&out, 3, 1), Ok(Reply::Joined(j)) if j.resumed));
}

#[test]
fn a_chosen_layer_follows_the_subscriber() {
    let mut room = room();
    join(&mut room, 1, "alice", ALL, true);
    join(&mut room, 2, "bob", ALL, true);
    room.publish(T0, 1, 7, StreamIndex::Main, MediaType::Video);
    drain(&mut room);
    room.set_layer(2, 3, "alice", chorus_proto::SimulcastStreamType::Low);
    let out = drain(&mut room);
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Layer {
            subscriber: PeerId(2),
            publisher: PeerId(1),
            layer: chorus_proto::SimulcastStreamType::Low
        }
    )));
    room.dropped(T0 + 10, 2, false);
    join(&mut room, 3, "bob", ALL, true);
    let out = drain(&mut room);
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Layer {
            subscriber: PeerId(3),
            publisher: PeerId(1),
            ..
        }
    )));
}

#[test]
fn the_wanted_layer_of_a_video_is_the_highest_its_receivers_chose() {
    use chorus_proto::SimulcastStreamType::{High, Low, Mid};
    let mut room = room();
    join(&mut room, 1, "alice", ALL, true);
    join(&mut room, 2, "bob", ALL, true);
    join(&mut room, 3, "carol", ALL, true);
    room.publish(T0, 1, 7, StreamIndex::Main, MediaType::AudioAndVideo);
    drain(&mut room);
    // Both receive at the default, the highest; Bob, then Carol, choose lower.
    assert_eq!(room.wanted_layers().get("alice"), Some(&High));
    room.set_layer(2, 8, "alice", Low);
    drain(&mut room);
    assert_eq!(room.wanted_layers().get("alice"), Some(&High));
    room.set_layer(3, 9, "alice", Mid);
    drain(&mut room);
    assert_eq!(room.wanted_layers().get("alice"), Some(&Mid));
    // A paused receiver wants nothing; with none left, nobody wants Alice's video.
    room.pause_all(3, 10, MediaType::Video, true);
    drain(&mut room);
    assert_eq!(room.wanted_layers().get("alice"), Some(&Low));
    room.pause_all(2, 11, MediaType::Video, true);
    drain(&mut room);
    assert_eq!(room.wanted_layers().get("alice"), None);
}
