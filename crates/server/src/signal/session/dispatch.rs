//! Dispatch: parses one request frame, refuses it if its sender is over its rate limit, hands
//! it to the part of the session that serves it (room, login or media), counts it, and turns
//! the outcome into the reply to send now, if any. Knows the protocol's requests, not how any
//! of them is served.

use std::time::Instant;

use chorus_proto::{Request, RequestFrame, RtcError, ServerFrame, StreamIndex};
use prometheus_client::metrics::counter::Counter;

use super::forward::ForwardCall;
use super::live_transcoding::LiveCall;
use super::public_stream::PublicCall;
use super::rate_limit::Kind;
use super::{Answer, Session, invalid};
use crate::room::{SessionRequest, SubscribeOp};

/// The request counter a session used last. A client mostly repeats one request (a stream
/// of messages), and the shared family's look-up takes its lock and hashes the labels.
#[derive(Default)]
pub(super) struct LastCount(Option<(&'static str, &'static str, Counter)>);

impl Session {
    /// Counts a request by method and outcome.
    fn count_request(&mut self, method: &'static str, outcome: &'static str) {
        if let Some((m, o, counter)) = &self.last_count.0
            && *m == method
            && *o == outcome
        {
            counter.inc();
            return;
        }
        let counter = self.ctx.metrics.request_counter(method, outcome);
        counter.inc();
        self.last_count.0 = Some((method, outcome, counter));
    }

