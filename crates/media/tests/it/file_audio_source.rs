//! Audio files become 48 kHz, 20 ms frames with their pitch kept: a 44.1 kHz WAV written by
//! `WavWriter`, and a FLAC file built here by hand (no encoder is available offline; the FLAC
//! format allows uncompressed "verbatim" subframes, which is all the builder writes). Ogg/Vorbis
//! and MP3 have no offline encoder, so only the formats above are exercised.

use std::path::{Path, PathBuf};

use chorus_media::{
    AudioFrame, AudioSource, FRAME_SAMPLES, FileAudioSource, MediaError, WavWriter,
    dominant_frequency, write_wav,
};

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("chorus-media-{}-{name}", std::process::id()))
}

/// `seconds` of a sine at `rate`, one tone per channel.
fn sines(hz: &[f64], rate: u32, seconds: f64) -> Vec<i16> {
    let n = (seconds * f64::from(rate)) as usize;
    (0..n)
        .flat_map(|i| {
            hz.iter().map(move |f| {
                let t = i as f64 / f64::from(rate);
                (12000.0 * (2.0 * std::f64::consts::PI * f * t).sin()) as i16
            })
        })
        .collect()
}

fn drain(source: &mut FileAudioSource) -> Vec<AudioFrame> {
    std::iter::from_fn(|| source.next_frame())
        .take(10_000)
        .collect()
}

fn channel(frames: &[AudioFrame], c: usize) -> Vec<i16> {
    let ch = usize::from(frames[0].channels);
    frames
        .iter()
        .flat_map(|f| f.samples.iter().skip(c).step_by(ch).copied())
        .collect()
}

#[test]
fn wav_at_44100_plays_at_48000_with_its_pitch() {
    let path = temp("tone44k.wav");
    let mut wav = WavWriter::create_with_rate(&path, 1, 44_100).expect("create");
    let pcm = sines(&[440.0], 44_100, 1.0);
    for chunk in pcm.chunks(4410) {
        wav.write_samples(chunk).expect("write");
    }
    wav.finish().expect("finish");

    let mut source = FileAudioSource::open(&path).expect("open");
    assert_eq!(source.channels(), 1);
    let frames = drain(&mut source);
    // 1 s at 48 kHz is exactly 50 frames of 960 samples.
    assert_eq!(frames.len(), 50);
    assert!(
        frames
            .iter()
            .all(|f| f.samples.len() == FRAME_SAMPLES && f.channels == 1)
    );
    let f = dominant_frequency(&channel(&frames, 0), 1);
    assert!((f - 440.0).abs() < 0.5, "{f} Hz");
    std::fs::remove_file(&path).ok();
}

#[test]
fn stereo_wav_at_48000_stays_stereo_and_loops() {
    let path = temp("stereo48k.wav");
    let pcm = sines(&[300.0, 1200.0], 48_000, 0.5);
    write_wav(
        &path,
        &AudioFrame {
            samples: pcm.clone(),
            channels: 2,
        },
    )
    .expect("write");
    let mut source = FileAudioSource::open(&path).expect("open");
    assert_eq!(source.channels(), 2);
    let frames = drain(&mut source);
    assert_eq!(frames.len(), 25);
    // At the native rate the samples pass through untouched.
    let flat: Vec<i16> = frames.iter().flat_map(|f| f.samples.clone()).collect();
    assert_eq!(flat, pcm);
    assert!((dominant_frequency(&channel(&frames, 0), 1) - 300.0).abs() < 0.5);
    assert!((dominant_frequency(&channel(&frames, 1), 1) - 1200.0).abs() < 0.5);

    let mut looping = FileAudioSource::open(&path).expect("open").looping(true);
    let frames: Vec<_> = (0..80).map_while(|_| looping.next_frame()).collect();
    assert_eq!(frames.len(), 80, "a looping file never ends");
    assert_eq!(frames[25], frames[0]);
    std::fs::remove_file(&path).ok();
}

