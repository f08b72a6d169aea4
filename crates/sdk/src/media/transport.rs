//! The thin shell under one str0m [`Rtc`]: a UDP socket with one host candidate and, when
//! the join named TURN servers, a relay candidate on a TURN allocation; the drain loop that
//! sends what str0m transmits (through the relay when str0m sends from the relayed address),
//! and the wait for the next datagram, relayed packet or timer.
//!
//! str0m is sans-IO: every mutation must be followed by draining `poll_output` to a timeout
//! before the next one. This file is the only place that talks to the socket, so the publisher
//! and subscriber tasks keep that rule by calling [`Transport::drain`] after each mutation and
//! never touch I/O themselves. Must not depend on the engine, the conductor or the codecs.
//!
//! Hot path (a datagram): one `recv_from` into a reused buffer, one `handle_input`, one drain;
//! no allocation of ours, no lock, no log above debug.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::time::{Duration, Instant};

use chorus_proto::{StreamIndex, TrackKind};
use str0m::format::Codec;
use str0m::media::{Frequency, MediaKind, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::net::UdpSocket;

use crate::media::turn::{Relay, RelayPlan, allocate_any};

/// How long each TURN server may take to grant an allocation when relaying is optional,
/// before the next is tried (the direct path runs meanwhile).
const RELAY_OPTIONAL_LIMIT: Duration = Duration::from_secs(3);
/// The same when only relayed media is allowed.
pub(crate) const RELAY_ONLY_LIMIT: Duration = Duration::from_secs(10);

/// Why a transport could not be set up.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BindError {
    /// The local UDP socket.
    #[error("cannot open a UDP socket: {0}")]
    Socket(#[from] io::Error),
    /// Only relayed media is allowed and no TURN server granted an allocation.
    #[error("{0}")]
    NoRelay(String),
}

/// The codec a track of `kind` carries.
pub(crate) fn codec_of(kind: TrackKind) -> Codec {
    match kind {
        TrackKind::Audio => Codec::Opus,
        TrackKind::Video => Codec::H264,
    }
}

/// str0m's media kind for `kind`.
pub(crate) fn media_kind(kind: TrackKind) -> MediaKind {
    match kind {
        TrackKind::Audio => MediaKind::Audio,
        TrackKind::Video => MediaKind::Video,
    }
}

/// The RTP clock of `kind`.
pub(crate) fn clock_of(kind: TrackKind) -> Frequency {
    match kind {
        TrackKind::Audio => Frequency::FORTY_EIGHT_KHZ,
        TrackKind::Video => Frequency::NINETY_KHZ,
    }
}

/// One m-line's meaning on either transport: whose stream and which kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrackInfo {
    /// The m-line.
    pub(crate) mid: Mid,
    /// Main or screen.
    pub(crate) index: StreamIndex,
    /// Audio or video.
    pub(crate) kind: TrackKind,
}

/// A TURN allocation under way (when relaying is optional, it runs beside the direct path).
type Allocation = Pin<Box<dyn Future<Output = Result<Box<Relay>, String>> + Send>>;

/// What woke the transport.
pub(crate) enum Wake {
    /// A datagram of this length arrived from this address (in the transport's buffer).
    Datagram(usize, SocketAddr),
    /// A packet of this length came from this peer through the relay (in its payload).
    Relayed(usize, SocketAddr),
    /// str0m's timer is due.
    Timer,
    /// The optional relay's allocation ended, granted or not.
    Allocated(Result<Box<Relay>, String>),
}

/// One str0m instance and its socket.
pub(crate) struct Transport {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    relay: Option<Relay>,
    allocating: Option<Allocation>,
    buf: Vec<u8>,
    wake_at: Instant,
}

impl Transport {
    /// Binds a UDP socket on `ip` (any port) and makes it `rtc`'s host candidate, unless
    /// `plan` allows relayed media only; allocates on `plan`'s TURN servers and makes the
    /// relayed address a relay candidate. When relaying is optional, a failed allocation
    /// leaves the host candidate alone; when it is required, it is an error.
    pub(crate) async fn bind(
        ip: IpAddr,
        mut rtc: Rtc,
        plan: &RelayPlan,
    ) -> Result<Transport, BindError> {
        let socket = UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
        let local = socket.local_addr()?;
        // Relaying required: no transport without it. Optional: the direct path starts at
        // once and the relay candidate joins when granted (an unreachable TURN server must
        // not hold media up; str0m pairs a late local candidate, and the ICE-lite SFU learns
        // it from its checks).
        let mut allocating: Option<Allocation> = None;
        let relay = if plan.relay_only {
            Some(
                allocate_any(plan, RELAY_ONLY_LIMIT)
                    .await
                    .map_err(BindError::NoRelay)?,
            )
        } else {
            if !plan.ice_servers.is_empty() {
                let plan = plan.clone();
                allocating = Some(Box::pin(async move {
                    allocate_any(&plan, RELAY_OPTIONAL_LIMIT)
                        .await
                        .map(Box::new)
                }));
            }
            None
        };
        if !plan.relay_only {
            rtc.add_local_candidate(Candidate::host(local, "udp").map_err(invalid)?);
        }
        if let Some(relay) = &relay {
            let candidate =
                Candidate::relayed(relay.relayed(), relay.local(), "udp").map_err(invalid)?;
            rtc.add_local_candidate(candidate);
        }
        Ok(Transport {
            rtc,
            socket,
            local,
            relay,
            allocating,
            buf: vec![0; 2048],
            wake_at: Instant::now(),
        })
    }

