//! This machine's own ceiling for `chorus loadtest`: how many 1200-byte datagrams one core puts
//! into loopback with a bare sender, one `sendto` per datagram and 64 per `sendmmsg`.
//!
//! Machines of one kind differ severalfold in absolute speed, so the load test measures this
//! first, in the same run, and states the SFU's forwarded packets per core as a share of it.
//! The sender's cost is its thread's CPU time (CLOCK_THREAD_CPUTIME_ID); loopback runs the
//! receiving socket's UDP path and the reader's wake-up in the sender's context, as it does for
//! the SFU's sends, so the ceiling bills the same work the SFU pays. A second thread drains
//! the receiving socket so that datagrams are queued, not dropped at a full buffer.
//!
//! Depends on nothing of Chorus: it measures the kernel, not the server.

use std::io::IoSlice;
use std::net::UdpSocket;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rustix::net::{MMsgHdr, SendAncillaryBuffer, SendFlags, sendmmsg};
use rustix::time::{ClockId, clock_gettime};

/// The datagram size the ceiling is stated for (about a video packet).
const DATAGRAM_BYTES: usize = 1200;
/// Datagrams per `sendmmsg` call.
const BATCH: usize = 64;

/// Datagrams per second of one sender thread's CPU time, both ways.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ceilings {
    /// One `sendto` (a `send` on a connected socket) per datagram.
    pub(crate) sendto: f64,
    /// `sendmmsg` with [`BATCH`] datagrams per call.
    pub(crate) sendmmsg: f64,
}

impl Ceilings {
    /// Prints both ceilings, one line each.
    pub(crate) fn print(&self) {
        println!(
            "yardstick: bare loopback sender, {DATAGRAM_BYTES}-byte datagrams, one core: \
             {:.0}/s with sendto, {:.0}/s with sendmmsg ({BATCH} per call)",
            self.sendto, self.sendmmsg
        );
    }
}

/// Measures both ceilings, `each` long.
pub(crate) fn measure(each: Duration) -> anyhow::Result<Ceilings> {
    Ok(Ceilings {
        sendto: run(each, false)?,
        sendmmsg: run(each, true)?,
    })
}

fn thread_cpu() -> Duration {
    let t = clock_gettime(ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec.unsigned_abs(), t.tv_nsec.unsigned_abs() as u32)
}

/// One sender for `each`: answers its datagrams per second of its own CPU time.
fn run(each: Duration, batched: bool) -> anyhow::Result<f64> {
    let receiver = UdpSocket::bind("127.0.0.1:0").context("cannot bind a loopback socket")?;
    let _ = socket2::SockRef::from(&receiver).set_recv_buffer_size(4 << 20);
    receiver.set_read_timeout(Some(Duration::from_millis(50)))?;
    let sender = UdpSocket::bind("127.0.0.1:0")?;
    sender.connect(receiver.local_addr()?)?;

    let stop = Arc::new(AtomicBool::new(false));
    let drain = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !stop.load(Ordering::Relaxed) {
                let _ = receiver.recv(&mut buf);
            }
        })
    };

    let payload = [0x5au8; DATAGRAM_BYTES];
    let iov = [IoSlice::new(&payload)];
    let mut sent: u64 = 0;
    let started = Instant::now();
    let cpu_start = thread_cpu();
    while started.elapsed() < each {
        for _ in 0..16 {
            if batched {
                let mut controls: [SendAncillaryBuffer<'_, '_, '_>; BATCH] =
                    std::array::from_fn(|_| SendAncillaryBuffer::default());
                let mut msgs: Vec<MMsgHdr<'_>> = controls
                    .iter_mut()
                    .map(|control| MMsgHdr::new(&iov, control))
                    .collect();
                if let Ok(n) = sendmmsg(&sender, &mut msgs, SendFlags::empty()) {
                    sent += n as u64;
                }
            } else if sender.send(&payload).is_ok() {
                sent += 1;
            }
        }
    }
    let cpu = (thread_cpu() - cpu_start).as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let _ = drain.join();
    Ok(sent as f64 / cpu.max(1e-9))
}
