//! Generates `web/src/generated/protocol.ts`, the Web SDK's view of this crate. The file is
//! checked in; a test fails when it is stale (`CHORUS_BLESS=1 cargo test -p chorus-proto`
//! rewrites it).

use ts_rs::TS;

use crate::*;

/// A contract enum's TypeScript declaration.
pub(crate) trait TsEnum {
    /// `export enum Name { KEY = value, ... }`.
    fn ts_declaration() -> String;
}

/// The whole generated TypeScript module.
pub fn typescript_module() -> String {
    let mut out = String::from(
        "// Generated from crates/proto by `CHORUS_BLESS=1 cargo test -p chorus-proto`. Do not edit.\n\n",
    );
    for decl in [
        ErrorCode::ts_declaration(),
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
        SubtitleMode::ts_declaration(),
        SubtitleEventType::ts_declaration(),
        ReconnectReason::ts_declaration(),
        TrackKind::ts_declaration(),
        SimulcastStreamType::ts_declaration(),
    ] {
        out.push_str(&decl);
        out.push('\n');
    }

    let cfg = crate::typescript::ts_config();
    let mut decls = vec![
        RtcError::decl(&cfg),
        UserInfo::decl(&cfg),
        RoomConfig::decl(&cfg),
        // Nested in request and event bodies, which ts-rs names but does not declare.
        PublishedTrack::decl(&cfg),
        SubscribedTrack::decl(&cfg),
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
    out.push_str(&signal::ts_methods());
    out.push('\n');
    out.push_str(&signal::ts_events());
    out
}

/// ts-rs settings: JSON carries integers as plain numbers, so 64-bit ones are `number` too.
pub(crate) fn ts_config() -> ts_rs::Config {
    ts_rs::Config::default().with_large_int("number")
}
