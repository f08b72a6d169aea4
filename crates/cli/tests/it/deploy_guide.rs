//! docs/deploy.md, followed on loopback with the real binary: its configuration file (the
//! listen address, media port and public IP made local, a test CA's certificate in place of
//! a public one), its service command line, `chorus join` and `chorus api` over HTTPS with
//! `--ca`, and a certificate reload on SIGHUP.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chorus_testkit::{TestCa, temp_dir};

use crate::common::{Chorus, LINE_PATIENCE, run, word_after};

const APP_ID: &str = "deployguideapp0000000001";
const APP_KEY: &str = "deploy-guide-app-key";

/// The guide's `chorus.toml`: the first TOML block after its name.
fn guide_toml() -> String {
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/deploy.md"))
            .expect("docs/deploy.md is readable");
    let after = guide
        .split("`/etc/chorus/chorus.toml`:")
        .nth(1)
        .expect("the guide names chorus.toml");
    let block = after
        .split("```toml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a TOML block follows");
    block.to_owned()
}

/// The guide's file with what only loopback can have: each substitution must find its line.
fn localized(toml: &str, cert: &Path, key: &Path) -> String {
    let mut out = String::new();
    for line in toml.lines() {
        let (name, _) = line.split_once(" = ").unwrap_or((line, ""));
        let line = match name {
            "listen" => "listen = \"127.0.0.1:0\"".to_owned(),
            "rtc-port" => "rtc-port = 0".to_owned(),
            "public-ip" => "public-ip = \"127.0.0.1\"".to_owned(),
            "tls-cert" => format!("tls-cert = {:?}", cert.display().to_string()),
            "tls-key" => format!("tls-key = {:?}", key.display().to_string()),
            _ => line.to_owned(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    for needed in ["listen", "rtc-port", "public-ip", "tls-cert", "tls-key"] {
        assert!(
            toml.contains(&format!("{needed} = ")),
            "the guide sets {needed}"
        );
    }
    out
}

fn join_args<'a>(url: &'a str, ca: &'a str, user: &'a str, secs: &'a str) -> Vec<&'a str> {
    vec![
        "join",
        "--server",
        url,
        "--ca",
        ca,
        "--app-id",
        APP_ID,
        "--app-key",
        APP_KEY,
        "--room",
        "hello",
        "--user",
        user,
        "--duration",
        secs,
    ]
}

#[test]
fn the_guides_configuration_serves_https_and_reloads_its_certificate() {
    let dir = temp_dir("deploy-guide");
    let first = TestCa::new("Guide CA one");
    let files = first.issue_into(&["127.0.0.1"], &dir);
    let first_ca = dir.join("ca-one.pem");
    std::fs::write(&first_ca, first.pem()).unwrap();
    let config = dir.join("chorus.toml");
    std::fs::write(&config, localized(&guide_toml(), &files.cert, &files.key)).unwrap();
    let apps = dir.join("apps.txt");
    std::fs::write(&apps, format!("{APP_ID}:{APP_KEY}\n")).unwrap();
    let keys = dir.join("openapi-keys.txt");
    std::fs::write(&keys, "AKGUIDE:guide-secret\n").unwrap();

    // The service's command line.
    let server = Chorus::spawn([
        "serve".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--app-file".as_ref(),
        apps.as_os_str(),
        "--openapi-key-file".as_ref(),
        keys.as_os_str(),
    ]);
    let url = word_after(
        &server.line_with("listening on", LINE_PATIENCE),
        "listening on ",
    )
    .to_owned();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    let ca = first_ca.to_str().unwrap();
    let alice = Chorus::spawn(join_args(&url, ca, "alice", "30"));
    let joined = alice.event("onJoinRoomResult");
    assert_eq!(joined["data"]["userId"], "alice", "{joined}");

    // The OpenAPI over HTTPS: alice is kicked.
    let body = format!(r#"{{"AppId":"{APP_ID}","RoomId":"hello","UserId":"alice"}}"#);
    let (code, out, err) = run(&[
        "api",
        "KickUser",
        &body,
        "--server",
        &url,
        "--ca",
        ca,
        "--ak",
        "AKGUIDE",
        "--sk",
        "guide-secret",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let envelope: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(envelope["Result"]["Message"], "success", "{out}");
    let kicked = alice.line_with("onError", LINE_PATIENCE);
    assert!(kicked.contains("KICKED_OUT"), "{kicked}");

    // Renewal: new files, then SIGHUP (the unit's ExecReload).
    let second = TestCa::new("Guide CA two");
    second.issue_into(&["127.0.0.1"], &dir);
    let second_ca = dir.join("ca-two.pem");
    std::fs::write(&second_ca, second.pem()).unwrap();
    let status = Command::new("kill")
        .args(["-HUP", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let ca_two = second_ca.to_str().unwrap();
    let deadline = Instant::now() + LINE_PATIENCE;
    loop {
        let (code, out, _) = run(&join_args(&url, ca_two, "bob", "0"));
        if code == 0 && out.contains("onJoinRoomResult") {
            break;
        }
        assert!(Instant::now() < deadline, "no join with the new CA: {out}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // The old CA no longer vouches for what the server shows.
    let (code, out, _) = run(&join_args(&url, ca, "eve", "0"));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("JOIN_ROOM_FAILED") && out.contains("not trusted"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The guide's TURN settings: the TOML block after "Then tell Chorus".
fn guide_turn_toml() -> String {
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/deploy.md"))
            .expect("docs/deploy.md is readable");
    guide
        .split("Then tell Chorus")
        .nth(1)
        .and_then(|after| after.split("```toml\n").nth(1))
        .and_then(|b| b.split("```").next())
        .expect("the TURN section has a TOML block")
        .to_owned()
}

#[test]
fn the_guides_turn_settings_reach_joining_clients() {
    let dir = temp_dir("deploy-guide-turn");
    let ca = TestCa::new("Guide TURN CA");
    let files = ca.issue_into(&["127.0.0.1"], &dir);
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let turn = guide_turn_toml();
    let urls: Vec<&str> = turn
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"'))
        .filter_map(|l| l.split('"').next())
        .collect();
    assert_eq!(urls.len(), 3, "the guide lists UDP, TCP and TLS: {turn}");
    let turn = turn
        .lines()
        .map(|line| match line.split_once(" = ") {
            Some(("turn-secret", _)) => "turn-secret = \"guide-turn-secret\"",
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        turn.contains("turn-secret = \"guide-turn-secret\""),
        "{turn}"
    );
    let config = dir.join("chorus.toml");
    let base = localized(&guide_toml(), &files.cert, &files.key);
    std::fs::write(&config, format!("{base}{turn}\n")).unwrap();
    let server = Chorus::spawn([
        "serve".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--app".as_ref(),
        format!("{APP_ID}:{APP_KEY}").as_ref(),
    ]);
    let url = word_after(
        &server.line_with("listening on", LINE_PATIENCE),
        "listening on ",
    )
    .to_owned();

    let (code, out, err) = run(&join_args(&url, ca_file.to_str().unwrap(), "alice", "0"));
    assert_eq!(code, 0, "{out}{err}");
    let joined: serde_json::Value = out
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "onJoinRoomResult")
        .expect("the join's result");
    let ice = &joined["data"]["iceServers"][0];
    assert_eq!(ice["urls"], serde_json::json!(urls), "{joined}");
    let username = ice["username"].as_str().expect("a username");
    assert!(username.ends_with(":alice"), "{username}");
    assert!(!ice["credential"].as_str().unwrap_or_default().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
