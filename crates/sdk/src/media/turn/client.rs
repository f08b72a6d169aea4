//! The TURN client's state machine (RFC 5766): Allocate with long-term credentials (the 401
//! round trip for realm and nonce, 438 for a stale nonce), Refresh before the lifetime ends,
//! CreatePermission and ChannelBind per peer (renewed before they lapse), and the data path
//! (ChannelData once a channel is bound, Send indications before; Data indications and
//! ChannelData in). Sans-IO: time and bytes are inputs, bytes to the server and events are
//! outputs, so the whole life of an allocation is testable with simulated time. Must not
//! depend on sockets, tokio or str0m.

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hasher};
use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::time::{Duration, Instant};

use super::codec::{
    Class, Encoder, Message, Method, TransactionId, attr, channel_data, is_stun, parse_channel_data,
};
use super::digest::md5;

/// The first retransmission timeout over UDP before a round trip was measured (RFC 5389
/// §7.2.1), and the most it becomes after one.
const RTO: Duration = Duration::from_millis(500);
/// The least the retransmission timeout becomes after a fast round trip.
const MIN_RTO: Duration = Duration::from_millis(50);
/// Sends of one request over UDP before it has failed.
const TRIES: u32 = 7;
/// How long a request over TCP may go unanswered (RFC 5389 §7.2.2).
const TCP_TIMEOUT: Duration = Duration::from_millis(39_500);
/// Permissions last 5 minutes and channels 10; both are renewed after 4.
const RENEW: Duration = Duration::from_secs(240);
/// Packets held for a peer until its permission is in place.
const HELD: usize = 16;
/// UDP as REQUESTED-TRANSPORT (the protocol number, in the top byte).
const UDP_TRANSPORT: u32 = 17 << 24;

/// Why an allocation failed or ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TurnError {
    /// The server refused the credentials (wrong or expired).
    #[error("the TURN server refused the credentials: {0}")]
    Unauthorized(String),
    /// The server refused a request for another reason.
    #[error("the TURN server refused {method:?}: {code} {reason}")]
    Rejected {
        /// The request.
        method: Method,
        /// The STUN error code.
        code: u16,
        /// The server's reason phrase.
        reason: String,
    },
    /// No answer came.
    #[error("the TURN server did not answer")]
    TimedOut,
    /// A success answer without the relayed address.
    #[error("the TURN server's answer has no relayed address")]
    NoRelayedAddress,
}

/// What the client reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TurnEvent {
    /// The allocation exists: peers reach this client at `relayed`.
    Allocated {
        /// The relayed transport address on the server.
        relayed: SocketAddr,
    },
    /// The allocation failed or ended; the client does nothing more.
    Failed(TurnError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Allocate,
    Refresh { lifetime: u32 },
    Permission(IpAddr),
    Bind(u16),
}

#[derive(Debug)]
struct Pending {
    tid: TransactionId,
    kind: Kind,
    bytes: Vec<u8>,
    tries: u32,
    sent_at: Instant,
    due: Instant,
}

#[derive(Debug)]
struct Peer {
    addr: SocketAddr,
    channel: u16,
    bound: bool,
    /// Whether the server confirmed the permission. Until then packets are held: over UDP
    /// the CreatePermission may be lost or overtaken, and a Send indication the server
    /// handles before the permission exists is dropped silently (RFC 5766 §10.2).
    permitted: bool,
    held: Vec<Vec<u8>>,
    /// When to renew the channel binding (and with it the permission).
    renew_at: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Allocating,
    Allocated,
    Failed,
}

/// One allocation on one TURN server.
#[derive(Debug)]
pub(crate) struct TurnClient {
    username: String,
    password: String,
    realm: Option<String>,
    nonce: Option<String>,
    key: Option<[u8; 16]>,
    /// TCP: no retransmissions, ChannelData padded.
    reliable: bool,
    state: State,
    relayed: Option<SocketAddr>,
    refresh_at: Option<Instant>,
    pending: Vec<Pending>,
    peers: Vec<Peer>,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<TurnEvent>,
    random: std::collections::hash_map::RandomState,
    counter: u64,
    /// The retransmission timeout over UDP: three round trips as last measured (RFC 5389
    /// asks for one from the measured RTT when known), within [`MIN_RTO`]..=[`RTO`]: on a
    /// fast path a lost request goes again soon, rather than half a second later.
    rto: Duration,
}

