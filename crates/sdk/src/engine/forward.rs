//! The engine's cross-room forwarding methods: this user's streams published into other
//! rooms of the app, each joined with its own token, while the user stays in their room.
//! The server checks each token and answers each room's state; what changes later arrives
//! as `onForwardStreamStateChanged` and `onForwardStreamEvent` (see [`crate::EngineEvent`]).

use chorus_proto::{
    Empty, ForwardStreamInfo, ForwardStreamParams, ForwardStreamStateInfo, ForwardStreamStates,
    Request, RtcError,
};

use super::RtcEngine;

impl RtcEngine {
    /// Forwards what this user publishes into each room of `rooms` (its id and a token for
    /// it: this app, that room, this user, with a publish privilege). There the user appears
    /// as a publisher (`onUserJoined`, `onUserPublishStream`) without receiving anything of
    /// the room; subscribers get the same packets this engine sends, with no second upload.
    ///
    /// Answers each room's state: a room whose token fails is `FORWARD_STREAM_STATE_FAILURE`
    /// with `FORWARD_STREAM_ERROR_INVALID_TOKEN`, and the others go ahead. A room that then
    /// refuses (a ban, a full room), removes the user or is dismissed reports
    /// `onForwardStreamStateChanged` (`FORWARD_STREAM_ERROR_REMOTE_KICKED` for a removal);
    /// `onForwardStreamEvent` says when each room connects and ends. Forwarding started
    /// already, or no room joined: `UNEXPECTED_INVOKE_FORWARD_STREAM`. Leaving the room ends
    /// every forward.
    pub async fn start_forward_stream_to_rooms(
        &self,
        rooms: &[ForwardStreamInfo],
    ) -> Result<Vec<ForwardStreamStateInfo>, RtcError> {
        let params = ForwardStreamParams {
            forward_stream_infos: rooms.to_vec(),
        };
        self.forward(Request::StartForwardStreamToRooms(params))
            .await
    }

    /// Makes `rooms` the set of target rooms: rooms not in it stop (`onForwardStreamEvent`
    /// disconnected), new ones start, and kept ones take their new token. Answers as
    /// [`RtcEngine::start_forward_stream_to_rooms`]; before it,
    /// `UNEXPECTED_INVOKE_FORWARD_STREAM`.
    pub async fn update_forward_stream_to_rooms(
        &self,
        rooms: &[ForwardStreamInfo],
    ) -> Result<Vec<ForwardStreamStateInfo>, RtcError> {
        let params = ForwardStreamParams {
            forward_stream_infos: rooms.to_vec(),
        };
        self.forward(Request::UpdateForwardStreamToRooms(params))
            .await
    }

    /// Stops forwarding into every room; answers the rooms it stopped. Before a start:
    /// `UNEXPECTED_INVOKE_FORWARD_STREAM`.
    pub async fn stop_forward_stream_to_rooms(
        &self,
    ) -> Result<Vec<ForwardStreamStateInfo>, RtcError> {
        self.forward(Request::StopForwardStreamToRooms(Empty {}))
            .await
    }

    /// Stops sending media into every target room, staying there; answers the rooms. Before
    /// a start: `UNEXPECTED_INVOKE_FORWARD_STREAM`.
    pub async fn pause_forward_stream_to_all_rooms(
        &self,
    ) -> Result<Vec<ForwardStreamStateInfo>, RtcError> {
        self.forward(Request::PauseForwardStreamToAllRooms(Empty {}))
            .await
    }

    /// Sends media into every target room again after a pause; answers the rooms. Before a
    /// start: `UNEXPECTED_INVOKE_FORWARD_STREAM`.
    pub async fn resume_forward_stream_to_all_rooms(
        &self,
    ) -> Result<Vec<ForwardStreamStateInfo>, RtcError> {
        self.forward(Request::ResumeForwardStreamToAllRooms(Empty {}))
            .await
    }

    async fn forward(&self, request: Request) -> Result<Vec<ForwardStreamStateInfo>, RtcError> {
        let states: ForwardStreamStates = self.call_for(request).await?;
        Ok(states.infos)
    }
}
