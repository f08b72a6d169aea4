//! ICE-TCP (RFC 4571) deframing of any byte stream, read in any chunk sizes, hands out exactly
//! the frames it holds.
//! The work is in `chorus_server::fuzz_entry`, which the server's fuzz_corpus test also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| chorus_server::fuzz_entry::ice_tcp_frames(data));
