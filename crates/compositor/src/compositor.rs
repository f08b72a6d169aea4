//! The compositor core, sans IO: sources' decoded pictures and audio in, composite pictures at
//! the output frame rate and mixed audio every 20 ms out, with time as an input (`now` on each
//! call), as str0m's `handle_input` / `poll_output`. The worker owns the clock and the I/O.

use std::time::Duration;

use chorus_media::{AudioFrame, FRAME_MS, RgbaImage, VideoFrame};

use crate::audio::AudioMixer;
use crate::layout::{Layout, SourceKey};
use crate::video::VideoCompositor;

/// What the compositor produces.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// A composite picture of the layout's size.
    Video(VideoFrame),
    /// 20 ms of mixed stereo audio.
    Audio(AudioFrame),
}

const AUDIO_PERIOD: Duration = Duration::from_millis(FRAME_MS as u64);

/// A public stream's compositor: a layout, a video compositor and an audio mixer on one clock.
pub struct Compositor {
    video: VideoCompositor,
    audio: AudioMixer,
    next_video: Duration,
    next_audio: Duration,
    video_frames: u64,
}

impl Compositor {
    /// A compositor for `layout` whose clock starts at `now`.
    pub fn new(layout: Layout, now: Duration) -> Self {
        Compositor {
            video: VideoCompositor::new(layout),
            audio: AudioMixer::new(),
            next_video: now,
            next_audio: now,
            video_frames: 0,
        }
    }

    /// The layout in force.
    pub fn layout(&self) -> &Layout {
        self.video.layout()
    }

    /// Replaces the layout (`updatePublicStreamParam`); the next picture follows it.
    pub fn set_layout(&mut self, layout: Layout) {
        let audible: Vec<SourceKey> = layout
            .regions
            .iter()
            .filter(|r| r.audio)
            .map(|r| r.source.clone())
            .collect();
        self.audio.retain(|k| audible.contains(k));
        self.video.set_layout(layout);
    }

    /// The decoded background image of `url`, painted under the regions while the layout
    /// names that URL.
    pub fn set_background_image(&mut self, url: &str, image: RgbaImage) {
        self.video.set_background_image(url, image);
    }

    /// A decoded picture of `source`.
    pub fn handle_video(&mut self, source: &SourceKey, frame: VideoFrame) {
        self.video.push_frame(source, frame);
    }

    /// Decoded audio of `source`; ignored unless a region takes the source's audio.
    pub fn handle_audio(&mut self, source: &SourceKey, frame: &AudioFrame) {
        let wanted = self
            .layout()
            .regions
            .iter()
            .any(|r| r.audio && r.source == *source);
        if wanted {
            self.audio.push(source, frame);
        }
    }

    /// `source` stopped publishing: its regions show the background, its audio ends.
    pub fn handle_source_gone(&mut self, source: &SourceKey) {
        self.video.remove_source(source);
        self.audio.retain(|k| k != source);
    }

    /// When `poll_output` next has something.
    pub fn poll_timeout(&self) -> Duration {
        self.next_video.min(self.next_audio)
    }

    /// What is due at `now`, audio first. After a stall (a slow machine), missed pictures are
    /// skipped rather than produced in a burst; missed audio frames are produced, as players
    /// count on an unbroken audio clock.
    pub fn poll_output(&mut self, now: Duration) -> Option<Output> {
        if now >= self.next_audio {
            self.next_audio += AUDIO_PERIOD;
            return Some(Output::Audio(self.audio.mix()));
        }
        if now >= self.next_video {
            let period = Duration::from_secs(1) / self.layout().fps.max(1);
            self.next_video += period;
            if self.next_video <= now {
                self.next_video = now + period;
            }
            self.video_frames += 1;
            return Some(Output::Video(self.video.compose().clone()));
        }
        None
    }

    /// Pictures produced so far.
    pub fn video_frames(&self) -> u64 {
        self.video_frames
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chorus_proto::{
        PublicStreamConfig, PublicStreamLayout, PublicStreamRegion, PublicStreamVideo,
    };

    fn layout(fps: u32) -> Layout {
        Layout::from_config(&PublicStreamConfig {
            video: Some(PublicStreamVideo {
                width: Some(64),
                height: Some(64),
                fps: Some(fps),
                k_bit_rate: 100,
            }),
            layout: Some(PublicStreamLayout {
                background_color: None,
                background_image: None,
                regions: Some(vec![PublicStreamRegion {
                    user_id: "a".into(),
                    room_id: "r".into(),
                    ..Default::default()
                }]),
            }),
        })
        .expect("valid")
    }

    fn drain(c: &mut Compositor, now: Duration) -> (usize, usize) {
        let (mut video, mut audio) = (0, 0);
        while let Some(out) = c.poll_output(now) {
            match out {
                Output::Video(f) => {
                    assert_eq!((f.width, f.height), (64, 64));
                    video += 1;
                }
                Output::Audio(f) => {
                    assert_eq!(f.channels, 2);
                    audio += 1;
                }
            }
        }
        (video, audio)
    }

    #[test]
    fn outputs_come_at_the_frame_rate_and_every_20_ms() {
        let mut c = Compositor::new(layout(25), Duration::ZERO);
        let (mut video, mut audio) = (0, 0);
        let mut now = Duration::ZERO;
        while now < Duration::from_secs(2) {
            let (v, a) = drain(&mut c, now);
            video += v;
            audio += a;
            assert!(c.poll_timeout() > now);
            now = c.poll_timeout();
        }
        assert_eq!((video, audio), (50, 100));
    }

    #[test]
    fn a_stall_skips_pictures_but_not_audio() {
        let mut c = Compositor::new(layout(10), Duration::ZERO);
        drain(&mut c, Duration::ZERO);
        let (video, audio) = drain(&mut c, Duration::from_secs(1));
        assert_eq!(video, 1, "one picture after the stall, not ten");
        assert_eq!(audio, 50);
        assert_eq!(c.poll_timeout(), Duration::from_millis(1020));
    }

    #[test]
    fn audio_of_sources_outside_the_layout_is_not_mixed() {
        let mut c = Compositor::new(layout(10), Duration::ZERO);
        let loud = AudioFrame {
            samples: vec![8000; 960],
            channels: 1,
        };
        let stranger = SourceKey {
            room_id: "r".into(),
            user_id: "b".into(),
            screen: false,
        };
        c.handle_audio(&stranger, &loud);
        let Some(Output::Audio(out)) = c.poll_output(Duration::ZERO) else {
            panic!("audio first");
        };
        assert!(out.samples.iter().all(|&s| s == 0));
        let member = c.layout().regions[0].source.clone();
        c.handle_audio(&member, &loud);
        let Some(Output::Audio(out)) = c.poll_output(Duration::from_millis(20)) else {
            panic!("audio due");
        };
        assert!(out.samples.iter().any(|&s| s != 0));
    }
}
