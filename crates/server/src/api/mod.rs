//! The server OpenAPI, in the vendor's conventions: `POST /?Action=..&Version=..` with a JSON
//! body, or `GET /?Action=..&Version=..&Param=..` for read actions, signed with HMAC-SHA256
//! (checked by `chorus-sign`, replays refused), answered in the `{ResponseMetadata, Result}`
//! envelope. This file is the edge (signature, replay, envelope, metrics); `actions` is the
//! catalogue of actions, methods and versions; one file per action group does the work.
//! A shell over the control plane like `signal`: it drives `room` and `messaging` through
//! their commands, and nothing of the server depends on it, so the API can change without
//! touching rooms or media.

mod actions;
mod caller;
mod failure;
mod input;
mod messages;
mod public_streams;
mod query;
mod records;
mod rooms;

// The parsers of request input, for `crate::fuzz_entry` alone.
#[cfg(feature = "fuzzing")]
pub(crate) use input::{body, id};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chorus_proto::clip;
use chorus_proto::openapi::{ApiError, ApiResponse, DEFAULT_REGION, ResponseMetadata, SERVICE};
use chorus_sign::SigningRequest;

use crate::clock::{now_ms, now_secs};
use crate::cluster::Forwarded;
use crate::ctx::Ctx;
use actions::{Action, Method};
use caller::Caller;
use failure::{ActionResult, ApiFailure};
// Also read by `crate::fuzz_entry`.
pub(crate) use query::Query;

/// Most signatures the replay guard holds (about 100 bytes each): as many distinct signed
/// requests as the API takes within one skew window before it refuses more.
pub(crate) const REPLAY_CAPACITY: usize = 100_000;

/// The metrics label for requests that name no known action or fail the signature check,
/// so that no caller can add label values.
const OTHER: &str = "other";

fn request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{:013}{:08x}",
        now_ms(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The largest OpenAPI request body read; the largest action's (a room message of 64 KB,
/// base64 for binary, in JSON) fits with room to spare.
pub(crate) const MAX_BODY_BYTES: usize = 256 * 1024;

/// `POST /`: one OpenAPI call. The body must arrive within the header deadline: hyper bounds
/// only the headers, and a client dribbling a body would otherwise hold the connection.
pub(crate) async fn handle(State(ctx): State<Arc<Ctx>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let read = axum::body::to_bytes(body, MAX_BODY_BYTES);
    let body = match tokio::time::timeout(ctx.config.body_read_timeout, read).await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than {MAX_BODY_BYTES} bytes or broken"),
            )
                .into_response();
        }
        Err(_) => {
            return (
                StatusCode::REQUEST_TIMEOUT,
                "the request body did not arrive in time",
            )
                .into_response();
        }
    };
    respond(&ctx, Method::Post, &parts.uri, &parts.headers, &body).await
}

/// Answers `GET /?Action=..` as an OpenAPI call and passes every other request on. A layer
/// rather than a route because `GET /` without an action is the dev demo page.
pub(crate) async fn handle_get(
    State(ctx): State<Arc<Ctx>>,
    request: Request,
    next: Next,
) -> Response {
    let is_call = request.method() == axum::http::Method::GET
        && request.uri().path() == "/"
        && request.uri().query().is_some_and(|q| {
            form_urlencoded::parse(q.as_bytes()).any(|(name, _)| name == "Action")
        });
    if !is_call {
        return next.run(request).await;
    }
    // A GET has no body: its signature covers the hash of the empty one.
    respond(&ctx, Method::Get, request.uri(), request.headers(), &[]).await
}

async fn respond(
    ctx: &Ctx,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let raw_query = uri.query().unwrap_or_default();
    let query = Query::parse(raw_query);
    let call = Call {
        method,
        path: uri.path(),
        raw_query,
        query: &query,
        headers,
        body,
    };
    let (action, outcome) = match answer(ctx, &call, uri).await {
        Answered::Here(action, outcome) => (action, outcome),
        Answered::There(response) => return response,
    };
    ctx.metrics.api_request(
        action.map_or(OTHER, Action::name),
        match &outcome {
            Ok(_) => "ok",
            Err(failure) => failure.code,
        },
    );
    let (status, error, result) = match outcome {
        Ok(value) => (StatusCode::OK, None, Some(value)),
        Err(f) => (
            f.status,
            Some(ApiError {
                code: f.code.to_owned(),
                message: f.message,
            }),
            None,
        ),
    };
    let envelope = ApiResponse {
        response_metadata: ResponseMetadata {
            request_id: request_id(),
            // Echoed as the vendor does, clipped like every client string.
            action: clip(&query.action),
            version: clip(&query.version),
            service: SERVICE.to_owned(),
            region: DEFAULT_REGION.to_owned(),
            error,
        },
        result,
    };
    (status, axum::Json(envelope)).into_response()
}

