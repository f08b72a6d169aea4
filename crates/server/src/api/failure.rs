//! What an action answers: a JSON result, or an [`ApiFailure`] (HTTP status, vendor error code,
//! message) that the edge puts in the envelope. Depends on nothing else of the server but the cluster's error.

use axum::http::StatusCode;
use serde::Serialize;

/// A refused OpenAPI request: HTTP status, vendor error code, message.
#[derive(Debug)]
pub(crate) struct ApiFailure {
    pub(super) status: StatusCode,
    pub(super) code: &'static str,
    pub(super) message: String,
}

impl ApiFailure {
    /// 400 `InvalidParameter`: the request's parameters are wrong, as `message` says.
    pub(super) fn invalid(message: impl Into<String>) -> Self {
        ApiFailure {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidParameter",
            message: message.into(),
        }
    }

    /// 403 `AccessDenied`: the signing key may not act on what the request names.
    pub(super) fn denied(message: impl Into<String>) -> Self {
        ApiFailure {
            status: StatusCode::FORBIDDEN,
            code: "AccessDenied",
            message: message.into(),
        }
    }

    /// 503 `ServiceUnavailable`: the room's node, or the cluster directory that says which
    /// node it is, cannot be reached now.
    pub(super) fn cluster(error: &crate::cluster::ClusterError) -> Self {
        ApiFailure {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "ServiceUnavailable",
            message: format!(
                "{error}; calls about rooms on this node still work, try again shortly"
            ),
        }
    }

    /// 503 `ServiceUnavailable`: a ban holds in this node's rooms but could not be recorded
    /// for the cluster.
    pub(super) fn cluster_ban(error: &crate::cluster::ClusterError) -> Self {
        ApiFailure {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "ServiceUnavailable",
            message: format!(
                "the ban holds in this node's rooms but was not recorded for the cluster: {error}; call again when it is back"
            ),
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
pub(super) type ActionResult = Result<serde_json::Value, ApiFailure>;

/// Serialises an action's result.
pub(super) fn result(value: impl Serialize) -> ActionResult {
    serde_json::to_value(value).map_err(|e| ApiFailure::internal(e.to_string()))
}
