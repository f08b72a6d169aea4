//! y4m files written by `write_y4m` play back frame for frame, at the header's rate.

use chorus_media::{
    MediaError, PatternSource, VideoSource, Y4mSource, read_pattern_counter, write_y4m,
};

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("chorus-media-{}-{name}", std::process::id()))
}

#[test]
fn written_frames_read_back_identically_and_loop() {
    let mut pattern = PatternSource::new(160, 120, 15);
    let frames: Vec<_> = (0..5)
        .map(|_| pattern.next_frame().expect("frame"))
        .collect();
    let path = temp("roundtrip.y4m");
    write_y4m(&path, &frames, 15).expect("write");

    let mut source = Y4mSource::open(&path).expect("open");
    assert_eq!(source.fps(), 15);
    assert_eq!(source.size(), (160, 120));
    for expected in &frames {
        assert_eq!(source.next_frame().as_ref(), Some(expected));
    }
    assert_eq!(source.next_frame(), None);

    let mut looping = Y4mSource::open(&path).expect("open").looping(true);
    let counters: Vec<_> = (0..12)
        .map(|_| read_pattern_counter(&looping.next_frame().expect("loops forever")))
        .collect();
    let expected: Vec<_> = (0..12).map(|i| Some(i % 5)).collect();
    assert_eq!(counters, expected);
    std::fs::remove_file(&path).ok();
}

#[test]
fn headers_from_other_tools_are_understood() {
    // Odd size, fractional NTSC rate, no colour space tag, frame parameters present.
    let path = temp("foreign.y4m");
    let (w, h) = (5usize, 3usize);
    let frame_len = w * h + 2 * 3 * 2;
    let mut bytes = b"YUV4MPEG2 W5 H3 F30000:1001 It A0:0 XYSCSS=420JPEG\n".to_vec();
    bytes.extend(b"FRAME Ixyz\n");
    bytes.extend((0..frame_len).map(|i| i as u8));
    std::fs::write(&path, &bytes).expect("write");
    assert!(
        matches!(Y4mSource::open(&path), Err(MediaError::Unsupported(_))),
        "interlaced"
    );

    let mut bytes = b"YUV4MPEG2 W5 H3 F30000:1001 Ip A0:0\n".to_vec();
    bytes.extend(b"FRAME Ixyz\n");
    bytes.extend((0..frame_len).map(|i| i as u8));
    std::fs::write(&path, &bytes).expect("write");
    let mut source = Y4mSource::open(&path).expect("open");
    assert_eq!(source.fps(), 30);
    let frame = source.next_frame().expect("one frame");
    assert_eq!((frame.width, frame.height), (5, 3));
    assert_eq!(frame.u.len(), 6);
    assert_eq!(frame.v[5], (frame_len - 1) as u8);
    assert_eq!(source.next_frame(), None);
    std::fs::remove_file(&path).ok();
}

#[test]
fn unsupported_or_broken_y4m_is_an_error() {
    let path = temp("bad.y4m");
    std::fs::write(&path, b"YUV4MPEG2 W4 H4 F25:1 C444\nFRAME\n").expect("write");
    let err = Y4mSource::open(&path).err().expect("4:4:4");
    assert!(err.to_string().contains("4:2:0"), "{err}");
    // Not y4m at all (and no newline to end a header).
    std::fs::write(&path, b"RIFF....WAVE").expect("write");
    assert!(matches!(Y4mSource::open(&path), Err(MediaError::Decode(_))));
    std::fs::write(&path, b"YUV4MPEG2 W4 H4 F25:1\nFRAME\n\x10\x10").expect("write");
    let mut truncated = Y4mSource::open(&path).expect("header is fine");
    assert_eq!(truncated.next_frame(), None);
    std::fs::remove_file(&path).ok();
}
