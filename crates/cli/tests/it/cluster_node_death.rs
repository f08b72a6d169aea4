//! `chorus serve --redis`: nodes run as real processes on a real `redis-server` form one
//! cluster (a client joined through either node is in the same room), and a node killed with
//! SIGKILL is noticed within a few seconds: its room is placed on a live node, and a client
//! whose signalling was relayed to the dead node reconnects through its node and is back in
//! the room there.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chorus_proto::{Event, RoomConfig};
use chorus_testkit::{APP_ID, APP_KEY, joined, token, user_info, wait_for};

use crate::common::{Chorus, word_after};

/// A `redis-server` on a free loopback port, its files in a temporary directory.
pub(crate) struct Redis {
    url: String,
    dir: PathBuf,
    child: Child,
}

impl Redis {
    pub(crate) fn start() -> Redis {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = chorus_testkit::temp_dir("cli-redis");
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--port")
            .arg(port.to_string())
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (apt-get install redis-server)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server listens"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Redis {
            url: format!("redis://127.0.0.1:{port}"),
            dir,
            child,
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Redis {
    /// `redis://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }
}

/// `chorus serve` as node `name` of the cluster on `redis`, and its URL.
pub(crate) fn node(redis: &Redis, name: &str) -> (Chorus, String) {
    node_with(redis, name, &[])
}

/// [`node`] with more arguments for `chorus serve`.
pub(crate) fn node_with(redis: &Redis, name: &str, more: &[&str]) -> (Chorus, String) {
    let app = format!("{APP_ID}:{APP_KEY}");
    let mut args = vec![
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--rtc-port",
        "0",
        "--app",
        &app,
        "--redis",
        &redis.url,
        "--node-id",
        name,
    ];
    args.extend_from_slice(more);
    let node = Chorus::spawn(args);
    let line = node.line_with("listening on", Duration::from_secs(30));
    let url = word_after(&line, "listening on ").to_owned();
    (node, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_is_noticed_and_its_clients_rejoin_elsewhere() {
    let redis = Redis::start();
    let (mut first, first_url) = node(&redis, "n1");
    // The only node: the room is placed on it.
    let (_alice, mut alice_events) = joined(&first_url, "nd", "alice").await;
    let (_second, second_url) = node(&redis, "n2");
    // Bob's signalling goes through n2 and is relayed to n1.
    let (_bob, mut bob_events) = joined(&second_url, "nd", "bob").await;
    wait_for(&mut alice_events, |e| match e {
        Event::UserJoined(j) if j.user_info.user_id == "bob" => Some(()),
        _ => None,
    })
    .await;

    first.child.kill().expect("SIGKILL");
    let _ = first.child.wait();
    let killed = Instant::now();
    let mut refused = 0;
    let _carol = loop {
        let carol = chorus_testkit::engine(&second_url);
        let tried = carol
            .join_room(
                Some(&token("nd", "carol")),
                "nd",
                user_info("carol"),
                RoomConfig::default(),
            )
            .await;
        match tried {
            Ok(_) => break carol,
            Err(error) => {
                refused += 1;
                assert!(
                    killed.elapsed() < Duration::from_secs(6),
                    "the dead node was not noticed: {error}"
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    eprintln!(
        "room placed again {:?} after the kill ({refused} joins refused before)",
        killed.elapsed()
    );
    // Bob's SDK reconnected through n2, which waited out n1's registration: he is back in
    // the room, now on n2, and sees Carol.
    wait_for(&mut bob_events, |e| match e {
        Event::UserJoined(j) if j.user_info.user_id == "carol" => Some(()),
        _ => None,
    })
    .await;
    eprintln!(
        "bob back in the room with carol {:?} after the kill",
        killed.elapsed()
    );
    assert!(killed.elapsed() < Duration::from_secs(6));
}