    /// The str0m instance, for one mutation; call [`Transport::drain`] right after.
    pub(crate) fn rtc(&mut self) -> &mut Rtc {
        &mut self.rtc
    }

    /// Whether str0m still runs (it stops after a fatal error or a close).
    pub(crate) fn is_alive(&self) -> bool {
        self.rtc.is_alive()
    }

    /// Drains str0m's output: transmits go to the socket, events to `on_event` (which may
    /// mutate the instance: the drain goes on afterwards, as str0m asks), and the next timer
    /// is kept for [`Transport::wait`]. An error means the instance is unusable.
    pub(crate) fn drain(
        &mut self,
        mut on_event: impl FnMut(&mut Rtc, Event),
    ) -> Result<(), str0m::RtcError> {
        loop {
            match self.rtc.poll_output()? {
                Output::Timeout(at) => {
                    self.wake_at = at;
                    return Ok(());
                }
                Output::Transmit(t) => {
                    if t.proto != Protocol::Udp {
                        continue;
                    }
                    if let Some(relay) = &mut self.relay
                        && t.source == relay.relayed()
                    {
                        relay.send(t.destination, &t.contents);
                        continue;
                    }
                    // UDP may drop; a full socket buffer is just that.
                    if let Err(e) = self.socket.try_send_to(&t.contents, t.destination)
                        && e.kind() != io::ErrorKind::WouldBlock
                    {
                        tracing::debug!(error = %e, to = %t.destination, "media send failed");
                    }
                }
                Output::Event(event) => on_event(&mut self.rtc, event),
            }
        }
    }

    /// Waits for a datagram or the timer. Cancel-safe: nothing is lost if another branch of
    /// a `select!` wins.
    pub(crate) async fn wait(&mut self) -> io::Result<Wake> {
        let deadline = tokio::time::Instant::from_std(self.wake_at);
        tokio::select! {
            received = self.socket.recv_from(&mut self.buf) => {
                let (n, from) = received?;
                Ok(Wake::Datagram(n, from))
            }
            relayed = relay_recv(&mut self.relay) => {
                let (n, from) = relayed?;
                Ok(Wake::Relayed(n, from))
            }
            allocated = allocation(&mut self.allocating) => {
                self.allocating = None;
                Ok(Wake::Allocated(allocated))
            }
            () = tokio::time::sleep_until(deadline) => Ok(Wake::Timer),
        }
    }

    /// Feeds what woke the transport to str0m; call [`Transport::drain`] right after. A
    /// datagram str0m cannot read (not STUN, DTLS, RTP or RTCP) is ignored.
    pub(crate) fn feed(&mut self, wake: Wake) {
        let now = Instant::now();
        let result = match wake {
            Wake::Timer => self.rtc.handle_input(Input::Timeout(now)),
            Wake::Datagram(n, source) => {
                let Ok(receive) = Receive::new(Protocol::Udp, source, self.local, &self.buf[..n])
                else {
                    return;
                };
                self.rtc.handle_input(Input::Receive(now, receive))
            }
            Wake::Allocated(Ok(relay)) => {
                match Candidate::relayed(relay.relayed(), relay.local(), "udp") {
                    Ok(candidate) => {
                        self.rtc.add_local_candidate(candidate);
                        self.relay = Some(*relay);
                    }
                    Err(e) => tracing::debug!(error = %e, "the relayed address is no candidate"),
                }
                return;
            }
            Wake::Allocated(Err(e)) => {
                tracing::debug!(error = %e, "media goes without a relay");
                return;
            }
            Wake::Relayed(n, peer) => {
                let Some(relay) = &self.relay else { return };
                let Some(data) = relay.payload().get(..n) else {
                    return;
                };
                let Ok(receive) = Receive::new(Protocol::Udp, peer, relay.relayed(), data) else {
                    return;
                };
                self.rtc.handle_input(Input::Receive(now, receive))
            }
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "str0m refused an input");
        }
    }
}

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, e.to_string())
}

/// The end of `allocating`, or never without one. Cancel-safe: the allocation stays where it
/// is until it ends.
async fn allocation(allocating: &mut Option<Allocation>) -> Result<Box<Relay>, String> {
    match allocating {
        Some(allocating) => allocating.await,
        None => std::future::pending().await,
    }
}

