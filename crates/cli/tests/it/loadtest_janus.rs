//! `chorus loadtest --target janus` drives the same load through Debian's Janus VideoRoom: the
//! load test starts Janus with its own configuration, publishers publish through its HTTP API,
//! subscribers subscribe, and the stamped packets reach them. Janus gathers no candidates on
//! loopback, so its media address sits on a bridge with no ports that this test adds to its
//! network namespace, and only to one that holds nothing but loopback (scripts/test runs
//! every test in such a namespace): it never changes a real machine's interfaces.

use std::process::Command;

use serde_json::Value;

use crate::common::run;

/// The address the load test's Janus media uses by default.
const MEDIA_IP: &str = "10.77.0.1";

/// Adds the bridge with [`MEDIA_IP`] unless an address there can already be bound.
fn media_address() {
    if std::net::UdpSocket::bind((MEDIA_IP, 0)).is_ok() {
        return;
    }
    // /proc/self/net/dev is this network namespace's list (/sys/class/net may be the host's).
    let interfaces: Vec<String> = std::fs::read_to_string("/proc/self/net/dev")
        .expect("/proc/self/net/dev lists the interfaces")
        .lines()
        .skip(2)
        .filter_map(|l| Some(l.split(':').next()?.trim().to_owned()))
        .collect();
    assert!(
        interfaces.iter().all(|i| i == "lo"),
        "run this test in a loopback-only network namespace (as scripts/test does), or add \
         {MEDIA_IP} yourself; this one has {interfaces:?}"
    );
    let ip = |args: &[&str]| {
        let status = Command::new("ip").args(args).status().expect("ip runs");
        assert!(status.success(), "ip {args:?} failed");
    };
    ip(&["link", "add", "chorus0", "type", "bridge"]);
    ip(&["addr", "add", &format!("{MEDIA_IP}/32"), "dev", "chorus0"]);
    ip(&["link", "set", "chorus0", "up"]);
}

#[test]
fn a_janus_loadtest_delivers_stamped_packets_through_the_videoroom() {
    media_address();
    let (code, stdout, stderr) = run(&[
        "loadtest",
        "--target",
        "janus",
        "--publishers",
        "1",
        "--subscribers",
        "2",
        "--duration",
        "2",
        "--warmup",
        "1",
        "--yardstick-seconds",
        "0",
        "--server-cpus",
        "0",
    ]);
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    assert!(stderr.contains("server under test: Janus"), "{stderr}");
    let figures: Value = stdout
        .lines()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("a JSON line: {stdout}"));
    assert_eq!(figures["server"], "Janus", "{figures}");
    // Started under `taskset -c 0`, every thread of Janus's on CPU 0.
    assert_eq!(figures["server_cpus"], "0", "{figures}");
    // 110 packets a second to the two subscribers when nothing is lost; none if the
    // VideoRoom does not forward.
    assert!(
        figures["received_pps"].as_f64().unwrap_or(0.0) > 50.0,
        "{figures}"
    );
    assert!(
        figures["transit_p50_us"].as_f64().unwrap_or(0.0) > 0.0,
        "{figures}"
    );
    assert!(
        figures["server_cores"].as_f64().is_some(),
        "Janus's CPU is read: {figures}"
    );
    assert_eq!(figures["loss_percent"].as_f64(), Some(0.0), "{figures}");
}
