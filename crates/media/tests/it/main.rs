//! The media core's behaviour tests, one module per behaviour, in one binary (one link
//! instead of one per file). None of them runs in real time, so they run in parallel freely.

mod codecs_and_sources_are_send;
mod file_audio_source;
mod h264_keyframes;
mod h264_pattern_counter;
mod h264_rate_control;
mod opus_tone_roundtrip;
mod snapshot_rgba_png;
mod y4m_roundtrip;
