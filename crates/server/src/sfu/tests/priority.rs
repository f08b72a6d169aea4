//! Subscribe fallback with priorities, end to end: a subscriber receives two users' video
//! through a throttling relay that has room for one; the low-priority user's video is cut and
//! the high-priority user's keeps flowing, and the cut one comes back when the throttle lifts.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chorus_proto::{
    FallbackOrRecoverReason, RemoteStreamSwitch, RemoteUserPriority, SubscribeFallbackOption,
};
use chorus_testkit::ThrottleRelay;
use str0m::media::Mid;
use tokio::sync::mpsc;

use super::*;

const CAROL: PeerId = PeerId(3);

/// Each video is twice the test payload: about 0.37 Mbit/s with headers.
const SCALE: u32 = 2;

/// Room for one video (and the audio allowance), not for two.
const THROTTLE: u64 = 750_000;

/// A publisher of one plain video track, and what it writes.
struct Publisher {
    client: Client,
    media: Media,
}

/// Opens `peer`, publishes one video track and waits for it to connect.
async fn publisher(sfu: &Sfu, peer: PeerId) -> (Publisher, mpsc::Receiver<PeerEvent>) {
    let mut client = Client::new();
    let events = open(sfu, peer).await;
    let mids = publish(sfu, peer, &mut client, &[(TrackKind::Video, &[])]).await;
    pump_until(&mut [&mut client], WAIT, "a publisher to connect", |c| {
        c[0].connected
    })
    .await;
    let mut media = Media::new(&mut client, None, Some(mids[0]), &[]);
    media.scale = vec![SCALE];
    (Publisher { client, media }, events)
}

struct Run {
    publishers: Vec<Publisher>,
    bob: Client,
    events: mpsc::Receiver<PeerEvent>,
    switches: Vec<RemoteStreamSwitch>,
}

impl Run {
    /// Runs everyone until `done` holds, at most `limit`.
    async fn until(
        &mut self,
        what: &str,
        limit: Duration,
        mut done: impl FnMut(&[RemoteStreamSwitch], &Client) -> bool,
    ) {
        let end = Instant::now() + limit;
        while !done(&self.switches, &self.bob) {
            assert!(
                Instant::now() < end,
                "timed out waiting for {what}; switches: {:#?}",
                self.switches
            );
            let step_end = Instant::now() + Duration::from_millis(20);
            while Instant::now() < step_end {
                for p in &mut self.publishers {
                    p.media.write_due(&mut p.client);
                    p.client.step();
                }
                pump(&mut [&mut self.bob], Duration::from_millis(1)).await;
            }
            while let Ok(event) = self.events.try_recv() {
                if let PeerEvent::Fallback(switch) = event {
                    eprintln!("{:?}: {switch:?}", Instant::now());
                    self.switches.push(switch);
                }
            }
        }
    }

    async fn run_for(&mut self, time: Duration) {
        let end = Instant::now() + time;
        self.until("nothing", time + Duration::from_secs(1), |_, _| {
            Instant::now() >= end
        })
        .await;
    }
}

