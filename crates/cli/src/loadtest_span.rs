//! `chorus loadtest --span`: what forwarding through a node-to-node relay costs beside
//! forwarding within one node, measured in one run.
//!
//! Starts a `redis-server` and two `chorus serve` nodes of one cluster (children, like the
//! plain load test's server) with `--span-max-users-per-node` set to the publishers' count,
//! then measures twice with the same clients: first everyone joins through the node the room
//! is placed on (one room on one node, which forwards every packet to every subscriber), then
//! the publishers join a new room through its node and the subscribers through the other
//! node, whose shard of the room receives each track once and forwards it to them. For each it reports the packets the subscribers
//! received per second and per second of both nodes' CPU (Redis's is left out: a few commands
//! a second), and the ratio of the two.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use tokio::sync::watch;

use crate::loadtest::{LoadtestArgs, Target, start_server_with, token};
use crate::loadtest_client::{self, ClientConfig, Role, Shared};
use crate::loadtest_stats::{cpu_seconds, sample};
use crate::loadtest_threads::ClientThreads;

/// A figure of one phase.
struct Measured {
    received_per_s: f64,
    cores: f64,
    loss: f64,
    /// Tracks relayed between the nodes (`chorus_cluster_span_tracks`, both nodes).
    relayed_tracks: f64,
}

impl Measured {
    fn per_core(&self) -> f64 {
        self.received_per_s / self.cores.max(1e-9)
    }
}

/// Runs both phases and prints the comparison.
pub(crate) async fn run(
    args: &LoadtestArgs,
    threads: &mut ClientThreads,
    audio: bool,
    video: bool,
) -> anyhow::Result<()> {
    let (mut redis, redis_url) = crate::loadtest_cluster::start_redis(&args.redis_bin).await?;
    let threshold = args.publishers.to_string();
    let node = |id: &'static str| {
        [
            "--redis".to_owned(),
            redis_url.clone(),
            "--node-id".to_owned(),
            id.to_owned(),
            "--span-max-users-per-node".to_owned(),
            threshold.clone(),
        ]
    };
    let a = start_server_with(&node("a"), None).await?;
    let b = start_server_with(&node("b"), None).await?;
    let load = Load {
        args,
        audio,
        video,
        nodes: [&a, &b],
    };
    eprintln!("phase 1: publishers and subscribers through the room's node");
    let one = load.phase(threads, "one", false).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    eprintln!("phase 2: publishers through the room's node, subscribers through the other");
    let spanned = load.phase(threads, "span", true).await?;
    let _ = redis.kill().await;
    println!();
    for (name, m) in [("within one node", &one), ("across two nodes", &spanned)] {
        println!(
            "{name:<18} received {:>8.0} pkt/s  nodes' CPU {:.2} cores  {:>8.0} pkt/s per core  loss {:.2} %  tracks between nodes {}",
            m.received_per_s,
            m.cores,
            m.per_core(),
            m.loss * 100.0,
            m.relayed_tracks
        );
    }
    println!(
        "ratio (across two nodes / within one node), packets per core: {:.2}",
        spanned.per_core() / one.per_core().max(1e-9)
    );
    Ok(())
}

/// The two nodes and the load put on them.
struct Load<'a> {
    args: &'a LoadtestArgs,
    audio: bool,
    video: bool,
    nodes: [&'a Target; 2],
}

