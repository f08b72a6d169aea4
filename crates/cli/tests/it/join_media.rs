//! `chorus join` with media, run with the real binary against `chorus serve`: one client
//! publishes a tone and the test card; the other subscribes to it, records the audio to a wav
//! file (which holds the tone) and saves a snapshot (a PNG of the card's size).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chorus_media::{AudioSource, FileAudioSource, dominant_frequency};
use chorus_testkit::take_turn_blocking;

use crate::common::{Chorus, word_after};

/// A fresh directory for this test's files.
fn scratch() -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos();
    let dir =
        std::env::temp_dir().join(format!("chorus-join-media-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// Width and height from a PNG's signature and IHDR chunk, checking its last chunk is IEND.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).expect("the snapshot was written");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    assert!(
        bytes.ends_with(&[0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]),
        "ends with IEND"
    );
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    (be(16), be(20))
}

#[test]
fn a_published_tone_is_recorded_and_the_card_snapshotted() {
    let _turn = take_turn_blocking(); // real-time media: one such test at a time
    let server = Chorus::spawn(["serve", "--listen", "127.0.0.1:0", "--rtc-port", "0"]);
    let patience = Duration::from_secs(30);
    let url = word_after(&server.line_with("listening on", patience), "listening on ").to_owned();
    let dev = server.line_with("app id:", patience);
    let (app_id, app_key) = (
        word_after(&dev, "app id: ").to_owned(),
        word_after(&dev, "app key: ").to_owned(),
    );
    let dir = scratch();
    let wav = dir.join("alice.wav");
    let png = dir.join("alice.png");
    let join = |user: &str, extra: &[&str]| {
        let mut args = vec![
            "join",
            "--server",
            &url,
            "--app-id",
            &app_id,
            "--app-key",
            &app_key,
            "--room",
            "media",
            "--user",
            user,
        ];
        args.extend_from_slice(extra);
        Chorus::spawn(&args)
    };

    let alice = join(
        "alice",
        &[
            "--publish-audio",
            "tone:440",
            "--publish-video",
            "pattern",
            "--duration",
            "60",
        ],
    );
    alice.line_with("startAudioCapture", patience);
    alice.line_with("onJoinRoomResult", patience);

    let record = format!("alice:{}", wav.display());
    let snapshot = format!("alice:{}", png.display());
    let bob = join(
        "bob",
        &[
            "--subscribe",
            "alice",
            "--record-audio",
            &record,
            "--snapshot",
            &snapshot,
            "--duration",
            "4",
        ],
    );
    let (code, lines) = bob.finish();
    let by_event = |name: &str| {
        lines
            .iter()
            .find(|l| l["event"] == name)
            .unwrap_or_else(|| panic!("no {name} in {lines:#?}"))
            .clone()
    };
    assert_eq!(code, Some(0), "{lines:#?}");
    assert_eq!(by_event("subscribeStream")["data"]["userId"], "alice");
    assert_eq!(
        by_event("onRemoteAudioFirstFrame")["data"]["userId"],
        "alice"
    );
    let shot = by_event("takeRemoteSnapshot");
    assert_eq!(shot["data"]["width"], 320);
    assert_eq!(png_size(&png), (320, 240));
    let recorded = by_event("recordAudio");
    let seconds = recorded["data"]["seconds"].as_f64().expect("seconds");
    assert!(seconds > 2.0, "{recorded}");

    // The wav holds the tone.
    let mut source = FileAudioSource::open(&wav).expect("a readable wav");
    let channels = source.channels();
    let mut samples = Vec::new();
    while let Some(frame) = source.next_frame() {
        samples.extend(frame.samples);
    }
    let tail = &samples[samples.len().saturating_sub(48_000 * usize::from(channels))..];
    let hz = dominant_frequency(tail, channels);
    assert!((hz - 440.0).abs() <= 5.0, "the recording is {hz} Hz");
    let _ = std::fs::remove_dir_all(dir);
}