/// Writes `pcm` (interleaved, 16-bit) as an uncompressed FLAC file.
fn write_flac(path: &Path, pcm: &[i16], channels: u8, rate: u32) {
    const BLOCK: usize = 4096;
    let frames_total = pcm.len() / usize::from(channels);
    let mut out = b"fLaC".to_vec();
    // STREAMINFO, the last metadata block: 34 bytes.
    out.extend([0x80, 0, 0, 34]);
    out.extend((BLOCK as u16).to_be_bytes()); // min block size
    out.extend((BLOCK as u16).to_be_bytes()); // max block size
    out.extend([0; 6]); // min/max frame size unknown
    let packed: u64 = (u64::from(rate) << 44)
        | (u64::from(channels - 1) << 41)
        | (15u64 << 36)
        | frames_total as u64;
    out.extend(packed.to_be_bytes());
    out.extend([0; 16]); // MD5 unknown
    for (number, block) in pcm.chunks(BLOCK * usize::from(channels)).enumerate() {
        let len = block.len() / usize::from(channels);
        let start = out.len();
        // Sync, fixed blocking; block size from the end of the header; rate from STREAMINFO;
        // independent channels; 16 bits per sample.
        out.extend([0xff, 0xf8, 0x70, ((channels - 1) << 4) | 0x08]);
        assert!(
            number < 128,
            "frame numbers above 127 need multi-byte UTF-8 coding"
        );
        out.push(number as u8);
        out.extend(((len - 1) as u16).to_be_bytes());
        out.push(crc8(&out[start..]));
        for c in 0..usize::from(channels) {
            out.push(0x02); // verbatim subframe, no wasted bits
            for s in block.iter().skip(c).step_by(usize::from(channels)) {
                out.extend(s.to_be_bytes());
            }
        }
        out.extend(crc16(&out[start..]).to_be_bytes());
    }
    std::fs::write(path, out).expect("write flac");
}

fn crc8(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |mut crc, &b| {
        crc ^= b;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
        crc
    })
}

fn crc16(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0u16, |mut crc, &b| {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x8005
            } else {
                crc << 1
            };
        }
        crc
    })
}

#[test]
fn flac_at_44100_plays_at_48000_with_its_pitch() {
    let path = temp("tones.flac");
    write_flac(&path, &sines(&[440.0, 660.0], 44_100, 1.0), 2, 44_100);
    let mut source = FileAudioSource::open(&path).expect("open flac");
    assert_eq!(source.channels(), 2);
    let frames = drain(&mut source);
    assert_eq!(frames.len(), 50);
    let (left, right) = (channel(&frames, 0), channel(&frames, 1));
    assert!((dominant_frequency(&left, 1) - 440.0).abs() < 0.5);
    assert!((dominant_frequency(&right, 1) - 660.0).abs() < 0.5);
    std::fs::remove_file(&path).ok();
}

#[test]
fn missing_or_foreign_files_are_clear_errors() {
    let missing = temp("does-not-exist.wav");
    let err = FileAudioSource::open(&missing).err().expect("missing file");
    assert!(matches!(&err, MediaError::Io(e) if e.kind() == std::io::ErrorKind::NotFound));
    let text = err.to_string();
    assert!(
        text.contains("does-not-exist.wav"),
        "names the file: {text}"
    );
    assert!(text.to_lowercase().contains("no such file"), "{text}");

    let y4m = chorus_media::Y4mSource::open(&missing)
        .err()
        .expect("missing y4m");
    assert!(y4m.to_string().contains("does-not-exist.wav"));

    let path = temp("notes.txt");
    std::fs::write(&path, "these are not the samples you are looking for").expect("write");
    let err = FileAudioSource::open(&path).err().expect("not audio");
    assert!(matches!(err, MediaError::Unsupported(_)), "{err:?}");
    assert!(
        err.to_string().contains("wav, mp3"),
        "says what is supported: {err}"
    );

    // A WAV header promising data that is not there.
    let empty = temp("empty.wav");
    WavWriter::create(&empty, 1)
        .expect("create")
        .finish()
        .expect("finish");
    assert!(FileAudioSource::open(&empty).is_err());
    std::fs::remove_file(&path).ok();
    std::fs::remove_file(&empty).ok();
}
