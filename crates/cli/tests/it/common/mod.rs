//! What the `chorus` command's tests share: the real binary run as a child process whose
//! stdout lines reach the test as they come, and reading values out of those lines.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use serde_json::Value;

/// How long a test waits for a line that should come.
pub(crate) const LINE_PATIENCE: Duration = Duration::from_secs(10);

/// Runs `chorus ARGS` to its end: its exit code, stdout and stderr. The secrets' environment
/// variables are removed, so a developer's exported `CHORUS_*` cannot change what a test sees.
pub(crate) fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_chorus"))
        .args(args)
        .env_remove("CHORUS_APP_KEY")
        .env_remove("CHORUS_AK")
        .env_remove("CHORUS_SK")
        .output()
        .expect("chorus runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A running `chorus`; killed when dropped.
pub(crate) struct Chorus {
    /// The process itself, for its exit code.
    pub(crate) child: Child,
    lines: mpsc::Receiver<String>,
}

impl Chorus {
    /// Runs `chorus ARGS` with its stdout read line by line (stderr is dropped).
    pub(crate) fn spawn(args: impl IntoIterator<Item = impl AsRef<OsStr>>) -> Chorus {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chorus"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chorus runs");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Chorus { child, lines }
    }

    /// The first line, within `patience`, that contains `needle`.
    pub(crate) fn line_with(&self, needle: &str, patience: Duration) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(patience)
                .unwrap_or_else(|_| panic!("no line with {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// The first line, within [`LINE_PATIENCE`], that is JSON whose "event" is `event`.
    pub(crate) fn event(&self, event: &str) -> Value {
        loop {
            let line = self
                .lines
                .recv_timeout(LINE_PATIENCE)
                .unwrap_or_else(|_| panic!("no {event} line"));
            if let Ok(value) = serde_json::from_str::<Value>(&line)
                && value["event"] == event
            {
                return value;
            }
        }
    }

    /// Every line left until the process ends, as JSON, and its exit code.
    pub(crate) fn finish(mut self) -> (Option<i32>, Vec<Value>) {
        let code = self.child.wait().expect("chorus ends").code();
        let lines = self
            .lines
            .try_iter()
            .map(|l| serde_json::from_str(&l).unwrap_or_else(|_| panic!("not JSON: {l}")))
            .collect();
        (code, lines)
    }
}

impl Drop for Chorus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The word that follows `label` in `line`.
pub(crate) fn word_after<'a>(line: &'a str, label: &str) -> &'a str {
    line.split(label)
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no {label:?} in {line:?}"))
}
