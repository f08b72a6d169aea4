//! The STUN message codec TURN speaks (RFC 5389 framing, RFC 5766 methods and attributes) and
//! ChannelData framing. Pure bytes in, bytes out; no I/O, no time. Decoding takes any bytes
//! from the network and never panics: a malformed message is a [`CodecError`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::digest::crc32;

/// The magic cookie every RFC 5389 message carries.
pub(crate) const MAGIC: u32 = 0x2112_a442;
const HEADER: usize = 20;
const FINGERPRINT_XOR: u32 = 0x5354_554e;

/// The TURN methods Chorus uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// Binding (plain STUN).
    Binding = 0x001,
    /// Allocate a relayed address.
    Allocate = 0x003,
    /// Refresh (or, with lifetime 0, delete) the allocation.
    Refresh = 0x004,
    /// Send indication: data to a peer.
    Send = 0x006,
    /// Data indication: data from a peer.
    Data = 0x007,
    /// Install a permission for a peer's IP.
    CreatePermission = 0x008,
    /// Bind a channel number to a peer.
    ChannelBind = 0x009,
}

impl Method {
    fn from_bits(bits: u16) -> Option<Method> {
        Some(match bits {
            0x001 => Method::Binding,
            0x003 => Method::Allocate,
            0x004 => Method::Refresh,
            0x006 => Method::Send,
            0x007 => Method::Data,
            0x008 => Method::CreatePermission,
            0x009 => Method::ChannelBind,
            _ => return None,
        })
    }
}

/// A message's class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Asks for an answer.
    Request = 0x000,
    /// Needs no answer.
    Indication = 0x010,
    /// A success answer.
    Success = 0x100,
    /// An error answer.
    Error = 0x110,
}

/// Attribute types.
pub(crate) mod attr {
    pub(crate) const USERNAME: u16 = 0x0006;
    pub(crate) const MESSAGE_INTEGRITY: u16 = 0x0008;
    pub(crate) const ERROR_CODE: u16 = 0x0009;
    pub(crate) const CHANNEL_NUMBER: u16 = 0x000c;
    pub(crate) const LIFETIME: u16 = 0x000d;
    pub(crate) const XOR_PEER_ADDRESS: u16 = 0x0012;
    pub(crate) const DATA: u16 = 0x0013;
    pub(crate) const REALM: u16 = 0x0014;
    pub(crate) const NONCE: u16 = 0x0015;
    pub(crate) const XOR_RELAYED_ADDRESS: u16 = 0x0016;
    pub(crate) const REQUESTED_TRANSPORT: u16 = 0x0019;
    #[cfg(test)]
    pub(crate) const XOR_MAPPED_ADDRESS: u16 = 0x0020;
    pub(crate) const FINGERPRINT: u16 = 0x8028;
}

/// Why bytes are not a STUN message (or not a well-formed one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CodecError {
    /// Shorter than its header or its declared length.
    #[error("truncated message")]
    Truncated,
    /// Not a STUN message at all (top bits, cookie or length).
    #[error("not a STUN message")]
    NotStun,
    /// A method TURN clients do not handle.
    #[error("unknown method {0:#x}")]
    UnknownMethod(u16),
    /// An attribute whose value has the wrong shape.
    #[error("malformed attribute {0:#06x}")]
    BadAttribute(u16),
}

/// A transaction id.
pub(crate) type TransactionId = [u8; 12];

/// A message being built: header fields and attributes, finished with
/// [`Encoder::finish`].
pub(crate) struct Encoder {
    buf: Vec<u8>,
}

impl Encoder {
    /// Starts a message of `method` and `class` with transaction `tid`.
    pub(crate) fn new(method: Method, class: Class, tid: TransactionId) -> Encoder {
        let mut buf = Vec::with_capacity(128);
        buf.extend_from_slice(&(method as u16 | class as u16).to_be_bytes());
        buf.extend_from_slice(&[0, 0]);
        buf.extend_from_slice(&MAGIC.to_be_bytes());
        buf.extend_from_slice(&tid);
        Encoder { buf }
    }

