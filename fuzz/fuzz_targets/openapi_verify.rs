//! Any request reaching the OpenAPI is verified or refused with a typed error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Split the input into path, query, Authorization, X-Date and body at 0xff bytes.
    let mut parts = data.split(|b| *b == 0xff);
    let mut next = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let (path, query, authorization, x_date) = (next(), next(), next(), next());
    let body = next();
    let headers = [
        ("Host", "127.0.0.1:8080"),
        ("Authorization", authorization.as_str()),
        ("X-Date", x_date.as_str()),
    ];
    let request = chorus_sign::SigningRequest {
        method: "POST",
        path: &path,
        query: &query,
        headers: &headers,
        body: body.as_bytes(),
    };
    let _ = chorus_sign::verify(&request, |ak| (ak == "AK").then_some("SK"), 1_700_000_000, 900);
});
