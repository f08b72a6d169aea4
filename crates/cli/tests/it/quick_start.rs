//! The README's quick start, run with the real binary: serve in dev mode, two `chorus join`
//! clients, a kick through `chorus api`.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

struct Proc {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Proc {
    fn spawn(args: &[&str]) -> Proc {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chorus"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chorus runs");
        let stdout: ChildStdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Proc { child, lines }
    }

    /// The first line (within 10 s) that contains `needle`.
    fn line_with(&self, needle: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(10))
                .unwrap_or_else(|_| panic!("no line with {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn word_after<'a>(line: &'a str, label: &str) -> &'a str {
    line.split(label)
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
}

#[test]
fn serve_join_and_kick_through_the_openapi() {
    let server = Proc::spawn(&["serve", "--listen", "127.0.0.1:0", "--rtc-port", "0"]);
    let url = word_after(&server.line_with("listening on"), "listening on ").to_owned();
    let dev = server.line_with("app id:");
    let (app_id, app_key) = (
        word_after(&dev, "app id: ").to_owned(),
        word_after(&dev, "app key: ").to_owned(),
    );
    let openapi = server.line_with("dev OpenAPI key:");
    let (ak, sk) = word_after(&openapi, "key: ").split_once(':').unwrap();

    let join = |user: &str| {
        Proc::spawn(&[
            "join",
            "--server",
            &url,
            "--app-id",
            &app_id,
            "--app-key",
            &app_key,
            "--room",
            "demo",
            "--user",
            user,
            "--duration",
            "30",
        ])
    };
    let mut alice = join("alice");
    alice.line_with("onJoinRoomResult");
    let mut bob = join("bob");
    bob.line_with("onJoinRoomResult");
    let seen = alice.line_with("onUserJoined");
    assert!(seen.contains("\"bob\""), "{seen}");

    let out = Command::new(env!("CARGO_BIN_EXE_chorus"))
        .args([
            "api",
            "KickUser",
            &format!(r#"{{"AppId":"{app_id}","RoomId":"demo","UserId":"bob"}}"#),
            "--server",
            &url,
            "--ak",
            ak,
            "--sk",
            sk,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let envelope: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(envelope["Result"]["Message"], "success");

    let kicked = bob.line_with("onError");
    assert!(kicked.contains("KICKED_OUT"), "{kicked}");
    assert_eq!(bob.child.wait().unwrap().code(), Some(3));
    let left = alice.line_with("onUserLeave");
    let v: serde_json::Value = serde_json::from_str(&left).unwrap();
    assert_eq!(v["data"]["userInfo"]["userId"], "bob");
    assert_eq!(v["data"]["reason"], 3);

    // A wrongly signed call prints the error envelope and exits 1.
    let out = Command::new(env!("CARGO_BIN_EXE_chorus"))
        .args([
            "api",
            "DismissRoom",
            &format!(r#"{{"AppId":"{app_id}","RoomId":"demo"}}"#),
            "--server",
            &url,
            "--ak",
            ak,
            "--sk",
            "wrong",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("SignatureDoesNotMatch"));

    // A join that fails prints the error and exits 1.
    let out = Command::new(env!("CARGO_BIN_EXE_chorus"))
        .args([
            "join",
            "--server",
            &url,
            "--app-id",
            &app_id,
            "--app-key",
            "wrong-key",
            "--room",
            "demo",
            "--user",
            "eve",
            "--duration",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "INVALID_TOKEN");
    alice.child.kill().unwrap();
}
