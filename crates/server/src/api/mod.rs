//! The server OpenAPI, in the vendor's conventions: `POST /?Action=..&Version=..` with a JSON
//! body, signed with HMAC-SHA256 (checked by `chorus-sign`), answered in the
//! `{ResponseMetadata, Result}` envelope. This file is the edge (signature, envelope, dispatch);
//! one file per action group does the work. Depends on `room`; nothing depends on it.

mod messages;
mod rooms;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chorus_proto::openapi::{
    API_VERSIONS, ApiError, ApiResponse, DEFAULT_REGION, ResponseMetadata, SERVICE,
};
use chorus_proto::{clip, clip_quoted};
use chorus_sign::SigningRequest;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Ctx;
use crate::clock::{now_ms, now_secs};

/// A refused OpenAPI request: HTTP status, vendor error code, message.
#[derive(Debug)]
pub(crate) struct ApiFailure {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiFailure {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        ApiFailure {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidParameter",
            message: message.into(),
        }
    }

    fn internal(message: impl Into<String>) -> Self {
        ApiFailure {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "InternalError",
            message: message.into(),
        }
    }
}

/// What an action answers: any serialisable result.
pub(crate) type ActionResult = Result<serde_json::Value, ApiFailure>;

/// Checks that `app_id` is hosted here.
pub(crate) fn app(ctx: &Ctx, app_id: &str) -> Result<(), ApiFailure> {
    if ctx.config.apps.contains(app_id) {
        Ok(())
    } else {
        Err(ApiFailure::invalid(format!(
            "AppId {:?} is not hosted by this server",
            clip(app_id)
        )))
    }
}

/// Checks a room or user id `value` of the body's `field`.
pub(crate) fn id(field: &str, value: &str) -> Result<(), ApiFailure> {
    if chorus_proto::is_valid_id(value) {
        Ok(())
    } else {
        Err(ApiFailure::invalid(format!(
            "{field} must match [a-zA-Z0-9_@\\-.]{{1,128}}"
        )))
    }
}

/// Parses an action's JSON body.
pub(crate) fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiFailure> {
    serde_json::from_slice(bytes).map_err(|e| {
        let reason = clip_quoted(&e.to_string());
        ApiFailure::invalid(format!("bad request body: {reason}"))
    })
}

/// Serialises an action's result.
pub(crate) fn result(value: impl Serialize) -> ActionResult {
    serde_json::to_value(value).map_err(|e| ApiFailure::internal(e.to_string()))
}

fn request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{:013}{:08x}",
        now_ms(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// `POST /`: one OpenAPI call.
pub(crate) async fn handle(
    State(ctx): State<Arc<Ctx>>,
    uri: Uri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = query.unwrap_or_default();
    let mut action = String::new();
    let mut version = String::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "Action" => action = v.into_owned(),
            "Version" => version = v.into_owned(),
            _ => {}
        }
    }
    let outcome = answer(&ctx, &uri, &query, &headers, &body, &action, &version).await;
    let label = match &outcome {
        Ok(_) => "ok",
        Err(failure) => failure.code,
    };
    ctx.metrics
        .api_requests
        .get_or_create(&vec![
            ("action", action.clone()),
            ("outcome", label.to_owned()),
        ])
        .inc();
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
            action: clip(&action),
            version: clip(&version),
            service: SERVICE.to_owned(),
            region: DEFAULT_REGION.to_owned(),
            error,
        },
        result,
    };
    (status, axum::Json(envelope)).into_response()
}

async fn answer(
    ctx: &Ctx,
    uri: &Uri,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
    action: &str,
    version: &str,
) -> ActionResult {
    if action.is_empty() || version.is_empty() {
        return Err(ApiFailure {
            status: StatusCode::BAD_REQUEST,
            code: "MissingParameter",
            message:
                "the query must carry Action and Version, e.g. /?Action=KickUser&Version=2020-12-01"
                    .into(),
        });
    }
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .collect();
    let request = SigningRequest {
        method: "POST",
        path: uri.path(),
        query,
        headers: &pairs,
        body,
    };
    let keys = &ctx.config.api_keys;
    let signer = chorus_sign::verify(
        &request,
        |ak| keys.get(ak),
        now_secs(),
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
    if !API_VERSIONS.contains(&version) {
        return Err(ApiFailure {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidVersion",
            message: format!(
                "version {:?} is not served; use one of {}",
                clip(version),
                API_VERSIONS.join(", ")
            ),
        });
    }
    match action {
        "KickUser" => rooms::kick_user(ctx, body).await,
        "DismissRoom" => rooms::dismiss_room(ctx, body).await,
        "BanRoomUser" => rooms::ban_room_user(ctx, body, false).await,
        "UpdateBanRoomUserRule" => rooms::ban_room_user(ctx, body, true).await,
        "GetRoomOnlineUsers" => rooms::online_users(ctx, body).await,
        "SendUnicast" => messages::send_unicast(ctx, body).await,
        "SendRoomUnicast" => messages::send_room_unicast(ctx, body).await,
        "BatchSendRoomUnicast" => messages::batch_send_room_unicast(ctx, body).await,
        "SendBroadcast" => messages::send_broadcast(ctx, body).await,
        _ => Err(ApiFailure {
            status: StatusCode::NOT_FOUND,
            code: "InvalidActionOrVersion",
            message: format!(
                "unknown action {:?}; actions are KickUser, DismissRoom, BanRoomUser, UpdateBanRoomUserRule, GetRoomOnlineUsers, SendUnicast, SendRoomUnicast, BatchSendRoomUnicast, SendBroadcast",
                clip(action)
            ),
        }),
    }
}
