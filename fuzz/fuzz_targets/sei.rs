//! SEI messages read out of any H.264 access unit, never a panic, and written ones read back.
//! The work is in `chorus_server::fuzz_entry`, which the server's fuzz_corpus test also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| chorus_server::fuzz_entry::sei(data));
