//! The contract's tests, one module per behaviour, in one binary (one link instead of one
//! per file).

mod error_codes;
mod typescript_fresh;
