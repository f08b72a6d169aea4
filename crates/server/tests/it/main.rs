//! The server's behaviour tests on loopback (SDK clients, raw sockets, signed OpenAPI calls,
//! webhooks), one module per behaviour, in one binary (one link instead of one per file);
//! `common` holds what they share.

mod common;

mod bounded_member_state;
mod connection_caps;
mod crowd_join;
mod dev_mode_host;
mod docs_match_code;
mod duplicate_login;
mod forward_stream_errors;
mod forward_stream_media;
mod forward_stream_resume;
mod fuzz_corpus;
mod grace_missed_events;
mod ice_tcp_caps;
mod join_refusals;
mod long_client_strings_are_clipped;
mod media_requests;
mod message_overflow;
mod openapi_get;
mod openapi_key_scope;
mod openapi_messages;
mod openapi_metrics;
mod openapi_public_streams;
mod openapi_replay;
mod openapi_rooms;
mod outbound_https;
mod own_workers_over_tls;
mod public_stream_bitrate;
mod public_stream_layout;
mod rate_limits;
mod raw_frames;
mod room_presence;
mod room_task_panic;
mod server_messages_per_app;
mod sfu_task_panic;
mod stalled_reader;
mod stream_bans;
mod token_lifecycle;
mod turn_credentials;
mod visibility;
mod webhooks;
mod webhooks_per_app;
