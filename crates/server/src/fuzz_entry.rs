//! Entry points for fuzzing: one function per parser of untrusted input, each taking raw bytes
//! and driving one parser the way the server does, asserting what must hold of its answer.
//!
//! Compiled only with the `fuzzing` feature, which only `fuzz/` and this crate's own tests turn
//! on, so the crate-private parsers stay private to everyone else. It must not depend on
//! sockets, tasks or a clock: a fuzzer calls these functions millions of times, and an input
//! that fails must fail again when replayed from the corpus.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use chorus_proto::PublishedTrack;
use chorus_proto::openapi::{
    BanRoomUser, BanUserStream, BatchSendRoomUnicast, DismissRoom, GetRoomOnlineUsers, KickUser,
    SendBroadcast, SendRoomUnicast, SendUnicast, UnbanUserStream, WebhookCallback,
};
use chorus_sign::WebhookFields;

use crate::api;
use crate::room::Payload;
use crate::sfu;

/// One fuzz target's work: raw bytes in, a panic on a bug.
pub type Entry = fn(&[u8]);

/// The names of the fuzz targets, as in `fuzz/Cargo.toml` and `fuzz/corpus/<name>/`, each with
/// its entry function here.
pub const TARGETS: [(&str, Entry); 14] = [
    ("token_parse", token_parse),
    ("signal_frame", signal_frame),
    ("openapi_verify", openapi_verify),
    ("stun_username", stun_username),
    ("ice_tcp_frames", ice_tcp_frames),
    ("keyframe", keyframe),
    ("sdp_tracks", sdp_tracks),
    ("binary_payload", binary_payload),
    ("openapi_body", openapi_body),
    ("openapi_query", openapi_query),
    ("webhook_signature", webhook_signature),
    ("room_core", room_core),
    ("sei", sei),
    ("rtmp_replies", rtmp_replies),
];

/// The SFU's forwarding path: the session the bytes describe (publisher RTP with any header,
/// subscriber feedback, layer switches, pauses, leaving, time) on the in-memory SFU, whose
/// invariants are checked after each step. Not in [`TARGETS`]: each input sets up DTLS
/// transports, too slow for the thousands of generated inputs `fuzz_corpus` runs; the seed
/// corpus replays in the server's library test `sfu::sim::fuzz_tests`.
pub fn forward(data: &[u8]) {
    let _forwarded = sfu::fuzz_forward(data);
}

/// What an RTMP server answers a live-transcoding push (AMF0 command values), and the push URL.
pub fn rtmp_replies(data: &[u8]) {
    crate::public::fuzz_rtmp_replies(data);
}

/// The AccessToken parser and verifier: whatever parses survives verification and every
/// accessor.
pub fn token_parse(data: &[u8]) {
    use chorus_token::{Claims, Expected, Privilege, verify};
    // Lossy so that non-UTF-8 input still reaches the parser as some string.
    let token = String::from_utf8_lossy(data);
    if let Ok(claims) = Claims::parse(&token) {
        let _ = claims.verify("fuzz key", 0);
        for p in Privilege::ALL {
            let _ = claims.has_privilege(p, u64::from(claims.issued_at()));
        }
    }
    let expected = Expected {
        app_id: "0123456789abcdef01234567",
        app_key: "fuzz key",
        room_id: "room",
        user_id: "user",
    };
    if let Err(e) = verify(&token, &expected, 1_700_000_000) {
        let _ = e.to_string();
    }
}

/// Signalling frames: any text parses to a frame or a typed error, and what parses
/// re-serialises and parses back the same.
pub fn signal_frame(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(frame) = chorus_proto::RequestFrame::parse(text) {
            let again = chorus_proto::RequestFrame::parse(&frame.to_json());
            assert_eq!(again.as_ref().ok(), Some(&frame));
        }
        let _ = chorus_proto::ServerFrame::parse(text);
    }
}

/// The OpenAPI request signature: path, query, `Authorization`, `X-Date` and body, split at
/// 0xff bytes, are verified or refused with a typed error.
pub fn openapi_verify(data: &[u8]) {
    let mut parts = data.split(|b| *b == 0xff);
    let mut next = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let (path, query, authorization, x_date) = (next(), next(), next(), next());
    let body = next();
    let headers = [
        ("Host", "127.0.0.1:8080"),
        ("Authorization", authorization.as_str()),
        ("X-Date", x_date.as_str()),
    ];
    let request = chorus_sign::SigningRequest {
        method: "POST",
        path: &path,
        query: &query,
        headers: &headers,
        body: body.as_bytes(),
    };
    let _ = chorus_sign::verify(
        &request,
        |ak| (ak == "AK").then_some("SK"),
        1_700_000_000,
        900,
    );
}

