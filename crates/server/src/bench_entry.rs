//! Entry points for benchmarks of crate-private paths: the SFU's forward path in memory
//! (`crates/bench/benches/forward.rs`). Compiled only with the `bench` feature, which only the
//! benchmarks turn on, so the router stays private to everyone else.

use crate::sfu::sim_bench;

/// One publisher's video forwarded to N subscribers on one SFU router, in memory: no socket,
/// simulated time. See [`ForwardPath::forward`] for what is timed.
pub struct ForwardPath(sim_bench::ForwardBench);

/// One publisher datagram (an SRTP packet), made by [`ForwardPath::next_packet`].
pub struct Datagrams(Vec<sim_bench::Datagram>);

impl ForwardPath {
    /// Connects a publisher and `subscribers` subscribers (ICE, DTLS, negotiation, first
    /// video) and returns once every subscriber receives. Takes a while: set up once.
    pub fn new(subscribers: usize) -> Self {
        ForwardPath(sim_bench::ForwardBench::new(subscribers))
    }

    /// The publisher's next packet, with the router's timers run up to its time (untimed
    /// work for the benchmark's input).
    pub fn next_packet(&mut self) -> Datagrams {
        Datagrams(self.0.next_packet())
    }

    /// What a benchmark times: the router reads the publisher's datagram (SRTP decrypt,
    /// str0m's receive), decides per subscriber and has each subscriber's transport
    /// packetize, run its timeout pass and encrypt its copy. Returns how many datagrams came
    /// out (one copy per subscriber, now and then an RTCP report).
    pub fn forward(&mut self, datagrams: &Datagrams) -> usize {
        self.0.forward(&datagrams.0)
    }
}
