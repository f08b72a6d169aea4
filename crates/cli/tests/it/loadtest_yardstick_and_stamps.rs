//! `chorus loadtest` measures the machine's yardstick first and times every packet from the
//! publisher's stamp to the subscriber's read, on client threads of their own: the run reports
//! a positive ceiling both ways, stamped packets that arrived, and its share of the ceiling.
//! No figure is judged: that is the benchmark's. The server runs on the CPU `--server-cpus`
//! names, and the report says so.

use serde_json::Value;

use crate::common::run;

#[test]
fn a_loadtest_reports_its_yardstick_and_the_stamped_transit() {
    let (code, stdout, stderr) = run(&[
        "loadtest",
        "--publishers",
        "1",
        "--subscribers",
        "2",
        "--duration",
        "2",
        "--warmup",
        "1",
        "--client-threads",
        "2",
        "--yardstick-seconds",
        "0.2",
        "--server-cpus",
        "0",
    ]);
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    let figures: Value = stdout
        .lines()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("a JSON line: {stdout}"));
    for ceiling in ["ceiling_sendto_pps", "ceiling_sendmmsg_pps"] {
        let pps = figures[ceiling].as_f64().unwrap_or(0.0);
        assert!(pps > 1000.0, "{ceiling}: {figures}");
    }
    assert!(stdout.contains("of the bare sendto ceiling"), "{stdout}");
    assert_eq!(figures["server_cpus"], "0", "{figures}");
    // One publisher's 55 packets/s to each of two subscribers: 110 a second; a loaded machine
    // may pace fewer, but none arrive if forwarding fails.
    assert!(
        figures["received_pps"].as_f64().unwrap_or(0.0) > 50.0,
        "{figures}"
    );
    let p50 = figures["transit_p50_us"].as_f64().unwrap_or(0.0);
    let p99 = figures["transit_p99_us"].as_f64().unwrap_or(0.0);
    assert!(p50 > 0.0 && p99 >= p50, "{figures}");
    let stamped: u64 = stdout
        .lines()
        .find_map(|l| l.split("µs  (").nth(1)?.split(' ').next()?.parse().ok())
        .unwrap_or(0);
    assert!(stamped > 100, "stamped packets counted: {stdout}");
}