impl TurnClient {
    /// A client that starts allocating at `now` with REST credentials `username` and
    /// `password`; `reliable` when it speaks over TCP.
    pub(crate) fn new(now: Instant, username: &str, password: &str, reliable: bool) -> Self {
        let mut client = TurnClient {
            username: username.to_owned(),
            password: password.to_owned(),
            realm: None,
            nonce: None,
            key: None,
            reliable,
            state: State::Allocating,
            relayed: None,
            refresh_at: None,
            pending: Vec::new(),
            peers: Vec::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            random: std::collections::hash_map::RandomState::new(),
            counter: 0,
            rto: RTO,
        };
        client.request(now, Kind::Allocate);
        client
    }

    fn tid(&mut self) -> TransactionId {
        let mut tid = [0u8; 12];
        for chunk in tid.chunks_mut(6) {
            self.counter += 1;
            let mut h = self.random.build_hasher();
            h.write_u64(self.counter);
            chunk.copy_from_slice(&h.finish().to_be_bytes()[..chunk.len()]);
        }
        tid
    }

    fn encode(&mut self, kind: Kind, tid: TransactionId) -> Vec<u8> {
        let method = match kind {
            Kind::Allocate => Method::Allocate,
            Kind::Refresh { .. } => Method::Refresh,
            Kind::Permission(_) => Method::CreatePermission,
            Kind::Bind(_) => Method::ChannelBind,
        };
        let mut enc = Encoder::new(method, Class::Request, tid);
        match kind {
            Kind::Allocate => {
                enc.attr_u32(attr::REQUESTED_TRANSPORT, UDP_TRANSPORT);
            }
            Kind::Refresh { lifetime } => {
                enc.attr_u32(attr::LIFETIME, lifetime);
            }
            Kind::Permission(ip) => {
                enc.attr_addr(attr::XOR_PEER_ADDRESS, SocketAddr::new(ip, 0));
            }
            Kind::Bind(channel) => {
                if let Some(peer) = self.peers.iter().find(|p| p.channel == channel) {
                    enc.attr_u32(attr::CHANNEL_NUMBER, u32::from(channel) << 16)
                        .attr_addr(attr::XOR_PEER_ADDRESS, peer.addr);
                }
            }
        }
        // The first Allocate goes without credentials, to learn the realm and nonce.
        if let (Some(realm), Some(nonce)) = (&self.realm, &self.nonce) {
            enc.attr(attr::USERNAME, self.username.as_bytes())
                .attr(attr::REALM, realm.as_bytes())
                .attr(attr::NONCE, nonce.as_bytes());
        }
        enc.finish(self.key.as_ref().map(|k| &k[..]))
    }

    fn request(&mut self, now: Instant, kind: Kind) {
        // One transaction per purpose: a newer one replaces an older one.
        self.pending.retain(|p| p.kind != kind);
        let tid = self.tid();
        let bytes = self.encode(kind, tid);
        self.out.push_back(bytes.clone());
        let due = now + if self.reliable { TCP_TIMEOUT } else { self.rto };
        self.pending.push(Pending {
            tid,
            kind,
            bytes,
            tries: 1,
            sent_at: now,
            due,
        });
    }

    fn fail(&mut self, error: TurnError) {
        if self.state != State::Failed {
            self.state = State::Failed;
            self.pending.clear();
            self.events.push_back(TurnEvent::Failed(error));
        }
    }

    /// A frame from the server. Returns the peer and where its data lies in `bytes` when the
    /// frame carries data from a peer; handles answers to requests itself.
    pub(crate) fn handle_input(
        &mut self,
        now: Instant,
        bytes: &[u8],
    ) -> Option<(SocketAddr, Range<usize>)> {
        if self.state == State::Failed {
            return None;
        }
        if !is_stun(bytes) {
            let (channel, range) = parse_channel_data(bytes)?;
            let peer = self.peers.iter().find(|p| p.channel == channel)?;
            return Some((peer.addr, range));
        }
        let msg = Message::decode(bytes).ok()?;
        match msg.class {
            Class::Indication if msg.method == Method::Data => {
                let peer = msg.addr(attr::XOR_PEER_ADDRESS).ok()??;
                let data = msg.get(attr::DATA)?;
                let start = data.as_ptr() as usize - bytes.as_ptr() as usize;
                Some((peer, start..start + data.len()))
            }
            Class::Success | Class::Error => {
                self.on_answer(now, &msg);
                None
            }
            _ => None,
        }
    }

