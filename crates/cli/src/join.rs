//! `chorus join`: the native SDK on the command line. Joins, sends the messages asked for,
//! prints every event as one JSON line, leaves at the end. A failed call prints
//! `{"error": {code, message}}` and exits 1; being removed by the server (kick, dismiss,
//! duplicate login, token expiry) exits 3.
//!
//! With media flags it also captures and publishes (a tone, a test card, files), receives,
//! records audio to wav and saves snapshots (see `media`).
//!
//! Also what `chorus login` shares with it: the output lines, the event loop, and the order
//! of repeatable flags.

mod media;

use std::process::ExitCode;
use std::time::Duration;

use chorus_proto::{ErrorCode, Event, MediaType, RtcError, StreamIndex, SubtitleMode, UserInfo};
use chorus_sdk::{
    ClientTls, EngineConfig, EngineEvent, EventStream, RtcEngine, SeiCountPerFrame, create_engine,
};
use chorus_token::{AccessToken, Claims, Privilege};
use clap::{ArgMatches, Args};
use futures_util::FutureExt;
use serde_json::{Value, json};

/// What the output looks like, for `--help`.
pub(crate) const OUTPUT_HELP: &str = "\
Output: one JSON object per line.
  Events, as they arrive:     {\"event\": \"onUserJoined\", \"data\": {...}} (names and data as the SDK's events;
                              binary messages carry base64 in \"message\")
  The result of each call:    {\"event\": \"<method>\", \"data\": {\"ok\": true, ...}}, e.g.
                              {\"event\": \"sendUserMessage\", \"data\": {\"ok\": true, \"userId\": \"bob\", \"message\": \"hi\"}}
                              (the join itself prints {\"event\": \"onJoinRoomResult\", \"data\": {roomId, userId, resumed, iceServers}})
  A failed call:              {\"error\": {\"code\": \"USER_MESSAGE_NO_RECEIVER\", \"message\": \"...\"}}, then exit 1
Messages (--send-room-message, --send-user-message) are sent once joined, one after the other, in
the order given on the command line. --send-sei TEXT puts TEXT #n into the video every second;
onSEIMessageReceived prints {remoteStreamKey: {userId, streamIndex}, sei: <base64>}.
Media: captures (--publish-audio, --publish-video, --publish-screen) start before the join, which
publishes the main stream (the screen is published right after); their results print as
startAudioCapture, startVideoCapture, startScreenCapture, publishScreen. --subscribe USER receives
only those users (subscribeStream / subscribeScreen as they publish); without it, everyone's media
is received. Media events (onRemoteAudioFirstFrame, onRemoteVideoFirstFrame, onLocalStreamStats,
onRemoteStreamStats every 2 s, onMediaTransportStateChanged) print like the others. A snapshot
prints takeRemoteSnapshot {userId, path, width, height} once saved; a recording prints recordAudio
{userId, path, seconds} at the end. A recording or snapshot with nothing received is an error.
Exit status: 0 done; 1 a call failed; 3 removed by the server (onError KICKED_OUT, ROOM_DISMISS,
DUPLICATE_LOGIN, TOKEN_EXPIRED, ROOM_FORBIDDEN, USER_FORBIDDEN).
Subtitles (--subtitles [LANG]) start once joined and print startSubtitle {mode, targetLanguage?};
each batch prints as onSubtitleMessageReceived [{userId, text, definite, sequence, language, mode}].";

#[derive(Args)]
pub(crate) struct JoinArgs {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// Trust the CA certificates in this PEM file, besides the system's, for an
    /// https:// server (a private CA).
    #[arg(long, value_name = "FILE")]
    ca: Option<std::path::PathBuf>,
    /// A room token (its app id is read from it).
    #[arg(long, conflicts_with_all = ["app_id", "app_key"])]
    token: Option<String>,
    /// App id, to make a token here (with --app-key).
    #[arg(long, requires = "app_key")]
    app_id: Option<String>,
    /// App key, to make a token here (with --app-id).
    #[arg(long, requires = "app_id")]
    app_key: Option<String>,
    /// The room.
    #[arg(long)]
    room: String,
    /// The user.
    #[arg(long)]
    user: String,
    /// Extra info shown to others.
    #[arg(long)]
    extra_info: Option<String>,
    /// Join invisible to others.
    #[arg(long)]
    invisible: bool,
    /// Once joined, send TEXT to everyone else in the room (repeatable).
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    send_room_message: Vec<String>,
    /// Once joined, send TEXT to USER in the room (repeatable).
    #[arg(long, value_name = "USER:TEXT", value_parser = parse_user_message, allow_hyphen_values = true)]
    send_user_message: Vec<UserMessage>,
    /// Capture and publish audio: tone:HZ (a sine) or an audio FILE (wav, mp3, ogg, flac;
    /// looped).
    #[arg(long, value_name = "tone:HZ|FILE", value_parser = media::parse_audio_source)]
    publish_audio: Option<chorus_sdk::AudioCaptureSource>,
    /// Capture and publish video: pattern (a 320x240 test card at 30 fps;
    /// pattern:WIDTHxHEIGHT[@FPS] for another) or a FILE.y4m (looped).
    #[arg(long, value_name = "pattern|FILE.y4m", value_parser = media::parse_video_source)]
    publish_video: Option<chorus_sdk::VideoCaptureSource>,
    /// Capture and publish a screen share: pattern (a screen-like test card) or a FILE.y4m.
    #[arg(long, value_name = "pattern|FILE.y4m", value_parser = media::parse_video_source)]
    publish_screen: Option<chorus_sdk::VideoCaptureSource>,
    /// Receive USER's media (repeatable); then only theirs [default: everyone's].
    #[arg(long, value_name = "USER")]
    subscribe: Vec<String>,
    /// Record USER's audio to OUT.wav until the end (repeatable).
    #[arg(long, value_name = "USER:OUT.wav", value_parser = media::parse_user_path)]
    record_audio: Vec<media::UserPath>,
    /// Save USER's video as OUT.png once its first picture arrives (repeatable).
    #[arg(long, value_name = "USER:OUT.png", value_parser = media::parse_user_path)]
    snapshot: Vec<media::UserPath>,
    /// Once joined, every second put "TEXT #1", "TEXT #2", ... into the main video as an SEI
    /// message repeated in 4 pictures (needs --publish-video); prints sendSEIMessage for each.
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    send_sei: Option<String>,
    /// Once joined, turn subtitles on: recognition alone, or with LANG, translated into LANG;
    /// they print as onSubtitleMessageReceived and onSubtitleStateChanged.
    #[arg(long, value_name = "LANG", num_args = 0..=1, default_missing_value = "")]
    subtitles: Option<String>,
    /// Leave after this many seconds [default: stay until Ctrl-C].
    #[arg(long)]
    duration: Option<f64>,
}

/// A `USER:TEXT` flag value.
#[derive(Debug, Clone)]
pub(crate) struct UserMessage {
    pub(crate) user_id: String,
    pub(crate) text: String,
}

/// Reads `USER:TEXT` (user ids have no colon; the text may).
pub(crate) fn parse_user_message(spec: &str) -> Result<UserMessage, String> {
    match spec.split_once(':') {
        Some((user, text)) if !user.is_empty() => Ok(UserMessage {
            user_id: user.to_owned(),
            text: text.to_owned(),
        }),
        _ => Err(format!("expected USER:TEXT, got {spec:?}")),
    }
}

/// The values of repeatable flags, merged in the order they were given on the command line.
/// `lists` pairs each flag's id with its values (in their own order).
pub(crate) fn in_command_line_order<T>(
    matches: Option<&ArgMatches>,
    lists: Vec<(&str, Vec<T>)>,
) -> Vec<T> {
    let mut all: Vec<(usize, T)> = Vec::new();
    for (id, values) in lists {
        let indices: Vec<usize> = matches
            .and_then(|m| m.indices_of(id))
            .map(Iterator::collect)
            .unwrap_or_default();
        for (i, value) in values.into_iter().enumerate() {
            // Without matches (never in practice) the flags keep their declared order.
            all.push((indices.get(i).copied().unwrap_or(usize::MAX), value));
        }
    }
    all.sort_by_key(|(index, _)| *index);
    all.into_iter().map(|(_, value)| value).collect()
}

pub(crate) fn print_error(error: &RtcError) {
    println!(
        "{}",
        json!({ "error": { "code": error.code, "message": error.message } })
    );
}

/// Prints a call's result: `{"event": method, "data": {"ok": true, ...details}}`.
pub(crate) fn print_result(method: &str, details: Value) {
    let mut data = json!({ "ok": true });
    if let (Some(data), Value::Object(details)) = (data.as_object_mut(), details) {
        data.extend(details);
    }
    println!("{}", json!({ "event": method, "data": data }));
}

/// Prints `event`; exit 3 if it is an `onError` with one of the codes in `ending`.
pub(crate) fn print_event(event: &EngineEvent, ending: &[ErrorCode]) -> Option<ExitCode> {
    println!("{}", event.to_json());
    match event {
        EngineEvent::Room(Event::Error(e)) if ending.contains(&e.error_code) => {
            Some(ExitCode::from(3))
        }
        _ => None,
    }
}

/// Prints the events already received, without waiting for more.
pub(crate) fn print_ready_events(
    events: &mut EventStream,
    ending: &[ErrorCode],
) -> Option<ExitCode> {
    while let Some(Some(event)) = events.next().now_or_never() {
        if let Some(code) = print_event(&event, ending) {
            return Some(code);
        }
    }
    None
}

/// Resolves after `duration` seconds, or on Ctrl-C when there is none.
async fn run_out(duration: Option<f64>) {
    match duration {
        Some(secs) => tokio::time::sleep(Duration::from_secs_f64(secs.max(0.0))).await,
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Prints events for `duration` seconds (until Ctrl-C without one), or until one ends the
/// run (exit 3) or the stream ends.
pub(crate) async fn print_events_for(
    events: &mut EventStream,
    duration: Option<f64>,
    ending: &[ErrorCode],
) -> Option<ExitCode> {
    let until = run_out(duration);
    tokio::pin!(until);
    loop {
        tokio::select! {
            () = &mut until => return None,
            event = events.next() => {
                let event = event?;
                if let Some(code) = print_event(&event, ending) {
                    return Some(code);
                }
            }
        }
    }
}

/// Prints events as [`print_events_for`] does, letting the media plan react to each
/// (subscribing, taking snapshots); a failed reaction prints its error and exits 1.
async fn react_for(
    engine: &RtcEngine,
    events: &mut EventStream,
    duration: Option<f64>,
    plan: &mut media::MediaPlan,
) -> Option<ExitCode> {
    let until = run_out(duration);
    tokio::pin!(until);
    loop {
        tokio::select! {
            () = &mut until => return None,
            event = events.next() => {
                let event = event?;
                if let Some(code) = print_event(&event, REMOVED) {
                    return Some(code);
                }
                if let Err(e) = plan.on_event(engine, &event).await {
                    print_error(&e);
                    let _ = engine.leave_room().await;
                    return Some(ExitCode::FAILURE);
                }
            }
        }
    }
}

/// Codes with which the server ends our stay.
const REMOVED: &[ErrorCode] = ErrorCode::REMOVED_FROM_ROOM;

/// A message to send once joined.
enum Send {
    Room(String),
    User(UserMessage),
}

/// Sends `message`; returns the method and the details to print.
async fn send(engine: &RtcEngine, message: Send) -> Result<(&'static str, Value), RtcError> {
    match message {
        Send::Room(text) => {
            engine.send_room_message(&text).await?;
            Ok(("sendRoomMessage", json!({ "message": text })))
        }
        Send::User(UserMessage { user_id, text }) => {
            engine.send_user_message(&user_id, &text).await?;
            Ok((
                "sendUserMessage",
                json!({ "userId": user_id, "message": text }),
            ))
        }
    }
}

/// Puts `"{text} #{n}"` into the main video every second, n counting from 1, until aborted;
/// prints each result (an error too, without stopping: the video may not have started yet).
async fn send_sei_every_second(engine: RtcEngine, text: String) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    for n in 1u64.. {
        tick.tick().await;
        let message = format!("{text} #{n}");
        let sent = engine
            .send_sei_message(
                StreamIndex::Main,
                message.as_bytes(),
                3,
                SeiCountPerFrame::Single,
            )
            .await;
        match sent {
            Ok(()) => print_result("sendSEIMessage", json!({ "message": message })),
            Err(e) => print_error(&e),
        }
    }
}

pub(crate) async fn run(args: JoinArgs, matches: Option<&ArgMatches>) -> ExitCode {
    let (app_id, token) = match (&args.token, &args.app_id, &args.app_key) {
        (Some(token), _, _) => match Claims::parse(token) {
            Ok(claims) => (claims.app_id().to_owned(), token.clone()),
            Err(e) => {
                print_error(&RtcError::new(
                    ErrorCode::InvalidToken,
                    format!("malformed token: {e}"),
                ));
                return ExitCode::FAILURE;
            }
        },
        (None, Some(id), Some(key)) => {
            let made = AccessToken::new(
                id.as_str(),
                key.as_str(),
                args.room.as_str(),
                args.user.as_str(),
            )
            .add_privilege(Privilege::PublishStream, 0)
            .add_privilege(Privilege::SubscribeStream, 0)
            .serialize();
            match made {
                Ok(token) => (id.clone(), token),
                Err(e) => {
                    print_error(&RtcError::new(ErrorCode::InvalidParams, e.to_string()));
                    return ExitCode::FAILURE;
                }
            }
        }
        _ => {
            print_error(&RtcError::new(
                ErrorCode::InvalidParams,
                "give --token, or --app-id and --app-key",
            ));
            return ExitCode::FAILURE;
        }
    };
    let sends = in_command_line_order(
        matches,
        vec![
            (
                "send_room_message",
                args.send_room_message.into_iter().map(Send::Room).collect(),
            ),
            (
                "send_user_message",
                args.send_user_message.into_iter().map(Send::User).collect(),
            ),
        ],
    );

    let mut engine_config = EngineConfig::new(args.server.as_str());
    if let Some(ca) = &args.ca {
        match ClientTls::with_ca_file(ca) {
            Ok(tls) => engine_config.tls = Some(tls),
            Err(e) => {
                print_error(&RtcError::new(
                    ErrorCode::InvalidParams,
                    format!("--ca: {e}"),
                ));
                return ExitCode::FAILURE;
            }
        }
    }
    let engine = create_engine(&app_id, engine_config);
    let mut events = engine.events();
    if args.invisible
        && let Err(e) = engine.set_user_visibility(false).await
    {
        print_error(&e);
        return ExitCode::FAILURE;
    }
    let screen = args.publish_screen.is_some();
    let started = media::MediaPlan::start(
        &engine,
        args.publish_audio,
        args.publish_video,
        args.publish_screen,
        args.subscribe,
        args.record_audio,
        args.snapshot,
    )
    .await;
    let mut plan = match started {
        Ok(plan) => plan,
        Err(e) => {
            print_error(&e);
            return ExitCode::FAILURE;
        }
    };
    let info = UserInfo {
        user_id: args.user.clone(),
        extra_info: args.extra_info.clone(),
    };
    match engine
        .join_room(Some(&token), &args.room, info, plan.room_config())
        .await
    {
        Ok(joined) => println!("{}", json!({ "event": "onJoinRoomResult", "data": joined })),
        Err(e) => {
            print_error(&e);
            return ExitCode::FAILURE;
        }
    }
    if screen {
        let published = engine.publish_screen(MediaType::Video).await;
        if let Some(code) = print_ready_events(&mut events, REMOVED) {
            return code;
        }
        match published {
            Ok(()) => print_result("publishScreen", json!({ "mediaType": MediaType::Video })),
            Err(e) => {
                print_error(&e);
                let _ = engine.leave_room().await;
                return ExitCode::FAILURE;
            }
        }
    }

    for message in sends {
        let result = send(&engine, message).await;
        // What arrived meanwhile comes first, so the output stays in order.
        if let Some(code) = print_ready_events(&mut events, REMOVED) {
            return code;
        }
        match result {
            Ok((method, details)) => print_result(method, details),
            Err(e) => {
                print_error(&e);
                let _ = engine.leave_room().await;
                return ExitCode::FAILURE;
            }
        }
    }

    if let Some(target) = args.subtitles {
        let target = (!target.is_empty()).then_some(target);
        let mode = if target.is_some() {
            SubtitleMode::AsrAndTranslation
        } else {
            SubtitleMode::AsrOnly
        };
        let started = engine.start_subtitle(mode, target.as_deref()).await;
        if let Some(code) = print_ready_events(&mut events, REMOVED) {
            return code;
        }
        match started {
            Ok(()) => print_result(
                "startSubtitle",
                json!({ "mode": mode, "targetLanguage": target }),
            ),
            Err(e) => {
                print_error(&e);
                let _ = engine.leave_room().await;
                return ExitCode::FAILURE;
            }
        }
    }

    let sei = args
        .send_sei
        .map(|text| tokio::spawn(send_sei_every_second(engine.clone(), text)));
    let reacted = react_for(&engine, &mut events, args.duration, &mut plan).await;
    if let Some(task) = sei {
        task.abort();
    }
    if let Some(code) = reacted {
        return code;
    }
    if let Err(e) = plan.finish().await {
        print_error(&e);
        let _ = engine.leave_room().await;
        return ExitCode::FAILURE;
    }
    if let Err(e) = engine.leave_room().await {
        print_error(&e);
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
