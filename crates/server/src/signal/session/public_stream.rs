//! The session's public-stream calls: start, update and stop a public stream of the app of the
//! room the client is in (pushing needs a room, as with the vendor's SDK). The server's
//! registry of public streams does the work; this only finds the app and answers.

use chorus_proto::{ErrorCode, PublicStreamIdParams, PublicStreamPushParams, RtcError};

use super::{Answer, Session};

/// What a public-stream request asks.
pub(super) enum PublicCall {
    Start(PublicStreamPushParams),
    Update(PublicStreamPushParams),
    Stop(PublicStreamIdParams),
}

impl Session {
    pub(super) fn public_stream(&self, call: PublicCall) -> Result<Answer, RtcError> {
        let Some((app_id, _)) = self.joined_as() else {
            return Err(RtcError::new(
                ErrorCode::NotConnectedYet,
                "public streams are pushed from a room; call joinRoom first",
            ));
        };
        let streams = &self.ctx.public_streams;
        match call {
            PublicCall::Start(p) => streams.start(app_id, &p.public_stream_id, &p.param)?,
            PublicCall::Update(p) => streams.update(app_id, &p.public_stream_id, &p.param)?,
            PublicCall::Stop(p) => streams.stop(app_id, &p.public_stream_id)?,
        }
        Ok(Answer::Now)
    }
}
