//! `chorus loadtest` and `chorus soak` against a running server over TLS: signalling over
//! wss:// and metrics over https://, checked against a test CA given with `--ca`. Media
//! reaches the load test's subscribers, the soak's clients churn and it ends with its verdict;
//! without `--ca` the certificate is refused.

use serde_json::Value;

use chorus_testkit::{TestCa, temp_dir};

use crate::common::{Chorus, LINE_PATIENCE, run, word_after};

const APP: &str = "loadtesttls0000000000001:loadtest-tls-key";

/// A TLS server with a certificate from a fresh test CA: it, its https:// URL and the CA file.
fn tls_server() -> (Chorus, String, String) {
    let dir = temp_dir("loadtest-tls");
    let ca = TestCa::new("Loadtest CA");
    let files = ca.issue_into(&["127.0.0.1"], &dir);
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).expect("the CA file is written");
    let server = Chorus::spawn([
        "serve".as_ref(),
        "--listen".as_ref(),
        "127.0.0.1:0".as_ref(),
        "--rtc-port".as_ref(),
        "0".as_ref(),
        "--max-connections-per-ip".as_ref(),
        "10000".as_ref(),
        "--app".as_ref(),
        APP.as_ref(),
        "--tls-cert".as_ref(),
        files.cert.as_os_str(),
        "--tls-key".as_ref(),
        files.key.as_os_str(),
    ]);
    let url = word_after(
        &server.line_with("listening on", LINE_PATIENCE),
        "listening on ",
    )
    .to_owned();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    (server, url, ca_file.to_string_lossy().into_owned())
}

/// The last JSON line of `stdout`.
fn last_json(stdout: &str) -> Value {
    stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no JSON line: {stdout}"))
}

#[test]
fn a_loadtest_over_wss_delivers_media_and_a_soak_over_https_judges() {
    let (server, url, ca) = tls_server();
    let wss = url.replace("https://", "wss://");
    let pid = server.child.id().to_string();
    let (code, stdout, stderr) = run(&[
        "loadtest",
        "--server",
        &wss,
        "--ca",
        &ca,
        "--app",
        APP,
        "--server-pid",
        &pid,
        "--publishers",
        "1",
        "--subscribers",
        "2",
        "--duration",
        "2",
        "--warmup",
        "1",
    ]);
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    let phase = last_json(&stdout);
    // One publisher's audio and video (55 packets/s) to each of two subscribers: 110 a second;
    // a loaded machine may pace fewer, but none arrive if signalling or media failed.
    let received = phase["received_pps"].as_f64().unwrap_or(0.0);
    assert!(received > 50.0, "{phase}");
    // The server's counters, read over https://, saw the packets it forwarded.
    let forwarded = phase["forwarded_pps"].as_f64().unwrap_or(0.0);
    assert!(forwarded > 50.0, "{phase}");

    let (code, stdout, stderr) = run(&[
        "soak",
        "--server",
        &url,
        "--ca",
        &ca,
        "--app",
        APP,
        "--server-pid",
        &pid,
        "--duration",
        "4",
        "--clients",
        "10",
        "--report-every",
        "1",
    ]);
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    let verdict = last_json(&stdout);
    assert_eq!(verdict["ok"], true, "{verdict}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with('[') && !l.contains("connections 0 ")),
        "the soak's clients reached the server: {stdout}"
    );
}

#[test]
fn without_the_ca_the_servers_certificate_is_refused() {
    let (server, url, _) = tls_server();
    let wss = url.replace("https://", "wss://");
    let pid = server.child.id().to_string();
    let (code, stdout, stderr) = run(&[
        "loadtest",
        "--server",
        &wss,
        "--app",
        APP,
        "--server-pid",
        &pid,
        "--publishers",
        "1",
        "--subscribers",
        "1",
        "--duration",
        "1",
        "--warmup",
        "0",
    ]);
    assert_ne!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    assert!(stderr.contains("not trusted"), "{stderr}");
}
