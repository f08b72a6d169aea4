//! Two workers under simulated time: a publisher on one, subscribers on both; what crosses
//! between them (packets, keyframe requests, interest) and what arrives.

use std::time::Duration;

use chorus_proto::{SimulcastStreamType, TrackKind};
use str0m::media::MediaData;

use super::super::tests::{is_keyframe, nal};
use super::super::{Command, ForwardMode, PeerId, Source, StreamIndex};
use super::{Link, Net, Side};

const ALICE: PeerId = PeerId(1);
const BOB: PeerId = PeerId(2);
const CAROL: PeerId = PeerId(3);

const LIMIT: Duration = Duration::from_secs(5);

fn layer(frame: &MediaData) -> u8 {
    nal(&frame.data)[1]
}

fn number(frame: &MediaData) -> u32 {
    let text = &nal(&frame.data)[2..17];
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.strip_prefix("frame ")?.trim().parse().ok())
        .expect("a picture number")
}

/// The workers Alice's source of `kind` is relayed to, as her worker holds them.
fn relayed_to(net: &mut Net, kind: TrackKind) -> u64 {
    let key = Source {
        publisher: ALICE,
        index: StreamIndex::Main,
        kind,
    };
    let worker = net.worker_of(ALICE);
    let router = &mut net.routers[worker];
    router
        .sources
        .id_of(&key)
        .and_then(|id| router.sources.get_mut(id))
        .map_or(0, |s| s.relay_to)
}

#[test]
fn a_publisher_on_one_worker_feeds_subscribers_on_both() {
    let mut net = Net::with_workers(Duration::from_secs(30), 5, 2);
    assert_eq!(net.worker_of(ALICE), net.worker_of(CAROL));
    assert_ne!(net.worker_of(ALICE), net.worker_of(BOB));
    let bob_worker = net.worker_of(BOB);
    net.publish(
        ALICE,
        &[
            (TrackKind::Audio, &[]),
            (TrackKind::Video, &["q", "h", "f"]),
        ],
    );
    net.run_until(LIMIT, "alice connecting", |n| {
        n.endpoint(ALICE, Side::Publisher).connected
    });
    assert_eq!(
        relayed_to(&mut net, TrackKind::Video),
        0,
        "nobody asked yet"
    );
    for peer in [BOB, CAROL] {
        net.subscriber(peer);
        net.forward(peer, ALICE, TrackKind::Audio, "alice", ForwardMode::On);
        net.forward(peer, ALICE, TrackKind::Video, "alice", ForwardMode::On);
    }
    for peer in [BOB, CAROL] {
        net.run_until(LIMIT, "a subscriber connecting", |n| {
            n.endpoint(peer, Side::Subscriber).connected
        });
    }
    // Bob's worker, and only it, asked for Alice's streams.
    assert_eq!(relayed_to(&mut net, TrackKind::Video), 1 << bob_worker);
    assert_eq!(relayed_to(&mut net, TrackKind::Audio), 1 << bob_worker);
    // Some links lose packets on the way to Bob: repairs work across workers too.
    net.endpoint_mut(BOB, Side::Subscriber).down = Link {
        loss: 0.05,
        delay: Duration::from_millis(10),
    };
    net.run(Duration::from_secs(3));

    let written = net
        .endpoint(ALICE, Side::Publisher)
        .media
        .as_ref()
        .expect("alice writes media")
        .written
        .clone();
    for peer in [BOB, CAROL] {
        let sub = net.endpoint(peer, Side::Subscriber);
        let (audio, video) = (
            sub.mid_of("alice", TrackKind::Audio),
            sub.mid_of("alice", TrackKind::Video),
        );
        assert!(
            sub.frames_on(audio).count() >= 140,
            "audio missing at {peer:?}"
        );
        let pictures: Vec<&MediaData> = sub.frames_on(video).collect();
        assert!(pictures.len() >= 85, "video missing at {peer:?}");
        assert!(is_keyframe(&pictures[0].data), "starts at a keyframe");
        assert!(pictures.iter().all(|f| layer(f) == 2), "the high layer");
        let numbers: Vec<u32> = pictures.iter().map(|f| number(f)).collect();
        assert!(
            numbers.windows(2).all(|w| w[1] == w[0] + 1),
            "pictures missing at {peer:?}: {numbers:?}"
        );
        for frame in &pictures {
            assert!(written.contains(nal(&frame.data)), "bytes changed");
        }
        for frame in sub.frames_on(audio) {
            assert!(written.contains(&frame.data[..]), "bytes changed");
        }
    }

    // Bob goes down a layer: his worker asks Alice's for a keyframe of "q".
    let had = net.endpoint(BOB, Side::Subscriber).frames.len();
    let requests = net.endpoint(ALICE, Side::Publisher).keyframe_requests.len();
    net.command(Command::SetLayer {
        subscriber: BOB,
        publisher: ALICE,
        layer: SimulcastStreamType::Low,
    });
    let took = net.run_until(LIMIT, "the low layer at bob", |n| {
        n.endpoint(BOB, Side::Subscriber).frames[had..]
            .iter()
            .any(|(_, f)| layer(f) == 0)
    });
    assert!(
        took < Duration::from_millis(500),
        "the switch took {took:?}"
    );
    assert!(
        net.endpoint(ALICE, Side::Publisher).keyframe_requests[requests..]
            .iter()
            .any(|(_, r)| r.rid.as_deref() == Some("q")),
        "no keyframe request for q crossed"
    );
    let bob = net.endpoint(BOB, Side::Subscriber);
    let switched = bob.frames[had..]
        .iter()
        .map(|(_, f)| f)
        .find(|f| layer(f) == 0)
        .expect("a low picture");
    assert!(is_keyframe(&switched.data), "switched at a keyframe");
    // Carol, on Alice's worker, still gets the high layer.
    let carol = net.endpoint(CAROL, Side::Subscriber);
    let video = carol.mid_of("alice", TrackKind::Video);
    assert!(carol.frames_on(video).all(|f| layer(f) == 2));

    // Bob stops taking Alice's video: her worker stops relaying it, not the audio.
    net.forward(BOB, ALICE, TrackKind::Video, "alice", ForwardMode::Off);
    net.run(Duration::from_millis(200));
    assert_eq!(relayed_to(&mut net, TrackKind::Video), 0);
    assert_eq!(relayed_to(&mut net, TrackKind::Audio), 1 << bob_worker);

    // Bob's worker restarts empty (as after a panic): Alice's worker hears, from the packets
    // it still sends there, that nobody wants them, and stops.
    let old = net.routers.remove(bob_worker);
    let (fresh, _) = old.restart(net.now);
    net.routers.insert(bob_worker, fresh);
    net.run(Duration::from_millis(100));
    assert_eq!(
        relayed_to(&mut net, TrackKind::Audio),
        0,
        "still relayed to nobody"
    );
}
