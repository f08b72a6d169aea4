//! What the cluster tests share: a real `redis-server` on a loopback port with its files in a
//! temporary directory (stopped and started again at will), and cluster nodes on it.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::*;

/// A `redis-server` run by the test; killed when dropped.
pub(crate) struct Redis {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
    /// Serves TLS alone, with this certificate.
    tls: Option<chorus_testkit::ServerCert>,
}

impl Redis {
    /// Starts one on a free loopback port.
    pub(crate) async fn start() -> Self {
        Self::start_with(None).await
    }

    /// Starts one that speaks TLS alone (no plain port), with `cert`, on a free loopback port.
    pub(crate) async fn start_tls(cert: chorus_testkit::ServerCert) -> Self {
        Self::start_with(Some(cert)).await
    }

    async fn start_with(tls: Option<chorus_testkit::ServerCert>) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut redis = Redis {
            port,
            dir: chorus_testkit::temp_dir("redis"),
            child: None,
            tls,
        };
        redis.restart().await;
        redis
    }

    /// `redis://127.0.0.1:PORT`, or `rediss://` over TLS.
    pub(crate) fn url(&self) -> String {
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Kills it (SIGKILL: an outage, not a goodbye).
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty, and waits until it answers.
    pub(crate) async fn restart(&mut self) {
        self.stop();
        let mut command = Command::new("redis-server");
        command.args(["--bind", "127.0.0.1"]);
        match &self.tls {
            None => command.arg("--port").arg(self.port.to_string()),
            Some(cert) => command
                .args(["--port", "0", "--tls-port"])
                .arg(self.port.to_string())
                .arg("--tls-cert-file")
                .arg(&cert.cert)
                .arg("--tls-key-file")
                .arg(&cert.key)
                // Clients show no certificate; this CA file is required all the same.
                .arg("--tls-ca-cert-file")
                .arg(&cert.cert)
                .args(["--tls-auth-clients", "no"]),
        };
        let child = command
            .arg("--dir")
            .arg(&self.dir)
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (apt-get install redis-server)");
        self.child = Some(child);
        let addr = format!("127.0.0.1:{}", self.port);
        eventually("redis-server to listen", async || {
            tokio::net::TcpStream::connect(&addr).await.ok().map(|_| ())
        })
        .await;
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A node of the cluster on `redis`, named `name`.
pub(crate) async fn node(redis: &Redis, name: &str) -> TestServer {
    let url = redis.url();
    let name = name.to_owned();
    TestServer::with(move |config| {
        config.redis = Some(url);
        config.node_id = Some(name);
    })
    .await
}

/// Which of `nodes` runs `room` (by its rooms gauge), waiting for it to be running.
pub(crate) async fn owner_of(nodes: &[&TestServer]) -> usize {
    eventually("a node to run the room", async || {
        for (i, node) in nodes.iter().enumerate() {
            if node.metric("chorus_rooms").await == Some(1.0) {
                return Some(i);
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        None
    })
    .await
}
