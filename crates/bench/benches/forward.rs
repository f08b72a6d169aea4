//! The SFU's forward path in memory: one publisher's video packet forwarded to N subscribers
//! on one router, with no socket (str0m's receive and SRTP decrypt, the forwarding decision,
//! and per copy str0m's packetizing, timeout pass and SRTP encrypt). Divan prints the time per
//! publisher packet and, as throughput, copies per second; the time per copy is the first
//! divided by N. Run with `cargo bench -p chorus-bench --bench forward`.

use std::cell::RefCell;

use chorus_server::bench_entry::ForwardPath;
use divan::Bencher;
use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

/// One packet to `subscribers` subscribers.
#[divan::bench(args = [1, 10, 50], sample_count = 200, sample_size = 20)]
fn forward(bencher: Bencher, subscribers: usize) {
    let path = RefCell::new(ForwardPath::new(subscribers));
    bencher
        .counter(ItemsCount::new(subscribers))
        .with_inputs(|| path.borrow_mut().next_packet())
        .bench_local_refs(|packet| {
            let sent = path.borrow_mut().forward(packet);
            // Every subscriber gets its copy: a path that forwards nothing must not look fast.
            assert!(
                sent >= subscribers,
                "{sent} datagrams for {subscribers} subscribers"
            );
            sent
        });
}
