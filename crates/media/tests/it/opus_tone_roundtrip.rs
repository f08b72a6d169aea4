//! A 440 Hz tone survives Opus encoding and decoding as 440 Hz, and loss handling yields
//! full frames.

use chorus_media::{
    AudioFrame, AudioSource, FRAME_SAMPLES, MediaError, OpusDecoder, OpusEncoder, ToneSource,
    dominant_frequency, rms,
};

#[test]
fn tone_through_opus_keeps_its_frequency() {
    let mut tone = ToneSource::new(440.0);
    let mut encoder = OpusEncoder::new(1, 32_000).expect("encoder");
    let mut decoder = OpusDecoder::new(1).expect("decoder");
    let mut decoded = Vec::new();
    for _ in 0..50 {
        let frame = tone.next_frame().expect("tones never end");
        let packet = encoder.encode(&frame).expect("encode");
        assert!(!packet.is_empty() && packet.len() < 400, "{}", packet.len());
        let out = decoder.decode(&packet).expect("decode");
        assert_eq!(out.samples.len(), FRAME_SAMPLES);
        assert_eq!(out.channels, 1);
        decoded.extend(out.samples);
    }
    // Skip the codec's start-up, then measure one second's tail.
    let f = dominant_frequency(&decoded[4800..], 1);
    assert!((f - 440.0).abs() <= 2.0, "decoded tone is {f} Hz");
    let level = rms(&decoded[4800..]);
    assert!((level - 0.354).abs() < 0.08, "level {level}");
}

#[test]
fn stereo_frames_roundtrip_as_stereo() {
    let mut encoder = OpusEncoder::new(2, 64_000).expect("encoder");
    let mut decoder = OpusDecoder::new(2).expect("decoder");
    let mut tone = ToneSource::new(1000.0);
    let mut decoded = Vec::new();
    for _ in 0..30 {
        let mono = tone.next_frame().expect("tone");
        let stereo = AudioFrame {
            samples: mono.samples.iter().flat_map(|&s| [s, s]).collect(),
            channels: 2,
        };
        let out = decoder
            .decode(&encoder.encode(&stereo).expect("encode"))
            .expect("decode");
        assert_eq!(out.samples.len(), 2 * FRAME_SAMPLES);
        assert_eq!(out.duration().as_millis(), 20);
        decoded.extend(out.samples);
    }
    let f = dominant_frequency(&decoded[2 * 4800..], 2);
    assert!((f - 1000.0).abs() <= 2.0, "{f}");
}

#[test]
fn lost_packets_are_concealed_or_recovered_from_fec() {
    let mut tone = ToneSource::new(440.0);
    let mut encoder = OpusEncoder::new(1, 32_000).expect("encoder");
    let mut decoder = OpusDecoder::new(1).expect("decoder");
    let packets: Vec<Vec<u8>> = (0..20)
        .map(|_| {
            encoder
                .encode(&tone.next_frame().expect("tone"))
                .expect("encode")
        })
        .collect();
    for p in &packets[..10] {
        decoder.decode(p).expect("decode");
    }
    // Packet 10 is lost and nothing newer has arrived yet: conceal it.
    let concealed = decoder.conceal().expect("plc");
    assert_eq!(concealed.samples.len(), FRAME_SAMPLES);
    assert!(rms(&concealed.samples) > 0.05, "PLC continues the tone");
    decoder.decode(&packets[11]).expect("decode");
    // Packet 12 is lost but 13 is here: recover 12 from 13's inband FEC, then play 13.
    let recovered = decoder.decode_fec(&packets[13]).expect("fec");
    assert_eq!(recovered.samples.len(), FRAME_SAMPLES);
    assert!(rms(&recovered.samples) > 0.05);
    assert_eq!(
        decoder.decode(&packets[13]).expect("decode").samples.len(),
        FRAME_SAMPLES
    );
}

#[test]
fn bad_input_is_an_error_not_a_crash() {
    let mut encoder = OpusEncoder::new(1, 32_000).expect("encoder");
    let short = AudioFrame {
        samples: vec![0; 100],
        channels: 1,
    };
    let err = encoder.encode(&short).expect_err("10 ms of a 20 ms frame");
    assert!(err.to_string().contains("20 ms"), "{err}");
    assert!(encoder.encode(&AudioFrame::silence(2)).is_err());
    assert!(matches!(
        OpusEncoder::new(3, 32_000),
        Err(MediaError::InvalidArgument(_))
    ));
    assert!(OpusDecoder::new(0).is_err());

    let mut decoder = OpusDecoder::new(1).expect("decoder");
    assert!(decoder.decode(&[]).is_err());
    // A TOC byte announcing a code-3 packet with no frame count: corrupt.
    let err = decoder.decode(&[0xff]).expect_err("corrupt packet");
    assert!(matches!(err, MediaError::Opus(_)), "{err:?}");
    assert!(err.to_string().contains("opus"), "{err}");
    for seed in 0u8..64 {
        let junk: Vec<u8> = (0..seed as usize * 7 + 1)
            .map(|i| (i as u8).wrapping_mul(31) ^ seed)
            .collect();
        let _ = decoder.decode(&junk);
    }
}