/// The next packet through `relay`, or never without one. Cancel-safe as [`Relay::recv`].
async fn relay_recv(relay: &mut Option<Relay>) -> io::Result<(usize, SocketAddr)> {
    match relay {
        Some(relay) => relay.recv().await.map(|(peer, n)| (n, peer)),
        None => std::future::pending().await,
    }
}

/// The local IP facing `server_url`'s host: the address the system would send from (found
/// with an unconnected-then-connected UDP socket, which sends nothing). Loopback when the
/// host cannot be resolved, so a local server still works.
pub(crate) async fn local_ip_toward(signal_url: &str) -> IpAddr {
    let fallback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let Some(authority) = authority_of(signal_url) else {
        return fallback;
    };
    let Ok(mut addrs) = tokio::net::lookup_host(authority.as_str()).await else {
        return fallback;
    };
    let Some(server) = addrs.next() else {
        return fallback;
    };
    let any: SocketAddr = if server.is_ipv4() {
        SocketAddr::from(([0, 0, 0, 0], 0))
    } else {
        SocketAddr::from(([0u16; 8], 0))
    };
    let Ok(probe) = UdpSocket::bind(any).await else {
        return fallback;
    };
    if probe.connect(server).await.is_err() {
        return fallback;
    }
    match probe.local_addr() {
        Ok(local) if !local.ip().is_unspecified() => local.ip(),
        _ => fallback,
    }
}

/// `host:port` of a `ws://` or `wss://` URL, with the scheme's default port when none is
/// given.
fn authority_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next()?;
    if authority.is_empty() {
        return None;
    }
    let has_port = match authority.rfind(']') {
        // An IPv6 literal: a port follows the bracket.
        Some(close) => authority[close..].contains(':'),
        None => authority.contains(':'),
    };
    if has_port {
        return Some(authority.to_owned());
    }
    let port = if scheme == "wss" { 443 } else { 80 };
    Some(format!("{authority}:{port}"))
}

#[cfg(test)]
mod tests {
    use chorus_media::RtcSetup;

    use super::*;

    #[test]
    fn authorities_get_their_default_port() {
        assert_eq!(
            authority_of("ws://127.0.0.1:8080/signal/v1?appId=x").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(
            authority_of("wss://rtc.example.com/x/signal/v1").as_deref(),
            Some("rtc.example.com:443")
        );
        assert_eq!(
            authority_of("ws://[::1]/signal/v1").as_deref(),
            Some("[::1]:80")
        );
        assert_eq!(
            authority_of("ws://[::1]:9/signal/v1").as_deref(),
            Some("[::1]:9")
        );
        assert_eq!(authority_of("nonsense"), None);
    }

    #[test]
    fn offers_carry_opus_and_constrained_baseline_h264_with_nack_rtx_and_twcc() {
        let mut rtc = RtcSetup::sdk().config().build(Instant::now());
        let mut api = rtc.sdp_api();
        api.add_media(
            MediaKind::Audio,
            str0m::media::Direction::SendOnly,
            None,
            None,
            None,
        );
        api.add_media(
            MediaKind::Video,
            str0m::media::Direction::SendOnly,
            None,
            None,
            None,
        );
        let (offer, _) = api.apply().expect("an offer");
        let sdp = offer.to_sdp_string();
        for wanted in [
            "opus/48000/2",
            "H264/90000",
            "profile-level-id=42e01f",
            "packetization-mode=1",
            "a=rtpmap:109 rtx/90000",
            "apt=108",
            "a=rtcp-fb:108 nack",
            "a=rtcp-fb:108 nack pli",
            "a=rtcp-fb:108 transport-cc",
            "transport-wide-cc",
        ] {
            assert!(sdp.contains(wanted), "no {wanted:?} in\n{sdp}");
        }
        // Nothing else is offered: no VP8, VP9, AV1, H.265 or other H.264 profiles.
        // Only the codec lines are searched: ICE credentials and stream ids are random letters
        // and digits, and once in a while spell "VP9".
        let codec_lines: Vec<&str> = sdp
            .lines()
            .filter(|l| l.starts_with("a=rtpmap:") || l.starts_with("a=fmtp:"))
            .collect();
        for unwanted in ["VP8", "VP9", "AV1", "H265", "42001f", "4d001f", "64001f"] {
            assert!(
                codec_lines.iter().all(|l| !l.contains(unwanted)),
                "{unwanted:?} offered in\n{sdp}"
            );
        }
    }

    #[tokio::test]
    async fn a_loopback_server_is_reached_from_loopback() {
        let ip = local_ip_toward("ws://127.0.0.1:9/signal/v1").await;
        assert!(ip.is_loopback(), "{ip}");
    }
}
