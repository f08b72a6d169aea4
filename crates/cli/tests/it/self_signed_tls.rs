//! `chorus serve --tls-self-signed`: HTTPS from a certificate made at start-up, whose
//! fingerprint the server prints so it can be checked against a browser's warning. The
//! certificate is read from the wire with openssl, as a user would check it.

use std::process::{Command, Stdio};

use crate::common::{Chorus, LINE_PATIENCE, run, word_after};

#[test]
fn a_self_signed_server_prints_the_fingerprint_it_serves_and_clients_must_trust_it() {
    let server = Chorus::spawn([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--rtc-port",
        "0",
        "--tls-self-signed",
    ]);
    let url = word_after(
        &server.line_with("listening on", LINE_PATIENCE),
        "listening on ",
    )
    .to_owned();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let printed = word_after(
        &server.line_with("fingerprint", LINE_PATIENCE),
        "fingerprint ",
    )
    .to_owned();
    let dev = server.line_with("app id:", LINE_PATIENCE);
    let (app_id, app_key) = (word_after(&dev, "app id: "), word_after(&dev, "app key: "));

    let host = url.trim_start_matches("https://");
    let served = Command::new("openssl")
        .args(["s_client", "-connect", host, "-servername", "localhost"])
        .stdin(Stdio::null())
        .output()
        .expect("openssl runs");
    let mut x509 = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("openssl runs");
    std::io::Write::write_all(x509.stdin.as_mut().unwrap(), &served.stdout).unwrap();
    let out = x509.wait_with_output().unwrap();
    let fingerprint = String::from_utf8_lossy(&out.stdout);
    // "sha256 Fingerprint=AB:CD:..."
    let fingerprint = fingerprint.trim().rsplit('=').next().unwrap_or_default();
    assert_eq!(fingerprint, printed);

    // No CA vouches for it: a client that was not told to trust it is refused.
    let (code, out, _) = run(&[
        "join",
        "--server",
        &url,
        "--app-id",
        app_id,
        "--app-key",
        app_key,
        "--room",
        "lan",
        "--user",
        "eve",
        "--duration",
        "0",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not trusted"), "{out}");
}

#[test]
fn a_server_without_tls_shrugs_off_sighup() {
    let mut server = Chorus::spawn(["serve", "--listen", "127.0.0.1:0", "--rtc-port", "0"]);
    let url = word_after(
        &server.line_with("listening on", LINE_PATIENCE),
        "listening on ",
    )
    .to_owned();
    let dev = server.line_with("app id:", LINE_PATIENCE);
    let (app_id, app_key) = (word_after(&dev, "app id: "), word_after(&dev, "app key: "));
    let status = Command::new("kill")
        .args(["-HUP", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // Still serving: a join after the signal succeeds.
    let (code, out, _) = run(&[
        "join",
        "--server",
        &url,
        "--app-id",
        app_id,
        "--app-key",
        app_key,
        "--room",
        "hup",
        "--user",
        "alice",
        "--duration",
        "0",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("onJoinRoomResult"), "{out}");
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server is still running"
    );
}
