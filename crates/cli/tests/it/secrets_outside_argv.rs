//! App keys, OpenAPI secrets and the webhook secret can come from files and the environment,
//! so they need not be on a command line that `ps` shows: `chorus serve` with --app-file,
//! --openapi-key-file, $CHORUS_APPS and $CHORUS_OPENAPI_KEYS; `chorus api` with --sk-file
//! and $CHORUS_AK/$CHORUS_SK; `chorus token` with --app-key-file and $CHORUS_APP_KEY.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

const FILE_APP: &str = "fileapp00000000000000001";
const FILE_APP_KEY: &str = "key-from-a-file";
const ENV_APP: &str = "envapp000000000000000001";
const ENV_APP_KEY: &str = "key-from-the-env";
const FILE_AK: &str = "AKFILE";
const FILE_SK: &str = "sk-from-a-file";
const ENV_AK: &str = "AKENV";
const ENV_SK: &str = "sk-from-the-env";

/// Every variable a secret could come from, so the test's own environment cannot leak in.
const SECRET_VARS: [&str; 7] = [
    "CHORUS_APPS",
    "CHORUS_OPENAPI_KEYS",
    "CHORUS_WEBHOOK_SECRET",
    "CHORUS_AK",
    "CHORUS_SK",
    "CHORUS_APP_KEY",
    "RUST_LOG",
];

fn chorus() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chorus"));
    for var in SECRET_VARS {
        command.env_remove(var);
    }
    command
}

/// A scratch directory of secret files, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("chorus-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write a secret file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `chorus serve`, killed on drop.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn spawn(mut command: Command) -> Server {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chorus serve runs");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let url = loop {
            let line = lines
                .recv_timeout(Duration::from_secs(10))
                .expect("the server says where it listens");
            assert!(!line.contains("dev mode"), "apps were not read: {line}");
            if let Some(url) = line.split("listening on ").nth(1) {
                break url.trim().to_owned();
            }
        };
        Server { child, url }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("scratch paths are UTF-8")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `chorus api GetRoomOnlineUsers` for `app`, with the credentials `auth` sets up.
fn online_users(server: &Server, app: &str, auth: impl FnOnce(&mut Command)) -> Output {
    let mut command = chorus();
    command.args([
        "api",
        "GetRoomOnlineUsers",
        &format!(r#"{{"AppId":"{app}","RoomId":"demo"}}"#),
        "--server",
        &server.url,
    ]);
    auth(&mut command);
    command.output().expect("chorus api runs")
}

#[test]
fn apps_and_openapi_keys_come_from_files_and_the_environment() {
    let scratch = Scratch::new("secrets");
    let apps = scratch.file("apps", &format!("# apps\n\n{FILE_APP}:{FILE_APP_KEY}\n"));
    let api_keys = scratch.file("openapi-keys", &format!("{FILE_AK}:{FILE_SK}\n"));
    let sk = scratch.file("sk", &format!("{FILE_SK}\n"));
    let app_key = scratch.file("app-key", &format!("{FILE_APP_KEY}\n"));

    let mut serve = chorus();
    serve
        .args(["serve", "--listen", "127.0.0.1:0", "--rtc-port", "0"])
        .args([
            "--app-file",
            path(&apps),
            "--openapi-key-file",
            path(&api_keys),
        ])
        .env("CHORUS_APPS", format!("{ENV_APP}:{ENV_APP_KEY}"))
        .env("CHORUS_OPENAPI_KEYS", format!("{ENV_AK}:{ENV_SK}"));
    let server = Server::spawn(serve);

    // The OpenAPI pair from the file signs with the secret from --sk-file, for the app from
    // the file; the pair from the environment signs through $CHORUS_AK/$CHORUS_SK for the app
    // from the environment.
    let out = online_users(&server, FILE_APP, |c| {
        c.args(["--ak", FILE_AK, "--sk-file", path(&sk)]);
    });
    assert!(out.status.success(), "{}", text(&out));
    let out = online_users(&server, ENV_APP, |c| {
        c.env("CHORUS_AK", ENV_AK).env("CHORUS_SK", ENV_SK);
    });
    assert!(out.status.success(), "{}", text(&out));
    // A wrong secret is still refused, so the calls above were really checked.
    let out = online_users(&server, ENV_APP, |c| {
        c.env("CHORUS_AK", ENV_AK).env("CHORUS_SK", "wrong");
    });
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    // A token signed with the key from --app-key-file joins the app read from --app-file.
    let out = chorus()
        .args(["token", "create", "--app-id", FILE_APP, "--app-key-file"])
        .args([path(&app_key), "--room", "demo", "--user", "carol"])
        .output()
        .expect("chorus token runs");
    assert!(out.status.success(), "{}", text(&out));
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let out = chorus()
        .args(["join", "--server", &server.url, "--token", &token])
        .args(["--room", "demo", "--user", "carol", "--duration", "0.5"])
        .output()
        .expect("chorus join runs");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("onJoinRoomResult"), "{}", text(&out));

    // $CHORUS_APP_KEY signs and checks tokens of the app from the environment.
    let out = chorus()
        .args(["token", "create", "--app-id", ENV_APP])
        .args(["--room", "demo", "--user", "dave"])
        .env("CHORUS_APP_KEY", ENV_APP_KEY)
        .output()
        .expect("chorus token runs");
    assert!(out.status.success(), "{}", text(&out));
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let out = chorus()
        .args(["token", "inspect", &token])
        .env("CHORUS_APP_KEY", ENV_APP_KEY)
        .output()
        .expect("chorus token runs");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(r#""valid":true"#), "{}", text(&out));
}

#[test]
fn a_bad_secret_file_stops_serve_without_quoting_it() {
    let scratch = Scratch::new("bad-secrets");
    let apps = scratch.file(
        "apps",
        "0123456789abcdef01234567:fine\nnot-a-pair-but-secret\n",
    );
    let out = chorus()
        .args(["serve", "--listen", "127.0.0.1:0", "--rtc-port", "0"])
        .args(["--app-file", path(&apps)])
        .output()
        .expect("chorus serve runs");
    assert!(!out.status.success());
    let said = text(&out);
    assert!(said.contains("line 2 of"), "{said}");
    assert!(said.contains("ID:KEY"), "{said}");
    assert!(!said.contains("not-a-pair-but-secret"), "{said}");

    let empty = scratch.file("webhook-secret", "\n");
    let out = chorus()
        .args(["serve", "--listen", "127.0.0.1:0", "--rtc-port", "0"])
        .args(["--app", "0123456789abcdef01234567:fine"])
        .args(["--webhook", "http://127.0.0.1:9/hook"])
        .args(["--webhook-secret-file", path(&empty)])
        .output()
        .expect("chorus serve runs");
    assert!(!out.status.success());
    assert!(text(&out).contains("is empty"), "{}", text(&out));

    let out = chorus()
        .args(["api", "GetRoomOnlineUsers", "--ak", "AK", "--sk-file"])
        .arg(scratch.0.join("missing"))
        .output()
        .expect("chorus api runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--sk-file"), "{}", text(&out));
}
