//! Public streams, the server's side: which public stream ids each app pushes and the
//! compositor worker of each. Both edges (signalling and the OpenAPI) start, update and stop
//! them here. A worker runs on a thread of its own and reaches rooms as a client does, so
//! nothing here touches the room tasks or the SFU; the one lock is taken per start, update or
//! stop call, never on a media path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use chorus_compositor::{Layout, LayoutError, PublicStreamWorker, WorkerConfig};
use chorus_proto::{
    ErrorCode, MAX_PUBLIC_STREAM_ID_LEN, PublicStreamConfig, RtcError, is_valid_public_stream_id,
};
use chorus_token::Privilege;

use crate::config::Apps;

mod bucket;
mod fetch;
mod live;
mod mp4;
mod record;
mod wtn;

pub(crate) use bucket::Bucket;
pub(crate) use fetch::ImageFetch;
pub(crate) use live::Notify as LiveNotify;
#[cfg(feature = "fuzzing")]
pub(crate) use live::fuzz_rtmp_replies;
pub(crate) use wtn::WtnClaim;

/// Most public streams one app may push at once on this server.
pub(crate) const MAX_PUBLIC_STREAMS_PER_APP: usize = 16;

/// One pushed public stream.
struct Pushed {
    layout: Layout,
    worker: PublicStreamWorker,
}

/// The public streams of every app on this server.
pub(crate) struct PublicStreams {
    apps: Apps,
    /// The URL workers connect to, known once the listener is bound.
    url: OnceLock<String>,
    pushed: Mutex<HashMap<(String, String), Pushed>>,
    recordings: record::Recordings,
    /// Where recordings are written and uploaded; unset: recording is off.
    record_to: OnceLock<record::RecordTo>,
    /// The ids pushed as WTN streams (a client's own tracks, not composited).
    wtn: wtn::WtnPushes,
    /// The RTMP pushes of live transcoding.
    live: live::LiveTranscodings,
    /// Fetches layouts' background images; unset: they are not fetched.
    images: OnceLock<ImageFetch>,
}

fn invalid(message: String) -> RtcError {
    RtcError::new(ErrorCode::InvalidParams, message)
}

fn check_id(id: &str) -> Result<(), RtcError> {
    if is_valid_public_stream_id(id) {
        Ok(())
    } else {
        Err(invalid(format!(
            "publicStreamId must be 1 to {MAX_PUBLIC_STREAM_ID_LEN} of a-z A-Z 0-9 _ @ - ."
        )))
    }
}

/// [`check_id`] for an id the app names: live transcodings' own streams are not the app's to
/// start, change, stop or record as public streams (stopping one would cut a member's push
/// behind its back, and starting one would take an id a live transcoding is about to use).
fn check_app_id(id: &str) -> Result<(), RtcError> {
    check_id(id)?;
    if id.starts_with(live::STREAM_PREFIX) {
        return Err(invalid(format!(
            "publicStreamId {id:?}: ids starting with {:?} are the server's own, for live transcoding; choose another",
            live::STREAM_PREFIX
        )));
    }
    Ok(())
}

impl PublicStreams {
    pub(crate) fn new(apps: Apps) -> Self {
        PublicStreams {
            apps,
            url: OnceLock::new(),
            pushed: Mutex::new(HashMap::new()),
            recordings: record::Recordings::default(),
            record_to: OnceLock::new(),
            wtn: wtn::WtnPushes::default(),
            live: live::LiveTranscodings::default(),
            images: OnceLock::new(),
        }
    }

    /// Lets layouts' background images be fetched, through `fetch`.
    pub(crate) fn set_image_fetch(&self, fetch: ImageFetch) {
        let _ = self.images.set(fetch);
    }

    /// Fetches `layout`'s background image for `worker` when it names one that `before` did
    /// not: once per change of the URL, not per update.
    fn fetch_image(
        &self,
        worker: &PublicStreamWorker,
        stream_id: &str,
        before: Option<&Layout>,
        layout: &Layout,
    ) {
        let Some(url) = &layout.background_image else {
            return;
        };
        if before.is_some_and(|b| b.background_image.as_ref() == Some(url)) {
            return;
        }
        match self.images.get() {
            Some(fetch) => fetch.paint_later(worker, stream_id, url.clone()),
            None => tracing::warn!(
                stream_id,
                "background images are not fetched on this server"
            ),
        }
    }

