//! Media signalling: how clients negotiate their two WebRTC transports with the SFU, choose
//! what they receive, and tell others about their capture devices.
//!
//! Each client has a *publisher* transport (the client offers; it only sends) and a
//! *subscriber* transport (the server offers; it only receives). Offers therefore always flow
//! one way on each transport and never collide. Each SDP travels with a track list that says
//! which user, stream and kind every m-line (`mid`) carries, so no client has to parse `msid`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{MediaType, StreamIndex, macros::contract_enum};

contract_enum! {
    /// The kind of one media track.
    pub enum TrackKind as "TrackKind": string {
        /// Audio (Opus).
        Audio("AUDIO") = "audio",
        /// Video (H.264 or VP8).
        Video("VIDEO") = "video",
    }
}

impl TrackKind {
    /// Whether `media` includes this kind.
    pub fn within(self, media: MediaType) -> bool {
        match self {
            TrackKind::Audio => media.has_audio(),
            TrackKind::Video => media.has_video(),
        }
    }

    /// The kinds `media` covers, audio first.
    pub fn of(media: MediaType) -> impl Iterator<Item = TrackKind> {
        [TrackKind::Audio, TrackKind::Video]
            .into_iter()
            .filter(move |k| k.within(media))
    }

    /// The media type of this kind alone.
    pub fn media_type(self) -> MediaType {
        match self {
            TrackKind::Audio => MediaType::Audio,
            TrackKind::Video => MediaType::Video,
        }
    }
}

contract_enum! {
    /// Which simulcast layer a subscriber receives of a publisher's video.
    pub enum SimulcastStreamType as "SimulcastStreamType": string {
        /// The highest layer the publisher sends (the default).
        High("VIDEO_STREAM_HIGH") = "high",
        /// The middle layer of three (the lowest above it when there are two).
        Mid("VIDEO_STREAM_MID") = "mid",
        /// The lowest layer.
        Low("VIDEO_STREAM_LOW") = "low",
    }
}

/// One m-line of the publisher transport: what the client sends on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PublishedTrack {
    /// The m-line's `a=mid`.
    pub mid: String,
    /// Main (camera, microphone) or screen.
    pub stream_index: StreamIndex,
    /// Audio or video.
    pub kind: TrackKind,
}

/// `publisherOffer`: the client's offer for its publisher transport.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PublisherOfferParams {
    /// The SDP offer; every media section is `sendonly`.
    pub sdp: String,
    /// What each m-line carries. An m-line not listed is rejected.
    pub tracks: Vec<PublishedTrack>,
}

/// An SDP answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SdpAnswer {
    /// The SDP.
    pub sdp: String,
}

/// One m-line of the subscriber transport: whose media arrives on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SubscribedTrack {
    /// The m-line's `a=mid`.
    pub mid: String,
    /// The publisher.
    pub user_id: String,
    /// Main or screen.
    pub stream_index: StreamIndex,
    /// Audio or video.
    pub kind: TrackKind,
}

/// `onSubscriberOffer`: the server's (re)offer for the client's subscriber transport; the
/// client answers with `subscriberAnswer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SubscriberOfferEvent {
    /// The SDP offer; every active media section is `sendonly` from the server.
    pub sdp: String,
    /// What each active m-line carries; m-lines not listed are stopped.
    pub tracks: Vec<SubscribedTrack>,
}

/// `subscriberAnswer`: the client's answer to the latest `onSubscriberOffer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SubscriberAnswerParams {
    /// The SDP answer.
    pub sdp: String,
}

/// Parameters of the subscribe and unsubscribe methods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SubscribeParams {
    /// The publisher.
    pub user_id: String,
    /// Which of its media.
    pub media_type: MediaType,
}

/// `setRemoteSimulcastStreamType`: which layer to receive of a user's video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SimulcastParams {
    /// The publisher.
    pub user_id: String,
    /// The layer.
    pub stream_type: SimulcastStreamType,
}

/// `setCaptureState`: the client started or stopped capturing a kind of media on its main
/// stream; others hear of it through `onUserStart*Capture` / `onUserStop*Capture`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CaptureStateParams {
    /// Audio or video.
    pub kind: TrackKind,
    /// Capturing now or not.
    pub capturing: bool,
}

/// `onUserStartVideoCapture` and its three siblings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UserCaptureEvent {
    /// Who.
    pub user_id: String,
}
