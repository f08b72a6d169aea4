//! Render mirroring (`set_local_video_mirror_type`, `set_remote_video_mirror_type`) and the
//! snapshots that carry it. Mirroring is a way of showing a picture, never a change to it: what
//! is captured, encoded and sent stays unmirrored, as the vendor's SDKs do for
//! `MIRROR_TYPE_RENDER`. A native app draws pictures itself, so the SDK cannot flip its view;
//! instead every snapshot says whether its stream is to be shown mirrored.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex, PoisonError};

use chorus_media::RgbaImage;
use chorus_proto::StreamIndex;

use crate::media::outlet::StreamKey;

/// How a stream's pictures are shown (the vendor's `MirrorType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MirrorType {
    /// As captured (the default).
    #[default]
    None,
    /// Flipped left to right where the app renders it; what is sent stays unmirrored.
    Render,
}

/// A picture taken by `take_local_snapshot` or `take_remote_snapshot`: the stream's latest
/// picture as captured or received (never flipped, so it matches what others receive), and
/// whether the stream is set to be shown mirrored. An app that renders the snapshot as the
/// SDK's players would flips it left to right when `mirrored` is true
/// ([`Snapshot::rendered`] does that). Derefs to the image.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The picture, unmirrored.
    pub image: RgbaImage,
    /// Whether the stream's mirror type is [`MirrorType::Render`] at the time of the snapshot.
    pub mirrored: bool,
}

impl Snapshot {
    /// The picture as it is shown: flipped left to right when `mirrored`.
    pub fn rendered(&self) -> RgbaImage {
        if self.mirrored {
            flip(&self.image)
        } else {
            self.image.clone()
        }
    }
}

impl Deref for Snapshot {
    type Target = RgbaImage;

    fn deref(&self) -> &RgbaImage {
        &self.image
    }
}

/// `image` flipped left to right.
fn flip(image: &RgbaImage) -> RgbaImage {
    let row = usize::try_from(image.width).unwrap_or(0) * 4;
    let mut data = Vec::with_capacity(image.data.len());
    if row > 0 {
        for line in image.data.chunks(row) {
            for pixel in line.chunks(4).rev() {
                data.extend_from_slice(pixel);
            }
        }
    }
    RgbaImage {
        width: image.width,
        height: image.height,
        data,
    }
}

/// An engine's mirror settings. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub(crate) struct Mirrors {
    inner: Arc<Mutex<Settings>>,
}

#[derive(Debug, Default)]
struct Settings {
    local: MirrorType,
    remote: HashMap<StreamKey, MirrorType>,
}

impl Mirrors {
    fn lock(&self) -> std::sync::MutexGuard<'_, Settings> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets the local camera's type.
    pub(crate) fn set_local(&self, mirror: MirrorType) {
        self.lock().local = mirror;
    }

    /// Sets the type of a remote stream.
    pub(crate) fn set_remote(&self, key: StreamKey, mirror: MirrorType) {
        let mut settings = self.lock();
        if mirror == MirrorType::None {
            settings.remote.remove(&key);
        } else {
            settings.remote.insert(key, mirror);
        }
    }

    /// Whether local stream `index` is shown mirrored: the camera only, as the vendor's
    /// local setting applies to the main stream (a shared screen is never mirrored).
    pub(crate) fn local(&self, index: StreamIndex) -> bool {
        index == StreamIndex::Main && self.lock().local == MirrorType::Render
    }

    /// Whether a remote stream is shown mirrored.
    pub(crate) fn remote(&self, key: &StreamKey) -> bool {
        self.lock().remote.get(key) == Some(&MirrorType::Render)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_flips_each_row_when_mirrored() {
        let image = RgbaImage {
            width: 2,
            height: 2,
            data: vec![1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4],
        };
        let mut snapshot = Snapshot {
            image: image.clone(),
            mirrored: false,
        };
        assert_eq!(snapshot.rendered(), image);
        snapshot.mirrored = true;
        assert_eq!(
            snapshot.rendered().data,
            [2, 2, 2, 2, 1, 1, 1, 1, 4, 4, 4, 4, 3, 3, 3, 3]
        );
    }

    #[test]
    fn settings_follow_the_stream() {
        let mirrors = Mirrors::default();
        mirrors.set_local(MirrorType::Render);
        assert!(mirrors.local(StreamIndex::Main));
        assert!(!mirrors.local(StreamIndex::Screen));
        let bob = ("bob".to_owned(), StreamIndex::Main);
        mirrors.set_remote(bob.clone(), MirrorType::Render);
        assert!(mirrors.remote(&bob));
        assert!(!mirrors.remote(&("carol".to_owned(), StreamIndex::Main)));
        mirrors.set_remote(bob.clone(), MirrorType::None);
        assert!(!mirrors.remote(&bob));
    }
}
