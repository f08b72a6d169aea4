//! Under content too costly for the bitrate the encoder holds the rate by skipping frames, and
//! a keyframe asked for during such a stretch still arrives.

use chorus_media::{H264Decoder, H264Encoder, VideoFrame, is_h264_keyframe};

fn noise(seed: &mut u32) -> VideoFrame {
    let mut frame = VideoFrame::black(320, 240);
    for p in frame.y.iter_mut().chain(frame.u.iter_mut()) {
        *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *p = (*seed >> 24) as u8;
    }
    frame
}

#[test]
fn noise_is_held_near_the_target_bitrate_and_keyframes_still_come() {
    let mut encoder = H264Encoder::new(320, 240, 30, 500_000).expect("encoder");
    let mut decoder = H264Decoder::new().expect("decoder");
    let mut seed = 7;
    let mut bytes = 0;
    for _ in 0..30 {
        bytes += encoder
            .encode(&noise(&mut seed), false)
            .expect("encode")
            .data
            .len();
    }
    // One second of pure noise: without rate control this is about 7 Mbit.
    assert!(
        bytes * 8 < 2 * 500_000 + 300_000,
        "{} bits in 1 s",
        bytes * 8
    );

    let mut keyframe_after = None;
    for i in 0..30 {
        let out = encoder.encode(&noise(&mut seed), i == 0).expect("encode");
        if out.keyframe {
            assert!(is_h264_keyframe(&out.data));
            assert!(decoder.decode(&out.data).expect("decode").is_some());
            keyframe_after = Some(i);
            break;
        }
        assert!(out.data.is_empty() || !is_h264_keyframe(&out.data));
    }
    assert!(
        keyframe_after.is_some(),
        "the requested keyframe never came"
    );
}
