//! The test card's frame counter reads back exactly after H.264 at 320x240 and 500 kbps.

use chorus_media::{
    H264Decoder, H264Encoder, PatternSource, VideoSource, is_h264_keyframe, read_pattern_counter,
};

fn roundtrip(mut source: PatternSource) {
    let (w, h) = source.size();
    let mut encoder = H264Encoder::new(w, h, source.fps(), 500_000).expect("encoder");
    let mut decoder = H264Decoder::new().expect("decoder");
    let mut bytes = 0;
    for n in 0..100u32 {
        let frame = source.next_frame().expect("patterns never end");
        let encoded = encoder.encode(&frame, false).expect("encode");
        assert_eq!(encoded.keyframe, n == 0, "frame {n}");
        assert_eq!(is_h264_keyframe(&encoded.data), n == 0, "frame {n}");
        bytes += encoded.data.len();
        let decoded = decoder
            .decode(&encoded.data)
            .expect("decode")
            .expect("a picture per access unit");
        assert_eq!((decoded.width, decoded.height), (w, h));
        assert_eq!(read_pattern_counter(&decoded), Some(n), "frame {n}");
    }
    // 100 frames at 30 fps and 500 kbps is about 208 KB; allow the first keyframe's overshoot.
    assert!(bytes < 400_000, "{bytes} bytes for 100 frames");
}

#[test]
fn camera_card_counter_survives_h264_at_500_kbps() {
    roundtrip(PatternSource::new(320, 240, 30));
}

#[test]
fn screen_card_counter_survives_h264_at_500_kbps() {
    roundtrip(PatternSource::screen(320, 240, 30));
}
