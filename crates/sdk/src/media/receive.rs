//! Decoding what the subscriber transport receives: one thread per remote track turns Opus
//! packets into PCM and H.264 access units into pictures, announces the first of each, and
//! hands them to the [`Outlets`].
//!
//! Audio never has holes: packets missing from the sequence are concealed (Opus PLC) when the
//! next one arrives, so the PCM stream keeps its 20 ms rhythm through loss. Video that cannot
//! be decoded (a gap the retransmissions did not fill, a decoder error, a join mid-stream)
//! waits for a keyframe and asks for one. Decoding runs on its own thread for the same
//! reason capture does: it is CPU work that must not stall the transport's task. Knows
//! nothing of str0m beyond the m-line id it reports keyframe requests with.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::time::{Duration, Instant};

use chorus_media::{AudioFrame, H264Decoder, OpusDecoder, SeiSeen, is_h264_keyframe, read_sei};
use chorus_proto::TrackKind;
use str0m::media::Mid;
use tokio::sync::mpsc::UnboundedSender;

use crate::event::EngineEvent;
use crate::media::outlet::{Outlets, StreamKey};

/// Packets queued for a decoder before newer ones are dropped (about 2 s of video).
const QUEUE: usize = 128;
/// Most lost audio frames concealed at once (a longer gap is a pause, not loss).
const MAX_CONCEALED: u64 = 25;
/// Least time between two keyframe requests of one track.
const KEYFRAME_REQUEST_GAP: Duration = Duration::from_millis(300);

/// One received frame (a whole Opus packet or H.264 access unit).
#[derive(Debug)]
pub(crate) struct Received {
    /// The payload.
    pub(crate) data: Arc<[u8]>,
    /// Extended RTP sequence numbers of its first and last packet.
    pub(crate) seq: (u64, u64),
    /// Whether str0m saw no gap before it.
    pub(crate) contiguous: bool,
}

/// What a decoder thread needs.
pub(crate) struct DecoderCtx {
    /// Whose stream.
    pub(crate) key: StreamKey,
    /// The m-line, for keyframe requests.
    pub(crate) mid: Mid,
    /// Where frames go.
    pub(crate) outlets: Outlets,
    /// The app's events (first frames).
    pub(crate) events: UnboundedSender<EngineEvent>,
    /// Keyframe requests, to the subscriber task.
    pub(crate) keyframes: UnboundedSender<Mid>,
}

/// A running decoder; dropping it ends the thread once its queue is drained.
pub(crate) struct Decoder {
    tx: SyncSender<Received>,
}

impl Decoder {
    /// Starts a decoder thread for a track of `kind`.
    pub(crate) fn start(kind: TrackKind, ctx: DecoderCtx) -> std::io::Result<Decoder> {
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let name = format!("chorus-{}-decode", kind.as_str());
        std::thread::Builder::new()
            .name(name)
            .spawn(move || match kind {
                TrackKind::Audio => decode_audio(&rx, &ctx),
                TrackKind::Video => decode_video(&rx, &ctx),
            })?;
        Ok(Decoder { tx })
    }

    /// Queues a frame; false when the decoder is gone. A full queue drops the frame (the
    /// decoder is behind; audio conceals it, video asks for a keyframe).
    pub(crate) fn push(&self, frame: Received) -> bool {
        !matches!(self.tx.try_send(frame), Err(TrySendError::Disconnected(_)))
    }
}

/// Channels of an Opus packet, from the stereo flag of its TOC byte (RFC 6716, 3.1).
fn opus_channels(packet: &[u8]) -> u16 {
    match packet.first() {
        Some(toc) if toc & 0x04 != 0 => 2,
        _ => 1,
    }
}

/// How many frames went missing between the last sequence number seen and `next`.
fn missing_between(last: Option<u64>, next: u64) -> u64 {
    match last {
        Some(last) if next > last + 1 => (next - last - 1).min(MAX_CONCEALED),
        _ => 0,
    }
}