    /// `startPushWTN`: takes `stream_id` for a client that publishes its own tracks under it;
    /// `REPEAT_PUSH` when a compositor or another WTN push has it. The id is held until the
    /// claim drops.
    pub(crate) fn claim_wtn(&self, app_id: &str, stream_id: &str) -> Result<WtnClaim, RtcError> {
        check_app_id(stream_id)?;
        // The compositors' lock first, as in `start`, so the two checks see one state.
        let mut pushed = self.pushed.lock().unwrap_or_else(PoisonError::into_inner);
        pushed.retain(|_, p| !p.worker.is_finished());
        if pushed.contains_key(&(app_id.to_owned(), stream_id.to_owned())) {
            return Err(wtn::repeat_push(stream_id));
        }
        self.wtn.claim(app_id, stream_id)
    }

    /// Tells workers where the server listens (plain HTTP on loopback).
    pub(crate) fn set_url(&self, url: String) {
        let _ = self.url.set(url);
    }

    /// `startPushPublicStream`: checks the id and the layout, refuses an id already pushed
    /// (`REPEAT_PUSH`), and starts its worker.
    pub(crate) fn start(
        &self,
        app_id: &str,
        stream_id: &str,
        config: &PublicStreamConfig,
    ) -> Result<(), RtcError> {
        check_app_id(stream_id)?;
        self.start_stream(app_id, stream_id, config)
    }

    /// [`Self::start`] for any valid id, the server's own included.
    fn start_stream(
        &self,
        app_id: &str,
        stream_id: &str,
        config: &PublicStreamConfig,
    ) -> Result<(), RtcError> {
        check_id(stream_id)?;
        let layout = Layout::from_config(config).map_err(|e| invalid(e.0))?;
        let key = self
            .apps
            .key(app_id)
            .ok_or_else(|| invalid(format!("this server does not host app {app_id:?}")))?
            .to_owned();
        let url = self.url.get().cloned().ok_or_else(|| {
            RtcError::new(ErrorCode::JoinRoomFailed, "the server is still starting")
        })?;
        let mut pushed = self.pushed.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = (app_id.to_owned(), stream_id.to_owned());
        // A worker that ended on its own leaves nothing to repeat: it is replaced.
        pushed.retain(|_, p| !p.worker.is_finished());
        if self.wtn.holds(app_id, stream_id) {
            return Err(wtn::repeat_push(stream_id));
        }
        if pushed.contains_key(&entry) {
            return Err(RtcError::new(
                ErrorCode::RepeatPush,
                format!(
                    "public stream {stream_id:?} is already pushed; update it with updatePublicStreamParam or stop it first"
                ),
            ));
        }
        // Each public stream is a thread decoding and encoding video: an app gets a bounded
        // number, so no client can start enough of them to starve the server.
        if pushed.keys().filter(|(app, _)| app == app_id).count() >= MAX_PUBLIC_STREAMS_PER_APP {
            return Err(RtcError::new(
                ErrorCode::UnexpectedError,
                format!(
                    "an app may push at most {MAX_PUBLIC_STREAMS_PER_APP} public streams at once on this server; stop one first"
                ),
            ));
        }
        let app = app_id.to_owned();
        let mint = Arc::new(move |room: &str, user: &str| -> String {
            crate::own_users::server_token(&app, &key, room, user)
                .add_privilege(Privilege::PublishStream, 0)
                .add_privilege(Privilege::SubscribeStream, 0)
                .serialize()
                .unwrap_or_default()
        });
        let worker = PublicStreamWorker::start(
            WorkerConfig {
                server_url: url,
                app_id: app_id.to_owned(),
                stream_id: stream_id.to_owned(),
                mint,
            },
            layout.clone(),
        )
        .map_err(|e| RtcError::new(ErrorCode::InvalidParams, format!("cannot start: {e}")))?;
        self.fetch_image(&worker, stream_id, None, &layout);
        pushed.insert(entry, Pushed { layout, worker });
        tracing::info!(app_id, stream_id, "public stream pushed");
        Ok(())
    }

    /// The output size, rate and bit rate of a pushed stream.
    fn layout_of(&self, app_id: &str, stream_id: &str) -> Option<(u32, u32, u32, u32)> {
        let pushed = self.pushed.lock().unwrap_or_else(PoisonError::into_inner);
        let l = &pushed
            .get(&(app_id.to_owned(), stream_id.to_owned()))?
            .layout;
        Some((l.width, l.height, l.fps, l.kbps))
    }

