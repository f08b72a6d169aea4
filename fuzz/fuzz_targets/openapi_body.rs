//! Any OpenAPI POST body is parsed and checked as every action's parameters without panicking.
//! The work is in `chorus_server::fuzz_entry`, which the server's fuzz_corpus test also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| chorus_server::fuzz_entry::openapi_body(data));
