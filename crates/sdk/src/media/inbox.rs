//! What the media task hears, on one channel: the app's media calls ([`MediaCall`]) and what
//! the signalling task reports ([`MediaInput`]). Its own module so that the signalling shell
//! can feed media without depending on the media task itself.

use chorus_media::{AudioFrame, AudioSource, VideoFrame, VideoSource};
use chorus_proto::{RtcError, StreamIndex, SubscriberOfferEvent, VideoSourceType};
use tokio::sync::oneshot;

use crate::media::capture::PictureSlot;
use crate::media::encoder_target::VideoEncoderConfig;
use crate::media::source::AudioSourceType;
use crate::room::RoomView;

/// How a call is answered.
pub(crate) type Reply<T> = oneshot::Sender<Result<T, RtcError>>;

/// An app call the conductor answers.
pub(crate) enum MediaCall {
    StartAudio(Box<dyn AudioSource>, Reply<()>),
    StopAudio(Reply<()>),
    StartVideo(StreamIndex, Box<dyn VideoSource>, Reply<()>),
    StopVideo(StreamIndex, Reply<()>),
    SetAudioSourceType(AudioSourceType, Reply<()>),
    SetVideoSourceType(StreamIndex, VideoSourceType, Reply<()>),
    PushAudio(AudioFrame, Reply<()>),
    PushVideo(StreamIndex, VideoFrame, Reply<()>),
    /// Where the latest local picture of a stream is kept, if it captures.
    LocalPicture(StreamIndex, Reply<PictureSlot>),
    /// Queues an SEI message for the next pictures of a stream's video.
    SendSei(SeiRequest, Reply<()>),
    /// Sets a stream's video encoder bitrate and frame rate.
    SetVideoEncoderConfig(StreamIndex, VideoEncoderConfig, Reply<()>),
    /// Answered once the publisher transport is negotiated (at once if nothing is published).
    AwaitPublisher(Reply<()>),
}

/// A checked `send_sei_message`.
pub(crate) struct SeiRequest {
    /// Whose video carries it.
    pub(crate) index: StreamIndex,
    /// The app's bytes.
    pub(crate) payload: Vec<u8>,
    /// How many pictures carry it (the repeat count + 1).
    pub(crate) frames: u32,
    /// Whether a picture may carry it along with other queued messages.
    pub(crate) multi: bool,
}

/// Everything the media task hears, in the order it was sent.
pub(crate) enum MediaInput {
    /// The room as media sees it changed (from the signalling machine).
    Room(Option<RoomView>),
    /// The SFU offers the subscriber transport.
    SubscriberOffer(SubscriberOfferEvent),
    /// An app call.
    Call(MediaCall),
    /// The engine is destroyed: stop everything.
    Destroy,
}
