//! H.264 and VP8 keyframe detection on any RTP payload, never a panic.
//! The work is in `chorus_server::fuzz_entry`, which the server's fuzz_corpus test also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| chorus_server::fuzz_entry::keyframe(data));