    /// Appends an attribute, padded to four bytes.
    pub(crate) fn attr(&mut self, kind: u16, value: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(&kind.to_be_bytes());
        // Values longer than a u16 cannot be sent: callers pass media datagrams (< 64 KB).
        let len = u16::try_from(value.len()).unwrap_or(u16::MAX);
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(&value[..usize::from(len)]);
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
        self.set_length(self.buf.len());
        self
    }

    /// Appends a u32 attribute (LIFETIME, REQUESTED-TRANSPORT, CHANNEL-NUMBER).
    pub(crate) fn attr_u32(&mut self, kind: u16, value: u32) -> &mut Self {
        self.attr(kind, &value.to_be_bytes())
    }

    /// Appends an XOR-address attribute.
    pub(crate) fn attr_addr(&mut self, kind: u16, addr: SocketAddr) -> &mut Self {
        let mut tid = [0u8; 12];
        tid.copy_from_slice(&self.buf[8..HEADER]);
        let value = xor_addr(addr, &tid);
        self.attr(kind, &value)
    }

    fn set_length(&mut self, total: usize) {
        let len = u16::try_from(total - HEADER).unwrap_or(u16::MAX);
        self.buf[2..4].copy_from_slice(&len.to_be_bytes());
    }

    /// Ends the message: MESSAGE-INTEGRITY with `key` when given, then FINGERPRINT.
    pub(crate) fn finish(mut self, key: Option<&[u8]>) -> Vec<u8> {
        if let Some(key) = key {
            // The length covers the integrity attribute while it is computed (RFC 5389 §15.4).
            let end = self.buf.len();
            self.set_length(end + 24);
            let mac = hmac_sha1(key, &self.buf[..end]);
            self.attr(attr::MESSAGE_INTEGRITY, &mac);
        }
        let end = self.buf.len();
        self.set_length(end + 8);
        let crc = crc32(&self.buf[..end]) ^ FINGERPRINT_XOR;
        self.attr_u32(attr::FINGERPRINT, crc);
        self.buf
    }
}

