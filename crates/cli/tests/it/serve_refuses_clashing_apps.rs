//! `chorus serve` refuses to start with two apps of the same id or the same key, and says
//! which apps clash without printing the key.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const APP_A: &str = "clashapp0000000000000001";
const APP_B: &str = "clashapp0000000000000002";

/// Runs `chorus serve` with `apps`; it must exit on its own within 10 s.
fn serve(apps: &[String]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chorus"));
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--rtc-port", "0"])
        .env_remove("CHORUS_APPS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for app in apps {
        command.args(["--app", app]);
    }
    let mut child = command.spawn().expect("chorus serve runs");
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().expect("wait works").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chorus serve started instead of refusing {apps:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output is read")
}

#[test]
fn two_apps_with_one_key_are_refused() {
    let out = serve(&[
        format!("{APP_A}:shared-secret"),
        format!("{APP_B}:shared-secret"),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the same key"), "{stderr}");
    assert!(stderr.contains(APP_A) && stderr.contains(APP_B), "{stderr}");
    assert!(!stderr.contains("shared-secret"), "{stderr}");
}

#[test]
fn one_app_id_twice_is_refused() {
    let out = serve(&[format!("{APP_A}:one"), format!("{APP_A}:two")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("configured twice"), "{stderr}");
}
