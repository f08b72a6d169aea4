//! Live transcoding (the vendor's `startLiveTranscoding`, "push to CDN"): a member has the
//! server composite users of its room and push the result over RTMP. It is a public stream
//! of its own (id `@live.<session>.<n>`, a prefix the app's own public streams cannot use, so
//! the compositor, its scheduling and its limits are the public streams'), plus an RTMP push
//! of that stream's output: the output engine's H.264 as it is encoded (no second video
//! encode, a keyframe at least every 2 s) and the mix encoded as AAC-LC, in FLV tags. A member has one live transcoding at a time; it ends with
//! `stopLiveTranscoding` or when the member leaves the room.
//!
//! Parts: [`rtmp`] (a hand-written publishing client), [`amf`] (its command encoding),
//! [`flv`] (tag bodies), [`aac`] (the FDK AAC encoder) and [`push`] (the thread that drives a
//! push). How it goes reaches the member as `onStreamMixingEvent` through `notify`; this
//! module knows nothing of sessions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use chorus_compositor::DEFAULT_KBPS;
use chorus_proto::{
    ErrorCode, LiveTranscodeConfig, PublicStreamConfig, PublicStreamLayout, PublicStreamRegion,
    PublicStreamType, PublicStreamVideo, RtcError, StreamMixingErrorCode, StreamMixingEventType,
};

use super::PublicStreams;

mod aac;
mod amf;
mod flv;
mod push;
mod rtmp;

pub(crate) use push::Notify;

use aac::{AacParams, SAMPLE_RATES};
use push::{Push, PushConfig};
use rtmp::RtmpUrl;

/// One member's live transcoding.
struct Live {
    stream_id: String,
    push: Push,
}

/// The live transcodings of the server, by app and session.
#[derive(Default)]
pub(crate) struct LiveTranscodings {
    running: Mutex<HashMap<(String, u64), Live>>,
    /// Numbers each live transcoding's public stream.
    started: AtomicU64,
}

fn invalid(message: String) -> RtcError {
    RtcError::new(ErrorCode::InvalidParams, message)
}

/// What live transcodings' public stream ids start with: no app may use such an id.
pub(super) const STREAM_PREFIX: &str = "@live.";

/// The public stream of a session's `n`th live transcoding: a new one each time, so a new
/// compositor never meets the one before it, still leaving, in the rooms.
fn stream_id(session: u64, n: u64) -> String {
    format!("{STREAM_PREFIX}{session}.{n}")
}

/// The AAC parameters of `config`, with the vendor's defaults.
fn audio_params(config: &LiveTranscodeConfig) -> Result<AacParams, RtcError> {
    let audio = config.audio.clone().unwrap_or_default();
    if let Some(codec) = audio.codec.as_deref().filter(|c| *c != "AAC") {
        return Err(invalid(format!(
            "audio.codec is {codec:?}; it must be \"AAC\""
        )));
    }
    if let Some(profile) = audio.aac_profile.as_deref().filter(|p| *p != "LC") {
        return Err(invalid(format!(
            "audio.AACProfile is {profile:?}; Chorus encodes \"LC\" only"
        )));
    }
    let sample_rate = audio.sample_rate.unwrap_or(48_000);
    if !SAMPLE_RATES.contains(&sample_rate) {
        return Err(invalid(format!(
            "audio.sampleRate is {sample_rate}; it must be 32000, 44100 or 48000"
        )));
    }
    let channels = audio.channels.unwrap_or(2);
    if !(1..=2).contains(&channels) {
        return Err(invalid(format!(
            "audio.channels is {channels}; it must be 1 or 2"
        )));
    }
    let kbps = audio.k_bit_rate.unwrap_or(64);
    if !(32..=192).contains(&kbps) {
        return Err(invalid(format!(
            "audio.kBitRate is {kbps}; it must be 32 to 192"
        )));
    }
    Ok(AacParams {
        sample_rate,
        channels: u16::try_from(channels).unwrap_or(2),
        kbps,
    })
}

