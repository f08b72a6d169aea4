//! What the subtitle tests share: the recognizer's Python, speech made with espeak-ng, word
//! error rate, and a collector of subtitle events.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use chorus_sdk::{EngineEvent, Event, EventStream, SubtitleMessage, SubtitleStateEvent};

/// How long the bundled recognizer may take to load (a Python start and a model load).
pub(crate) const LOAD_PATIENCE: Duration = Duration::from_secs(60);

/// The Python with moonshine-voice installed: `CHORUS_SUBTITLE_PYTHON`, or the venv that
/// scripts/test makes at `target/subtitles-venv`.
pub(crate) fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("CHORUS_SUBTITLE_PYTHON") {
        return path.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/subtitles-venv/bin/python");
    assert!(
        venv.exists(),
        "no Python for the bundled recognizer at {}: run `python3 -m venv target/subtitles-venv && target/subtitles-venv/bin/pip install moonshine-voice==0.1.0` (scripts/test does), or set CHORUS_SUBTITLE_PYTHON",
        venv.display()
    );
    venv
}

/// The bundled recognizer's worker command.
pub(crate) fn worker_command() -> Vec<String> {
    vec![
        python().display().to_string(),
        chorus_subtitles::WORKER_SCRIPT.to_owned(),
    ]
}

/// A WAV file of `sentences` spoken by espeak-ng (American English, 140 words a minute), with
/// 1.5 s of silence between them, 4 s after them and 5 s before them: a new publisher's
/// transport takes a moment to connect (more on a loaded machine) and what is captured before
/// it does is not sent. espeak-ng ignores a break before the first word, so that silence is
/// put in here.
pub(crate) fn speak(dir: &Path, name: &str, sentences: &[&str]) -> PathBuf {
    let path = dir.join(format!("{name}.wav"));
    let pause = "<break time=\"1500ms\"/>";
    let ssml = format!(
        "<speak>{}<break time=\"4000ms\"/></speak>",
        sentences.join(pause)
    );
    let status = Command::new("espeak-ng")
        .args(["-m", "-v", "en-us", "-s", "140", "-w"])
        .arg(&path)
        .arg(&ssml)
        .status()
        .expect("espeak-ng runs (Debian package espeak-ng; scripts/test installs it)");
    assert!(status.success(), "espeak-ng failed");
    let wav = std::fs::read(&path).expect("espeak-ng wrote the file");
    std::fs::write(&path, with_leading_silence(&wav, 5.0)).expect("the file is writable");
    path
}

