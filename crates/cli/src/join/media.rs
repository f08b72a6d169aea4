//! The media flags of `chorus join`: what to capture and publish, whom to receive, what to
//! record and snapshot. Captures start before the join (so auto-publishing carries them);
//! recordings are registered before it too (so no audio is missed); subscriptions and
//! snapshots react to events as they are printed. Every call's result is printed like the
//! other calls'.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chorus_media::WavWriter;
use chorus_proto::{ErrorCode, Event, MediaType, RoomConfig, RtcError, StreamIndex};
use chorus_sdk::{AudioCaptureSource, EngineEvent, RtcEngine, VideoCaptureSource};
use serde_json::json;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::print_result;

/// A `USER:PATH` flag value.
#[derive(Debug, Clone)]
pub(crate) struct UserPath {
    user_id: String,
    path: PathBuf,
}

/// Reads `USER:PATH` (user ids have no colon; the path may).
pub(crate) fn parse_user_path(spec: &str) -> Result<UserPath, String> {
    match spec.split_once(':') {
        Some((user, path)) if !user.is_empty() && !path.is_empty() => Ok(UserPath {
            user_id: user.to_owned(),
            path: PathBuf::from(path),
        }),
        _ => Err(format!("expected USER:PATH, got {spec:?}")),
    }
}

/// Reads `tone:HZ` or an audio file's path.
pub(crate) fn parse_audio_source(spec: &str) -> Result<AudioCaptureSource, String> {
    match spec.strip_prefix("tone:") {
        Some(hz) => hz
            .parse::<f32>()
            .map(|hz| AudioCaptureSource::Tone { hz })
            .map_err(|_| format!("expected tone:HZ with a number of hertz, got {spec:?}")),
        None => Ok(AudioCaptureSource::File(PathBuf::from(spec))),
    }
}

/// The test card's default: small enough for any machine, big enough to see.
const PATTERN: (u32, u32, u32) = (320, 240, 30);

/// Reads `pattern`, `pattern:WIDTHxHEIGHT[@FPS]` or a y4m file's path.
pub(crate) fn parse_video_source(spec: &str) -> Result<VideoCaptureSource, String> {
    let pattern = |(width, height, fps)| VideoCaptureSource::Pattern { width, height, fps };
    if spec == "pattern" {
        return Ok(pattern(PATTERN));
    }
    let Some(size) = spec.strip_prefix("pattern:") else {
        return Ok(VideoCaptureSource::Y4m(PathBuf::from(spec)));
    };
    let bad = || format!("expected pattern:WIDTHxHEIGHT[@FPS], got {spec:?}");
    let (size, fps) = match size.split_once('@') {
        Some((size, fps)) => (size, fps.parse().map_err(|_| bad())?),
        None => (size, PATTERN.2),
    };
    let (w, h) = size.split_once('x').ok_or_else(bad)?;
    Ok(pattern((
        w.parse().map_err(|_| bad())?,
        h.parse().map_err(|_| bad())?,
        fps,
    )))
}

/// The media part of a `chorus join` run.
pub(crate) struct MediaPlan {
    /// Whose media to receive; empty: everyone's, as the server auto-subscribes.
    subscribe: BTreeSet<String>,
    /// Snapshots still to take.
    snapshots: Vec<UserPath>,
    /// Recordings under way.
    recordings: Vec<Recording>,
}

struct Recording {
    user_id: String,
    path: PathBuf,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<f64, String>>,
}

fn failed(code: ErrorCode, message: impl Into<String>) -> RtcError {
    RtcError::new(code, message)
}