    /// Handles one text frame; returns the reply to send now, if answered here.
    pub(super) async fn handle(&mut self, text: &str) -> Option<String> {
        let frame = match RequestFrame::parse(text) {
            Ok(frame) => frame,
            Err(bad) => {
                self.count_request("invalid", "INVALID_PARAMS");
                return Some(ServerFrame::error_json(
                    bad.id,
                    &invalid(bad.error.to_string()),
                ));
            }
        };
        let id = frame.id;
        let method = frame.request.method();
        // Before the room sees it: a flood costs the room nothing.
        if let Some(kind) = Kind::of(&frame.request)
            && let Err(throttled) = self.limits.check(kind, Instant::now())
        {
            let error = RtcError::from(throttled);
            self.count_request(method, error.code.as_str());
            return Some(ServerFrame::error_json(Some(id), &error));
        }
        let result = match frame.request {
            Request::JoinRoom(params) => self.join(id, params).await,
            Request::LeaveRoom(_) => match &self.room {
                Some(_) => self.route(SessionRequest::Leave { id }).await,
                None => Ok(Answer::Now),
            },
            Request::UpdateToken(params) => self.update_token(id, params.token).await,
            Request::SetUserVisibility(params) => {
                self.route(SessionRequest::SetVisible {
                    id,
                    visible: params.visible,
                })
                .await
            }
            Request::PublishStream(p) => {
                self.publish(id, StreamIndex::Main, p.media_type, true)
                    .await
            }
            Request::UnpublishStream(p) => {
                self.publish(id, StreamIndex::Main, p.media_type, false)
                    .await
            }
            Request::PublishScreen(p) => {
                self.publish(id, StreamIndex::Screen, p.media_type, true)
                    .await
            }
            Request::UnpublishScreen(p) => {
                self.publish(id, StreamIndex::Screen, p.media_type, false)
                    .await
            }
            Request::SendUserMessage(p) => self.user_message(id, p, false).await,
            Request::SendUserBinaryMessage(p) => self.user_message(id, p, true).await,
            Request::SendRoomMessage(p) => self.room_message(id, p.message, false).await,
            Request::SendRoomBinaryMessage(p) => self.room_message(id, p.message, true).await,
            Request::Login(p) => self.login(id, p).await,
            Request::Logout(_) => self.logout().await,
            Request::UpdateLoginToken(p) => self.update_login_token(&p.token).await,
            Request::GetPeerOnlineStatus(p) => self.peer_status(id, p.user_id).await,
            Request::SendUserMessageOutsideRoom(p) => self.outside_message(id, p, false).await,
            Request::SendUserBinaryMessageOutsideRoom(p) => self.outside_message(id, p, true).await,
            Request::SetServerParams(p) => self.set_server_params(p),
            Request::SendServerMessage(p) => self.server_message(id, p.message, false),
            Request::SendServerBinaryMessage(p) => self.server_message(id, p.message, true),
            Request::PublisherOffer(p) => self.publisher_offer(p).await,
            Request::SubscriberAnswer(p) => self.subscriber_answer(p.sdp).await,
            Request::SubscribeStream(p) => {
                self.subscribe(id, SubscribeOp::Subscribe, StreamIndex::Main, p)
                    .await
            }
            Request::UnsubscribeStream(p) => {
                self.subscribe(id, SubscribeOp::Unsubscribe, StreamIndex::Main, p)
                    .await
            }
            Request::SubscribeScreen(p) => {
                self.subscribe(id, SubscribeOp::Subscribe, StreamIndex::Screen, p)
                    .await
            }
            Request::UnsubscribeScreen(p) => {
                self.subscribe(id, SubscribeOp::Unsubscribe, StreamIndex::Screen, p)
                    .await
            }
            Request::PauseAllSubscribedStream(p) => {
                self.route(SessionRequest::PauseAll {
                    id,
                    media: p.media_type,
                    paused: true,
                })
                .await
            }
            Request::ResumeAllSubscribedStream(p) => {
                self.route(SessionRequest::PauseAll {
                    id,
                    media: p.media_type,
                    paused: false,
                })
                .await
            }
            Request::SetRemoteSimulcastStreamType(p) => self.set_layer(id, p).await,
            Request::SetSubscribeFallbackOption(p) => self.set_fallback_option(p).await,
            Request::SetRemoteUserPriority(p) => self.set_user_priority(p).await,
            Request::StartForwardStreamToRooms(p) => {
                self.forward_to(id, p.forward_stream_infos, true).await
            }
            Request::UpdateForwardStreamToRooms(p) => {
                self.forward_to(id, p.forward_stream_infos, false).await
            }
            Request::StopForwardStreamToRooms(_) => self.forward_call(id, ForwardCall::Stop).await,
            Request::PauseForwardStreamToAllRooms(_) => {
                self.forward_call(id, ForwardCall::Pause).await
            }
            Request::ResumeForwardStreamToAllRooms(_) => {
                self.forward_call(id, ForwardCall::Resume).await
            }
            Request::StartPushPublicStream(p) => self.public_stream(PublicCall::Start(p)),
            Request::UpdatePublicStreamParam(p) => self.public_stream(PublicCall::Update(p)),
            Request::StopPushPublicStream(p) => self.public_stream(PublicCall::Stop(p)),
            Request::StartLiveTranscoding(p) => self.live_transcoding(LiveCall::Start(p)),
            Request::UpdateLiveTranscoding(p) => self.live_transcoding(LiveCall::Update(p)),
            Request::StopLiveTranscoding(_) => self.live_transcoding(LiveCall::Stop),
            Request::StartSubtitle(p) => self.start_subtitle(p).await,
            Request::UpdateSubtitleConfig(p) => self.update_subtitle(p).await,
            Request::StopSubtitle(_) => self.stop_subtitle(),
            Request::SetCaptureState(p) => {
                self.route(SessionRequest::CaptureState {
                    id,
                    kind: p.kind,
                    capturing: p.capturing,
                })
                .await
            }
        };
        match result {
            Ok(Answer::Routed) => {
                self.count_request(method, "routed");
                None
            }
            Ok(Answer::Now) => {
                self.count_request(method, "ok");
                Some(ServerFrame::ok_json(id, &serde_json::json!({})))
            }
            Ok(Answer::With(result)) => {
                self.count_request(method, "ok");
                Some(ServerFrame::ok_json(id, &result))
            }
            Err(error) => {
                self.count_request(method, error.code.as_str());
                Some(ServerFrame::error_json(Some(id), &error))
            }
        }
    }
}