/// One OpenAPI request, as received.
struct Call<'a> {
    method: Method,
    path: &'a str,
    raw_query: &'a str,
    query: &'a Query,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

/// How a call was answered.
enum Answered {
    /// Here: the action, once the signature is checked and the name is known (until then
    /// the call is counted as `other`), and the outcome.
    Here(Option<Action>, ActionResult),
    /// By the node that runs the room the call names (cluster mode): its response.
    There(Response),
}

/// Checks a call and runs it, or, in cluster mode, sends it to the node that runs the room it
/// names; only signed calls are sent on, so strangers cannot make this node ask Redis.
async fn answer(ctx: &Ctx, call: &Call<'_>, uri: &Uri) -> Answered {
    let query = call.query;
    if query.action.is_empty() || query.version.is_empty() {
        return Answered::Here(
            None,
            Err(ApiFailure {
                status: StatusCode::BAD_REQUEST,
                code: "MissingParameter",
                message: "the query must carry Action and Version, e.g. /?Action=KickUser&Version=2020-12-01".into(),
            }),
        );
    }
    let access_key = match authenticate(ctx, call) {
        Ok(access_key) => access_key,
        Err(failure) => return Answered::Here(None, Err(failure)),
    };
    let caller = Caller::new(ctx, &access_key);
    let Some(action) = Action::parse(&query.action) else {
        let known: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
        return Answered::Here(
            None,
            Err(not_found(format!(
                "unknown action {:?}; actions are {}",
                clip(&query.action),
                known.join(", ")
            ))),
        );
    };
    let method = match call.method {
        Method::Get => axum::http::Method::GET,
        Method::Post => axum::http::Method::POST,
    };
    match crate::cluster::forward_api(ctx, &method, uri, call.headers, call.body).await {
        Forwarded::Local => Answered::Here(Some(action), run(&caller, action, call).await),
        Forwarded::Answered(response) => {
            ctx.metrics.api_request(action.name(), "forwarded");
            Answered::There(response)
        }
        Forwarded::Failed(error) => Answered::Here(Some(action), Err(ApiFailure::cluster(&error))),
    }
}

/// Checks the signature, then that it was not used before; returns the signing access key.
fn authenticate(ctx: &Ctx, call: &Call<'_>) -> Result<String, ApiFailure> {
    let pairs: Vec<(&str, &str)> = call
        .headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .collect();
    let request = SigningRequest {
        method: match call.method {
            Method::Get => "GET",
            Method::Post => "POST",
        },
        path: call.path,
        query: call.raw_query,
        headers: &pairs,
        body: call.body,
    };
    let keys = &ctx.config.api_keys;
    let now = now_secs();
    let signer = chorus_sign::verify(
        &request,
        |ak| keys.get(ak),
        now,
        ctx.config.api_max_skew_secs,
    )
    .map_err(|e| ApiFailure {
        status: StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::UNAUTHORIZED),
        code: e.code(),
        message: e.to_string(),
    })?;
    if signer.service != SERVICE {
        return Err(ApiFailure {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidCredential",
            message: format!(
                "the credential scope names service {:?}; sign for \"{SERVICE}\"",
                clip(&signer.service)
            ),
        });
    }
    ctx.api_replays
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .admit(&signer, now)
        .map_err(|e| ApiFailure {
            status: StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
            code: e.code(),
            message: e.to_string(),
        })?;
    Ok(signer.access_key)
}

/// Checks the version and method against the catalogue and runs the action.
async fn run(ctx: &Caller<'_>, action: Action, call: &Call<'_>) -> ActionResult {
    let name = action.name();
    let version = &call.query.version;
    if !action.versions().contains(&version.as_str()) {
        return Err(not_found(format!(
            "{name} is not served at version {:?}; use {}",
            clip(version),
            action.versions().join(" or ")
        )));
    }
    if !action.takes(call.method) {
        return Err(ApiFailure {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: "MethodNotAllowed",
            message: format!("{name} is called with POST and a JSON body"),
        });
    }
    match call.method {
        Method::Post => action.run(ctx, call.body).await,
        Method::Get => {
            let params = call.query.params_json().map_err(ApiFailure::invalid)?;
            action.run(ctx, &params).await
        }
    }
}

fn not_found(message: String) -> ApiFailure {
    ApiFailure {
        status: StatusCode::NOT_FOUND,
        code: "InvalidActionOrVersion",
        message,
    }
}
