//! coturn from Debian, as a deployment runs it: REST credentials from a secret shared with
//! Chorus, on loopback (with loopback peers allowed, which a real deployment would not need:
//! its SFU is on another address). Stopped, and its files removed, when dropped, so a failing
//! test does not leave it running.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chorus_testkit::temp_dir;

/// A running coturn.
pub(crate) struct Coturn {
    child: Child,
    dir: PathBuf,
    ip: Ipv4Addr,
    port: u16,
    tls_port: Option<u16>,
}

/// A loopback port free for both UDP and TCP right now.
fn free_port() -> u16 {
    loop {
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").expect("a UDP port");
        let port = udp.local_addr().expect("its address").port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

impl Coturn {
    /// Starts coturn on 127.0.0.1 (UDP and TCP on one free port) with `secret`, and waits
    /// until it takes connections.
    pub(crate) async fn start(secret: &str) -> Coturn {
        Coturn::launch(Ipv4Addr::LOCALHOST, free_port(), secret, None).await
    }

    /// Starts coturn on 127.0.0.1 as [`Coturn::start`] does, and TURN over TLS on another
    /// port with the certificate `cert` (whose key is `key`).
    pub(crate) async fn start_with_tls(secret: &str, cert: &Path, key: &Path) -> Coturn {
        let tls = (free_port(), cert, key);
        Coturn::launch(Ipv4Addr::LOCALHOST, free_port(), secret, Some(tls)).await
    }

    /// Starts coturn on `ip`:`port` (UDP and plain TCP), relaying from `ip`, with `secret`.
    pub(crate) async fn start_at(ip: Ipv4Addr, port: u16, secret: &str) -> Coturn {
        Coturn::launch(ip, port, secret, None).await
    }

    async fn launch(
        ip: Ipv4Addr,
        port: u16,
        secret: &str,
        tls: Option<(u16, &Path, &Path)>,
    ) -> Coturn {
        let dir = temp_dir("coturn");
        let config = dir.join("turnserver.conf");
        let lines = [
            format!("listening-ip={ip}"),
            format!("relay-ip={ip}"),
            format!("listening-port={port}"),
            "use-auth-secret".to_owned(),
            format!("static-auth-secret={secret}"),
            "realm=chorus.test".to_owned(),
            "fingerprint".to_owned(),
            "no-cli".to_owned(),
            match tls {
                Some((tls_port, cert, key)) => format!(
                    "tls-listening-port={tls_port}\ncert={}\npkey={}",
                    cert.display(),
                    key.display()
                ),
                None => "no-tls".to_owned(),
            },
            "no-dtls".to_owned(),
            // On loopback the SFU is a loopback peer, which coturn refuses by default.
            if ip.is_loopback() {
                "allow-loopback-peers".to_owned()
            } else {
                String::new()
            },
            "log-file=stdout".to_owned(),
            "simple-log".to_owned(),
            "verbose".to_owned(),
            format!("pidfile={}", dir.join("turnserver.pid").display()),
            format!("userdb={}", dir.join("turndb").display()),
        ];
        std::fs::write(&config, lines.join("\n") + "\n").expect("coturn's config is written");
        let log = std::fs::File::create(dir.join("turnserver.log")).expect("a log file");
        let child = Command::new("turnserver")
            .arg("-c")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(Stdio::null())
            .spawn()
            .expect("coturn (Debian's coturn package) starts");
        let coturn = Coturn {
            child,
            dir,
            ip,
            port,
            tls_port: tls.map(|(p, _, _)| p),
        };
        let ready = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect((ip, port)).await.is_err() {
            assert!(
                tokio::time::Instant::now() < ready,
                "coturn did not listen on {port}:\n{}",
                coturn.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        coturn
    }

    /// Its URL for `transport` (`udp`, `tcp`, or `tls` when started with TLS), as
    /// `chorus serve --turn` takes it.
    pub(crate) fn url(&self, transport: &str) -> String {
        if let ("tls", Some(tls_port)) = (transport, self.tls_port) {
            return format!("turns:{}:{tls_port}?transport=tcp", self.ip);
        }
        format!("turn:{}:{}?transport={transport}", self.ip, self.port)
    }

    /// What it logged so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("turnserver.log")).unwrap_or_default()
    }
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
