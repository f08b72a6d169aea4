//! The native SDK's behaviour tests against a real server on loopback, one module per
//! behaviour, in one binary (one link instead of one per file); `common` holds what they share.

mod common;

mod audio_mixing;
mod audio_mixing_errors;
mod business_server_targets;
mod cloud_proxy;
mod cloud_proxy_firewall;
mod engine_destroy;
mod local_validation;
mod login_token_expiry;
mod media_errors;
mod media_external;
mod media_fallback;
mod media_loss;
mod media_mirror;
mod media_reconnect;
mod media_tone;
mod media_turn_relay;
mod media_video;
mod media_volume;
mod message_order;
mod outside_room;
mod reconnect_after_missed_events;
mod reconnect_resumes;
mod request_timeout;
mod room_events;
mod room_messages;
mod sei_messages;
mod server_decides;
mod server_messages;
mod stats_getters;
mod subscribe_privilege_lapses;
mod tls_signalling;
mod update_token_rejoins;