    /// The output of a pushed stream's worker.
    fn tap_of(&self, app_id: &str, stream_id: &str) -> Option<chorus_compositor::OutputTap> {
        self.pushed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(app_id.to_owned(), stream_id.to_owned()))
            .map(|p| p.worker.output_tap())
    }

    /// Stops every public stream (the server is shutting down).
    pub(crate) fn stop_all(&self) {
        self.live.stop_all();
        self.recordings.stop_all();
        self.pushed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// `updatePublicStreamParam`: what the update gives replaces the stream's parameters.
    pub(crate) fn update(
        &self,
        app_id: &str,
        stream_id: &str,
        config: &PublicStreamConfig,
    ) -> Result<(), RtcError> {
        check_app_id(stream_id)?;
        self.change(app_id, stream_id, |layout| layout.updated(config))
    }

    /// The OpenAPI's UpdatePublicStreamParam: `config` replaces every parameter, what it
    /// leaves out taking the default.
    pub(crate) fn replace(
        &self,
        app_id: &str,
        stream_id: &str,
        config: &PublicStreamConfig,
    ) -> Result<(), RtcError> {
        check_app_id(stream_id)?;
        self.change(app_id, stream_id, |_| Layout::from_config(config))
    }

    fn change(
        &self,
        app_id: &str,
        stream_id: &str,
        next: impl FnOnce(&Layout) -> Result<Layout, LayoutError>,
    ) -> Result<(), RtcError> {
        check_id(stream_id)?;
        let mut pushed = self.pushed.lock().unwrap_or_else(PoisonError::into_inner);
        let stream = pushed
            .get_mut(&(app_id.to_owned(), stream_id.to_owned()))
            .ok_or_else(|| not_pushed(stream_id))?;
        let layout = next(&stream.layout).map_err(|e| invalid(e.0))?;
        stream.worker.update(layout.clone());
        self.fetch_image(&stream.worker, stream_id, Some(&stream.layout), &layout);
        stream.layout = layout;
        Ok(())
    }

    /// `stopPushPublicStream`.
    pub(crate) fn stop(&self, app_id: &str, stream_id: &str) -> Result<(), RtcError> {
        check_app_id(stream_id)?;
        self.stop_stream(app_id, stream_id)
    }

    /// [`Self::stop`] for any valid id, the server's own included.
    fn stop_stream(&self, app_id: &str, stream_id: &str) -> Result<(), RtcError> {
        check_id(stream_id)?;
        let stream = self
            .pushed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&(app_id.to_owned(), stream_id.to_owned()))
            .ok_or_else(|| not_pushed(stream_id))?;
        // Dropping tells the worker to stop; its thread leaves the rooms on its own.
        drop(stream);
        tracing::info!(app_id, stream_id, "public stream stopped");
        Ok(())
    }
}

impl PublicStreams {
    /// Sets where recordings go: files in `dir` (`--record-dir`), uploaded to `bucket` when
    /// one is given (`[record-s3]`; the files are then written to the temporary directory
    /// unless `dir` is given). Neither leaves recording off.
    pub(crate) fn set_recording(&self, dir: Option<std::path::PathBuf>, bucket: Option<Bucket>) {
        let dir = match (dir, &bucket) {
            (Some(dir), _) => dir,
            (None, Some(_)) => std::env::temp_dir(),
            (None, None) => return,
        };
        let _ = self.record_to.set(record::RecordTo {
            dir,
            bucket: bucket.map(Arc::new),
        });
    }

    /// Starts recording a pushed public stream into a new MP4 file in the record directory;
    /// returns its path (or the URL it is uploaded to).
    pub(crate) fn start_record(&self, app_id: &str, stream_id: &str) -> Result<String, RtcError> {
        check_app_id(stream_id)?;
        let to = self.record_to.get().cloned().ok_or_else(|| {
            RtcError::new(
                ErrorCode::UnexpectedError,
                "recording is off on this server: start it with --record-dir",
            )
        })?;
        let (media, size) = {
            let pushed = self.pushed.lock().unwrap_or_else(PoisonError::into_inner);
            let stream = pushed
                .get(&(app_id.to_owned(), stream_id.to_owned()))
                .filter(|p| !p.worker.is_finished())
                .ok_or_else(|| not_pushed(stream_id))?;
            let media = stream.worker.encoded_media().ok_or_else(|| {
                RtcError::new(
                    ErrorCode::NotConnectedYet,
                    format!("public stream {stream_id:?} is still starting; try again shortly"),
                )
            })?;
            let layout = &stream.layout;
            (media, (layout.width, layout.height, layout.fps))
        };
        let (width, height, fps) = size;
        self.recordings
            .start(&to, app_id, stream_id, (width, height), fps, media)
    }

    /// Stops recording a public stream; returns the finished file's path or object URL.
    pub(crate) async fn stop_record(
        &self,
        app_id: &str,
        stream_id: &str,
    ) -> Result<String, RtcError> {
        check_app_id(stream_id)?;
        self.recordings.stop(app_id, stream_id).await
    }
}

