//! The engine's live-transcoding methods (the vendor's "push to CDN"): the server composites
//! users of this engine's room and pushes the result over RTMP to a URL (H.264 and AAC-LC in
//! FLV, a keyframe at least every 2 s). How it goes arrives as `onStreamMixingEvent`
//! ([`chorus_proto::Event::StreamMixingEvent`] in [`crate::EngineEvent::Room`]): START, then
//! START_SUCCESS once the RTMP server took the stream, or START_FAILED with the vendor's
//! error code (`ERR_PARAM_INVALID`, `ERR_PUSH_CDN` when the server cannot be reached,
//! refuses the stream or drops it later).

use chorus_proto::{Empty, LiveTranscodeConfig, Request, RtcError};

use super::RtcEngine;

impl RtcEngine {
    /// Starts live transcoding to `config.url` (`rtmp://host[:port]/app/stream`) with the
    /// layout of `config` (regions name users of this room). Not in a room:
    /// `NOT_CONNECTED_YET`; a bad parameter: `INVALID_PARAMS` naming it (and START_FAILED);
    /// already on: `REPEAT_PUSH`.
    pub async fn start_live_transcoding(
        &self,
        config: LiveTranscodeConfig,
    ) -> Result<(), RtcError> {
        self.call(Request::StartLiveTranscoding(config))
            .await
            .map(drop)
    }

    /// Changes the layout or video of live transcoding (the URL and audio cannot change).
    pub async fn update_live_transcoding(
        &self,
        config: LiveTranscodeConfig,
    ) -> Result<(), RtcError> {
        self.call(Request::UpdateLiveTranscoding(config))
            .await
            .map(drop)
    }

    /// Stops live transcoding; nothing happens if it is off.
    pub async fn stop_live_transcoding(&self) -> Result<(), RtcError> {
        self.call(Request::StopLiveTranscoding(Empty {}))
            .await
            .map(drop)
    }
}
