//! AMF0 command values as an RTMP server answers a live-transcoding push, and push URLs: never
//! a panic. The work is in `chorus_server::fuzz_entry`, which the server's fuzz_corpus test
//! also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| chorus_server::fuzz_entry::rtmp_replies(data));
