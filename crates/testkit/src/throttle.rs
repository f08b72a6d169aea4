//! A throttling UDP relay, for tests of how media copes with a narrow downlink: clients send
//! to it (the SFU advertises its address, see `Config::public_ip`), it forwards to the SFU from one upstream socket per client, and relays the SFU's
//! replies back through a bottleneck whose rate the test sets and lifts. The bottleneck is a
//! drop-tail queue drained at the rate, as a congested router's: a datagram that would wait
//! longer than [`MAX_QUEUE`] is dropped, the others are delayed by the queue ahead of them.
//! Toward the SFU nothing is throttled. Loopback only.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use tokio::time::Instant;

/// The longest a datagram waits in the bottleneck's queue before it is dropped instead.
pub const MAX_QUEUE: Duration = Duration::from_millis(150);

/// The relay; its tasks stop when it is dropped.
#[derive(Debug)]
pub struct ThrottleRelay {
    tasks: Vec<AbortHandle>,
    /// The bottleneck toward the clients, in bit/s; 0: no limit.
    pub rate: Arc<AtomicU64>,
    /// Datagrams the bottleneck dropped.
    pub dropped: Arc<AtomicU64>,
}

impl Drop for ThrottleRelay {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl ThrottleRelay {
    /// Relays datagrams arriving at `front` to `sfu`, and the SFU's replies back through the
    /// bottleneck. Upstream sockets bind on 127.0.0.2, so the SFU sees the relay, not the
    /// clients.
    pub async fn start(front: SocketAddr, sfu: SocketAddr) -> ThrottleRelay {
        let socket = Arc::new(UdpSocket::bind(front).await.expect("bind the relay"));
        let rate = Arc::new(AtomicU64::new(0));
        let dropped = Arc::new(AtomicU64::new(0));
        let (r, d) = (rate.clone(), dropped.clone());
        let main = tokio::spawn(async move {
            let mut upstreams: HashMap<SocketAddr, Arc<UdpSocket>> = HashMap::new();
            let mut tasks = Vec::new();
            let mut buf = vec![0u8; 2048];
            while let Ok((n, client)) = socket.recv_from(&mut buf).await {
                let upstream = match upstreams.get(&client) {
                    Some(up) => up.clone(),
                    None => {
                        let up = Arc::new(
                            UdpSocket::bind("127.0.0.2:0")
                                .await
                                .expect("bind an upstream socket"),
                        );
                        let (tx, rx) = mpsc::unbounded_channel();
                        let read = tokio::spawn(queue_back(up.clone(), tx, r.clone(), d.clone()));
                        let send = tokio::spawn(send_back(rx, socket.clone(), client));
                        tasks.push(read.abort_handle());
                        tasks.push(send.abort_handle());
                        upstreams.insert(client, up.clone());
                        up
                    }
                };
                let _ = upstream.send_to(&buf[..n], sfu).await;
            }
            for task in tasks {
                task.abort();
            }
        });
        ThrottleRelay {
            tasks: vec![main.abort_handle()],
            rate,
            dropped,
        }
    }

    /// Sets the bottleneck, in bit/s; 0 lifts it.
    pub fn set_rate(&self, bps: u64) {
        self.rate.store(bps, Ordering::Relaxed);
    }
}

/// Reads the SFU's replies and schedules each through the bottleneck, or drops it when the
/// queue is already [`MAX_QUEUE`] long.
async fn queue_back(
    upstream: Arc<UdpSocket>,
    queue: mpsc::UnboundedSender<(Instant, Vec<u8>)>,
    rate: Arc<AtomicU64>,
    dropped: Arc<AtomicU64>,
) {
    let mut buf = vec![0u8; 2048];
    // When the bottleneck is free again.
    let mut free_at = Instant::now();
    while let Ok((n, _)) = upstream.recv_from(&mut buf).await {
        let now = Instant::now();
        let bps = rate.load(Ordering::Relaxed);
        let bits = (n as u64 + 28) * 8; // IP and UDP headers count on the wire
        let depart = match (bits * 1_000_000).checked_div(bps) {
            None => {
                free_at = now;
                now
            }
            Some(micros) => {
                let start = free_at.max(now);
                if start - now > MAX_QUEUE {
                    dropped.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                free_at = start + Duration::from_micros(micros);
                free_at
            }
        };
        if queue.send((depart, buf[..n].to_vec())).is_err() {
            return;
        }
    }
}

/// Sends each scheduled datagram to `client` at its time.
async fn send_back(
    mut queue: mpsc::UnboundedReceiver<(Instant, Vec<u8>)>,
    front: Arc<UdpSocket>,
    client: SocketAddr,
) {
    while let Some((depart, data)) = queue.recv().await {
        tokio::time::sleep_until(depart).await;
        let _ = front.send_to(&data, client).await;
    }
}
