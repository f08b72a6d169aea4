//! Why a TLS configuration could not be made.

use std::path::PathBuf;

/// Why a certificate, key or root store could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A PEM file held nothing usable of what it should.
    #[error("{path}: {what}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What was wrong with it.
        what: String,
    },
    /// rustls refused the certificate, key or configuration.
    #[error("{context}: {source}")]
    Rustls {
        /// What was being done.
        context: String,
        /// rustls's reason.
        source: rustls::Error,
    },
    /// A certificate could not be generated.
    #[error("cannot make a self-signed certificate: {0}")]
    Generate(String),
}