fn hmac_sha1(key: &[u8], data: &[u8]) -> [u8; 20] {
    // HMAC takes keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        return [0; 20];
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn xor_addr(addr: SocketAddr, tid: &TransactionId) -> Vec<u8> {
    let port = addr.port() ^ (MAGIC >> 16) as u16;
    let mut out = vec![0];
    match addr.ip() {
        IpAddr::V4(ip) => {
            out.push(1);
            out.extend_from_slice(&port.to_be_bytes());
            out.extend_from_slice(&(u32::from(ip) ^ MAGIC).to_be_bytes());
        }
        IpAddr::V6(ip) => {
            out.push(2);
            out.extend_from_slice(&port.to_be_bytes());
            let mask = xor_mask(tid);
            out.extend(ip.octets().iter().zip(mask).map(|(a, m)| a ^ m));
        }
    }
    out
}

fn xor_mask(tid: &TransactionId) -> [u8; 16] {
    let mut mask = [0u8; 16];
    mask[..4].copy_from_slice(&MAGIC.to_be_bytes());
    mask[4..].copy_from_slice(tid);
    mask
}

/// A decoded message, borrowing the bytes it came from.
#[derive(Debug)]
pub(crate) struct Message<'a> {
    /// The method.
    pub(crate) method: Method,
    /// The class.
    pub(crate) class: Class,
    /// The transaction id.
    pub(crate) tid: TransactionId,
    raw: &'a [u8],
    attrs: Vec<(u16, usize, &'a [u8])>,
}

/// Whether `bytes` start like a STUN message (rather than ChannelData).
pub(crate) fn is_stun(bytes: &[u8]) -> bool {
    bytes.first().is_some_and(|b| b & 0xc0 == 0)
}

impl<'a> Message<'a> {
    /// Decodes one whole message (exactly `bytes`, or its prefix of the declared length).
    pub(crate) fn decode(bytes: &'a [u8]) -> Result<Message<'a>, CodecError> {
        if bytes.len() < HEADER {
            return Err(CodecError::Truncated);
        }
        let kind = u16::from_be_bytes([bytes[0], bytes[1]]);
        let len = usize::from(u16::from_be_bytes([bytes[2], bytes[3]]));
        let cookie = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        if kind & 0xc000 != 0 || cookie != MAGIC || !len.is_multiple_of(4) {
            return Err(CodecError::NotStun);
        }
        let raw = bytes.get(..HEADER + len).ok_or(CodecError::Truncated)?;
        let class = match kind & 0x0110 {
            0x000 => Class::Request,
            0x010 => Class::Indication,
            0x100 => Class::Success,
            _ => Class::Error,
        };
        let bits = (kind & 0x000f) | ((kind & 0x00e0) >> 1) | ((kind & 0x3e00) >> 2);
        let method = Method::from_bits(bits).ok_or(CodecError::UnknownMethod(bits))?;
        let mut tid = [0u8; 12];
        tid.copy_from_slice(&raw[8..HEADER]);
        let mut attrs = Vec::new();
        let mut at = HEADER;
        while at < raw.len() {
            let head = raw.get(at..at + 4).ok_or(CodecError::Truncated)?;
            let t = u16::from_be_bytes([head[0], head[1]]);
            let l = usize::from(u16::from_be_bytes([head[2], head[3]]));
            let value = raw.get(at + 4..at + 4 + l).ok_or(CodecError::Truncated)?;
            attrs.push((t, at, value));
            at += 4 + l.div_ceil(4) * 4;
        }
        Ok(Message {
            method,
            class,
            tid,
            raw,
            attrs,
        })
    }

    /// The first attribute of `kind`.
    pub(crate) fn get(&self, kind: u16) -> Option<&'a [u8]> {
        self.attrs
            .iter()
            .find(|(t, _, _)| *t == kind)
            .map(|(_, _, v)| *v)
    }

    /// A UTF-8 attribute (REALM, NONCE).
    pub(crate) fn text(&self, kind: u16) -> Option<&'a str> {
        self.get(kind).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// A u32 attribute (LIFETIME).
    pub(crate) fn u32(&self, kind: u16) -> Option<u32> {
        let v = self.get(kind)?;
        Some(u32::from_be_bytes(v.get(..4)?.try_into().ok()?))
    }

    /// An XOR-address attribute.
    pub(crate) fn addr(&self, kind: u16) -> Result<Option<SocketAddr>, CodecError> {
        let Some(v) = self.get(kind) else {
            return Ok(None);
        };
        let bad = CodecError::BadAttribute(kind);
        let port = u16::from_be_bytes([*v.get(2).ok_or(bad.clone())?, v[3]]) ^ (MAGIC >> 16) as u16;
        let ip = match v.get(1) {
            Some(1) => {
                let x: [u8; 4] = v
                    .get(4..8)
                    .ok_or(bad)?
                    .try_into()
                    .map_err(|_| bad_k(kind))?;
                IpAddr::V4(Ipv4Addr::from(u32::from_be_bytes(x) ^ MAGIC))
            }
            Some(2) => {
                let x = v.get(4..20).ok_or(bad)?;
                let mask = xor_mask(&self.tid);
                let mut octets = [0u8; 16];
                for (o, (a, m)) in octets.iter_mut().zip(x.iter().zip(mask)) {
                    *o = a ^ m;
                }
                IpAddr::V6(Ipv6Addr::from(octets))
            }
            _ => return Err(bad),
        };
        Ok(Some(SocketAddr::new(ip, port)))
    }

    /// The ERROR-CODE attribute's number (e.g. 401), if any.
    pub(crate) fn error_code(&self) -> Option<u16> {
        let v = self.get(attr::ERROR_CODE)?;
        let class = u16::from(*v.get(2)? & 0x07);
        let number = u16::from(*v.get(3)?);
        Some(class * 100 + number)
    }

    /// The ERROR-CODE attribute's reason phrase.
    pub(crate) fn error_reason(&self) -> &'a str {
        self.get(attr::ERROR_CODE)
            .and_then(|v| v.get(4..))
            .and_then(|r| std::str::from_utf8(r).ok())
            .unwrap_or("")
    }

    /// Whether MESSAGE-INTEGRITY is present and right for `key`.
    pub(crate) fn integrity_ok(&self, key: &[u8]) -> bool {
        let Some(&(_, offset, value)) = self
            .attrs
            .iter()
            .find(|(t, _, _)| *t == attr::MESSAGE_INTEGRITY)
        else {
            return false;
        };
        let mut covered = self.raw[..offset].to_vec();
        let len = u16::try_from(offset + 24 - HEADER).unwrap_or(u16::MAX);
        covered[2..4].copy_from_slice(&len.to_be_bytes());
        hmac_sha1(key, &covered)[..] == *value
    }
}

