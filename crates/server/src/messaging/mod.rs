//! Messaging outside rooms: who is logged in ([`LoginRegistry`]), messages between logged-in users, and
//! messages to the app's business server. In-room messages belong to the room (see
//! `room::messages`); this module depends on `room` only for the shared message and outbox
//! types.

mod business;
mod logins;
mod targets;

pub(crate) use business::{BusinessServer, BusinessSettings, literal_ip};
pub(crate) use logins::{LoginKey, LoginRegistry, Remote};
pub(crate) use targets::{BusinessHosts, HostRule, TargetPolicy, TargetResolver};
