//! The listener's TLS: a rustls server configuration whose certificate is looked up per
//! handshake, so a reload swaps it for new connections while open ones keep theirs.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::ServerConfig;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::{SelfSigned, TlsError, provider};

/// Where the certificate comes from.
#[derive(Debug, Clone)]
pub enum CertSource {
    /// A chain and its key in PEM files, read again on each reload.
    Files {
        /// The certificate chain, leaf first.
        cert: PathBuf,
        /// The private key (PKCS#8, PKCS#1 or SEC1).
        key: PathBuf,
    },
    /// Made once at start-up; a reload keeps it.
    SelfSigned(SelfSigned),
}

/// The server side: the configuration to hand the acceptor, and the certificate behind it.
#[derive(Debug, Clone)]
pub struct ServerTls {
    source: Arc<CertSource>,
    current: Arc<Current>,
    config: Arc<ServerConfig>,
}

/// The certificate handed to each new handshake.
#[derive(Debug)]
struct Current(RwLock<Arc<CertifiedKey>>);

impl ResolvesServerCert for Current {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        // A poisoned lock still holds a whole certificate: the swap is one assignment.
        Some(match self.0.read() {
            Ok(key) => key.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        })
    }
}

impl ServerTls {
    /// Loads the certificate from `source` and makes the configuration (HTTP/1.1 by ALPN).
    pub fn new(source: CertSource) -> Result<Self, TlsError> {
        let key = load(&source)?;
        let current = Arc::new(Current(RwLock::new(Arc::new(key))));
        let mut config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|source| TlsError::Rustls {
                context: "TLS versions".into(),
                source,
            })?
            .with_no_client_auth()
            .with_cert_resolver(current.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(ServerTls {
            source: Arc::new(source),
            current,
            config: Arc::new(config),
        })
    }

    /// The configuration for the acceptor; it follows reloads.
    pub fn config(&self) -> Arc<ServerConfig> {
        self.config.clone()
    }

    /// Reads the certificate files again and hands the new certificate to every handshake
    /// from now on. On error the old certificate stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let key = Arc::new(load(&self.source)?);
        match self.current.0.write() {
            Ok(mut current) => *current = key,
            Err(poisoned) => *poisoned.into_inner() = key,
        }
        Ok(())
    }

    /// The leaf certificate served now, DER.
    pub fn leaf_der(&self) -> Vec<u8> {
        let current = match self.current.0.read() {
            Ok(key) => key.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        current
            .cert
            .first()
            .map(|c| c.as_ref().to_vec())
            .unwrap_or_default()
    }
}

fn load(source: &CertSource) -> Result<CertifiedKey, TlsError> {
    let (cert_path, key_path) = match source {
        CertSource::Files { cert, key } => (cert.as_path(), key.as_path()),
        CertSource::SelfSigned(_) => (
            Path::new("self-signed certificate"),
            Path::new("self-signed key"),
        ),
    };
    let chain = match source {
        CertSource::Files { cert, .. } => read(cert)?,
        CertSource::SelfSigned(made) => made.cert_pem.clone().into_bytes(),
    };
    let chain = CertificateDer::pem_slice_iter(&chain)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(cert_path, e.to_string()))?;
    if chain.is_empty() {
        return Err(pem_error(cert_path, "no CERTIFICATE in it".into()));
    }
    let key = match source {
        CertSource::Files { key, .. } => read(key)?,
        CertSource::SelfSigned(made) => made.key_pem.clone().into_bytes(),
    };
    let key = PrivateKeyDer::from_pem_slice(&key)
        .map_err(|e| pem_error(key_path, format!("no private key in it ({e})")))?;
    CertifiedKey::from_der(chain, key, &provider()).map_err(|source| TlsError::Rustls {
        context: format!(
            "the key {} does not fit the certificate {}",
            key_path.display(),
            cert_path.display()
        ),
        source,
    })
}

pub(crate) fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })
}

pub(crate) fn pem_error(path: &Path, what: String) -> TlsError {
    TlsError::Pem {
        path: path.to_owned(),
        what,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::self_signed;

    fn names() -> Vec<String> {
        vec!["localhost".into()]
    }

    #[test]
    fn a_key_that_does_not_fit_the_certificate_is_refused() {
        let one = self_signed(&names()).expect("a certificate");
        let other = self_signed(&names()).expect("another");
        let mixed = SelfSigned {
            cert_pem: one.cert_pem,
            key_pem: other.key_pem,
        };
        let e = ServerTls::new(CertSource::SelfSigned(mixed)).expect_err("mismatched");
        assert!(e.to_string().contains("does not fit"), "{e}");
    }

    #[test]
    fn files_without_pem_say_which_file() {
        let dir = std::env::temp_dir().join(format!("chorus-tls-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let cert = dir.join("empty.crt");
        std::fs::write(&cert, "nothing here").expect("written");
        let e = ServerTls::new(CertSource::Files {
            cert: cert.clone(),
            key: dir.join("missing.key"),
        })
        .expect_err("no certificate");
        assert!(e.to_string().contains("empty.crt"), "{e}");
        let made = self_signed(&names()).expect("a certificate");
        std::fs::write(&cert, &made.cert_pem).expect("written");
        let e = ServerTls::new(CertSource::Files {
            cert,
            key: dir.join("missing.key"),
        })
        .expect_err("no key file");
        assert!(e.to_string().contains("missing.key"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_self_signed_certificate_loads() {
        let made = self_signed(&names()).expect("a certificate");
        let tls = ServerTls::new(CertSource::SelfSigned(made)).expect("it loads");
        assert!(!tls.leaf_der().is_empty());
        tls.reload().expect("a reload keeps it");
    }
}
