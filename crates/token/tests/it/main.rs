//! The token crate's behaviour tests, one module per behaviour, in one binary (one link
//! instead of one per file).

mod token_build_errors;
mod token_expiry;
mod token_malformed;
mod token_never_panics;
mod token_privileges;
mod token_roundtrip;
mod token_vectors;
