//! Keyframe detection from RTP payloads, for H.264 (RFC 6184) and VP8 (RFC 7741).
//!
//! The forwarder starts a subscriber's video, and switches its simulcast layer, only on the
//! first packet of a keyframe, so the subscriber's decoder never gets a frame it cannot decode.
//! That needs a look at the payload, nothing more: these functions read a few bytes and never
//! allocate. They depend on nothing else in the SFU so they can be tested and fuzzed alone.

/// The codecs the SFU forwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Codec {
    /// Opus audio.
    Opus,
    /// H.264 video, packetization mode 1.
    H264,
    /// VP8 video.
    Vp8,
}

impl Codec {
    /// How many codecs there are: the size of per-codec tables.
    pub(super) const COUNT: usize = 3;

    /// A dense index for per-codec tables.
    pub(super) fn index(self) -> usize {
        match self {
            Codec::Opus => 0,
            Codec::H264 => 1,
            Codec::Vp8 => 2,
        }
    }

    /// The SFU's codec for one of str0m's, if it forwards it.
    pub(super) fn from_str0m(codec: str0m::format::Codec) -> Option<Codec> {
        match codec {
            str0m::format::Codec::Opus => Some(Codec::Opus),
            str0m::format::Codec::H264 => Some(Codec::H264),
            str0m::format::Codec::Vp8 => Some(Codec::Vp8),
            _ => None,
        }
    }
}

/// Whether `payload` is the first packet of a keyframe in `codec`. Audio has no keyframes:
/// every Opus packet starts something decodable, so this answers `true` for it.
pub(super) fn starts_keyframe(codec: Codec, payload: &[u8]) -> bool {
    match codec {
        Codec::Opus => true,
        Codec::H264 => h264_starts_keyframe(payload),
        Codec::Vp8 => vp8_starts_keyframe(payload),
    }
}

/// NAL unit types that begin a keyframe: an IDR slice, or the SPS sent ahead of one.
fn h264_nal_starts_keyframe(nal_type: u8) -> bool {
    const IDR: u8 = 5;
    const SPS: u8 = 7;
    nal_type == IDR || nal_type == SPS
}

/// H.264: a single NAL unit, a STAP-A aggregate holding one, or the first FU-A fragment of one
/// that is an IDR slice or an SPS.
pub(crate) fn h264_starts_keyframe(payload: &[u8]) -> bool {
    const STAP_A: u8 = 24;
    const FU_A: u8 = 28;
    let Some(&first) = payload.first() else {
        return false;
    };
    match first & 0x1f {
        STAP_A => {
            // After the STAP-A header: [16-bit size][NAL unit] repeated.
            let mut rest = &payload[1..];
            while rest.len() > 2 {
                let size = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
                let Some(nal) = rest.get(2..2 + size) else {
                    return false;
                };
                if nal
                    .first()
                    .is_some_and(|b| h264_nal_starts_keyframe(b & 0x1f))
                {
                    return true;
                }
                rest = &rest[2 + size..];
            }
            false
        }
        FU_A => {
            let Some(&header) = payload.get(1) else {
                return false;
            };
            let start = header & 0x80 != 0;
            start && h264_nal_starts_keyframe(header & 0x1f)
        }
        nal_type => h264_nal_starts_keyframe(nal_type),
    }
}

