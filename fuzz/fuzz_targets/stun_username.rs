//! The SFU reads the USERNAME of any datagram as a STUN binding request without panicking.
//! The work is in `chorus_server::fuzz_entry`, which the server's fuzz_corpus test also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| chorus_server::fuzz_entry::stun_username(data));
