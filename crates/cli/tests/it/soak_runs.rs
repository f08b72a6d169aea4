//! `chorus soak` runs end to end against its own child server: a report line each
//! `--report-every`, the verdict, one JSON line, and exit code 0 when nothing grows.

use serde_json::Value;

use crate::common::run;

#[test]
fn a_short_soak_reports_and_exits_zero() {
    let (code, stdout, stderr) = run(&[
        "soak",
        "--duration",
        "5",
        "--clients",
        "20",
        "--report-every",
        "1",
    ]);
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    let reports = stdout.lines().filter(|l| l.starts_with('[')).count();
    assert!(reports >= 4, "a report line each second: {stdout}");
    assert!(
        stdout.contains(" rss ") && stdout.contains(" fds "),
        "{stdout}"
    );
    let json: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no JSON line: {stdout}"));
    assert_eq!(json["ok"], true, "{json}");
    assert_eq!(json["clients"], 20, "{json}");
}
