//! Where decoded remote media goes: the app's frame streams ([`MediaStream`]) and the latest
//! picture of each remote video, for `take_remote_snapshot`; and, riding along to every
//! transport, the book of the latest stream statistics for the stats getters.
//!
//! Decoder threads deliver into a registry shared with the engine handle (which registers
//! streams and reads snapshots without a round trip through any task). It is locked once per
//! decoded frame, never per packet, and held only to clone a frame into bounded channels, so
//! a decoder never waits on an app. A reader that falls behind loses the newest frames rather
//! than making the SDK buffer without bound.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use chorus_media::{AudioFrame, VideoFrame};
use chorus_proto::{StreamIndex, TrackKind};
use tokio::sync::mpsc;

use crate::media::mirror::Mirrors;
use crate::media::stats::StatsBook;
use crate::media::volume::{self, Volumes};

/// Audio frames a reader may fall behind by before frames are dropped: 10 s of 20 ms frames.
const AUDIO_BACKLOG: usize = 500;
/// Video frames a reader may fall behind by before frames are dropped: about 2 s.
const VIDEO_BACKLOG: usize = 64;

/// Decoded frames of one remote stream, in order: from [`crate::RtcEngine::remote_audio`]
/// (20 ms PCM frames, 48 kHz, lost packets concealed so the PCM has no holes) or
/// [`crate::RtcEngine::remote_video`] (I420 pictures).
///
/// A stream lives as long as the engine: it yields frames whenever the stream is received,
/// across unsubscribes, resubscribes and rooms, and ends when the engine is destroyed. If the
/// reader falls behind by more than a backlog (10 s of audio, about 2 s of video) the newest
/// frames are dropped until it catches up.
#[derive(Debug)]
pub struct MediaStream<T> {
    rx: mpsc::Receiver<T>,
}

impl<T> MediaStream<T> {
    /// The next frame; `None` once the engine is destroyed.
    pub async fn next(&mut self) -> Option<T> {
        self.rx.recv().await
    }

    /// A frame already waiting, if any.
    pub fn try_next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

impl<T> futures_util::Stream for MediaStream<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().rx.poll_recv(cx)
    }
}

/// Whose stream: the publisher and main or screen.
pub(crate) type StreamKey = (String, StreamIndex);

/// Encoded frames of the engine's own media a reader may fall behind by: about 2 s of video
/// and audio together.
const ENCODED_BACKLOG: usize = 256;

/// One encoded frame of the engine's own media, as the engine hands it to its publisher: an
/// Opus packet or an H.264 access unit (Annex B). From [`crate::RtcEngine::local_encoded_media`].
#[derive(Debug, Clone)]
pub struct EncodedMedia {
    /// Main or screen.
    pub index: StreamIndex,
    /// Audio or video.
    pub kind: TrackKind,
    /// The Opus packet, or the access unit with start codes.
    pub data: Vec<u8>,
    /// Samples per channel (48 kHz) the audio packet covers; 0 for video.
    pub samples: u32,
    /// When the frame was captured or pushed.
    pub captured_at: std::time::Instant,
}

#[derive(Default)]
struct Registry {
    encoded: Vec<mpsc::Sender<EncodedMedia>>,
    /// A reader of encoded media came: the next picture should be a keyframe.
    keyframe_wanted: bool,
    audio: HashMap<StreamKey, Vec<mpsc::Sender<AudioFrame>>>,
    video: HashMap<StreamKey, Vec<mpsc::Sender<VideoFrame>>>,
    latest: HashMap<StreamKey, VideoFrame>,
    closed: bool,
}

/// The shared registry of frame streams and latest pictures. Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Outlets {
    inner: Arc<Mutex<Registry>>,
    stats: StatsBook,
    volumes: Volumes,
    mirrors: Mirrors,
}

impl std::fmt::Debug for Outlets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Outlets")
    }
}

/// Sends a clone of `frame` to every live reader; forgets readers that are gone.
fn fan_out<T: Clone>(readers: &mut Vec<mpsc::Sender<T>>, frame: &T) {
    readers.retain(|tx| match tx.try_send(frame.clone()) {
        Ok(()) | Err(mpsc::error::TrySendError::Full(_)) => true,
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    });
}

impl Outlets {
    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        // A decoder that panicked mid-delivery leaves the map consistent: every operation
        // here is a single insert, retain or clone.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new reader of `key`'s audio (ended at once if the engine is destroyed).
    pub(crate) fn audio(&self, key: StreamKey) -> MediaStream<AudioFrame> {
        let (tx, rx) = mpsc::channel(AUDIO_BACKLOG);
        let mut registry = self.lock();
        if !registry.closed {
            registry.audio.entry(key).or_default().push(tx);
        }
        MediaStream { rx }
    }

    /// A new reader of `key`'s video (ended at once if the engine is destroyed).
    pub(crate) fn video(&self, key: StreamKey) -> MediaStream<VideoFrame> {
        let (tx, rx) = mpsc::channel(VIDEO_BACKLOG);
        let mut registry = self.lock();
        if !registry.closed {
            registry.video.entry(key).or_default().push(tx);
        }
        MediaStream { rx }
    }

    /// A new reader of the engine's own encoded media (ended at once if the engine is
    /// destroyed); the next picture is made a keyframe, so what it reads can be decoded at once.
    pub(crate) fn encoded(&self) -> MediaStream<EncodedMedia> {
        let (tx, rx) = mpsc::channel(ENCODED_BACKLOG);
        let mut registry = self.lock();
        if !registry.closed {
            registry.encoded.push(tx);
            registry.keyframe_wanted = true;
        }
        MediaStream { rx }
    }

