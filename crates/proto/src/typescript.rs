//! Generates `web/src/generated/protocol.ts`, the Web SDK's view of this crate. The file is
//! checked in; a test fails when it is stale (`CHORUS_BLESS=1 cargo test -p chorus-proto`
//! rewrites it).

use ts_rs::TS;

use crate::*;

/// A contract enum's TypeScript declaration.
pub(crate) trait TsEnum: Sized {
    /// The member's key in the TypeScript enum (`ErrorCode.KICKED_OUT`).
    fn ts_key(self) -> &'static str;

    /// `export enum Name { KEY = value, ... }`.
    fn ts_declaration() -> String;
}

/// `ErrorCode` as the Web SDK sees it: the contract's codes, then the vendor's codes that no
/// Chorus part raises ([`UNRAISED_VENDOR_ERROR_CODES`]), so the Web SDK's enum
/// is the vendor's whole set.
fn error_code_declaration() -> String {
    let mut decl = ErrorCode::ts_declaration();
    let end = decl
        .rfind('}')
        .expect("an enum declaration ends with a brace");
    decl.truncate(end);
    decl.push_str("  // The vendor's codes that Chorus never raises.\n");
    for code in UNRAISED_VENDOR_ERROR_CODES {
        decl.push_str(&format!("  {code} = {code:?},\n"));
    }
    decl.push_str("}\n");
    decl
}

/// The whole generated TypeScript module.
pub fn typescript_module() -> String {
    let mut out = String::from(
        "// Generated from crates/proto by `CHORUS_BLESS=1 cargo test -p chorus-proto`. Do not edit.\n\n",
    );
    for decl in [
        error_code_declaration(),
        AudioMixingError::ts_declaration(),
        MediaType::ts_declaration(),
        StreamIndex::ts_declaration(),
        ConnectionState::ts_declaration(),
        UserOfflineReason::ts_declaration(),
        StreamRemoveReason::ts_declaration(),
        RoomProfileType::ts_declaration(),
        RoomMode::ts_declaration(),
        VideoSourceType::ts_declaration(),
        VideoRenderMode::ts_declaration(),
        UserOnlineStatus::ts_declaration(),
        AudioMixingType::ts_declaration(),
        AudioMixingState::ts_declaration(),
        PublicStreamType::ts_declaration(),
        ForwardStreamState::ts_declaration(),
        ForwardStreamError::ts_declaration(),
        ForwardStreamEventType::ts_declaration(),
        SubtitleMode::ts_declaration(),
        SubtitleEventType::ts_declaration(),
        StreamMixingEventType::ts_declaration(),
        StreamMixingErrorCode::ts_declaration(),
        ReconnectReason::ts_declaration(),
        TrackKind::ts_declaration(),
        SimulcastStreamType::ts_declaration(),
        SubscribeFallbackOption::ts_declaration(),
        RemoteUserPriority::ts_declaration(),
        FallbackOrRecoverReason::ts_declaration(),
    ] {
        out.push_str(&decl);
        out.push('\n');
    }

    let cfg = crate::typescript::ts_config();
    let mut decls = vec![
        RtcError::decl(&cfg),
        UserInfo::decl(&cfg),
        RoomConfig::decl(&cfg),
        IceServer::decl(&cfg),
        // Nested in request and event bodies, which ts-rs names but does not declare.
        PublishedTrack::decl(&cfg),
        SubscribedTrack::decl(&cfg),
        ForwardStreamInfo::decl(&cfg),
        ForwardStreamStateInfo::decl(&cfg),
        ForwardStreamEventInfo::decl(&cfg),
        PublicStreamConfig::decl(&cfg),
        PublicStreamVideo::decl(&cfg),
        PublicStreamLayout::decl(&cfg),
        PublicStreamRegion::decl(&cfg),
        PublicStreamCrop::decl(&cfg),
        LiveTranscodeAudio::decl(&cfg),
        LiveTranscodeVideo::decl(&cfg),
        LiveTranscodeLayout::decl(&cfg),
        LiveTranscodeRegion::decl(&cfg),
        SubtitleMessage::decl(&cfg),
        Languages::decl(&cfg),
    ];
    decls.extend(signal::ts_request_decls());
    decls.extend(signal::ts_event_decls());
    let mut seen = std::collections::BTreeSet::new();
    for decl in decls {
        if seen.insert(decl.clone()) {
            out.push_str("export ");
            out.push_str(&decl);
            out.push_str("\n\n");
        }
    }
    out.push_str(&format!(
        "export const PROTOCOL_VERSION = {PROTOCOL_VERSION};\n"
    ));
    out.push_str(&format!("export const SIGNAL_PATH = {SIGNAL_PATH:?};\n\n"));
    out.push_str(&ts_limits());
    out.push('\n');
    out.push_str(&ts_removed_from_room());
    out.push('\n');
    out.push_str(&signal::ts_methods());
    out.push('\n');
    out.push_str(&signal::ts_events());
    out
}

/// The limits of [`crate::limits`], with the id rule as a ready regular expression and the
/// words error messages use for it.
fn ts_limits() -> String {
    let mut out = String::new();
    for (doc, name, value) in [
        (
            "Longest room or user id, in characters.",
            "MAX_ID_LEN",
            MAX_ID_LEN,
        ),
        (
            "Largest `extraInfo`, in bytes.",
            "MAX_EXTRA_INFO_BYTES",
            MAX_EXTRA_INFO_BYTES,
        ),
        (
            "Largest user, room or server message, in bytes.",
            "MAX_MESSAGE_BYTES",
            MAX_MESSAGE_BYTES,
        ),
        (
            "Most source streams in one public stream.",
            "MAX_PUBLIC_STREAM_REGIONS",
            MAX_PUBLIC_STREAM_REGIONS,
        ),
        (
            "Largest signalling frame the server reads, in bytes.",
            "MAX_FRAME_BYTES",
            MAX_FRAME_BYTES,
        ),
    ] {
        out.push_str(&format!("/** {doc} */\nexport const {name} = {value};\n"));
    }
    out.push_str(&format!(
        "/** A valid room or user id, whole. */\nexport const ID_PATTERN = /{}/;\n",
        id_pattern()
    ));
    out.push_str(&format!(
        "/** The id rule in words, for error messages. */\nexport const ID_RULE = {:?};\n",
        id_rule()
    ));
    out.push_str(&format!(
        "/** Prefix of a public stream's room and its compositor's user id. */\nexport const PUBLIC_STREAM_PREFIX = {PUBLIC_STREAM_PREFIX:?};\n"
    ));
    out
}

/// [`ErrorCode::REMOVED_FROM_ROOM`] as a TypeScript list.
fn ts_removed_from_room() -> String {
    let codes: Vec<String> = ErrorCode::REMOVED_FROM_ROOM
        .iter()
        .map(|code| format!("ErrorCode.{}", code.ts_key()))
        .collect();
    format!(
        "/** The `onError` codes with which the server removes a client from its room. */\n\
         export const REMOVED_FROM_ROOM: readonly ErrorCode[] = [{}];\n",
        codes.join(", ")
    )
}

/// ts-rs settings: JSON carries integers as plain numbers, so 64-bit ones are `number` too.
pub(crate) fn ts_config() -> ts_rs::Config {
    ts_rs::Config::default().with_large_int("number")
}