impl MediaPlan {
    /// Starts the captures asked for and the recordings; nothing is published yet (the join
    /// does that). Prints each capture's result.
    pub(crate) async fn start(
        engine: &RtcEngine,
        audio: Option<AudioCaptureSource>,
        video: Option<VideoCaptureSource>,
        screen: Option<VideoCaptureSource>,
        subscribe: Vec<String>,
        record: Vec<UserPath>,
        snapshots: Vec<UserPath>,
    ) -> Result<MediaPlan, RtcError> {
        if let Some(source) = audio {
            let shown = format!("{source:?}");
            engine.start_audio_capture(source).await?;
            print_result("startAudioCapture", json!({ "source": shown }));
        }
        if let Some(source) = video {
            let shown = format!("{source:?}");
            engine.start_video_capture(source).await?;
            print_result("startVideoCapture", json!({ "source": shown }));
        }
        if let Some(source) = screen {
            let shown = format!("{source:?}");
            engine.start_screen_capture(source).await?;
            print_result("startScreenCapture", json!({ "source": shown }));
        }
        let recordings = record
            .into_iter()
            .map(|UserPath { user_id, path }| {
                let stream = engine.remote_audio(&user_id, StreamIndex::Main);
                let (stop, stopped) = oneshot::channel();
                let task = tokio::spawn(record_audio(stream, path.clone(), stopped));
                Recording {
                    user_id,
                    path,
                    stop,
                    task,
                }
            })
            .collect();
        Ok(MediaPlan {
            subscribe: subscribe.into_iter().collect(),
            snapshots,
            recordings,
        })
    }

    /// The join's room config: with `--subscribe`, only those users are received, so nothing
    /// is subscribed automatically.
    pub(crate) fn room_config(&self) -> RoomConfig {
        if self.subscribe.is_empty() {
            return RoomConfig::default();
        }
        RoomConfig {
            is_auto_subscribe_audio: Some(false),
            is_auto_subscribe_video: Some(false),
            ..RoomConfig::default()
        }
    }