    /// Whether a reader of encoded media came since the last call (a keyframe is owed).
    pub(crate) fn take_keyframe_wish(&self) -> bool {
        std::mem::take(&mut self.lock().keyframe_wanted)
    }

    /// Hands an encoded frame of the engine's own media to its readers, if any.
    pub(crate) fn deliver_encoded(&self, make: impl FnOnce() -> EncodedMedia) {
        let mut registry = self.lock();
        if !registry.encoded.is_empty() {
            fan_out(&mut registry.encoded, &make());
        }
    }

    /// Notes the level of a decoded audio frame of `key` and hands it to its readers, at the
    /// stream's playback volume.
    pub(crate) fn deliver_audio(&self, key: &StreamKey, frame: &AudioFrame) {
        self.volumes.levels().received(key, frame);
        let level = self.volumes.playback(key);
        let mut scaled;
        let frame = if level == 100 {
            frame
        } else {
            scaled = frame.clone();
            volume::apply(&mut scaled, level);
            &scaled
        };
        let mut registry = self.lock();
        if let Some(readers) = registry.audio.get_mut(key) {
            fan_out(readers, frame);
        }
    }

    /// Hands a decoded picture of `key` to its readers and keeps it for snapshots.
    pub(crate) fn deliver_video(&self, key: &StreamKey, frame: VideoFrame) {
        let mut registry = self.lock();
        if let Some(readers) = registry.video.get_mut(key) {
            fan_out(readers, &frame);
        }
        if !registry.closed {
            registry.latest.insert(key.clone(), frame);
        }
    }

    /// The latest picture of `key`, if any was received in this room.
    pub(crate) fn latest_video(&self, key: &StreamKey) -> Option<VideoFrame> {
        self.lock().latest.get(key).cloned()
    }

    /// Out of the room: no remote picture is current any more, nor any figure.
    pub(crate) fn forget_pictures(&self) {
        self.lock().latest.clear();
        self.stats.clear();
    }

    /// The capture and playback volumes.
    pub(crate) fn volumes(&self) -> &Volumes {
        &self.volumes
    }

    /// The render mirror settings.
    pub(crate) fn mirrors(&self) -> &Mirrors {
        &self.mirrors
    }

    /// The latest stream statistics.
    pub(crate) fn stats(&self) -> &StatsBook {
        &self.stats
    }

    /// The engine is destroyed: every stream ends and nothing more is kept.
    pub(crate) fn close(&self) {
        self.stats.clear();
        let mut registry = self.lock();
        *registry = Registry {
            closed: true,
            ..Registry::default()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn encoded_media_reaches_its_readers_and_asks_for_a_keyframe_once() {
        let outlets = Outlets::default();
        let frame = || EncodedMedia {
            index: StreamIndex::Main,
            kind: TrackKind::Audio,
            data: vec![0x7c, 1, 2],
            samples: 960,
            captured_at: std::time::Instant::now(),
        };
        // No reader: nothing is made, no keyframe owed.
        outlets.deliver_encoded(|| unreachable!("no reader, no copy"));
        assert!(!outlets.take_keyframe_wish());
        let mut reader = outlets.encoded();
        assert!(outlets.take_keyframe_wish());
        assert!(!outlets.take_keyframe_wish());
        outlets.deliver_encoded(frame);
        let got = reader.next().await.expect("a frame");
        assert_eq!((got.data, got.samples), (vec![0x7c, 1, 2], 960));
        outlets.close();
        assert!(reader.next().await.is_none(), "ends with the engine");
    }

    #[tokio::test]
    async fn frames_reach_every_reader_of_their_stream_only() {
        let outlets = Outlets::default();
        let key = ("bob".to_owned(), StreamIndex::Main);
        let mut a = outlets.audio(key.clone());
        let mut b = outlets.audio(key.clone());
        let mut other = outlets.audio(("carol".to_owned(), StreamIndex::Main));
        let frame = AudioFrame::silence(1);
        outlets.deliver_audio(&key, &frame);
        assert_eq!(a.next().await, Some(frame.clone()));
        assert_eq!(b.next().await, Some(frame));
        assert!(other.try_next().is_none());
    }

    #[tokio::test]
    async fn a_slow_reader_loses_the_newest_frames_not_the_oldest() {
        let outlets = Outlets::default();
        let key = ("bob".to_owned(), StreamIndex::Main);
        let mut slow = outlets.audio(key.clone());
        for n in 0..AUDIO_BACKLOG + 10 {
            let mut frame = AudioFrame::silence(1);
            frame.samples[0] = n as i16;
            outlets.deliver_audio(&key, &frame);
        }
        assert_eq!(slow.next().await.map(|f| f.samples[0]), Some(0));
    }

    #[tokio::test]
    async fn pictures_are_kept_until_the_room_is_left_and_close_ends_streams() {
        let outlets = Outlets::default();
        let key = ("bob".to_owned(), StreamIndex::Screen);
        let mut reader = outlets.video(key.clone());
        assert!(outlets.latest_video(&key).is_none());
        let picture = VideoFrame {
            width: 2,
            height: 2,
            y: vec![1; 4],
            u: vec![2],
            v: vec![3],
        };
        outlets.deliver_video(&key, picture.clone());
        assert_eq!(outlets.latest_video(&key), Some(picture.clone()));
        assert_eq!(reader.next().await, Some(picture));
        outlets.forget_pictures();
        assert!(outlets.latest_video(&key).is_none());
        outlets.close();
        assert_eq!(reader.next().await, None);
        let mut late = outlets.video(key);
        assert_eq!(late.next().await, None);
    }
}