fn count(bob: &Client, mid: Mid) -> usize {
    video_frames(bob, mid).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lower_priority_video_is_cut_first_and_restored() {
    let relay_ip: IpAddr = "127.0.0.2".parse().expect("an IP");
    let (sfu, _metrics) = start(Some(relay_ip)).await;
    let front = SocketAddr::new(relay_ip, sfu.local_addr().port());
    let relay = ThrottleRelay::start(front, sfu.local_addr()).await;

    let (alice, _alice_events) = publisher(&sfu, ALICE).await;
    let (carol, _carol_events) = publisher(&sfu, CAROL).await;
    let mut bob = Client::new();
    let mut bob_events = open(&sfu, BOB).await;
    sfu.set_fallback(BOB, SubscribeFallbackOption::AudioOnly)
        .await;
    // Alice matters more to Bob than Carol does (Carol is left at the default, Low).
    sfu.set_priority(BOB, "alice".into(), RemoteUserPriority::High)
        .await;
    for (peer, user) in [(ALICE, "alice"), (CAROL, "carol")] {
        let user: Arc<str> = user.into();
        sfu.forward(BOB, source(peer, TrackKind::Video), user, ForwardMode::On)
            .await;
    }
    let mut offer = answer_next(&sfu, BOB, &mut bob, &mut bob_events).await;
    if offer.tracks.len() < 2 {
        offer = answer_next(&sfu, BOB, &mut bob, &mut bob_events).await;
    }
    let mid_of = |user: &str| {
        let track = offer
            .tracks
            .iter()
            .find(|t| t.user_id == user)
            .expect("offered");
        Mid::from(track.mid.as_str())
    };
    let (from_alice, from_carol) = (mid_of("alice"), mid_of("carol"));
    let mut publishers = vec![alice, carol];
    pump_until(
        &mut [&mut bob, &mut publishers[0].client],
        WAIT,
        "bob to connect",
        |c| c[0].connected,
    )
    .await;
    let mut run = Run {
        publishers,
        bob,
        events: bob_events,
        switches: Vec::new(),
    };

    // Free path: both videos flow.
    run.until("both videos", Duration::from_secs(20), |_, bob| {
        count(bob, from_alice) >= 150 && count(bob, from_carol) >= 150
    })
    .await;
    // On a loaded machine the estimate of the free path can dip long enough to cut a video;
    // logged, and waited out.
    if !run.switches.is_empty() {
        eprintln!("switches on the free path: {:?}", run.switches);
    }
    run.until("both videos on", Duration::from_secs(60), |s, _| {
        ["alice", "carol"].iter().all(|user| {
            s.iter()
                .rev()
                .find(|s| s.user_id == *user)
                .is_none_or(|s| s.after_enable)
        })
    })
    .await;
    let free = run.switches.len();

    // Room for one: Carol's is cut, Alice's stays.
    relay.set_rate(THROTTLE);
    run.until("a cut", Duration::from_secs(30), |s, _| {
        s[free..].iter().any(|s| !s.after_enable)
    })
    .await;
    let cut = run.switches[free].clone();
    assert_eq!(cut.user_id, "carol", "{:?}", run.switches);
    assert_eq!(
        cut.reason,
        FallbackOrRecoverReason::SubscribeFallbackByBandwidth
    );
    run.run_for(Duration::from_secs(2)).await;
    let (alice_before, carol_before) = (count(&run.bob, from_alice), count(&run.bob, from_carol));
    run.run_for(Duration::from_secs(4)).await;
    let alice_gained = count(&run.bob, from_alice) - alice_before;
    let carol_gained = count(&run.bob, from_carol) - carol_before;
    eprintln!(
        "in 4 s of the throttle: {alice_gained} of Alice's pictures, {carol_gained} of Carol's"
    );
    assert!(
        run.switches[free..].iter().all(|s| s.user_id == "carol"),
        "Alice's video was lowered: {:?}",
        run.switches
    );
    assert!(alice_gained >= 90, "Alice's video stalled: {alice_gained}");
    assert!(
        carol_gained <= 2,
        "Carol's video still flows: {carol_gained}"
    );

    // Lifted: Carol's comes back (after Alice's, had the estimate dipped enough to cut hers
    // too: the higher priority is restored first).
    let heard = run.switches.len();
    relay.set_rate(0);
    run.until("Carol's video back", Duration::from_secs(60), |s, _| {
        s[heard..]
            .iter()
            .any(|s| s.after_enable && s.user_id == "carol")
    })
    .await;
    let ups = &run.switches[heard..];
    assert!(
        ups.iter()
            .all(|s| s.reason == FallbackOrRecoverReason::SubscribeRecoverByBandwidth),
        "{ups:?}"
    );
    assert_eq!(
        ups.last().map(|s| s.user_id.as_str()),
        Some("carol"),
        "{ups:?}"
    );
    let carol_now = count(&run.bob, from_carol);
    run.until(
        "Carol's pictures again",
        Duration::from_secs(10),
        |_, bob| count(bob, from_carol) >= carol_now + 30,
    )
    .await;
}