    /// Reacts to a printed event: subscribes to what a chosen user publishes; takes a
    /// snapshot of a user's first picture.
    pub(crate) async fn on_event(
        &mut self,
        engine: &RtcEngine,
        event: &EngineEvent,
    ) -> Result<(), RtcError> {
        match event {
            EngineEvent::Room(Event::UserPublishStream(p))
                if self.subscribe.contains(&p.user_id) =>
            {
                engine.subscribe_stream(&p.user_id, p.media_type).await?;
                print_subscribed("subscribeStream", &p.user_id, p.media_type);
            }
            EngineEvent::Room(Event::UserPublishScreen(p))
                if self.subscribe.contains(&p.user_id) =>
            {
                engine.subscribe_screen(&p.user_id, p.media_type).await?;
                print_subscribed("subscribeScreen", &p.user_id, p.media_type);
            }
            EngineEvent::RemoteVideoFirstFrame {
                user_id,
                stream_index: StreamIndex::Main,
                ..
            } => {
                let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.snapshots)
                    .into_iter()
                    .partition(|s| &s.user_id == user_id);
                self.snapshots = later;
                for snapshot in now {
                    take_snapshot(engine, &snapshot).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Ends the recordings (printing each) and checks every snapshot was taken.
    pub(crate) async fn finish(self) -> Result<(), RtcError> {
        let mut outcome = Ok(());
        for Recording {
            user_id,
            path,
            stop,
            task,
        } in self.recordings
        {
            let _ = stop.send(());
            let recorded = task
                .await
                .unwrap_or_else(|e| Err(format!("the recorder failed: {e}")));
            match recorded {
                Ok(seconds) if seconds > 0.0 => print_result(
                    "recordAudio",
                    json!({ "userId": user_id, "path": path, "seconds": seconds }),
                ),
                Ok(_) => {
                    outcome = outcome.and(Err(failed(
                        ErrorCode::StreamNotExist,
                        format!(
                            "no audio of {user_id} arrived; nothing was recorded to {}",
                            path.display()
                        ),
                    )));
                }
                Err(e) => {
                    outcome = outcome.and(Err(failed(
                        ErrorCode::UnexpectedError,
                        format!("recording {user_id} to {}: {e}", path.display()),
                    )));
                }
            }
        }
        if let Some(missed) = self.snapshots.first() {
            outcome = outcome.and(Err(failed(
                ErrorCode::StreamNotExist,
                format!(
                    "no video of {} arrived; no snapshot was saved to {}",
                    missed.user_id,
                    missed.path.display()
                ),
            )));
        }
        outcome
    }
}

fn print_subscribed(method: &str, user_id: &str, media: MediaType) {
    print_result(method, json!({ "userId": user_id, "mediaType": media }));
}

async fn take_snapshot(engine: &RtcEngine, snapshot: &UserPath) -> Result<(), RtcError> {
    let image = engine
        .take_remote_snapshot(&snapshot.user_id, StreamIndex::Main)
        .await?;
    let saved = image
        .to_png()
        .map_err(|e| e.to_string())
        .and_then(|png| std::fs::write(&snapshot.path, png).map_err(|e| e.to_string()));
    if let Err(e) = saved {
        return Err(failed(
            ErrorCode::UnexpectedError,
            format!(
                "cannot save the snapshot to {}: {e}",
                snapshot.path.display()
            ),
        ));
    }
    print_result(
        "takeRemoteSnapshot",
        json!({
            "userId": snapshot.user_id,
            "path": snapshot.path,
            "width": image.width,
            "height": image.height,
        }),
    );
    Ok(())
}

/// Writes the frames of `stream` to a wav file at `path` until `stop`; the seconds written.
/// The file is made at the first frame, with its channel count.
async fn record_audio(
    mut stream: chorus_sdk::MediaStream<chorus_sdk::AudioFrame>,
    path: PathBuf,
    mut stop: oneshot::Receiver<()>,
) -> Result<f64, String> {
    let mut writer: Option<WavWriter> = None;
    let mut samples = 0usize;
    let mut write = |frame: chorus_sdk::AudioFrame| -> Result<(), String> {
        if writer.is_none() {
            writer = Some(WavWriter::create(&path, frame.channels).map_err(|e| e.to_string())?);
        }
        if let Some(w) = writer.as_mut() {
            w.write(&frame).map_err(|e| e.to_string())?;
            samples += frame.samples_per_channel();
        }
        Ok(())
    };
    loop {
        tokio::select! {
            _ = &mut stop => break,
            frame = stream.next() => match frame {
                Some(frame) => write(frame)?,
                None => break,
            },
        }
    }
    while let Some(frame) = stream.try_next() {
        write(frame)?;
    }
    if let Some(w) = writer {
        w.finish().map_err(|e| e.to_string())?;
    }
    Ok(samples as f64 / f64::from(chorus_media::SAMPLE_RATE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse() {
        assert!(matches!(
            parse_audio_source("tone:440"),
            Ok(AudioCaptureSource::Tone { hz }) if hz == 440.0
        ));
        assert!(parse_audio_source("tone:loud").is_err());
        assert_eq!(
            parse_audio_source("a:b.wav"),
            Ok(AudioCaptureSource::File("a:b.wav".into()))
        );
        assert_eq!(
            parse_video_source("pattern"),
            Ok(VideoCaptureSource::Pattern {
                width: 320,
                height: 240,
                fps: 30
            })
        );
        assert_eq!(
            parse_video_source("pattern:640x360@15"),
            Ok(VideoCaptureSource::Pattern {
                width: 640,
                height: 360,
                fps: 15
            })
        );
        assert!(parse_video_source("pattern:big").is_err());
        assert_eq!(
            parse_video_source("clip.y4m"),
            Ok(VideoCaptureSource::Y4m("clip.y4m".into()))
        );
        let spec = parse_user_path("bob:/tmp/x:y.wav").expect("valid");
        assert_eq!(
            (spec.user_id.as_str(), spec.path),
            ("bob", "/tmp/x:y.wav".into())
        );
        assert!(parse_user_path(":x.wav").is_err());
        assert!(parse_user_path("bob:").is_err());
    }
}
