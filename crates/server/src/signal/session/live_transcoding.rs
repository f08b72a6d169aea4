//! The session's live-transcoding calls: start, update and stop the RTMP push of a composite
//! of the client's room. The public-stream registry does the work; this finds the room, and
//! turns how the push goes into `onStreamMixingEvent` frames for this client.

use std::sync::Arc;

use chorus_proto::{
    ErrorCode, Event, LiveTranscodeConfig, RtcError, ServerFrame, StreamMixingErrorCode,
    StreamMixingEvent, StreamMixingEventType,
};

use super::{Answer, Session};
use crate::frame::Frame;
use crate::public::LiveNotify;
use crate::room::Outbound;

/// What a live-transcoding request asks.
pub(super) enum LiveCall {
    Start(LiveTranscodeConfig),
    Update(LiveTranscodeConfig),
    Stop,
}

impl Session {
    /// Sends `onStreamMixingEvent` to this client, from any thread.
    fn mixing_events(&self) -> LiveNotify {
        let link = self.link.clone();
        Arc::new(move |event, error, message| {
            let event = Event::StreamMixingEvent(StreamMixingEvent {
                event,
                error,
                message,
            });
            let frame = Frame::from(ServerFrame::event_json(&event));
            let _ = link.push(Outbound::Frame(frame));
        })
    }

    pub(super) fn live_transcoding(&self, call: LiveCall) -> Result<Answer, RtcError> {
        let Some(key) = self.room_key() else {
            return Err(RtcError::new(
                ErrorCode::NotConnectedYet,
                "live transcoding composites a room; call joinRoom first",
            ));
        };
        let (app, room) = (&*key.app_id, &*key.room_id);
        let streams = &self.ctx.public_streams;
        let session = self.link.session;
        match call {
            LiveCall::Start(config) => {
                streams.start_live(app, room, session, &config, self.mixing_events())?
            }
            LiveCall::Update(config) => {
                streams.update_live(app, room, session, &config, &self.mixing_events())?
            }
            LiveCall::Stop => {
                let notify = self.mixing_events();
                notify(
                    StreamMixingEventType::Stop,
                    StreamMixingErrorCode::Ok,
                    String::new(),
                );
                streams.stop_live(app, session);
                notify(
                    StreamMixingEventType::StopSuccess,
                    StreamMixingErrorCode::Ok,
                    String::new(),
                );
            }
        }
        Ok(Answer::Now)
    }

    /// The client left its room or went away: its live transcoding ends.
    pub(super) fn end_live_transcoding(&self, app_id: &str) {
        self.ctx.public_streams.stop_live(app_id, self.link.session);
    }
}
