//! `chorus loadtest --cross-room` runs end to end against its own child server: media reaches
//! the subscribers in both phases (the second across rooms, through the publishers' forwards),
//! and it ends with the per-packet comparison. No figure is judged: that is the benchmark's.

use serde_json::Value;

use crate::common::run;

#[test]
fn a_cross_room_loadtest_forwards_in_both_phases_and_compares_them() {
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
        "--cross-room",
    ]);
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        stderr.contains("fed by the publishers' forwards"),
        "{stderr}"
    );
    let phases: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(phases.len(), 2, "one JSON line per phase: {stdout}");
    for phase in &phases {
        // One publisher's audio and video (55 packets/s) to each of two subscribers: 110 a
        // second; a loaded machine may pace fewer, but none arrive if forwarding fails.
        let received = phase["received_pps"].as_f64().unwrap_or(0.0);
        assert!(received > 50.0, "{phase}");
    }
    assert!(
        stdout.contains("ratio (across rooms / one room):"),
        "{stdout}"
    );
}
