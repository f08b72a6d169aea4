//! The sign crate's behaviour tests, one module per behaviour, in one binary (one link
//! instead of one per file); `common` holds the key pair, clock and request they share.

mod common;

mod known_answer_vectors;
mod signed_request_verifies;
mod tampered_or_stale_requests_are_rejected;
mod verify_never_panics;
mod webhook_signature;
