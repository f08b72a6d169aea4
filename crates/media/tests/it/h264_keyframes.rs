//! Keyframes come when asked for, the stream is constrained baseline, and bad input is an
//! error rather than a crash.

use chorus_media::{
    H264Decoder, H264Encoder, MediaError, PatternSource, VideoFrame, VideoSource, is_h264_keyframe,
};

/// The first SPS's profile_idc and constraint flags byte.
fn sps_profile(annex_b: &[u8]) -> Option<(u8, u8)> {
    let at = annex_b
        .windows(4)
        .position(|w| w[..3] == [0, 0, 1] && w[3] & 0x1f == 7)?;
    Some((*annex_b.get(at + 4)?, *annex_b.get(at + 5)?))
}

#[test]
fn force_keyframe_gives_an_idr_with_parameter_sets() {
    let mut source = PatternSource::new(320, 240, 30);
    let mut encoder = H264Encoder::new(320, 240, 30, 500_000).expect("encoder");
    let first = encoder
        .encode(&source.next_frame().expect("frame"), false)
        .expect("encode");
    assert!(first.keyframe && is_h264_keyframe(&first.data));
    for _ in 0..5 {
        let delta = encoder
            .encode(&source.next_frame().expect("frame"), false)
            .expect("encode");
        assert!(!delta.keyframe && !is_h264_keyframe(&delta.data));
    }
    let forced = encoder
        .encode(&source.next_frame().expect("frame"), true)
        .expect("encode");
    assert!(forced.keyframe, "force_keyframe must give an IDR");
    assert!(is_h264_keyframe(&forced.data));
    let (profile, constraints) = sps_profile(&forced.data).expect("IDR carries an SPS");
    assert_eq!(profile, 66, "baseline profile_idc");
    assert_ne!(
        constraints & 0x40,
        0,
        "constraint_set1_flag: constrained baseline"
    );

    // A decoder that joins at the forced keyframe decodes it.
    let mut late = H264Decoder::new().expect("decoder");
    assert!(late.decode(&forced.data).expect("decode").is_some());
}

#[test]
fn wrong_sizes_and_garbage_are_errors() {
    assert!(matches!(
        H264Encoder::new(321, 240, 30, 500_000),
        Err(MediaError::InvalidArgument(_))
    ));
    assert!(H264Encoder::new(320, 240, 0, 500_000).is_err());
    assert!(H264Encoder::new(8000, 8000, 30, 500_000).is_err());
    let mut encoder = H264Encoder::new(320, 240, 30, 500_000).expect("encoder");
    assert!(encoder.encode(&VideoFrame::black(640, 480), false).is_err());
    let mut malformed = VideoFrame::black(320, 240);
    malformed.u.pop();
    let err = encoder
        .encode(&malformed, false)
        .expect_err("short chroma plane");
    assert!(err.to_string().contains("planes"), "{err}");

    let mut decoder = H264Decoder::new().expect("decoder");
    for junk in [
        &[][..],
        &[0, 0, 0, 1][..],
        &[0, 0, 0, 1, 0x65, 0xff, 0xff, 0xff][..],
        &[0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68][..],
    ] {
        // Either an error or "no picture": never a panic, never a bogus frame.
        if let Ok(Some(frame)) = decoder.decode(junk) {
            panic!(
                "garbage decoded to a {}x{} picture",
                frame.width, frame.height
            );
        }
    }
}
