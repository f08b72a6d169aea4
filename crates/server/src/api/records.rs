//! Recording actions: StartRecord and StopRecord, the vendor's names for cloud recording.
//! Chorus records a pushed public stream (the composite its worker already encodes) into an
//! MP4 file in the server's record directory; the body names the app and the public stream.

use axum::http::StatusCode;
use chorus_proto::{ErrorCode, RtcError};
use serde::{Deserialize, Serialize};

use super::caller::Caller;
use super::failure::{ActionResult, ApiFailure, result};
use super::input::{app, body};

/// The body of StartRecord and StopRecord.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RecordRequest {
    app_id: String,
    /// The pushed public stream to record.
    public_stream_id: String,
}

/// What StartRecord and StopRecord answer: the recording's file on the server.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct RecordResult {
    /// Always `success`.
    message: &'static str,
    /// The MP4 file's path, or its object's URL when recordings go to a bucket.
    file: String,
}

/// A refusal as an OpenAPI failure: a stream not pushed (or not recorded) is 404, a
/// recording already running 409, the rest (an unwritable directory) 500; all keep the
/// contract's code and say what to do.
fn failure(e: RtcError) -> ApiFailure {
    let status = match e.code {
        ErrorCode::InvalidParams => return ApiFailure::invalid(e.message),
        ErrorCode::StreamNotExist => StatusCode::NOT_FOUND,
        ErrorCode::NotConnectedYet => StatusCode::SERVICE_UNAVAILABLE,
        _ if e.message.contains("already being recorded") => StatusCode::CONFLICT,
        _ if e.message.contains("recording is off") => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    ApiFailure {
        status,
        code: e.code.as_str(),
        message: e.message,
    }
}

fn done(file: String) -> ActionResult {
    result(RecordResult {
        message: "success",
        file,
    })
}

/// StartRecord.
pub(super) async fn start(ctx: &Caller<'_>, bytes: &[u8]) -> ActionResult {
    let req: RecordRequest = body(bytes)?;
    app(ctx, &req.app_id)?;
    let path = ctx
        .public_streams
        .start_record(&req.app_id, &req.public_stream_id)
        .map_err(failure)?;
    done(path)
}

/// StopRecord: finishes the file.
pub(super) async fn stop(ctx: &Caller<'_>, bytes: &[u8]) -> ActionResult {
    let req: RecordRequest = body(bytes)?;
    app(ctx, &req.app_id)?;
    let path = ctx
        .public_streams
        .stop_record(&req.app_id, &req.public_stream_id)
        .await
        .map_err(failure)?;
    done(path)
}
