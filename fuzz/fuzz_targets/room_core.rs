//! The room core under any sequence of commands and clock steps keeps its invariants: sessions
//! unique, forwards only between present users of published streams, missed-event bytes
//! accounted, outputs only to sessions in the room.
//! The work is in `chorus_server::fuzz_entry`, which the server's fuzz_corpus test also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| chorus_server::fuzz_entry::room_core(data));