/// The public stream parameters of `config` for users of `room_id`.
fn stream_config(
    room_id: &str,
    config: &LiveTranscodeConfig,
) -> Result<PublicStreamConfig, RtcError> {
    let video = match &config.video {
        None => None,
        Some(v) => {
            if let Some(codec) = v.codec.as_deref().filter(|c| *c != "H264") {
                return Err(invalid(format!(
                    "video.codec is {codec:?}; Chorus encodes \"H264\""
                )));
            }
            // Odd sizes round up, as the vendor documents.
            let even = |name: &str, n: Option<u32>| -> Result<Option<u32>, RtcError> {
                match n {
                    Some(n) if !(2..=1920).contains(&n) => Err(invalid(format!(
                        "video.{name} is {n}; it must be 2 to 1920"
                    ))),
                    n => Ok(n.map(|n| n + n % 2)),
                }
            };
            if let Some(gop) = v.gop.filter(|g| !(1..=5).contains(g)) {
                return Err(invalid(format!("video.gop is {gop}; it must be 1 to 5")));
            }
            Some(PublicStreamVideo {
                width: even("width", v.width)?,
                height: even("height", v.height)?,
                fps: v.fps,
                k_bit_rate: v.k_bit_rate.unwrap_or(DEFAULT_KBPS),
            })
        }
    };
    let layout = config.layout.as_ref().map(|l| PublicStreamLayout {
        background_color: l.background_color.clone(),
        background_image: None,
        regions: l.regions.as_ref().map(|regions| {
            regions
                .iter()
                .map(|r| PublicStreamRegion {
                    user_id: r.user_id.clone(),
                    room_id: room_id.to_owned(),
                    is_screen_stream: r.is_screen_stream,
                    x: r.x,
                    y: r.y,
                    w: r.w,
                    h: r.h,
                    zorder: r.zorder,
                    alpha: r.alpha,
                    render_mode: r.render_mode,
                    media_type: match r.content_control {
                        Some(1) => Some(PublicStreamType::AudioOnly),
                        Some(2) => Some(PublicStreamType::VideoOnly),
                        _ => None,
                    },
                    source_crop: None,
                })
                .collect()
        }),
    });
    if let Some(bad) = config
        .layout
        .iter()
        .flat_map(|l| l.regions.iter().flatten())
        .find_map(|r| r.content_control.filter(|c| !(0..=2).contains(c)))
    {
        return Err(invalid(format!(
            "a region's contentControl is {bad}; it must be 0, 1 or 2"
        )));
    }
    Ok(PublicStreamConfig { video, layout })
}

/// What an RTMP server answers, and the URL an app gives: the command values decode without
/// a panic and encode back to what decodes the same; any URL parses or is refused.
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_rtmp_replies(data: &[u8]) {
    let values = amf::decode(data);
    for v in &values {
        let _ = (v.as_str(), v.as_number(), v.get("code"));
    }
    let again = amf::decode(&amf::encode(&values));
    assert_eq!(again.len(), values.len(), "what decoded encodes back whole");
    let _ = RtmpUrl::parse(&String::from_utf8_lossy(data));
}

impl LiveTranscodings {
    /// Stops every push (the server is shutting down).
    pub(super) fn stop_all(&self) {
        let all: Vec<_> = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .collect();
        for (_, live) in all {
            live.push.stop();
        }
    }
}

impl PublicStreams {
    /// `startLiveTranscoding` from `session` (of `app_id`, in `room_id`): starts compositing
    /// and the push. A bad parameter fails at once (and is told through `notify` too, as the
    /// vendor does); what happens later arrives through `notify` alone.
    pub(crate) fn start_live(
        &self,
        app_id: &str,
        room_id: &str,
        session: u64,
        config: &LiveTranscodeConfig,
        notify: Notify,
    ) -> Result<(), RtcError> {
        let key = (app_id.to_owned(), session);
        let mut running = self
            .live
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // A push that failed (START_FAILED was told) leaves nothing to repeat: its composite
        // stops and a new start replaces it.
        if running
            .get(&key)
            .is_some_and(|live| live.push.is_finished())
            && let Some(ended) = running.remove(&key)
        {
            let _ = self.stop_stream(app_id, &ended.stream_id);
        }
        // A repeated start changes nothing, so it tells nothing either.
        if running.contains_key(&key) {
            return Err(RtcError::new(
                ErrorCode::RepeatPush,
                "live transcoding is already on; change it with updateLiveTranscoding or stop it first",
            ));
        }
        notify(
            StreamMixingEventType::Start,
            StreamMixingErrorCode::Ok,
            String::new(),
        );
        let id = stream_id(session, self.live.started.fetch_add(1, Ordering::Relaxed));
        let checked = (|| {
            let url = config
                .url
                .as_deref()
                .ok_or_else(|| invalid("url is missing; give the rtmp:// URL to push to".into()))?;
            let url = RtmpUrl::parse(url).map_err(|e| invalid(e.to_string()))?;
            let audio = audio_params(config)?;
            self.start_stream(app_id, &id, &stream_config(room_id, config)?)?;
            Ok::<_, RtcError>((url, audio))
        })();
        let (url, audio) = match checked {
            Ok(c) => c,
            Err(e) => {
                let code = if e.code == ErrorCode::InvalidParams {
                    StreamMixingErrorCode::ParamInvalid
                } else {
                    StreamMixingErrorCode::Postprocess
                };
                notify(StreamMixingEventType::StartFailed, code, e.message.clone());
                return Err(e);
            }
        };
        let layout = self.layout_of(app_id, &id);
        let (width, height, fps, kbps) = layout.unwrap_or((0, 0, 0, 0));
        let config = PushConfig {
            url,
            audio,
            width,
            height,
            fps,
            kbps,
        };
        let tap = self.tap_of(app_id, &id);
        let source = {
            let tap = tap.clone();
            Box::new(move || {
                let tap = tap.as_ref()?;
                // The mix first: none of it is missed between the first picture and it.
                let mix = tap.mixed_audio();
                Some((tap.encoded_media()?, mix))
            }) as push::Source
        };
        // A push that ends, failed or stopped, ends its composite: it has no one else.
        let on_end = Box::new(move || {
            if let Some(tap) = tap {
                tap.stop_worker();
            }
        });
        let push = Push::start(config, source, on_end, notify).map_err(|e| {
            let _ = self.stop_stream(app_id, &id);
            RtcError::new(
                ErrorCode::UnexpectedError,
                format!("cannot start the push: {e}"),
            )
        })?;
        running.insert(
            key,
            Live {
                stream_id: id,
                push,
            },
        );
        Ok(())
    }

