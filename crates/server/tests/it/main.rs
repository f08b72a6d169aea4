//! The server's behaviour tests on loopback (SDK clients, raw sockets, signed OpenAPI calls,
//! webhooks), one module per behaviour, in one binary (one link instead of one per file);
//! `common` holds what they share.

mod common;

mod crowd_join;
mod duplicate_login;
mod join_refusals;
mod media_requests;
mod message_overflow;
mod openapi_messages;
mod openapi_rooms;
mod raw_frames;
mod room_presence;
mod token_lifecycle;
mod visibility;
mod webhooks;
