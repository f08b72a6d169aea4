//! Recording public streams to MP4 files: each recording is a thread that reads the
//! composite as the worker's output engine encodes it (H.264 access units and Opus packets, no
//! second encode) and writes them through [`Mp4Writer`]. Stopping the recording, or the
//! public stream, finishes the file. Knows the worker only through its encoded media.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use chorus_compositor::{EncodedMedia, MediaStream};
use chorus_proto::{ErrorCode, RtcError, TrackKind};
use tokio::sync::oneshot;

use super::bucket::Bucket;
use super::mp4::Mp4Writer;

/// Where recordings are written, and the bucket they are uploaded to, if any.
#[derive(Clone)]
pub(crate) struct RecordTo {
    /// The directory files are written in.
    pub(crate) dir: PathBuf,
    /// The bucket finished files go to (then removed from `dir`).
    pub(crate) bucket: Option<Arc<Bucket>>,
}

/// Where a recording's file goes once finished.
struct Destination {
    /// The local file being written.
    path: PathBuf,
    /// The object it is uploaded as, then removed.
    upload: Option<(Arc<Bucket>, String)>,
}

/// One running recording.
struct Recording {
    /// The file's path, or its object's URL.
    location: String,
    stop: oneshot::Sender<()>,
    /// How the recording ended, once it has: sent as the thread ends.
    done: oneshot::Receiver<Result<(), String>>,
    thread: JoinHandle<()>,
}

/// The recordings of the server, by app and public stream id.
#[derive(Default)]
pub(crate) struct Recordings {
    running: Mutex<HashMap<(String, String), Recording>>,
}

fn unexpected(message: String) -> RtcError {
    RtcError::new(ErrorCode::UnexpectedError, message)
}

impl Recordings {
    /// Starts recording `stream_id` of `app_id` from `media` into a new file in `to`, of
    /// `width`x`height` pictures at `fps`. Refuses a stream already recorded and a directory where no
    /// file can be made.
    pub(crate) fn start(
        &self,
        to: &RecordTo,
        app_id: &str,
        stream_id: &str,
        size: (u32, u32),
        fps: u32,
        media: MediaStream<EncodedMedia>,
    ) -> Result<String, RtcError> {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (app_id.to_owned(), stream_id.to_owned());
        // A recording whose stream stopped has finished its file: it no longer counts.
        running.retain(|_, r| !r.thread.is_finished());
        if running.contains_key(&key) {
            return Err(unexpected(format!(
                "public stream {stream_id:?} is already being recorded; stop it with StopRecord first"
            )));
        }
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        // Ids hold only a-z A-Z 0-9 _ @ - . (checked by the caller): safe in a file name.
        let name = format!("{app_id}_{stream_id}_{millis}.mp4");
        let (dir, bucket) = (&to.dir, to.bucket.clone());
        let path = dir.join(&name);
        let file = File::create(&path).map_err(|e| {
            unexpected(format!(
                "cannot write a recording in {}: {e}; check that the record directory exists and is writable",
                dir.display()
            ))
        })?;
        let (w, h) = size;
        let writer = Mp4Writer::new(
            BufWriter::new(file),
            u16::try_from(w).unwrap_or(u16::MAX),
            u16::try_from(h).unwrap_or(u16::MAX),
            2,
        )
        .map_err(|e| unexpected(format!("cannot write {}: {e}", path.display())))?;
        let location = match &bucket {
            Some(bucket) => bucket.object_url(&name),
            None => path.display().to_string(),
        };
        let destination = Destination {
            path,
            upload: bucket.map(|b| (b, name)),
        };
        let (stop, stopped) = oneshot::channel();
        let (ended, done) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name(format!("record-{stream_id}"))
            .spawn(move || {
                let _ = ended.send(record(writer, fps, media, stopped, destination));
            })
            .map_err(|e| unexpected(format!("cannot start recording: {e}")))?;
        tracing::info!(app_id, stream_id, %location, "recording started");
        running.insert(
            key,
            Recording {
                location: location.clone(),
                stop,
                done,
                thread,
            },
        );
        Ok(location)
    }