/// VP8: the payload descriptor says "start of partition 0", and the frame header's P bit says
/// key frame.
pub(crate) fn vp8_starts_keyframe(payload: &[u8]) -> bool {
    let Some(&first) = payload.first() else {
        return false;
    };
    let extended = first & 0x80 != 0;
    let start = first & 0x10 != 0;
    let partition = first & 0x0f;
    if !start || partition != 0 {
        return false;
    }
    let mut at = 1;
    if extended {
        let Some(&x) = payload.get(at) else {
            return false;
        };
        at += 1;
        let has_picture_id = x & 0x80 != 0;
        let has_tl0_pic_idx = x & 0x40 != 0;
        let has_tid_or_key_idx = x & 0x30 != 0;
        if has_picture_id {
            let Some(&pid) = payload.get(at) else {
                return false;
            };
            // The M bit makes the picture id 15 bits long.
            at += if pid & 0x80 != 0 { 2 } else { 1 };
        }
        if has_tl0_pic_idx {
            at += 1;
        }
        if has_tid_or_key_idx {
            at += 1;
        }
    }
    // The first byte of the VP8 frame header: bit 0 is P, 0 for a key frame.
    payload.get(at).is_some_and(|b| b & 0x01 == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h264_single_nal_units() {
        assert!(h264_starts_keyframe(&[0x65, 0x88, 0x80])); // IDR
        assert!(h264_starts_keyframe(&[0x67, 0x42, 0xe0])); // SPS
        assert!(!h264_starts_keyframe(&[0x41, 0x9a])); // non-IDR slice
        assert!(!h264_starts_keyframe(&[0x68, 0xce])); // PPS alone
        assert!(!h264_starts_keyframe(&[]));
    }

    #[test]
    fn h264_stap_a_with_sps_is_a_keyframe() {
        // STAP-A: [SPS of 3 bytes][PPS of 2 bytes]
        let stap = [0x78, 0x00, 0x03, 0x67, 0x42, 0xe0, 0x00, 0x02, 0x68, 0xce];
        assert!(h264_starts_keyframe(&stap));
        // STAP-A holding only a PPS and an SEI.
        let stap = [0x78, 0x00, 0x02, 0x68, 0xce, 0x00, 0x02, 0x06, 0x05];
        assert!(!h264_starts_keyframe(&stap));
        // A size running past the end is not trusted.
        let stap = [0x78, 0x00, 0x09, 0x67, 0x42];
        assert!(!h264_starts_keyframe(&stap));
    }

    #[test]
    fn h264_fu_a_only_the_first_fragment_of_an_idr() {
        let fu_indicator = 0x7c; // NRI 3, type 28
        assert!(h264_starts_keyframe(&[fu_indicator, 0x85, 0x00])); // S=1, IDR
        assert!(!h264_starts_keyframe(&[fu_indicator, 0x05, 0x00])); // middle fragment
        assert!(!h264_starts_keyframe(&[fu_indicator, 0x45, 0x00])); // end fragment
        assert!(!h264_starts_keyframe(&[fu_indicator, 0x81, 0x00])); // S=1, non-IDR
        assert!(!h264_starts_keyframe(&[fu_indicator]));
    }

    #[test]
    fn vp8_key_and_delta_frames() {
        // No extension, S=1, partition 0, P=0.
        assert!(vp8_starts_keyframe(&[0x10, 0x00, 0x9d]));
        // P=1: a delta frame.
        assert!(!vp8_starts_keyframe(&[0x10, 0x01, 0x9d]));
        // Not the start of the partition.
        assert!(!vp8_starts_keyframe(&[0x00, 0x00]));
        // Extended: I with a 15-bit picture id, L, T: then the frame header.
        assert!(vp8_starts_keyframe(&[
            0x90, 0xe0, 0x80, 0x01, 0x05, 0x20, 0x00
        ]));
        assert!(!vp8_starts_keyframe(&[
            0x90, 0xe0, 0x80, 0x01, 0x05, 0x20, 0x01
        ]));
        // Extended with a 7-bit picture id only.
        assert!(vp8_starts_keyframe(&[0x90, 0x80, 0x12, 0x00]));
        // Truncated descriptors are not keyframes.
        assert!(!vp8_starts_keyframe(&[0x90, 0x80]));
        assert!(!vp8_starts_keyframe(&[0x90]));
        assert!(!vp8_starts_keyframe(&[]));
    }

    #[test]
    fn opus_always_starts_something_decodable() {
        assert!(starts_keyframe(Codec::Opus, &[0xfc]));
    }

    proptest::proptest! {
        /// Payloads come straight off the network: any bytes must get an answer, never a
        /// panic, and a "keyframe" answer must rest on the bytes that mean one.
        #[test]
        fn any_payload_gets_an_answer(payload in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            if h264_starts_keyframe(&payload) {
                proptest::prop_assert!(matches!(payload[0] & 0x1f, 5 | 7 | 24 | 28));
            }
            if vp8_starts_keyframe(&payload) {
                proptest::prop_assert!(payload[0] & 0x10 != 0 && payload[0] & 0x0f == 0);
            }
        }
    }
}
