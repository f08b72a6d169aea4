//! TURN for the native SDK's media transports: a relayed address on a TURN server (RFC 5766)
//! that str0m uses as a relay candidate, so media reaches the SFU where only the TURN server
//! can be reached (UDP or TCP, e.g. TCP 443 through a strict firewall).
//!
//! - `digest`: MD5 and CRC-32, the checksums TURN needs.
//! - `codec`: STUN messages and ChannelData framing, sans-IO.
//! - `client`: the allocation's state machine, sans-IO with time as an input.
//! - `relay`: the tokio shell: one UDP socket or TCP stream to the server.
//! - `servers`: which servers the join answer names, parsed from their URLs.
//!
//! Must not depend on str0m or the conductor: the transport decides what goes through it.

mod client;
mod codec;
mod digest;
mod relay;
mod servers;

pub(crate) use relay::{Relay, allocate_any, probe};
pub(crate) use servers::RelayPlan;