    fn on_answer(&mut self, now: Instant, msg: &Message<'_>) {
        let Some(at) = self.pending.iter().position(|p| p.tid == msg.tid) else {
            return;
        };
        // Answers after the credentials are known must carry them (RFC 5389 §10.2.3),
        // except the 401 and 438 answers that renew them.
        let code = msg.error_code();
        if let Some(key) = self.key
            && !matches!(code, Some(401 | 438))
            && !msg.integrity_ok(&key)
        {
            return;
        }
        let answered = self.pending.swap_remove(at);
        // Only an answer to a request sent once tells the round trip (Karn's rule).
        if answered.tries == 1 {
            self.rto = (now.saturating_duration_since(answered.sent_at) * 3).clamp(MIN_RTO, RTO);
        }
        let kind = answered.kind;
        if msg.class == Class::Error {
            return self.on_error(now, kind, msg, code.unwrap_or(0));
        }
        match kind {
            Kind::Allocate => {
                let Ok(Some(relayed)) = msg.addr(attr::XOR_RELAYED_ADDRESS) else {
                    return self.fail(TurnError::NoRelayedAddress);
                };
                self.relayed = Some(relayed);
                self.state = State::Allocated;
                self.schedule_refresh(now, msg.u32(attr::LIFETIME));
                self.events.push_back(TurnEvent::Allocated { relayed });
            }
            Kind::Refresh { .. } => self.schedule_refresh(now, msg.u32(attr::LIFETIME)),
            Kind::Permission(ip) => self.release(ip),
            Kind::Bind(channel) => {
                if let Some(peer) = self.peers.iter_mut().find(|p| p.channel == channel) {
                    peer.bound = true;
                    peer.renew_at = Some(now + RENEW);
                }
            }
        }
    }

    fn on_error(&mut self, now: Instant, kind: Kind, msg: &Message<'_>, code: u16) {
        let reason = msg.error_reason().to_owned();
        match code {
            // Learn (or relearn) realm and nonce; a 401 with credentials already sent means
            // they are wrong or expired.
            401 if self.key.is_none() && kind == Kind::Allocate => {
                let (Some(realm), Some(nonce)) = (msg.text(attr::REALM), msg.text(attr::NONCE))
                else {
                    return self.fail(TurnError::Unauthorized(reason));
                };
                let key = md5(format!("{}:{realm}:{}", self.username, self.password).as_bytes());
                self.realm = Some(realm.to_owned());
                self.nonce = Some(nonce.to_owned());
                self.key = Some(key);
                self.request(now, kind);
            }
            438 => match msg.text(attr::NONCE) {
                Some(nonce) => {
                    self.nonce = Some(nonce.to_owned());
                    self.request(now, kind);
                }
                None => self.fail(TurnError::Unauthorized(reason)),
            },
            401 => self.fail(TurnError::Unauthorized(reason)),
            _ => match kind {
                Kind::Allocate | Kind::Refresh { .. } => self.fail(TurnError::Rejected {
                    method: if kind == Kind::Allocate {
                        Method::Allocate
                    } else {
                        Method::Refresh
                    },
                    code,
                    reason,
                }),
                // A peer refused (e.g. a forbidden IP): its packets go nowhere, others still do.
                Kind::Permission(ip) => {
                    tracing::debug!(%ip, code, reason, "TURN permission refused")
                }
                Kind::Bind(channel) => {
                    tracing::debug!(channel, code, reason, "TURN channel refused")
                }
            },
        }
    }

    /// The permission for `ip` is in place: its peers' held packets go now.
    fn release(&mut self, ip: IpAddr) {
        let mut ready = Vec::new();
        for peer in self.peers.iter_mut().filter(|p| p.addr.ip() == ip) {
            peer.permitted = true;
            ready.extend(
                std::mem::take(&mut peer.held)
                    .into_iter()
                    .map(|d| (peer.addr, d)),
            );
        }
        for (peer, data) in ready {
            let mut out = Vec::new();
            self.frame(peer, &data, &mut out);
            self.out.push_back(out);
        }
    }

    fn schedule_refresh(&mut self, now: Instant, lifetime: Option<u32>) {
        let lifetime = Duration::from_secs(u64::from(lifetime.unwrap_or(600)));
        // A minute early, or halfway for short lifetimes.
        let early = (lifetime / 2).min(Duration::from_secs(60));
        self.refresh_at = Some(now + lifetime - early);
    }

