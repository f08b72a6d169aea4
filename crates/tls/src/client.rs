//! What a client trusts. Roots are the system's (as rustls-native-certs finds them: the
//! platform store, or `SSL_CERT_FILE` / `SSL_CERT_DIR` when set), plus the certificates of
//! a private CA when one is given. One configuration serves WebSockets and HTTPS alike.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::server::{pem_error, read};
use crate::{TlsError, provider};

/// A client's TLS configuration; cheap to clone. Two are equal when they are the same
/// configuration (clones of one another).
#[derive(Debug, Clone)]
pub struct ClientTls(Arc<ClientConfig>);

impl PartialEq for ClientTls {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ClientTls {}

impl ClientTls {
    /// The system's roots only, loaded once per process.
    pub fn system() -> Result<Self, TlsError> {
        static SYSTEM: OnceLock<ClientTls> = OnceLock::new();
        if let Some(tls) = SYSTEM.get() {
            return Ok(tls.clone());
        }
        let tls = Self::build(Vec::new())?;
        Ok(SYSTEM.get_or_init(|| tls).clone())
    }

    /// The system's roots and the CA certificates in the PEM file at `path`.
    pub fn with_ca_file(path: &Path) -> Result<Self, TlsError> {
        let pem = read(path)?;
        Self::with_ca_pem(&pem).map_err(|e| match e {
            TlsError::Pem { what, .. } => pem_error(path, what),
            other => other,
        })
    }

    /// The system's roots and the CA certificates in `pem`.
    pub fn with_ca_pem(pem: &[u8]) -> Result<Self, TlsError> {
        let extra = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| pem_error(Path::new("CA"), e.to_string()))?;
        if extra.is_empty() {
            return Err(pem_error(Path::new("CA"), "no CERTIFICATE in it".into()));
        }
        Self::build(extra)
    }

    /// Only the CA certificates in `pem`, not the system's: for tests, and for a client
    /// that must trust its own CA and nothing else.
    pub fn only_ca_pem(pem: &[u8]) -> Result<Self, TlsError> {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| pem_error(Path::new("CA"), e.to_string()))?;
            add(&mut roots, cert)?;
        }
        Self::finish(roots)
    }

    /// The same trust without TLS session resumption: every connection makes a full
    /// handshake (for benchmarks that time one).
    pub fn without_resumption(&self) -> ClientTls {
        let mut config = (*self.0).clone();
        config.resumption = rustls::client::Resumption::disabled();
        ClientTls(Arc::new(config))
    }

    /// The rustls configuration.
    pub fn config(&self) -> Arc<ClientConfig> {
        self.0.clone()
    }

    fn build(extra: Vec<CertificateDer<'static>>) -> Result<Self, TlsError> {
        let mut roots = RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        for e in &native.errors {
            tracing::debug!(error = %e, "a system root store could not be read");
        }
        // Some system roots are malformed or use what webpki refuses; skip those alone.
        let (_added, skipped) = roots.add_parsable_certificates(native.certs);
        if skipped > 0 {
            tracing::debug!(skipped, "system root certificates skipped");
        }
        for cert in extra {
            add(&mut roots, cert)?;
        }
        Self::finish(roots)
    }

    fn finish(roots: RootCertStore) -> Result<Self, TlsError> {
        if roots.is_empty() {
            // Plain http:// still works; https:// fails with an unknown issuer, which names
            // the cause. Install ca-certificates, or give a CA file.
            tracing::warn!("no trusted root certificates: https:// and wss:// will fail");
        }
        let config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|source| TlsError::Rustls {
                context: "TLS versions".into(),
                source,
            })?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(ClientTls(Arc::new(config)))
    }
}

fn add(roots: &mut RootCertStore, cert: CertificateDer<'static>) -> Result<(), TlsError> {
    roots.add(cert).map_err(|source| TlsError::Rustls {
        context: "a CA certificate".into(),
        source,
    })
}

/// When `error` (or one of its causes) is a refused TLS handshake, says so in words a user
/// can act on: whose certificate, why, and how to trust a private CA.
pub fn describe_tls_failure(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(match tls {
                rustls::Error::InvalidCertificate(_) => format!(
                    "the server's TLS certificate is not trusted ({tls}); if it comes from a \
                     private CA, trust that CA (--ca FILE, or ClientTls::with_ca_file)"
                ),
                other => format!("the TLS handshake failed: {other}"),
            });
        }
        // An io::Error hides what it wraps from `source()`: look inside it too.
        next = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}
