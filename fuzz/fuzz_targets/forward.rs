//! The SFU's forwarding path under a connected publisher's hostile RTP (any header fields,
//! extensions, payloads, sequence and timestamp jumps, unknown SSRCs) and its subscribers'
//! feedback, layer switches, pauses and leaving, in simulated time: no panic, and nothing
//! forwarded to the wrong track, under a reused sequence number, or to a peer that left.
//! The work is in `chorus_server::fuzz_entry`; the seed corpus replays in the server's tests.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| chorus_server::fuzz_entry::forward(data));
