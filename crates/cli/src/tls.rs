//! What the client commands trust for `https://` and `wss://`: the system's roots (see
//! chorus-tls), plus a private CA given with `--ca FILE`.

use std::path::Path;

use anyhow::Context;
use chorus_server::ClientTls;

/// The system's roots, and `ca`'s certificates when given.
pub(crate) fn client_tls(ca: Option<&Path>) -> anyhow::Result<ClientTls> {
    match ca {
        Some(path) => ClientTls::with_ca_file(path).context("--ca"),
        None => ClientTls::system().context("the system's root certificates"),
    }
}

/// An HTTP client that checks `https://` servers against [`client_tls`].
pub(crate) fn http_client(ca: Option<&Path>) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .use_preconfigured_tls((*client_tls(ca)?.config()).clone())
        .build()
        .context("the HTTP client")
}

/// `error` and its causes on one line, a refused certificate said plainly.
pub(crate) fn explain(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    chorus_server::describe_tls_failure(error)
}
