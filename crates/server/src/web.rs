//! The Web SDK's bundles and, in dev mode, the demo page and the token endpoint it uses.
//!
//! The bundles are built from `web/` and checked in under `web/dist`, so they are compiled
//! into the server and a fresh checkout serves them without Node. `/dev/token` signs tokens
//! with the dev app's key for anyone who asks: it exists only when the server made the dev
//! app up (no apps configured, loopback only) and answers 404 otherwise. Nothing here depends
//! on the rest of the server.
//!
//! Also the dev-mode guard on every route: listening on loopback alone does not keep other
//! web sites out, since a page can point its own DNS name at 127.0.0.1 (DNS rebinding) and
//! then call the server as same-origin, `/dev/token` included. Such a request still names the
//! page's host in `Host`, so in dev mode only loopback `Host` values are answered.

use std::net::IpAddr;

use axum::Json;
use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chorus_token::{AccessToken, Privilege};
use serde::{Deserialize, Serialize};

use crate::config::AppCredentials;

/// The UMD bundle (global `VERTC`).
const UMD: &str = include_str!("../../../web/dist/vertc.umd.js");
/// The ES module (default export `VERTC`).
const ESM: &str = include_str!("../../../web/dist/vertc.esm.js");
/// The RNNoise noise suppression extension (`registerExtension`), a bundle of its own.
const RNNOISE: &str = include_str!("../../../web/dist/extension-rnnoise.umd.js");
const DEMO_HTML: &str = include_str!("../../../web/demo/index.html");
const DEMO_JS: &str = include_str!("../../../web/demo/demo.js");
const DEMO_CSS: &str = include_str!("../../../web/demo/demo.css");

/// How long a dev token stays valid.
const DEV_TOKEN_SECS: u64 = 24 * 3600;

/// The bundles always; the demo page and `/dev/token` when `dev_app` is the made-up dev app.
pub(crate) fn routes(dev_app: Option<AppCredentials>) -> Router {
    let router = Router::new()
        .route("/sdk/vertc.umd.js", get(|| async { script(UMD) }))
        .route("/sdk/vertc.esm.js", get(|| async { script(ESM) }))
        .route(
            "/sdk/extension-rnnoise.umd.js",
            get(|| async { script(RNNOISE) }),
        );
    match dev_app {
        None => router,
        Some(app) => router
            .route(
                "/",
                get(|| async { asset(DEMO_HTML, "text/html; charset=utf-8") }),
            )
            .route(
                "/demo/demo.js",
                get(|| async { asset(DEMO_JS, "application/javascript; charset=utf-8") }),
            )
            .route(
                "/demo/demo.css",
                get(|| async { asset(DEMO_CSS, "text/css; charset=utf-8") }),
            )
            .route("/dev/token", get(dev_token).with_state(app.into())),
    }
}

/// Why a dev-mode request with another `Host` is refused.
const FOREIGN_HOST: &str = "403 Forbidden: in dev mode Chorus answers only requests whose Host \
is a loopback name (127.0.0.1, localhost or [::1], with any port), so that a web page on \
another site cannot reach it by pointing its DNS name at this machine (DNS rebinding); open \
it as http://127.0.0.1:PORT, or configure --app ID:KEY to serve other hosts\n";

/// Wraps every route of `router` (so add it last) in the dev-mode `Host` check.
pub(crate) fn loopback_hosts_only(router: Router) -> Router {
    router.layer(middleware::from_fn(refuse_foreign_host))
}

async fn refuse_foreign_host(request: Request, next: Next) -> Response {
    // HTTP/1.1 names the host in `Host`; HTTP/2 in the URI's authority.
    let host = match request.headers().get(header::HOST) {
        Some(value) => value.to_str().ok(),
        None => request.uri().authority().map(|a| a.as_str()),
    };
    if host.is_some_and(is_loopback_host) {
        next.run(request).await
    } else {
        (StatusCode::FORBIDDEN, FOREIGN_HOST).into_response()
    }
}

/// `localhost` or a loopback IP literal (`[::1]` bracketed), with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        // A colon inside brackets belongs to an IPv6 address, not to a port.
        Some((name, port))
            if !port.contains(']')
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            name
        }
        _ => host,
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let ip = match name.strip_prefix('[') {
        Some(inner) => inner
            .strip_suffix(']')
            .and_then(|v6| v6.parse::<std::net::Ipv6Addr>().ok())
            .map(IpAddr::V6),
        None => name.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4),
    };
    ip.is_some_and(|ip| ip.is_loopback())
}

fn script(body: &'static str) -> Response {
    asset(body, "application/javascript; charset=utf-8")
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    // Always revalidated: the bundle changes with the server binary, not with a URL.
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// The query of `/dev/token`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenQuery {
    room_id: String,
    user_id: String,
}

/// A dev token and the app it is for.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DevToken {
    app_id: String,
    room_id: String,
    user_id: String,
    token: String,
}

/// `GET /dev/token?roomId=R&userId=U`: a token to publish and subscribe in `R` as `U`.
async fn dev_token(
    State(app): State<std::sync::Arc<AppCredentials>>,
    Query(q): Query<TokenQuery>,
) -> Response {
    // An empty room id makes an outside-room login token.
    let room_ok = q.room_id.is_empty() || chorus_proto::is_valid_id(&q.room_id);
    if !room_ok || !chorus_proto::is_valid_id(&q.user_id) {
        return (
            StatusCode::BAD_REQUEST,
            format!("roomId and userId must be {}\n", chorus_proto::id_rule()),
        )
            .into_response();
    }
    let expire_at = u32::try_from(crate::clock::now_secs() + DEV_TOKEN_SECS).unwrap_or(u32::MAX);
    let token = AccessToken::new(&app.id, &app.key, &q.room_id, &q.user_id)
        .with_expire_at(expire_at)
        .add_privilege(Privilege::PublishStream, 0)
        .add_privilege(Privilege::SubscribeStream, 0)
        .serialize();
    match token {
        Ok(token) => Json(DevToken {
            app_id: app.id.clone(),
            room_id: q.room_id,
            user_id: q.user_id,
            token,
        })
        .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback_host;

    #[test]
    fn only_loopback_names_pass() {
        for host in [
            "127.0.0.1",
            "127.0.0.1:8080",
            "127.1.2.3:1",
            "localhost",
            "LocalHost:8080",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "10.0.0.1:8080",
            "::1",
            "[::1",
            "[::2]:8080",
            "127.0.0.1:",
            "127.0.0.1:80x",
            "localhost:8080:8080",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