/// The SFU's demultiplexer reading the USERNAME of a STUN binding request: the ufrag it finds
/// is part of the datagram, and the worker it names, if any, is one there can be.
pub fn stun_username(data: &[u8]) {
    if let Some(ufrag) = sfu::stun_local_ufrag(data) {
        let within = data.as_ptr_range();
        assert!(within.contains(&ufrag.as_ptr()) || ufrag.is_empty());
        assert!(ufrag.len() < data.len());
        if let Some(worker) = sfu::worker_of_ufrag(ufrag) {
            assert!(worker < sfu::MAX_WORKERS);
        }
    }
}

/// ICE-TCP (RFC 4571) deframing, the stream read in chunks whose sizes the first byte picks:
/// the frames handed out, each with its length header, are exactly the bytes consumed.
pub fn ice_tcp_frames(data: &[u8]) {
    let (chunk, stream) = match data.split_first() {
        Some((first, rest)) => (usize::from(*first).max(1), rest),
        None => (1, data),
    };
    let mut deframer = sfu::Deframer::default();
    let mut rebuilt = Vec::with_capacity(stream.len());
    for piece in stream.chunks(chunk) {
        let mut reader = piece;
        while !reader.is_empty() {
            let read = poll_ready(deframer.read_from(&mut reader));
            assert!(matches!(read, Ok(n) if n > 0), "a slice reads until empty");
            while let Some(frame) = deframer.next_frame() {
                let len = u16::try_from(frame.len()).expect("a frame's length fits its header");
                rebuilt.extend_from_slice(&len.to_be_bytes());
                rebuilt.extend_from_slice(&frame);
            }
        }
    }
    assert_eq!(rebuilt, stream[..rebuilt.len()]);
    assert_eq!(deframer.is_empty(), rebuilt.len() == stream.len());
}

/// Keyframe detection on an RTP payload, as H.264 and as VP8.
pub fn keyframe(data: &[u8]) {
    let _ = sfu::h264_starts_keyframe(data);
    let _ = sfu::vp8_starts_keyframe(data);
}

/// SEI messages in an H.264 access unit, as the native SDK reads them from every picture it
/// receives: reading never panics, and a message put into any access unit reads back whole.
pub fn sei(data: &[u8]) {
    let _ = chorus_media::read_sei(data);
    let payload = &data[..data.len().min(chorus_media::MAX_SEI_BYTES)];
    if payload.is_empty() {
        return;
    }
    let unit = chorus_media::sei_nal(7, payload);
    let access_unit = chorus_media::with_sei(data, &[unit]);
    assert!(
        chorus_media::read_sei(&access_unit)
            .iter()
            .any(|m| m.seq == 7 && m.payload == payload),
        "a message put into an access unit reads back"
    );
}

/// A publisher offer's checks before str0m sees it: the size limit, then the track list against
/// the m-lines. The input is the SDP, then a 0xff byte and the track list as JSON; without a
/// list that parses, the tracks are the offer's own mids, all main-stream audio.
pub fn sdp_tracks(data: &[u8]) {
    let mut parts = data.splitn(2, |b| *b == 0xff);
    let sdp = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let tracks: Vec<PublishedTrack> = match parts.next().map(serde_json::from_slice) {
        Some(Ok(tracks)) => tracks,
        _ => sdp
            .lines()
            .filter_map(|l| l.trim_end().strip_prefix("a=mid:"))
            .map(|mid| PublishedTrack {
                mid: mid.trim().to_owned(),
                stream_index: chorus_proto::StreamIndex::Main,
                kind: chorus_proto::TrackKind::Audio,
            })
            .collect(),
    };
    if sfu::check_sdp_size(&sdp).is_ok()
        && let Err(e) = sfu::check_tracks(&sdp, &tracks)
    {
        let _ = e.to_string();
    }
}

/// A message's payload as the room checks it, as text and as base64 of binary data.
pub fn binary_payload(data: &[u8]) {
    let message = String::from_utf8_lossy(data).into_owned();
    for binary in [true, false] {
        match Payload::checked(message.clone(), binary) {
            Ok(payload) => assert_eq!(payload.message, message),
            Err(e) => assert!(!e.is_empty()),
        }
    }
}