impl Load<'_> {
    /// Publishers through the node the room is placed on (its home), subscribers through the
    /// home too or, when `spanned`, through the other node; measured once every subscriber
    /// receives every stream and the warm-up passed.
    async fn phase(
        &self,
        threads: &mut ClientThreads,
        name: &str,
        spanned: bool,
    ) -> anyhow::Result<Measured> {
        let args = self.args;
        let rooms_before = self.rooms().await?;
        // Until the first publisher places the room, node A stands for its home.
        let mut publish_at = self.nodes[0];
        let mut subscribe_at = self.nodes[0];
        let room = format!("loadtest-{}-{name}", std::process::id());
        let (stop_tx, stop) = watch::channel(false);
        let mut subscribers: Vec<Arc<Shared>> = Vec::new();
        let mut publishers: Vec<Arc<Shared>> = Vec::new();
        let mut tasks = Vec::new();
        let roles = (0..args.publishers)
            .map(|_| Role::Publisher {
                audio: self.audio,
                video: self.video,
            })
            .chain((0..args.subscribers).map(|_| Role::Subscriber {
                audio: self.audio,
                video: self.video,
            }));
        for (i, role) in roles.enumerate() {
            let shared = Arc::new(Shared::default());
            let (user, at) = match role {
                Role::Publisher { .. } => {
                    publishers.push(shared.clone());
                    (format!("pub-{i}"), publish_at)
                }
                Role::Subscriber { .. } => {
                    subscribers.push(shared.clone());
                    (format!("sub-{i}"), subscribe_at)
                }
            };
            let config = ClientConfig {
                server: at.url.clone(),
                token: token(&at.app, &room, &user)?,
                room: room.clone(),
                user,
                role,
                forward_to: None,
            };
            let stop = stop.clone();
            tasks.push(threads.spawn(async move {
                if let Err(e) = loadtest_client::run(config, shared, stop).await {
                    eprintln!("loadtest client: {e:#}");
                }
            }));
            if i == 0 {
                connected(&publishers).await?;
                let home = self.home(rooms_before).await?;
                publish_at = self.nodes[home];
                subscribe_at = self.nodes[if spanned { 1 - home } else { home }];
            }
            if i + 1 == args.publishers {
                connected(&publishers).await?;
                // The home counts its users in its next heartbeat (each second): only then
                // are the subscribers reaching B served by a shard rather than relayed.
                tokio::time::sleep(Duration::from_millis(2500)).await;
            }
        }
        let streams = args.publishers * (usize::from(self.audio) + usize::from(self.video));
        let deadline = Instant::now() + Duration::from_secs(60);
        while !subscribers
            .iter()
            .all(|s| s.reception.lock().is_ok_and(|r| r.streams >= streams))
        {
            if Instant::now() > deadline {
                bail!("not every subscriber receives every stream after 60 s");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        tokio::time::sleep(Duration::from_secs(args.warmup)).await;
        let before = self.sample(&subscribers);
        tokio::time::sleep(Duration::from_secs(args.duration)).await;
        let after = self.sample(&subscribers);
        let relayed_tracks = self.relayed_tracks().await?;
        let _ = stop_tx.send(true);
        for task in tasks {
            task.abort();
        }
        let dt = after.at.duration_since(before.at).as_secs_f64();
        let received = after.packets.saturating_sub(before.packets) as f64;
        let expected = after.expected.saturating_sub(before.expected) as f64;
        Ok(Measured {
            received_per_s: received / dt,
            cores: (after.cpu - before.cpu) / dt,
            loss: if expected > 0.0 {
                (1.0 - received / expected).max(0.0)
            } else {
                0.0
            },
            relayed_tracks,
        })
    }

    /// The rooms each node runs.
    async fn rooms(&self) -> anyhow::Result<[f64; 2]> {
        let mut rooms = [0.0; 2];
        for (n, node) in rooms.iter_mut().zip(self.nodes) {
            *n = metric(node, "chorus_rooms").await?;
        }
        Ok(rooms)
    }

    /// Which node started running a room since `before`.
    async fn home(&self, before: [f64; 2]) -> anyhow::Result<usize> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = self.rooms().await?;
            if let Some(home) = (0..2).find(|&i| now[i] > before[i]) {
                return Ok(home);
            }
            if Instant::now() > deadline {
                bail!("no node runs the room 10 s after its first join");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The tracks the nodes relay to each other now.
    async fn relayed_tracks(&self) -> anyhow::Result<f64> {
        let mut tracks = 0.0;
        for node in self.nodes {
            let http = node.url.http_client()?;
            let text = http
                .get(node.url.metrics_url())
                .send()
                .await?
                .text()
                .await?;
            tracks += sample(&text, "chorus_cluster_span_tracks", "").unwrap_or(0.0);
        }
        Ok(tracks)
    }

    fn sample(&self, subscribers: &[Arc<Shared>]) -> Sample {
        let mut sample = Sample {
            at: Instant::now(),
            cpu: 0.0,
            packets: 0,
            expected: 0,
        };
        for node in self.nodes {
            sample.cpu += node
                .pid
                .and_then(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
                .and_then(|stat| cpu_seconds(&stat))
                .unwrap_or(0.0);
        }
        for shared in subscribers {
            if let Ok(r) = shared.reception.lock() {
                sample.packets += r.packets;
                sample.expected += r.expected;
            }
        }
        sample
    }
}

/// The value of an unlabelled metric of `node` (0 when absent).
async fn metric(node: &Target, name: &str) -> anyhow::Result<f64> {
    let http = node.url.http_client()?;
    let text = http
        .get(node.url.metrics_url())
        .send()
        .await?
        .text()
        .await?;
    Ok(sample(&text, name, "").unwrap_or(0.0))
}

struct Sample {
    at: Instant,
    cpu: f64,
    packets: u64,
    expected: u64,
}

async fn connected(clients: &[Arc<Shared>]) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !clients
        .iter()
        .all(|s| s.connected.load(std::sync::atomic::Ordering::Relaxed))
    {
        if Instant::now() > deadline {
            bail!("the publishers did not connect within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}
