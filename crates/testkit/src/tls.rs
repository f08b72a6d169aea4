//! A private certificate authority for TLS tests: it issues server certificates for
//! loopback names and writes them where a server config can point.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use chorus_sdk::ClientTls;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

/// A CA made for one test.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A server certificate and its key, written to files.
#[derive(Debug, Clone)]
pub struct ServerCert {
    /// The chain (leaf, then the CA), PEM.
    pub cert: PathBuf,
    /// The leaf's key, PEM.
    pub key: PathBuf,
}

impl TestCa {
    /// A new CA named `name`.
    pub fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("empty names");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("a key pair");
        TestCa {
            issuer: CertifiedIssuer::self_signed(params, key).expect("a CA certificate"),
        }
    }

    /// The CA's certificate, PEM.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A client that trusts this CA and nothing else.
    pub fn client(&self) -> ClientTls {
        ClientTls::only_ca_pem(self.pem().as_bytes()).expect("the CA's own certificate")
    }

    /// Issues a certificate for `names` (DNS names or IPs), and writes it with its key into
    /// `dir` (created if need be) as `server.crt` and `server.key`.
    pub fn issue_into(&self, names: &[&str], dir: &Path) -> ServerCert {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let params = CertificateParams::new(names).expect("valid names");
        let key = KeyPair::generate().expect("a key pair");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("a signed certificate");
        std::fs::create_dir_all(dir).expect("the directory can be made");
        let files = ServerCert {
            cert: dir.join("server.crt"),
            key: dir.join("server.key"),
        };
        std::fs::write(&files.cert, format!("{}{}", cert.pem(), self.pem()))
            .expect("the certificate is written");
        std::fs::write(&files.key, key.serialize_pem()).expect("the key is written");
        files
    }
}

/// A fresh directory under the system's temporary directory, for one test's files.
pub fn temp_dir(label: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "chorus-{label}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}
