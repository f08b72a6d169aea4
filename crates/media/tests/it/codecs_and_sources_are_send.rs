//! Codecs and sources move into whatever task or thread the SDK or server runs them on.

use chorus_media::{
    AudioSource, FileAudioSource, H264Decoder, H264Encoder, OpusDecoder, OpusEncoder,
    PatternSource, ToneSource, VideoSource, WavWriter, Y4mSource,
};

fn send<T: Send>() {}

#[test]
fn codecs_and_sources_are_send() {
    send::<OpusEncoder>();
    send::<OpusDecoder>();
    send::<H264Encoder>();
    send::<H264Decoder>();
    send::<ToneSource>();
    send::<FileAudioSource>();
    send::<PatternSource>();
    send::<Y4mSource>();
    send::<WavWriter>();
    send::<Box<dyn AudioSource>>();
    send::<Box<dyn VideoSource>>();

    // And they work after the move.
    let mut encoder = OpusEncoder::new(1, 32_000).expect("encoder");
    let mut tone = ToneSource::new(440.0);
    let packet = std::thread::spawn(move || encoder.encode(&tone.next_frame().expect("tone")))
        .join()
        .expect("thread")
        .expect("encode");
    assert!(!packet.is_empty());
}
