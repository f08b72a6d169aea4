//! This machine's own ceiling for the messaging benchmark: how many WebSocket text frames one
//! core writes into loopback TCP with nothing else to do, to 64 connections in turn, one frame
//! per `write` (as a server must when each frame goes to another socket) and eight frames per
//! `write` (gathered). Writing to many sockets in turn, not one, keeps each write the whole
//! path a server's is: into a receive queue with nothing pending, waking its reader.
//!
//! Machines of one kind differ severalfold in absolute speed, so `messages` measures this
//! first, in the same run, and states its figures as a share of it. The writer's cost is its
//! thread's CPU time (CLOCK_THREAD_CPUTIME_ID); loopback runs the receiving side's TCP path in
//! the writer's context, as it does for the server's writes, so the ceiling bills the same work.
//! A second thread drains the socket. Depends on nothing of Chorus.

use std::io::Read as _;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rustix::time::{ClockId, clock_gettime};
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::{Message, WebSocket};

/// A delivery event's size on the wire for a 100-byte message, about.
const FRAME_TEXT_BYTES: usize = 190;
/// Frames per write when gathered.
const GATHERED: usize = 8;
/// Connections written to in turn.
const CONNECTIONS: usize = 64;

/// Frames per second of one writer thread's CPU time.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ceilings {
    /// One frame per write (and flush).
    pub(super) single: f64,
    /// [`GATHERED`] frames per write.
    pub(super) gathered: f64,
}

impl Ceilings {
    /// Prints both ceilings on one line.
    pub(super) fn print(&self) {
        println!(
            "yardstick               bare WebSocket writer, {FRAME_TEXT_BYTES}-byte text frames \
             to {CONNECTIONS} sockets in turn, one core: {:.0} frames/s one per write, {:.0} \
             frames/s {GATHERED} per write",
            self.single, self.gathered
        );
    }
}

/// Measures both ceilings, `each` long.
pub(super) fn measure(each: Duration) -> anyhow::Result<Ceilings> {
    Ok(Ceilings {
        single: run(each, 1)?,
        gathered: run(each, GATHERED)?,
    })
}

fn thread_cpu() -> Duration {
    let t = clock_gettime(ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec.unsigned_abs(), t.tv_nsec.unsigned_abs() as u32)
}

/// One writer for `each`, `per_write` frames per flush: its frames per CPU-second.
fn run(each: Duration, per_write: usize) -> anyhow::Result<f64> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot listen on loopback")?;
    let mut writers = Vec::new();
    let mut readers = Vec::new();
    for _ in 0..CONNECTIONS {
        let client = TcpStream::connect(listener.local_addr()?)?;
        client.set_nonblocking(true)?;
        let (server, _) = listener.accept()?;
        server.set_nodelay(true)?;
        writers.push(WebSocket::from_raw_socket(server, Role::Server, None));
        readers.push(client);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let drain = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            while !stop.load(Ordering::Relaxed) {
                let mut read = false;
                for client in &mut readers {
                    read |= matches!(client.read(&mut buf), Ok(n) if n > 0);
                }
                if !read {
                    std::thread::sleep(Duration::from_micros(100));
                }
            }
        })
    };
    let text = "x".repeat(FRAME_TEXT_BYTES);
    let mut frames: u64 = 0;
    let started = Instant::now();
    let cpu_start = thread_cpu();
    'timed: while started.elapsed() < each {
        for ws in &mut writers {
            for _ in 0..per_write {
                ws.write(Message::text(text.clone()))
                    .context("the yardstick's socket failed")?;
            }
            ws.flush().context("the yardstick's socket failed")?;
            frames += per_write as u64;
            if frames.is_multiple_of(1024) && started.elapsed() >= each {
                break 'timed;
            }
        }
    }
    let cpu = (thread_cpu() - cpu_start).as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    drop(writers);
    let _ = drain.join();
    Ok(frames as f64 / cpu.max(1e-9))
}