    /// Stops recording `stream_id` of `app_id`, finishing (and uploading) its file, and tells
    /// where it is. Waits without blocking the caller's runtime: an upload may take a while.
    pub(crate) async fn stop(&self, app_id: &str, stream_id: &str) -> Result<String, RtcError> {
        let recording = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&(app_id.to_owned(), stream_id.to_owned()))
            .ok_or_else(|| {
                RtcError::new(
                    ErrorCode::StreamNotExist,
                    format!(
                        "public stream {stream_id:?} is not being recorded; start it with StartRecord"
                    ),
                )
            })?;
        let _ = recording.stop.send(());
        let done = recording
            .done
            .await
            .map_err(|_| unexpected("the recording thread failed".into()))?;
        done.map_err(|e| unexpected(format!("recording {} failed: {e}", recording.location)))?;
        tracing::info!(app_id, stream_id, location = %recording.location, "recording stopped");
        Ok(recording.location)
    }

    /// Stops every recording (the server is shutting down), finishing the files.
    pub(crate) fn stop_all(&self) {
        let all: Vec<_> = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .collect();
        for (_, r) in all {
            let _ = r.stop.send(());
            let _ = r.thread.join();
        }
    }
}

/// Places pictures on the output's frame grid: the encoder stamps a picture when it is
/// encoded, a little late and unevenly, while the compositor made it for a slot of the grid.
/// A picture takes the slot nearest its stamp, or the one after the last if that is taken,
/// so the file is at an even frame rate and its duration counts its pictures.
struct FrameGrid {
    fps: u64,
    origin: Option<Instant>,
    last: Option<u64>,
}

impl FrameGrid {
    fn new(fps: u32) -> Self {
        FrameGrid {
            fps: u64::from(fps.max(1)),
            origin: None,
            last: None,
        }
    }

    /// The slot of a picture stamped `at` (the first picture's stamp is slot 0).
    fn slot(&self, at: Instant) -> u64 {
        let Some(origin) = self.origin else {
            return 0;
        };
        let micros = u64::try_from(at.saturating_duration_since(origin).as_micros()).unwrap_or(0);
        let nearest = (micros * self.fps + 500_000) / 1_000_000;
        match self.last {
            Some(last) if nearest <= last => last + 1,
            _ => nearest,
        }
    }

    /// A slot's time at 90 kHz.
    fn time(&self, slot: u64) -> u64 {
        slot * 90_000 / self.fps
    }
}

/// The recording thread: writes what comes until stopped or the stream ends.
fn record(
    mut writer: Mp4Writer<BufWriter<File>>,
    fps: u32,
    mut media: MediaStream<EncodedMedia>,
    mut stopped: oneshot::Receiver<()>,
    destination: Destination,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut grid = FrameGrid::new(fps);
    runtime.block_on(async {
        loop {
            let frame = tokio::select! {
                _ = &mut stopped => break,
                frame = media.next() => match frame {
                    Some(frame) => frame,
                    None => break,
                },
            };
            match frame.kind {
                TrackKind::Video => {
                    let slot = grid.slot(frame.captured_at);
                    let time = grid.time(slot);
                    if writer
                        .write_video(&frame.data, time)
                        .map_err(|e| e.to_string())?
                    {
                        grid.origin.get_or_insert(frame.captured_at);
                        grid.last = Some(slot);
                    }
                }
                // Audio from the first picture on, so both tracks start together.
                TrackKind::Audio if grid.origin.is_some() => writer
                    .write_audio(&frame.data, frame.samples)
                    .map_err(|e| e.to_string())?,
                TrackKind::Audio => {}
            }
        }
        Ok::<(), String>(())
    })?;
    if grid.origin.is_some() {
        // The last picture shows until recording stopped.
        writer.end_video_at(grid.time(grid.slot(Instant::now())));
    }
    writer.finish().map_err(|e| e.to_string())?;
    let Some((bucket, key)) = destination.upload else {
        return Ok(());
    };
    let path = &destination.path;
    let body = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    runtime
        .block_on(bucket.put(&key, body))
        .map_err(|e| format!("{e}; the file stays at {}", path.display()))?;
    // Uploaded: the bucket holds the recording now.
    let _ = std::fs::remove_file(path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn pictures_take_the_nearest_free_slot_of_the_frame_grid() {
        let t0 = Instant::now();
        let mut grid = FrameGrid::new(15);
        assert_eq!(grid.slot(t0), 0);
        grid.origin = Some(t0);
        grid.last = Some(0);
        let ms = |n| t0 + Duration::from_millis(n);
        // 70 ms: slot 1 (66.7 ms); a burst right after takes slot 2, not slot 1 again.
        assert_eq!(grid.slot(ms(70)), 1);
        grid.last = Some(1);
        assert_eq!(grid.slot(ms(75)), 2);
        grid.last = Some(2);
        // After a stall, back on the clock: 1 s is slot 15.
        assert_eq!(grid.slot(ms(1_010)), 15);
        assert_eq!(grid.time(15), 90_000);
    }
}
