//! Recognizers: the [`Recognizer`] trait, and the bundled offline one, a worker process
//! (`worker/recognizer.py`, Moonshine's English model shipped in its PyPI wheel) spoken to over
//! stdin/stdout. Recognizers block; they run on the captioner's recognition thread, never on
//! an async runtime, so recognition never delays media or signalling.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::error::SubtitleError;

/// Speech to text, one utterance (or the part of one so far) at a time.
pub trait Recognizer: Send {
    /// The text of 16 kHz mono `audio` (empty when nothing was said).
    fn transcribe(&mut self, audio: &[f32]) -> Result<String, SubtitleError>;
}

/// The worker script, in the repository, beside this crate.
pub const WORKER_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/worker/recognizer.py");

/// The bundled recognizer: a worker process answering one request at a time.
#[derive(Debug)]
pub struct WorkerRecognizer {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
    timeout: Duration,
}

#[derive(serde::Deserialize)]
struct Answer {
    #[serde(default)]
    ready: bool,
    text: Option<String>,
    error: Option<String>,
}

fn unreachable_worker(detail: String) -> SubtitleError {
    SubtitleError::Connection {
        what: "recognizer",
        detail,
    }
}

impl WorkerRecognizer {
    /// Starts `command` (program and arguments) and waits up to `load_timeout` for it to load
    /// its model; each answer may then take up to `timeout`.
    pub fn spawn(
        command: &[String],
        load_timeout: Duration,
        timeout: Duration,
    ) -> Result<Self, SubtitleError> {
        let (program, args) = command
            .split_first()
            .ok_or_else(|| unreachable_worker("no worker command configured".into()))?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| unreachable_worker(format!("cannot start {program:?}: {e}")))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(unreachable_worker("the worker has no pipes".into()));
        };
        let (tx, lines) = mpsc::channel();
        // A reader thread turns the blocking pipe into a channel, so every wait has a deadline.
        std::thread::Builder::new()
            .name("subtitle-worker-out".into())
            .spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| unreachable_worker(format!("cannot start a thread: {e}")))?;
        let mut worker = WorkerRecognizer {
            child,
            stdin,
            lines,
            timeout,
        };
        match worker.answer(load_timeout) {
            Ok(Answer { ready: true, .. }) => Ok(worker),
            Ok(Answer {
                error: Some(error), ..
            }) => Err(unreachable_worker(error)),
            Ok(_) => Err(unreachable_worker(
                "the worker did not say it was ready".into(),
            )),
            Err(SubtitleError::Process(detail)) => Err(unreachable_worker(detail)),
            Err(other) => Err(other),
        }
    }

    fn answer(&mut self, timeout: Duration) -> Result<Answer, SubtitleError> {
        let line = self.lines.recv_timeout(timeout).map_err(|e| match e {
            mpsc::RecvTimeoutError::Timeout => SubtitleError::Process(format!(
                "the recognizer worker did not answer within {} ms",
                timeout.as_millis()
            )),
            mpsc::RecvTimeoutError::Disconnected => {
                SubtitleError::Process("the recognizer worker exited".into())
            }
        })?;
        serde_json::from_str(&line)
            .map_err(|e| SubtitleError::Unknown(format!("{}: {e}", chorus_proto::clip(&line))))
    }
}

impl Recognizer for WorkerRecognizer {
    fn transcribe(&mut self, audio: &[f32]) -> Result<String, SubtitleError> {
        let mut request = format!("{{\"samples\":{}}}\n", audio.len()).into_bytes();
        request.reserve(audio.len() * 4);
        for s in audio {
            request.extend_from_slice(&s.to_le_bytes());
        }
        self.stdin
            .write_all(&request)
            .and_then(|()| self.stdin.flush())
            .map_err(|e| SubtitleError::Process(format!("the recognizer worker is gone: {e}")))?;
        match self.answer(self.timeout)? {
            Answer {
                text: Some(text), ..
            } => Ok(text),
            Answer {
                error: Some(error), ..
            } => Err(SubtitleError::Process(error)),
            _ => Err(SubtitleError::Unknown(
                "an answer with neither text nor error".into(),
            )),
        }
    }
}

impl Drop for WorkerRecognizer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
