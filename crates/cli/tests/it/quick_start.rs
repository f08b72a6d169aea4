//! The README's quick start, run with the real binary: serve in dev mode, two `chorus join`
//! clients, a kick through `chorus api`.

use std::process::Command;

use crate::common::{Chorus, LINE_PATIENCE, word_after};

#[test]
fn serve_join_and_kick_through_the_openapi() {
    let server = Chorus::spawn(["serve", "--listen", "127.0.0.1:0", "--rtc-port", "0"]);
    let url = word_after(
        &server.line_with("listening on", LINE_PATIENCE),
        "listening on ",
    )
    .to_owned();
    let dev = server.line_with("app id:", LINE_PATIENCE);
    let (app_id, app_key) = (
        word_after(&dev, "app id: ").to_owned(),
        word_after(&dev, "app key: ").to_owned(),
    );
    let openapi = server.line_with("dev OpenAPI key:", LINE_PATIENCE);
    let (ak, sk) = word_after(&openapi, "key: ").split_once(':').unwrap();

    let join = |user: &str| {
        Chorus::spawn([
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
    alice.line_with("onJoinRoomResult", LINE_PATIENCE);
    let mut bob = join("bob");
    bob.line_with("onJoinRoomResult", LINE_PATIENCE);
    let seen = alice.line_with("onUserJoined", LINE_PATIENCE);
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

    let kicked = bob.line_with("onError", LINE_PATIENCE);
    assert!(kicked.contains("KICKED_OUT"), "{kicked}");
    assert_eq!(bob.child.wait().unwrap().code(), Some(3));
    let left = alice.line_with("onUserLeave", LINE_PATIENCE);
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