/// An OpenAPI POST body, parsed as every action's parameters and checked as the actions check
/// them (ids, then the message payload).
pub fn openapi_body(data: &[u8]) {
    fn ids(fields: &[(&str, &str)]) {
        for (field, value) in fields {
            let _ = api::id(field, value);
        }
    }
    fn payload(message: &str, binary: bool) {
        let _ = Payload::checked(message.to_owned(), binary);
    }
    if let Ok(b) = api::body::<KickUser>(data) {
        ids(&[("RoomId", &b.room_id), ("UserId", &b.user_id)]);
    }
    if let Ok(b) = api::body::<DismissRoom>(data) {
        ids(&[("RoomId", &b.room_id)]);
    }
    if let Ok(b) = api::body::<BanRoomUser>(data) {
        let room = b.room_id.unwrap_or_default();
        let user = b.user_id.unwrap_or_default();
        ids(&[("RoomId", &room), ("UserId", &user)]);
        let _ = b.forbidden_interval.saturating_mul(1000);
    }
    if let Ok(b) = api::body::<BanUserStream>(data) {
        ids(&[("RoomId", &b.room_id), ("UserId", &b.user_id)]);
    }
    if let Ok(b) = api::body::<UnbanUserStream>(data) {
        ids(&[("RoomId", &b.room_id), ("UserId", &b.user_id)]);
    }
    if let Ok(b) = api::body::<GetRoomOnlineUsers>(data) {
        ids(&[("RoomId", &b.room_id)]);
    }
    if let Ok(b) = api::body::<SendUnicast>(data) {
        ids(&[("From", &b.from), ("To", &b.to)]);
        payload(&b.message, b.binary);
    }
    if let Ok(b) = api::body::<SendRoomUnicast>(data) {
        ids(&[("RoomId", &b.room_id), ("From", &b.from), ("To", &b.to)]);
        payload(&b.message, b.binary);
    }
    if let Ok(b) = api::body::<BatchSendRoomUnicast>(data) {
        for to in &b.to {
            ids(&[("To", to)]);
        }
        payload(&b.message, b.binary);
    }
    if let Ok(b) = api::body::<SendBroadcast>(data) {
        ids(&[("RoomId", &b.room_id), ("From", &b.from)]);
        payload(&b.message, b.binary);
    }
}

/// A GET action's query string: decoded, its parameters made into a JSON body, that body
/// parsed as the action's.
pub fn openapi_query(data: &[u8]) {
    let raw = String::from_utf8_lossy(data);
    let query = api::Query::parse(&raw);
    if let Ok(json) = query.params_json() {
        // Read back as a map of strings, not as a `Value`: serde_json's `raw_value` feature
        // (on in this build) makes a `Value` read an object whose one key is its private
        // raw-value token as that value's text, so a query naming that token is no object.
        let _: std::collections::BTreeMap<String, String> =
            serde_json::from_slice(&json).expect("params_json writes an object of strings");
        if let Ok(b) = api::body::<GetRoomOnlineUsers>(&json) {
            let _ = api::id("RoomId", &b.room_id);
        }
    }
}

/// A webhook callback's body as its receiver reads it: parsed, and its signature verified.
/// The signature made over the same fields verifies.
pub fn webhook_signature(data: &[u8]) {
    let Ok(callback) = serde_json::from_slice::<WebhookCallback>(data) else {
        return;
    };
    let fields = WebhookFields {
        event_type: &callback.event_type,
        event_data: &callback.event_data,
        event_time: &callback.event_time,
        event_id: &callback.event_id,
        app_id: &callback.app_id,
        version: &callback.version,
        nonce: &callback.nonce,
    };
    let _ = chorus_sign::verify_webhook_signature(&fields, "fuzz secret", &callback.signature);
    let signed = chorus_sign::webhook_signature(&fields, "fuzz secret");
    assert!(chorus_sign::verify_webhook_signature(
        &fields,
        "fuzz secret",
        &signed
    ));
}

/// The room core driven by a command sequence (join, leave, drop, publish, subscribe,
/// messages, bans, token updates, timeouts on a made-up clock), its invariants checked after
/// every step: sessions unique and consistent, no forward naming an absent user or an
/// unpublished stream, the missed-events byte count matching what is kept, outputs addressed
/// only to sessions in the room.
pub fn room_core(data: &[u8]) {
    crate::room::run_fuzz_commands(data);
}

/// Runs a future that never waits (it reads from a slice) to its end.
fn poll_ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("reading from a slice never waits"),
    }
}