    /// `updateLiveTranscoding`: the layout and video change; the URL and audio cannot.
    pub(crate) fn update_live(
        &self,
        app_id: &str,
        room_id: &str,
        session: u64,
        config: &LiveTranscodeConfig,
        notify: &Notify,
    ) -> Result<(), RtcError> {
        notify(
            StreamMixingEventType::Update,
            StreamMixingErrorCode::Ok,
            String::new(),
        );
        let result = (|| {
            let running = self
                .live
                .running
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let live = running.get(&(app_id.to_owned(), session)).ok_or_else(|| {
                RtcError::new(
                    ErrorCode::StreamNotExist,
                    "live transcoding is off; start it with startLiveTranscoding",
                )
            })?;
            if live.push.is_finished() {
                return Err(RtcError::new(
                    ErrorCode::StreamNotExist,
                    "live transcoding failed (see onStreamMixingEvent); start it again",
                ));
            }
            if config.url.is_some() || config.audio.is_some() {
                return Err(invalid(
                    "the url and audio of live transcoding cannot change; stop and start it again"
                        .into(),
                ));
            }
            let config = stream_config(room_id, config)?;
            self.change(app_id, &live.stream_id, |layout| layout.updated(&config))
        })();
        match &result {
            Ok(()) => notify(
                StreamMixingEventType::UpdateSuccess,
                StreamMixingErrorCode::Ok,
                String::new(),
            ),
            Err(e) => notify(
                StreamMixingEventType::UpdateFailed,
                StreamMixingErrorCode::ParamInvalid,
                e.message.clone(),
            ),
        }
        result
    }

    /// `stopLiveTranscoding`, or the member left: stops the push and the composite. Stopping
    /// what is not running is not an error (the vendor's stop is idempotent).
    pub(crate) fn stop_live(&self, app_id: &str, session: u64) -> bool {
        let live = self
            .live
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&(app_id.to_owned(), session));
        let Some(live) = live else {
            return false;
        };
        // The push is told first, so its stream ends before the composite goes.
        live.push.stop();
        let _ = self.stop_stream(app_id, &live.stream_id);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chorus_proto::{
        LiveTranscodeAudio, LiveTranscodeLayout, LiveTranscodeRegion, LiveTranscodeVideo,
    };

    #[test]
    fn the_vendor_config_maps_to_a_public_stream_and_bad_values_are_named() {
        let config = LiveTranscodeConfig {
            url: Some("rtmp://127.0.0.1/live/k".into()),
            audio: None,
            video: Some(LiveTranscodeVideo {
                width: Some(319),
                height: Some(240),
                ..Default::default()
            }),
            layout: Some(LiveTranscodeLayout {
                regions: Some(vec![LiveTranscodeRegion {
                    user_id: "u".into(),
                    content_control: Some(1),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
        };
        let stream = stream_config("r", &config).expect("valid");
        let video = stream.video.expect("video");
        assert_eq!(
            (video.width, video.height, video.k_bit_rate),
            (Some(320), Some(240), DEFAULT_KBPS)
        );
        let region = &stream.layout.and_then(|l| l.regions).expect("regions")[0];
        assert_eq!(region.room_id, "r");
        assert_eq!(region.media_type, Some(PublicStreamType::AudioOnly));
        assert_eq!(
            audio_params(&config).expect("defaults"),
            AacParams {
                sample_rate: 48_000,
                channels: 2,
                kbps: 64
            }
        );
        let with_audio = |a: LiveTranscodeAudio| LiveTranscodeConfig {
            audio: Some(a),
            ..config.clone()
        };
        for (bad, named) in [
            (
                with_audio(LiveTranscodeAudio {
                    sample_rate: Some(16_000),
                    ..Default::default()
                }),
                "sampleRate",
            ),
            (
                with_audio(LiveTranscodeAudio {
                    channels: Some(3),
                    ..Default::default()
                }),
                "channels",
            ),
            (
                with_audio(LiveTranscodeAudio {
                    k_bit_rate: Some(500),
                    ..Default::default()
                }),
                "kBitRate",
            ),
            (
                with_audio(LiveTranscodeAudio {
                    aac_profile: Some("HEv2".into()),
                    ..Default::default()
                }),
                "AACProfile",
            ),
        ] {
            let e = audio_params(&bad).expect_err(named);
            assert!(e.message.contains(named), "{e}");
        }
        let wide = LiveTranscodeConfig {
            video: Some(LiveTranscodeVideo {
                width: Some(2000),
                ..Default::default()
            }),
            ..config
        };
        assert!(
            stream_config("r", &wide)
                .expect_err("too wide")
                .message
                .contains("video.width")
        );
    }
}
