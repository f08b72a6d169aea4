//! Any text a client or server sends parses to a frame or a typed error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(frame) = chorus_proto::RequestFrame::parse(text) {
            // What parses re-serialises and parses back the same.
            let again = chorus_proto::RequestFrame::parse(&frame.to_json());
            assert_eq!(again.as_ref().ok(), Some(&frame));
        }
        let _ = chorus_proto::ServerFrame::parse(text);
    }
});