fn bad_k(kind: u16) -> CodecError {
    CodecError::BadAttribute(kind)
}

/// A ChannelData message: `channel`, then `data`. Over TCP the frame is padded to four bytes
/// (RFC 5766 §11.5), which `padded` asks for.
pub(crate) fn channel_data(channel: u16, data: &[u8], padded: bool, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(&channel.to_be_bytes());
    let len = u16::try_from(data.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&data[..usize::from(len)]);
    if padded {
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
    }
}

/// Splits a ChannelData message into its channel and data.
pub(crate) fn parse_channel_data(bytes: &[u8]) -> Option<(u16, std::ops::Range<usize>)> {
    let head = bytes.get(..4)?;
    let channel = u16::from_be_bytes([head[0], head[1]]);
    if !(0x4000..=0x7fff).contains(&channel) {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([head[2], head[3]]));
    (bytes.len() >= 4 + len).then_some((channel, 4..4 + len))
}

/// The length of the first whole frame (STUN or ChannelData, with TCP padding) at the start
/// of a TCP stream's `bytes`, or None until enough has arrived.
pub(crate) fn frame_len(bytes: &[u8]) -> Option<usize> {
    let head = bytes.get(..4)?;
    let len = usize::from(u16::from_be_bytes([head[2], head[3]]));
    let total = if is_stun(bytes) {
        HEADER + len
    } else {
        (4 + len).div_ceil(4) * 4
    };
    (bytes.len() >= total).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TID: TransactionId = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

    #[test]
    fn messages_round_trip_with_integrity_and_fingerprint() {
        let peer: SocketAddr = "192.0.2.7:40000".parse().unwrap();
        let peer6: SocketAddr = "[2001:db8::9]:5".parse().unwrap();
        let mut enc = Encoder::new(Method::CreatePermission, Class::Request, TID);
        enc.attr_addr(attr::XOR_PEER_ADDRESS, peer)
            .attr_addr(attr::XOR_RELAYED_ADDRESS, peer6)
            .attr(attr::USERNAME, b"1700000000:alice")
            .attr(attr::NONCE, b"abc");
        let bytes = enc.finish(Some(b"key"));
        assert_eq!(bytes.len() % 4, 0);
        let msg = Message::decode(&bytes).unwrap();
        assert_eq!(msg.method, Method::CreatePermission);
        assert_eq!(msg.class, Class::Request);
        assert_eq!(msg.tid, TID);
        assert_eq!(msg.addr(attr::XOR_PEER_ADDRESS).unwrap(), Some(peer));
        assert_eq!(msg.addr(attr::XOR_RELAYED_ADDRESS).unwrap(), Some(peer6));
        assert_eq!(msg.text(attr::USERNAME), Some("1700000000:alice"));
        assert_eq!(msg.text(attr::NONCE), Some("abc"));
        assert!(msg.integrity_ok(b"key"));
        assert!(!msg.integrity_ok(b"other"));
        // The fingerprint covers everything before it.
        let fp = msg.u32(attr::FINGERPRINT).unwrap();
        assert_eq!(fp, crc32(&bytes[..bytes.len() - 8]) ^ FINGERPRINT_XOR);
    }

    #[test]
    fn rfc_5769_response_decodes_and_verifies() {
        // RFC 5769 §2.2: a sample IPv4 response, short-term key "VOkJxbRl1RmTxUk/WvJxBt".
        let hex = "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220\
                   002000080001a147e112a64300080014\
                   2b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96";
        let hex: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes: Vec<u8> = (0..hex.len() / 2 * 2)
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let msg = Message::decode(&bytes).unwrap();
        assert_eq!(msg.method, Method::Binding);
        assert_eq!(msg.class, Class::Success);
        assert_eq!(
            msg.addr(attr::XOR_MAPPED_ADDRESS).unwrap(),
            Some("192.0.2.1:32853".parse().unwrap())
        );
        assert!(msg.integrity_ok(b"VOkJxbRl1RmTxUk/WvJxBt"));
    }

    #[test]
    fn error_codes_read_class_and_number() {
        let mut enc = Encoder::new(Method::Allocate, Class::Error, TID);
        enc.attr(attr::ERROR_CODE, &[0, 0, 4, 1, b'U', b'n'])
            .attr(attr::REALM, b"chorus.test");
        let bytes = enc.finish(None);
        let msg = Message::decode(&bytes).unwrap();
        assert_eq!(msg.class, Class::Error);
        assert_eq!(msg.error_code(), Some(401));
        assert_eq!(msg.error_reason(), "Un");
        assert_eq!(msg.text(attr::REALM), Some("chorus.test"));
    }

    #[test]
    fn channel_data_frames_on_tcp_are_padded_and_split() {
        let mut out = Vec::new();
        channel_data(0x4001, b"hello", true, &mut out);
        assert_eq!(out.len(), 12);
        let (channel, range) = parse_channel_data(&out).unwrap();
        assert_eq!(channel, 0x4001);
        assert_eq!(&out[range], b"hello");
        assert_eq!(frame_len(&out), Some(12));
        assert_eq!(frame_len(&out[..11]), None);
        let stun = Encoder::new(Method::Refresh, Class::Request, TID).finish(None);
        let mut stream = stun.clone();
        stream.extend_from_slice(&out);
        assert_eq!(frame_len(&stream), Some(stun.len()));
    }

    #[test]
    fn any_bytes_decode_without_panicking() {
        // A cheap deterministic fuzz: every prefix and many bit flips of a valid message.
        let mut enc = Encoder::new(Method::Allocate, Class::Success, TID);
        enc.attr_addr(attr::XOR_RELAYED_ADDRESS, "[::1]:9".parse().unwrap())
            .attr_u32(attr::LIFETIME, 600);
        let bytes = enc.finish(Some(b"k"));
        let mut seed = 0x2545_f491u32;
        for cut in 0..=bytes.len() {
            let _ = Message::decode(&bytes[..cut]).map(|m| {
                let _ = m.addr(attr::XOR_RELAYED_ADDRESS);
                m.integrity_ok(b"k")
            });
            let _ = frame_len(&bytes[..cut]);
            let _ = parse_channel_data(&bytes[..cut]);
        }
        for _ in 0..20_000 {
            let mut mutated = bytes.clone();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let at = seed as usize % mutated.len();
                mutated[at] ^= (seed >> 24) as u8;
            }
            if let Ok(m) = Message::decode(&mutated) {
                let _ = m.addr(attr::XOR_RELAYED_ADDRESS);
                let _ = m.addr(attr::XOR_PEER_ADDRESS);
                let _ = m.error_code();
                let _ = m.u32(attr::LIFETIME);
                let _ = m.integrity_ok(b"k");
            }
        }
    }
}
