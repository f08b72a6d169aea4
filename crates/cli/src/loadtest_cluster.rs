//! `chorus loadtest --nodes N`: the load on a cluster instead of one server. Starts a
//! `redis-server` and N `chorus serve --redis` nodes as children on loopback, places the load
//! test's room on the first node (a quiet member joins it there before the others start, and
//! stays), and measures the join latency through the room's node against through the
//! others, which relay the signalling to it. The load's clients then connect through the
//! nodes in turn; the room's media all goes to its node, whose CPU the figures are of.

use std::net::TcpListener;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use chorus_sdk::{EngineConfig, RoomConfig, RtcEngine, UserInfo, create_engine, destroy_engine};
use tokio::process::{Child, Command};

use crate::loadtest::{Target, start_server_with, token};
use crate::loadtest_url::ServerUrl;

/// Joins measured through each node.
const SAMPLES: usize = 30;

/// What runs the cluster besides the measured node; stopped when dropped.
pub(crate) struct Cluster {
    _redis: Child,
    _nodes: Vec<Child>,
    /// Holds the room on the first node.
    holder: RtcEngine,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = destroy_engine(&self.holder);
    }
}

/// Starts Redis and `nodes` nodes, places `room` on the first, measures join latencies and
/// prints them. The first node is the target (its pid, its metrics); the clients connect
/// through every node in turn.
pub(crate) async fn start(
    nodes: usize,
    redis_bin: &str,
    room: &str,
) -> anyhow::Result<(Target, Cluster)> {
    let (redis, redis_url) = start_redis(redis_bin).await?;
    let node = |id: String| {
        let redis_url = redis_url.clone();
        async move { start_server_with(&["--redis", &redis_url, "--node-id", &id], None).await }
    };
    let mut first = node("n1".into()).await?;
    // The only node yet: the room is placed on it and stays while the holder is in it.
    let holder = create_engine(
        &first.app.0,
        EngineConfig::new(format!("http://{}", first.url.addr())),
    );
    let quiet = RoomConfig {
        is_auto_subscribe_audio: Some(false),
        is_auto_subscribe_video: Some(false),
        ..RoomConfig::default()
    };
    holder
        .join_room(
            Some(&token(&first.app, room, "holder")?),
            room,
            user("holder"),
            quiet.clone(),
        )
        .await
        .context("the room's holder could not join")?;
    let mut others = Vec::new();
    let mut entries = vec![first.url.clone()];
    for n in 2..=nodes {
        let mut other = node(format!("n{n}")).await?;
        entries.push(other.url.clone());
        others.push(other.child.take().context("a node without its process")?);
    }
    eprintln!(
        "cluster: {nodes} nodes on one Redis; room {room} lives on n1; clients connect through n1..n{nodes} in turn"
    );
    join_latency(&first, &entries, room, &quiet).await?;
    first.entries = entries;
    Ok((
        first,
        Cluster {
            _redis: redis,
            _nodes: others,
            holder,
        },
    ))
}

fn user(id: &str) -> UserInfo {
    UserInfo {
        user_id: id.into(),
        extra_info: None,
    }
}

/// Times `SAMPLES` joins (a new connection and `joinRoom` answered) through each node, in
/// rounds so that the machine's load falls alike on all, and prints the medians.
async fn join_latency(
    target: &Target,
    entries: &[ServerUrl],
    room: &str,
    config: &RoomConfig,
) -> anyhow::Result<()> {
    let mut took: Vec<Vec<Duration>> = vec![Vec::new(); entries.len()];
    for round in 0..SAMPLES {
        for (n, entry) in entries.iter().enumerate() {
            let who = format!("probe-{n}-{round}");
            let engine = create_engine(
                &target.app.0,
                EngineConfig::new(format!("http://{}", entry.addr())),
            );
            let token = token(&target.app, room, &who)?;
            let start = Instant::now();
            engine
                .join_room(Some(&token), room, user(&who), config.clone())
                .await
                .with_context(|| format!("a join through n{} failed", n + 1))?;
            took[n].push(start.elapsed());
            let _ = engine.leave_room().await;
            let _ = destroy_engine(&engine);
        }
    }
    let median = |d: &mut Vec<Duration>| {
        d.sort();
        d[d.len() / 2]
    };
    let owner = median(&mut took[0]);
    let mut relayed: Vec<Duration> = took[1..].iter().flatten().copied().collect();
    let relayed = median(&mut relayed);
    println!("join latency (connect + joinRoom answered), median of {SAMPLES} per node:");
    println!(
        "  through the room's node:        {:>8.2} ms",
        owner.as_secs_f64() * 1e3
    );
    println!(
        "  through another node (relayed): {:>8.2} ms",
        relayed.as_secs_f64() * 1e3
    );
    println!(
        "  ratio (relayed / room's node):  {:>8.2}",
        relayed.as_secs_f64() / owner.as_secs_f64().max(1e-9)
    );
    Ok(())
}

/// Starts `redis_bin` on a free loopback port, without persistence; its URL.
pub(crate) async fn start_redis(redis_bin: &str) -> anyhow::Result<(Child, String)> {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .context("no free port for Redis")?
        .port();
    let redis = Command::new(redis_bin)
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .arg("--port")
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot run {redis_bin} (apt-get install redis-server)"))?;
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        if started.elapsed() > Duration::from_secs(10) {
            bail!("{redis_bin} did not listen within 10 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok((redis, format!("redis://127.0.0.1:{port}")))
}
