//! FLV tag bodies, what RTMP's audio and video messages carry: H.264 as AVC (a sequence
//! header holding the AVCDecoderConfigurationRecord built from SPS and PPS, then access units
//! as 4-byte-length NAL units with a composition time) and AAC (an AudioSpecificConfig, then
//! raw frames). The composite's encoder makes no B-frames, so composition times are 0.

/// The NAL units of an Annex-B access unit (3- or 4-byte start codes).
pub(super) fn nal_units(au: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= au.len() {
        if au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut units = Vec::with_capacity(starts.len());
    for (n, &s) in starts.iter().enumerate() {
        let end = match starts.get(n + 1) {
            // The next start code, less the leading zero of a four-byte one.
            Some(&next) => {
                let e = next - 3;
                if e > s && au[e - 1] == 0 { e - 1 } else { e }
            }
            None => au.len(),
        };
        if s < end {
            units.push(&au[s..end]);
        }
    }
    units
}

/// An access unit as FLV wants it.
pub(super) struct AvcAccessUnit {
    /// Whether it holds an IDR slice.
    pub(super) keyframe: bool,
    /// The sequence parameter set it carries, if any.
    pub(super) sps: Option<Vec<u8>>,
    /// The picture parameter set it carries, if any.
    pub(super) pps: Option<Vec<u8>>,
    /// The video tag body (AVC NALU packet).
    pub(super) body: Vec<u8>,
}

/// Turns an Annex-B access unit into an AVC NALU tag body; parameter sets and access unit
/// delimiters stay out of it (they travel in the sequence header).
pub(super) fn avc_access_unit(au: &[u8]) -> AvcAccessUnit {
    let mut out = AvcAccessUnit {
        keyframe: false,
        sps: None,
        pps: None,
        body: Vec::with_capacity(au.len() + 16),
    };
    out.body.extend_from_slice(&[0x27, 1, 0, 0, 0]);
    for nal in nal_units(au) {
        match nal[0] & 0x1F {
            7 => out.sps = Some(nal.to_vec()),
            8 => out.pps = Some(nal.to_vec()),
            9 => {}
            t => {
                out.keyframe |= t == 5;
                let len = u32::try_from(nal.len()).unwrap_or(u32::MAX);
                out.body.extend_from_slice(&len.to_be_bytes());
                out.body.extend_from_slice(nal);
            }
        }
    }
    if out.keyframe {
        out.body[0] = 0x17;
    }
    out
}

/// The AVC sequence header tag body: an AVCDecoderConfigurationRecord of one SPS and one PPS.
pub(super) fn avc_sequence_header(sps: &[u8], pps: &[u8]) -> Vec<u8> {
    let mut b = vec![0x17, 0, 0, 0, 0, 1];
    // Profile, compatibility and level come from the SPS itself.
    b.extend_from_slice(sps.get(1..4).unwrap_or(&[66, 0xC0, 31]));
    b.push(0xFF); // 4-byte NAL lengths
    b.push(0xE1); // one SPS
    b.extend_from_slice(&u16::try_from(sps.len()).unwrap_or(0).to_be_bytes());
    b.extend_from_slice(sps);
    b.push(1); // one PPS
    b.extend_from_slice(&u16::try_from(pps.len()).unwrap_or(0).to_be_bytes());
    b.extend_from_slice(pps);
    b
}

/// The first byte of every AAC tag: AAC, "44 kHz", 16-bit, stereo (FLV's fixed values for
/// AAC; the real rate and channels are in the AudioSpecificConfig).
const AAC_TAG: u8 = 0xAF;

/// The AAC sequence header tag body.
pub(super) fn aac_sequence_header(audio_specific_config: &[u8]) -> Vec<u8> {
    let mut b = vec![AAC_TAG, 0];
    b.extend_from_slice(audio_specific_config);
    b
}

/// An AAC raw frame's tag body.
pub(super) fn aac_frame(frame: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(frame.len() + 2);
    b.extend_from_slice(&[AAC_TAG, 1]);
    b.extend_from_slice(frame);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyframe_becomes_a_sequence_header_and_length_prefixed_units() {
        let sps = [0x67, 0x42, 0xC0, 0x1F, 0xAA];
        let pps = [0x68, 0xCE, 0x3C];
        let idr = [0x65, 0x88, 0x84];
        let au: Vec<u8> = [
            &[0, 0, 0, 1, 0x09, 0xF0][..],
            &[0, 0, 0, 1],
            &sps,
            &[0, 0, 1],
            &pps,
            &[0, 0, 0, 1],
            &idr,
        ]
        .concat();
        let unit = avc_access_unit(&au);
        assert!(unit.keyframe);
        assert_eq!(unit.sps.as_deref(), Some(&sps[..]));
        assert_eq!(unit.pps.as_deref(), Some(&pps[..]));
        assert_eq!(unit.body, [0x17, 1, 0, 0, 0, 0, 0, 0, 3, 0x65, 0x88, 0x84]);
        let header = avc_sequence_header(&sps, &pps);
        assert_eq!(
            &header[..10],
            &[0x17, 0, 0, 0, 0, 1, 0x42, 0xC0, 0x1F, 0xFF]
        );
        assert_eq!(header.len(), 5 + 6 + 2 + sps.len() + 1 + 2 + pps.len());
        let delta = avc_access_unit(&[0, 0, 1, 0x41, 0x9A]);
        assert!(!delta.keyframe);
        assert_eq!(delta.body[0], 0x27);
    }
}
