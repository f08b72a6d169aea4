//! Chorus's one TLS stack: rustls with the aws-lc-rs provider (the one str0m already uses for
//! DTLS), so the server, the native SDK, the `chorus` commands, webhooks and server messages
//! share one implementation and one way of choosing roots.
//!
//! - [`ServerTls`]: the listener's certificate, from PEM files or made up on the spot, and
//!   swapped in place on reload so open connections keep theirs.
//! - [`ClientTls`]: the roots a client trusts: the system's, plus any private CA.
//!
//! No I/O beyond reading the files named; no tokio: the shells wrap these configurations in
//! their own streams.

mod client;
mod error;
mod self_signed;
mod server;

pub use client::{ClientTls, describe_tls_failure};
pub use error::TlsError;
pub use self_signed::{SelfSigned, self_signed};
pub use server::{CertSource, ServerTls};

/// The one crypto provider, for every configuration built here.
fn provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Makes [`provider`] the process's default, for libraries that build their own rustls
/// configuration from it (the Redis client's). Several providers are linked (dependencies
/// bring `ring` too), so without a default such a library cannot pick one. Idempotent.
pub fn install_process_provider() {
    // Err: a default is already installed (by an earlier call); it stays.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

pub use rustls::{ClientConfig, ServerConfig};