fn decode_audio(rx: &Receiver<Received>, ctx: &DecoderCtx) {
    let mut decoder: Option<(u16, OpusDecoder)> = None;
    let mut last_seq: Option<u64> = None;
    let mut announced = false;
    let mut deliver = |frame: AudioFrame| {
        ctx.outlets.deliver_audio(&ctx.key, &frame);
        if !announced {
            announced = true;
            let _ = ctx.events.send(EngineEvent::RemoteAudioFirstFrame {
                user_id: ctx.key.0.clone(),
                stream_index: ctx.key.1,
            });
        }
    };
    for packet in rx {
        if last_seq.is_some_and(|last| packet.seq.1 <= last) {
            // Late or repeated: its slot was concealed already.
            continue;
        }
        let channels = opus_channels(&packet.data);
        if decoder.as_ref().is_none_or(|(c, _)| *c != channels) {
            match OpusDecoder::new(channels) {
                Ok(d) => decoder = Some((channels, d)),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot make an Opus decoder");
                    return;
                }
            }
        }
        let Some((_, opus)) = decoder.as_mut() else {
            return;
        };
        for _ in 0..missing_between(last_seq, packet.seq.0) {
            match opus.conceal() {
                Ok(frame) => deliver(frame),
                Err(e) => tracing::debug!(error = %e, "concealment failed"),
            }
        }
        last_seq = Some(packet.seq.1);
        match opus.decode(&packet.data) {
            Ok(frame) => deliver(frame),
            // A corrupt packet is a lost one.
            Err(e) => match opus.conceal() {
                Ok(frame) => deliver(frame),
                Err(_) => tracing::debug!(error = %e, "undecodable audio packet"),
            },
        }
    }
}

/// Asks for keyframes, at most once per [`KEYFRAME_REQUEST_GAP`].
struct KeyframeAsker<'a> {
    ctx: &'a DecoderCtx,
    last: Option<Instant>,
}

impl KeyframeAsker<'_> {
    fn ask(&mut self) {
        let now = Instant::now();
        if self.last.is_some_and(|t| now - t < KEYFRAME_REQUEST_GAP) {
            return;
        }
        self.last = Some(now);
        let _ = self.ctx.keyframes.send(self.ctx.mid);
    }
}

fn decode_video(rx: &Receiver<Received>, ctx: &DecoderCtx) {
    let mut decoder = match H264Decoder::new() {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "cannot make an H.264 decoder");
            return;
        }
    };
    let mut asker = KeyframeAsker { ctx, last: None };
    let mut announced = false;
    // Until a keyframe, inter frames have nothing to refer to.
    let mut need_keyframe = true;
    let mut seen = SeiSeen::default();
    for packet in rx {
        // SEI messages count whether or not the picture can be decoded; repeats once.
        for message in read_sei(&packet.data) {
            if seen.first_time(message.seq) {
                let _ = ctx.events.send(EngineEvent::SeiMessageReceived {
                    user_id: ctx.key.0.clone(),
                    stream_index: ctx.key.1,
                    message: message.payload,
                });
            }
        }
        // str0m judges contiguity by the codec's own rules (padding and retransmissions
        // excluded), which sequence numbers alone cannot.
        if is_h264_keyframe(&packet.data) {
            need_keyframe = false;
        } else if !packet.contiguous {
            need_keyframe = true;
        }
        if need_keyframe {
            asker.ask();
            continue;
        }
        match decoder.decode(&packet.data) {
            Ok(Some(picture)) => {
                let (width, height) = (picture.width, picture.height);
                ctx.outlets.deliver_video(&ctx.key, picture);
                if !announced {
                    announced = true;
                    let _ = ctx.events.send(EngineEvent::RemoteVideoFirstFrame {
                        user_id: ctx.key.0.clone(),
                        stream_index: ctx.key.1,
                        width,
                        height,
                    });
                }
            }
            Ok(None) => {}
            Err(e) => {
                tracing::debug!(error = %e, "video frame not decoded; asking for a keyframe");
                need_keyframe = true;
                asker.ask();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_toc_byte_tells_mono_from_stereo() {
        assert_eq!(opus_channels(&[0b0111_1000]), 1);
        assert_eq!(opus_channels(&[0b0111_1100]), 2);
        assert_eq!(opus_channels(&[]), 1);
    }

    #[test]
    fn gaps_in_the_sequence_count_as_missing_frames_up_to_a_cap() {
        assert_eq!(missing_between(None, 7), 0);
        assert_eq!(missing_between(Some(6), 7), 0);
        assert_eq!(missing_between(Some(6), 9), 2);
        assert_eq!(missing_between(Some(6), 6), 0);
        assert_eq!(missing_between(Some(6), 1_000), MAX_CONCEALED);
    }
}
