//! `chorus token create` without --expire-at or --expire-in makes a token that expires in
//! 24 hours; `--expire-at 0` still makes one that never does, and `--help` says so.

use crate::common::run;
use std::time::{SystemTime, UNIX_EPOCH};

const APP_ID: &str = "0123456789abcdef01234567";
const DAY: u64 = 24 * 3600;

fn chorus(args: &[&str]) -> (i32, String) {
    let (code, stdout, _) = run(args);
    (code, stdout)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is past 1970")
        .as_secs()
}

/// The `expire_at` of a token made with `extra` flags, read back by `chorus token inspect`.
fn expire_at(extra: &[&str]) -> u64 {
    let mut args = vec![
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
    ];
    args.extend_from_slice(extra);
    let (code, token) = chorus(&args);
    assert_eq!(code, 0, "{token}");
    let (code, inspected) = chorus(&["token", "inspect", token.trim(), "--app-key", "k"]);
    assert_eq!(code, 0, "{inspected}");
    let v: serde_json::Value = serde_json::from_str(&inspected).expect("inspect prints JSON");
    v["expire_at"].as_u64().expect("expire_at is a number")
}

#[test]
fn a_token_expires_in_a_day_unless_told_otherwise() {
    let before = now();
    let at = expire_at(&[]);
    let after = now();
    assert!(
        (before + DAY..=after + DAY).contains(&at),
        "expire_at {at} is not a day after {before}..{after}"
    );
}

#[test]
fn expire_at_zero_makes_a_token_that_never_expires() {
    assert_eq!(expire_at(&["--expire-at", "0"]), 0);
}

#[test]
fn expire_in_still_wins_over_the_default() {
    let before = now();
    let at = expire_at(&["--expire-in", "60"]);
    assert!((before + 60..=now() + 60).contains(&at), "{at}");
}

#[test]
fn help_says_how_to_make_a_token_that_never_expires() {
    let (code, help) = chorus(&["token", "create", "--help"]);
    assert_eq!(code, 0);
    assert!(help.contains("--expire-at 0"), "{help}");
    assert!(help.contains("24 hours"), "{help}");
}
