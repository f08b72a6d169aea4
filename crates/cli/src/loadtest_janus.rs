//! `chorus loadtest --target janus`: Janus (Debian's `janus` package, 1.1.2) as the server
//! under the same load, for a side-by-side figure from the same run.
//!
//! The load test starts Janus as a child with a configuration it writes to a directory of its
//! own: only the VideoRoom plugin and the plain HTTP transport, on loopback, no session
//! timeout, logging at warnings. Janus never gathers ICE candidates on a loopback interface,
//! so its media takes one address of a dummy interface (`--janus-media-ip`, only that one),
//! which the benchmark's network namespace adds beside `lo`; the clients' media sockets bind
//! to the same address, so nothing leaves the machine (see docs/benchmarks.md). Its clients (see
//! `loadtest_janus_client.rs`) then speak Janus's HTTP API. Nothing here depends on Chorus's
//! server; Janus must be installed (`apt-get install janus`), and the error says so if not.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use serde_json::json;
use tokio::process::Child;

/// Where Debian's package puts Janus's plugins, transports, event handlers and loggers.
const LIBS: &str = "/usr/lib/x86_64-linux-gnu/janus";
/// Every plugin but the VideoRoom.
const OTHER_PLUGINS: &str = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,\
     libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,\
     libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_voicemail.so";
/// Every transport but plain HTTP.
const OTHER_TRANSPORTS: &str = "libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,\
     libjanus_rabbitmq.so,libjanus_websockets.so";

/// A running Janus child and its API.
pub(crate) struct Janus {
    /// The HTTP API's root, `http://127.0.0.1:PORT/janus`.
    pub(crate) api: String,
    /// The address its media uses, where the clients' media sockets bind too.
    pub(crate) media: SocketAddr,
    pub(crate) pid: Option<u32>,
    child: Child,
    dir: PathBuf,
}

impl Janus {
    /// Writes the configuration and starts `bin` (`janus` from PATH by default), on `cpus`
    /// only when given, then waits until its HTTP API answers.
    pub(crate) async fn start(
        bin: &str,
        media_ip: std::net::IpAddr,
        cpus: Option<&str>,
    ) -> anyhow::Result<Self> {
        // The address must be this machine's: the clients bind to it.
        std::net::UdpSocket::bind((media_ip, 0)).map_err(|e| {
            anyhow!(
                "cannot bind the Janus media address {media_ip} ({e}); add it on a dummy \
                 interface first (see docs/benchmarks.md)"
            )
        })?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let dir =
            std::env::temp_dir().join(format!("chorus-loadtest-janus-{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot make {}", dir.display()))?;
        write_config(&dir, port, media_ip)?;
        let child = crate::loadtest::server_command(bin, cpus)
            .arg("-C")
            .arg(dir.join("janus.jcfg"))
            .arg("-F")
            .arg(&dir)
            .args(["--disable-colors", "--log-file"])
            .arg(dir.join("janus.log"))
            .arg("--disable-stdout")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                anyhow!(
                    "cannot run {bin} ({e}); install Debian's Janus (apt-get install janus, \
                     1.1.2 in bookworm) or give --janus-bin"
                )
            })?;
        let janus = Janus {
            api: format!("http://{addr}/janus"),
            media: SocketAddr::new(media_ip, 9),
            pid: child.id(),
            child,
            dir,
        };
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if let Ok(response) = http.get(format!("{}/info", janus.api)).send().await
                && response.status().is_success()
            {
                return Ok(janus);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The directory goes with `janus`: quote the end of its log instead of pointing at it.
        let log = std::fs::read_to_string(janus.dir.join("janus.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(10).collect();
        bail!(
            "Janus did not answer on {} within 10 s; its log ends:\n{}",
            janus.api,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    }

    /// Creates VideoRoom `room` for `publishers` publishers, Opus and H.264, with no
    /// bitrate cap (the load's rates are the publishers').
    pub(crate) async fn create_room(&self, room: u64, publishers: usize) -> anyhow::Result<()> {
        let http = reqwest::Client::new();
        let mut session = crate::loadtest_janus_client::Session::create(&http, &self.api).await?;
        session.attach().await?;
        let answer = session
            .request(json!({
                "janus": "message",
                "body": {
                    "request": "create",
                    "room": room,
                    "publishers": publishers,
                    "audiocodec": "opus",
                    "videocodec": "h264",
                    "bitrate": 0,
                    "notify_joining": false,
                    "is_private": true,
                },
            }))
            .await?;
        let data = &answer["plugindata"]["data"];
        if data["videoroom"] != "created" {
            bail!("Janus did not create room {room}: {answer}");
        }
        Ok(())
    }

    /// Stops Janus.
    pub(crate) async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

impl Drop for Janus {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes janus.jcfg, the HTTP transport's and the VideoRoom's configuration into `dir`.
fn write_config(
    dir: &std::path::Path,
    port: u16,
    media_ip: std::net::IpAddr,
) -> anyhow::Result<()> {
    let folder = dir.display();
    let main = format!(
        r#"general: {{
  configs_folder = "{folder}"
  plugins_folder = "{LIBS}/plugins"
  transports_folder = "{LIBS}/transports"
  events_folder = "{LIBS}/events"
  loggers_folder = "{LIBS}/loggers"
  debug_level = 3
  session_timeout = 0
}}
media: {{
  rtp_port_range = "20000-60000"
}}
nat: {{
  ice_enforce_list = "{media_ip}"
  full_trickle = false
  ignore_mdns = true
}}
plugins: {{
  disable = "{OTHER_PLUGINS}"
}}
transports: {{
  disable = "{OTHER_TRANSPORTS}"
}}
events: {{
  broadcast = false
}}
loggers: {{
  disable = "libjanus_jsonlog.so"
}}
"#
    );
    let http = format!(
        r#"general: {{
  json = "compact"
  base_path = "/janus"
  http = true
  port = {port}
  https = false
  ip = "127.0.0.1"
}}
admin: {{
  admin_http = false
}}
"#
    );
    let write = |name: &str, text: &str| {
        std::fs::write(dir.join(name), text).with_context(|| format!("cannot write {name}"))
    };
    write("janus.jcfg", &main)?;
    write("janus.transport.http.jcfg", &http)?;
    write("janus.plugin.videoroom.jcfg", "general: {\n}\n")?;
    Ok(())
}
