//! `chorus token create` and `chorus token inspect`, as a user runs them.

use crate::common::run as chorus;

const APP_ID: &str = "0123456789abcdef01234567";

#[test]
fn create_prints_the_token_alone_and_inspect_reads_it_back() {
    let (code, stdout, _) = chorus(&[
        "token",
        "create",
        "--app-id",
        APP_ID,
        "--app-key",
        "k",
        "--room",
        "demo",
        "--user",
        "alice",
        "--nonce",
        "42",
        "--issued-at",
        "1700000000",
        "--expire-at",
        "1900000000",
        "--privilege",
        "publish-audio=1800000000",
        "--privilege",
        "subscribe",
    ]);
    assert_eq!(code, 0);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let token = stdout.trim();
    assert!(token.starts_with(&format!("001{APP_ID}")));
    // Fixed inputs give a fixed token.
    let (_, again, _) = chorus(&[
        "token",
        "create",
        "--app-id",
        APP_ID,
        "--app-key",
        "k",
        "--room",
        "demo",
        "--user",
        "alice",
        "--nonce",
        "42",
        "--issued-at",
        "1700000000",
        "--expire-at",
        "1900000000",
        "--privilege",
        "publish-audio=1800000000",
        "--privilege",
        "subscribe",
    ]);
    assert_eq!(again.trim(), token);

    let (code, stdout, _) = chorus(&["token", "inspect", token, "--app-key", "k"]);
    assert_eq!(code, 0, "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["app_id"], APP_ID);
    assert_eq!(v["room_id"], "demo");
    assert_eq!(v["user_id"], "alice");
    assert_eq!(v["nonce"], 42);
    assert_eq!(v["issued_at"], 1_700_000_000);
    assert_eq!(v["expire_at"], 1_900_000_000);
    assert_eq!(
        v["privileges"],
        serde_json::json!({"publish-audio": 1_800_000_000u32, "subscribe": 0})
    );
    assert_eq!(v["valid"], true);

    let (code, stdout, _) = chorus(&["token", "inspect", token]);
    assert_eq!(code, 0);
    assert!(
        serde_json::from_str::<serde_json::Value>(&stdout)
            .unwrap()
            .get("valid")
            .is_none()
    );

    let (code, stdout, _) = chorus(&["token", "inspect", token, "--app-key", "wrong"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert!(v["reason"].as_str().unwrap().contains("signature"), "{v}");
}

#[test]
fn default_privileges_are_publish_and_subscribe_forever() {
    let (_, stdout, _) = chorus(&[
        "token",
        "create",
        "--app-id",
        APP_ID,
        "--app-key",
        "k",
        "--room",
        "",
        "--user",
        "u",
        "--expire-at",
        "0",
    ]);
    let (_, inspected, _) = chorus(&["token", "inspect", stdout.trim()]);
    let v: serde_json::Value = serde_json::from_str(&inspected).unwrap();
    assert_eq!(v["room_id"], "");
    assert_eq!(v["expire_at"], 0);
    assert_eq!(
        v["privileges"],
        serde_json::json!({"publish": 0, "publish-audio": 0, "publish-video": 0, "publish-data": 0, "subscribe": 0})
    );
}

#[test]
fn expired_and_unparsable_tokens_exit_1_and_2() {
    let (_, stdout, _) = chorus(&[
        "token",
        "create",
        "--app-id",
        APP_ID,
        "--app-key",
        "k",
        "--room",
        "r",
        "--user",
        "u",
        "--expire-at",
        "1000",
    ]);
    let (code, out, _) = chorus(&["token", "inspect", stdout.trim(), "--app-key", "k"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("expired"), "{out}");
    let (code, out, _) = chorus(&["token", "inspect", "002nonsense"]);
    assert_eq!(code, 2);
    assert!(
        serde_json::from_str::<serde_json::Value>(&out).is_ok(),
        "{out}"
    );
    let (code, _, err) = chorus(&[
        "token",
        "create",
        "--app-id",
        "short",
        "--app-key",
        "k",
        "--room",
        "r",
        "--user",
        "u",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("24"), "{err}");
    let (code, _, err) = chorus(&[
        "token",
        "create",
        "--app-id",
        APP_ID,
        "--app-key",
        "k",
        "--room",
        "r",
        "--user",
        "u",
        "--privilege",
        "fly",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("fly"), "{err}");
}