    /// Wraps `data` for `peer` into `out` (ChannelData, or a Send indication until the
    /// peer's channel is bound). The first packet to a peer asks for its permission and
    /// channel; until the permission is confirmed packets are held (a few; the rest dropped)
    /// and come out of [`TurnClient::poll_transmit`] then. Returns false, leaving `out`
    /// empty, when there is nothing to send now.
    pub(crate) fn wrap(
        &mut self,
        now: Instant,
        peer: SocketAddr,
        data: &[u8],
        out: &mut Vec<u8>,
    ) -> bool {
        out.clear();
        if self.state != State::Allocated {
            return false;
        }
        let at = match self.peers.iter().position(|p| p.addr == peer) {
            Some(at) => at,
            None => {
                let Ok(n) = u16::try_from(self.peers.len()) else {
                    return false;
                };
                let Some(channel) = 0x4000u16.checked_add(n).filter(|c| *c <= 0x7fff) else {
                    return false;
                };
                // Another port of a permitted IP is permitted already.
                let permitted = self
                    .peers
                    .iter()
                    .any(|p| p.addr.ip() == peer.ip() && p.permitted);
                self.peers.push(Peer {
                    addr: peer,
                    channel,
                    bound: false,
                    permitted,
                    held: Vec::new(),
                    renew_at: None,
                });
                if !permitted {
                    self.request(now, Kind::Permission(peer.ip()));
                }
                self.request(now, Kind::Bind(channel));
                self.peers.len() - 1
            }
        };
        let p = &mut self.peers[at];
        if !p.permitted {
            if p.held.len() < HELD {
                p.held.push(data.to_vec());
            }
            return false;
        }
        self.frame(peer, data, out);
        true
    }

    /// `data` for `peer` as the server takes it now: ChannelData once bound, else a Send
    /// indication.
    fn frame(&mut self, peer: SocketAddr, data: &[u8], out: &mut Vec<u8>) {
        let bound = self
            .peers
            .iter()
            .find(|p| p.addr == peer)
            .filter(|p| p.bound)
            .map(|p| p.channel);
        match bound {
            Some(channel) => channel_data(channel, data, self.reliable, out),
            None => {
                let tid = self.tid();
                let mut enc = Encoder::new(Method::Send, Class::Indication, tid);
                enc.attr_addr(attr::XOR_PEER_ADDRESS, peer)
                    .attr(attr::DATA, data);
                *out = enc.finish(None);
            }
        }
    }

    /// The next control message for the server.
    pub(crate) fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    /// The next event.
    pub(crate) fn poll_event(&mut self) -> Option<TurnEvent> {
        self.events.pop_front()
    }

    /// When [`TurnClient::handle_timeout`] is next due.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        if self.state == State::Failed {
            return None;
        }
        let pending = self.pending.iter().map(|p| p.due);
        let peers = self.peers.iter().filter_map(|p| p.renew_at);
        pending.chain(peers).chain(self.refresh_at).min()
    }

    /// Retransmits, gives up on, or renews what is due at `now`.
    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        if self.state == State::Failed {
            return;
        }
        let mut gave_up = None;
        let reliable = self.reliable;
        let rto = self.rto;
        for p in self.pending.iter_mut().filter(|p| p.due <= now) {
            if reliable || p.tries >= TRIES {
                gave_up = Some(p.kind);
                continue;
            }
            p.tries += 1;
            p.due = now + rto * 2u32.pow(p.tries - 1);
            self.out.push_back(p.bytes.clone());
        }
        if let Some(kind) = gave_up {
            if matches!(kind, Kind::Allocate | Kind::Refresh { .. }) {
                return self.fail(TurnError::TimedOut);
            }
            self.pending.retain(|p| p.due > now);
        }
        if self.refresh_at.is_some_and(|at| at <= now) {
            self.refresh_at = None;
            self.request(now, Kind::Refresh { lifetime: 600 });
        }
        let due: Vec<(IpAddr, u16)> = self
            .peers
            .iter_mut()
            .filter(|p| p.renew_at.is_some_and(|at| at <= now))
            .map(|p| {
                p.renew_at = None;
                (p.addr.ip(), p.channel)
            })
            .collect();
        for (ip, channel) in due {
            // The binding renews the permission too; both, so a refused binding does not
            // cost the permission.
            self.request(now, Kind::Permission(ip));
            self.request(now, Kind::Bind(channel));
            let renew = now + RENEW;
            if let Some(p) = self.peers.iter_mut().find(|p| p.channel == channel) {
                p.renew_at = Some(renew);
            }
        }
    }

    /// Asks the server to end the allocation (a Refresh with lifetime 0); best effort.
    pub(crate) fn close(&mut self, now: Instant) {
        if self.state == State::Allocated {
            self.request(now, Kind::Refresh { lifetime: 0 });
            self.state = State::Failed;
        }
    }
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