/// `wav` (PCM) with `seconds` of silence before its samples, as a plain 44-byte-header WAV.
fn with_leading_silence(wav: &[u8], seconds: f64) -> Vec<u8> {
    let (mut at, mut fmt, mut data) = (12, None, None);
    while at + 8 <= wav.len() {
        let len = u32::from_le_bytes(wav[at + 4..at + 8].try_into().expect("4 bytes")) as usize;
        let body = &wav[at + 8..(at + 8 + len).min(wav.len())];
        match &wav[at..at + 4] {
            b"fmt " => fmt = Some(&body[..16]),
            b"data" => data = Some(body),
            _ => {}
        }
        at += 8 + len + (len & 1);
    }
    let (fmt, data) = (fmt.expect("a fmt chunk"), data.expect("a data chunk"));
    let rate = u32::from_le_bytes(fmt[4..8].try_into().expect("4 bytes"));
    let block = usize::from(u16::from_le_bytes(fmt[12..14].try_into().expect("2 bytes")));
    let silence = vec![0u8; (seconds * f64::from(rate)) as usize * block];
    let data_len = (silence.len() + data.len()) as u32;
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(fmt);
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend_from_slice(&silence);
    out.extend_from_slice(data);
    out
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Word error rate of `heard` against `said`: word edits (substitutions, insertions,
/// deletions) over the words said.
pub(crate) fn word_error_rate(said: &str, heard: &str) -> f64 {
    let (said, heard) = (words(said), words(heard));
    let mut row: Vec<usize> = (0..=heard.len()).collect();
    for (i, s) in said.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, h) in heard.iter().enumerate() {
            let substitution = diagonal + usize::from(s != h);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[heard.len()] as f64 / said.len().max(1) as f64
}

/// How many of this process's children run the bundled recognizer's worker.
pub(crate) fn running_workers() -> usize {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| {
            let dir = entry.path();
            let stat = std::fs::read_to_string(dir.join("stat")).unwrap_or_default();
            // The parent pid is the second field after the command's closing parenthesis.
            let parent = stat
                .rsplit_once(") ")
                .and_then(|(_, rest)| rest.split_whitespace().nth(1));
            parent == Some(me.as_str())
                && std::fs::read_to_string(dir.join("cmdline"))
                    .unwrap_or_default()
                    .contains("recognizer.py")
        })
        .count()
}

/// The next `onSubtitleStateChanged`, within `patience`.
pub(crate) async fn next_state(events: &mut EventStream, patience: Duration) -> SubtitleStateEvent {
    chorus_testkit::wait_event(events, patience, |e| match e {
        EngineEvent::Room(Event::SubtitleStateChanged(state)) => Some(state.clone()),
        _ => None,
    })
    .await
}

/// Subtitles as they arrive until each of `users` has had `finals` final ones, within
/// `patience`.
pub(crate) async fn collect_until_finals(
    events: &mut EventStream,
    users: &[&str],
    finals: usize,
    patience: Duration,
) -> Vec<SubtitleMessage> {
    let mut got: Vec<SubtitleMessage> = Vec::new();
    let done = |got: &[SubtitleMessage]| {
        users
            .iter()
            .all(|u| got.iter().filter(|m| m.user_id == *u && m.definite).count() >= finals)
    };
    let deadline = tokio::time::Instant::now() + patience;
    while !done(&got) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let event = tokio::time::timeout(left, events.next())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "not {finals} final subtitles of {users:?} within {patience:?}; got {got:#?}"
                )
            })
            .expect("the event stream goes on");
        match event {
            EngineEvent::Room(Event::SubtitleMessageReceived(messages)) => {
                for m in &messages.0 {
                    eprintln!(
                        "subtitle {} #{} {}: {}",
                        m.user_id,
                        m.sequence,
                        if m.definite { "final" } else { "partial" },
                        m.text
                    );
                }
                got.extend(messages.0);
            }
            EngineEvent::Room(Event::SubtitleStateChanged(state)) => {
                panic!("subtitles changed state while listening: {state:?}")
            }
            _ => {}
        }
    }
    got
}

/// The final subtitles of `user`, in order, joined.
pub(crate) fn finals_of(messages: &[SubtitleMessage], user: &str) -> String {
    messages
        .iter()
        .filter(|m| m.user_id == user && m.definite)
        .map(|m| m.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks the order of `user`'s subtitles: sequences increase, and each final has partials
/// before it (the utterances here are all longer than a partial's interval).
pub(crate) fn assert_order(messages: &[SubtitleMessage], user: &str) {
    let mine: Vec<&SubtitleMessage> = messages.iter().filter(|m| m.user_id == user).collect();
    assert!(!mine.is_empty(), "no subtitles of {user}");
    for pair in mine.windows(2) {
        assert!(
            pair[1].sequence > pair[0].sequence,
            "{user}'s sequences do not increase: {pair:?}"
        );
    }
    let mut partials_since_final = 0;
    for m in &mine {
        if m.definite {
            assert!(
                partials_since_final > 0,
                "a final of {user} with no partial before it: {m:?}"
            );
            partials_since_final = 0;
        } else {
            partials_since_final += 1;
        }
    }
}

#[test]
fn word_error_rate_counts_edits_over_words_said() {
    assert_eq!(
        word_error_rate("the quick brown fox", "The quick, brown fox."),
        0.0
    );
    assert_eq!(
        word_error_rate("the quick brown fox", "the quick fox"),
        0.25
    );
    assert_eq!(word_error_rate("a b", "a c d"), 1.0);
}
