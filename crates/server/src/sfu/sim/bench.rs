//! The forward path in memory, for the micro-benchmark (`crates/bench/benches/forward.rs`,
//! through `chorus_server::bench_entry`): one publisher and N subscribers on one router,
//! connected through the [`Net`] as in the sim tests, then packets handed to the router one
//! at a time with no socket and no delivery. What a benchmark times is the router's work for
//! one publisher datagram: str0m's receive (SRTP decrypt), the forwarding decision, each
//! subscriber's packetizing, timeout pass and SRTP encrypt; the copies are counted and
//! dropped.

use std::net::SocketAddr;
use std::time::Duration;

use chorus_proto::TrackKind;
use str0m::format::Codec as StrCodec;
use str0m::media::{Frequency, MediaTime, Mid, Pt};
use str0m::net::Protocol;

use super::super::test_client::payload_type;
use super::super::{ForwardMode, PeerId};
use super::{Net, Side};

const PUBLISHER: PeerId = PeerId(1);

/// Simulated time between two packets: fast enough that no timer of the connection (ICE
/// consent, DTLS) lapses in a long run, slow enough that str0m's clocks move.
const PACKET_GAP: Duration = Duration::from_micros(20);

/// The video payload, about the load test's packet (1050 bytes of H.264 after the header).
const PAYLOAD: usize = 1050;

/// One publisher's video forwarded to `subscribers` subscribers, all connected.
pub(crate) struct ForwardBench {
    net: Net,
    mid: Mid,
    pt: Pt,
    frames: u64,
    /// The publisher endpoint's address, where its datagrams come from.
    from: SocketAddr,
}

/// One publisher datagram, ready for the router.
pub(crate) struct Datagram {
    from: SocketAddr,
    data: Vec<u8>,
}

impl ForwardBench {
    /// Connects a publisher of one video track and `subscribers` subscribers of it, and runs
    /// until every subscriber has received video.
    pub(crate) fn new(subscribers: usize) -> Self {
        let mut net = Net::new(Duration::from_secs(10), 1);
        let mids = net.publish(PUBLISHER, &[(TrackKind::Video, &[])]);
        let mid = mids[0];
        let subs: Vec<PeerId> = (0..subscribers).map(|i| PeerId(i as u64 + 2)).collect();
        for &sub in &subs {
            net.subscriber(sub);
            net.forward(sub, PUBLISHER, TrackKind::Video, "alice", ForwardMode::On);
        }
        net.run_until(
            Duration::from_secs(30),
            "every subscriber's first video",
            |net| {
                subs.iter()
                    .all(|&s| !net.endpoint(s, Side::Subscriber).frames.is_empty())
            },
        );
        // From here on the benchmark writes the publisher's packets itself.
        let endpoint = net.endpoint_mut(PUBLISHER, Side::Publisher);
        endpoint.media = None;
        endpoint.outbox.clear();
        let pt = payload_type(&mut endpoint.rtc, mid, StrCodec::H264);
        let from = endpoint.addr;
        // What the router queued for the subscribers so far is not the benchmark's.
        let now = net.now;
        drop_output(&mut net, now);
        ForwardBench {
            net,
            mid,
            pt,
            frames: 0,
            from,
        }
    }

    /// The publisher's next video packet (one frame of one packet), made outside the timed
    /// part. The router's own timers run here too, their output dropped.
    pub(crate) fn next_packet(&mut self) -> Vec<Datagram> {
        self.net.now += PACKET_GAP;
        let now = self.net.now;
        self.net.routers[0].handle_timeout(now);
        drop_output(&mut self.net, now);
        let n = self.frames;
        self.frames += 1;
        let mut data = vec![0, 0, 0, 1, 0x41, 0];
        data.extend((0..PAYLOAD).map(|i| 0x10 + ((i as u64 + n) % 0xe0) as u8));
        let time = MediaTime::new(n * 3000, Frequency::NINETY_KHZ);
        let endpoint = self.net.endpoint_mut(PUBLISHER, Side::Publisher);
        if let Some(writer) = endpoint.rtc.writer(self.mid) {
            let _ = writer.write(self.pt, now, time, data);
        }
        endpoint.tick(now);
        let from = self.from;
        endpoint
            .outbox
            .drain(..)
            .map(|t| Datagram {
                from,
                data: t.contents.to_vec(),
            })
            .collect()
    }

    /// The timed part: the router reads `datagrams` and makes every copy, as a worker's turn
    /// does. Returns the number of datagrams it produced (the copies, and any RTCP).
    pub(crate) fn forward(&mut self, datagrams: &[Datagram]) -> usize {
        let now = self.net.now;
        let router = &mut self.net.routers[0];
        for d in datagrams {
            router.handle_datagram(now, Protocol::Udp, d.from, &d.data);
        }
        let mut sent = router.transmits.len();
        router.transmits.clear();
        while let Some(id) = router.flush_one(now) {
            sent += router.transmits.len();
            router.transmits.clear();
            router.sent(id, now);
        }
        router.end_turn();
        sent
    }
}

/// Lets the router packetize what it has queued and drops it.
fn drop_output(net: &mut Net, now: std::time::Instant) {
    let router = &mut net.routers[0];
    router.transmits.clear();
    while let Some(id) = router.flush_one(now) {
        router.transmits.clear();
        router.sent(id, now);
    }
    router.end_turn();
}
