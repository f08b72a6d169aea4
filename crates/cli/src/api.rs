//! `chorus api`: sign one OpenAPI request with an AK/SK pair and print the response.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use chorus_proto::openapi::{DEFAULT_REGION, SERVICE};
use chorus_sign::{Credentials, SigningRequest, format_x_date, sign};
use clap::Args;

#[derive(Args)]
pub(crate) struct ApiArgs {
    /// The action, e.g. KickUser, DismissRoom, BanRoomUser, GetRoomOnlineUsers.
    action: String,
    /// The JSON body [default: {}].
    json: Option<String>,
    /// API version.
    #[arg(long, default_value = "2020-12-01")]
    version: String,
    /// The server's base URL (http:// or https://).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// Trust the CA certificates in this PEM file, besides the system's (a private CA).
    #[arg(long, value_name = "FILE")]
    ca: Option<std::path::PathBuf>,
    /// Access key id.
    #[arg(long, env = "CHORUS_AK")]
    ak: String,
    /// Secret key [env: CHORUS_SK]; --sk-file or the environment keep it out of `ps`.
    #[arg(long)]
    sk: Option<String>,
    /// Read the secret key from this file (its one line).
    #[arg(long, value_name = "PATH", conflicts_with = "sk")]
    sk_file: Option<PathBuf>,
    /// Region of the signature scope.
    #[arg(long, default_value = DEFAULT_REGION)]
    region: String,
}

pub(crate) async fn run(args: ApiArgs) -> ExitCode {
    match call(args).await {
        Ok((ok, body)) => {
            println!("{body}");
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("chorus api: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Sends the request; returns whether the envelope carries no error, and the body.
async fn call(args: ApiArgs) -> anyhow::Result<(bool, String)> {
    let sk = crate::secret::one(args.sk_file.as_deref(), args.sk, "CHORUS_SK")
        .context("--sk-file")?
        .context("give --sk, --sk-file or $CHORUS_SK")?;
    let body = args.json.unwrap_or_else(|| "{}".to_owned());
    serde_json::from_str::<serde_json::Value>(&body).context("the body must be JSON")?;
    let base = args.server.trim_end_matches('/');
    let host = base
        .strip_prefix("http://")
        .or_else(|| base.strip_prefix("https://"))
        .context("--server must be an http:// or https:// URL")?
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let query = format!("Action={}&Version={}", args.action, args.version);
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let headers = [
        ("Host", host.as_str()),
        ("Content-Type", "application/json"),
    ];
    let request = SigningRequest {
        method: "POST",
        path: "/",
        query: &query,
        headers: &headers,
        body: body.as_bytes(),
    };
    let signed = sign(
        &request,
        &Credentials::new(args.ak, sk),
        &args.region,
        SERVICE,
        &format_x_date(now),
    );

    let mut http = crate::tls::http_client(args.ca.as_deref())?
        .post(format!("{base}/?{query}"))
        .header("Host", &host)
        .header("Content-Type", "application/json");
    for (name, value) in signed.iter() {
        http = http.header(name, value);
    }
    let response = http
        .body(body)
        .send()
        .await
        .map_err(|e| match crate::tls::explain(&e) {
            Some(tls) => anyhow::anyhow!("cannot reach {base}: {tls}"),
            None => anyhow::Error::new(e).context(format!("cannot reach {base}")),
        })?;
    let text = response.text().await?;
    let envelope: serde_json::Value =
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    let ok = envelope.pointer("/ResponseMetadata/Error").is_none() && !envelope.is_null();
    Ok((ok, text))
}