fn not_pushed(stream_id: &str) -> RtcError {
    RtcError::new(
        ErrorCode::StreamNotExist,
        format!("public stream {stream_id:?} is not pushed; start it with startPushPublicStream"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AppCredentials;
    use chorus_proto::{PublicStreamLayout, PublicStreamRegion};

    fn config() -> PublicStreamConfig {
        PublicStreamConfig {
            video: None,
            layout: Some(PublicStreamLayout {
                background_color: None,
                background_image: None,
                regions: Some(vec![PublicStreamRegion {
                    user_id: "u".into(),
                    room_id: "r".into(),
                    ..Default::default()
                }]),
            }),
        }
    }

    /// The public streams of one app, whose workers connect to a listener that never answers:
    /// they stay alive, waiting on their joins, while the listener lives.
    fn waiting_streams() -> (PublicStreams, String, std::net::TcpListener) {
        let app = AppCredentials {
            id: "chorustestapp00000000001".into(),
            key: "k".into(),
            ..AppCredentials::default()
        };
        let streams = PublicStreams::new(Apps::new(std::slice::from_ref(&app)));
        let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = silent.local_addr().expect("bound").port();
        streams.set_url(format!("http://127.0.0.1:{port}"));
        (streams, app.id, silent)
    }

    #[test]
    fn an_app_pushes_a_bounded_number_of_public_streams() {
        let (streams, app_id, _silent) = waiting_streams();
        for i in 0..MAX_PUBLIC_STREAMS_PER_APP {
            streams
                .start(&app_id, &format!("s{i}"), &config())
                .expect("under the bound");
        }
        let refused = streams
            .start(&app_id, "one-more", &config())
            .expect_err("over the bound");
        assert_eq!(refused.code, ErrorCode::UnexpectedError);
        assert!(refused.message.contains("at most 16"), "{refused}");
        streams.stop(&app_id, "s0").expect("stops");
        streams
            .start(&app_id, "one-more", &config())
            .expect("room again");
        streams.stop_all();
    }

    #[test]
    fn a_wtn_push_and_a_compositor_never_share_an_id() {
        let (streams, app_id, _silent) = waiting_streams();
        let claim = streams.claim_wtn(&app_id, "w").expect("free");
        let refused = streams
            .start(&app_id, "w", &config())
            .expect_err("pushed as a WTN stream");
        assert_eq!(refused.code, ErrorCode::RepeatPush);
        streams.start(&app_id, "c", &config()).expect("free");
        let refused = streams.claim_wtn(&app_id, "c").err().expect("composited");
        assert_eq!(refused.code, ErrorCode::RepeatPush);
        let bad = streams.claim_wtn(&app_id, "bad id").err().expect("bad id");
        assert_eq!(bad.code, ErrorCode::InvalidParams);
        drop(claim);
        streams.start(&app_id, "w", &config()).expect("freed");
        streams.stop_all();
    }

    #[test]
    fn live_transcodings_ids_are_not_the_apps() {
        let (streams, app_id, _silent) = waiting_streams();
        let live = "@live.7.0";
        streams
            .start_stream(&app_id, live, &config())
            .expect("the server's own start");
        let refusals = [
            streams.start(&app_id, "@live.8.0", &config()).err(),
            streams.update(&app_id, live, &config()).err(),
            streams.replace(&app_id, live, &config()).err(),
            streams.stop(&app_id, live).err(),
            streams.start_record(&app_id, live).err(),
            streams.claim_wtn(&app_id, live).err(),
        ];
        for refused in refusals {
            let refused = refused.expect("refused");
            assert_eq!(refused.code, ErrorCode::InvalidParams, "{refused}");
            assert!(refused.message.contains("live transcoding"), "{refused}");
        }
        // Still pushed: the refusals stopped nothing.
        streams.stop_stream(&app_id, live).expect("still pushed");
        // An id that merely contains the prefix is the app's.
        streams
            .start(&app_id, "x@live.1", &config())
            .expect("the app's");
        streams.stop_all();
    }

    #[test]
    fn a_worker_that_ended_on_its_own_is_replaced() {
        let app = AppCredentials {
            id: "chorustestapp00000000001".into(),
            key: "k".into(),
            ..AppCredentials::default()
        };
        let streams = PublicStreams::new(Apps::new(std::slice::from_ref(&app)));
        // Nothing listens there: the worker cannot open its room and ends.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = closed.local_addr().expect("bound").port();
        drop(closed);
        streams.set_url(format!("http://127.0.0.1:{port}"));
        streams.start(&app.id, "s", &config()).expect("starts");
        let end = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            match streams.start(&app.id, "s", &config()) {
                Ok(()) => break,
                Err(e) if e.code == ErrorCode::RepeatPush && std::time::Instant::now() < end => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => panic!("the ended worker was not replaced: {e}"),
            }
        }
        streams.stop_all();
    }
}
