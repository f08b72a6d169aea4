//! Opus encoding and decoding through `unsafe-libopus` (libopus translated to Rust, so it
//! builds without cmake or a system library; the `opus`/`audiopus_sys` crates do not).
//!
//! This is the only module of the crate with `unsafe`: the raw libopus state pointers live in
//! two owning wrappers ([`RawEncoder`], [`RawDecoder`]) that are created, used and freed here
//! and nowhere else. Everything public is safe and checks its input before libopus sees it.
#![allow(unsafe_code)]

use std::ptr::NonNull;

use crate::{AudioFrame, FRAME_SAMPLES, MediaError, SAMPLE_RATE};

/// Largest packet we let the encoder produce (RFC 6716 allows up to 1275 bytes per frame).
const MAX_PACKET: usize = 1500;
/// Expected packet loss the encoder plans its inband FEC for, in percent.
const EXPECTED_LOSS_PERCENT: i32 = 10;

fn check_channels(channels: u16) -> Result<(), MediaError> {
    if channels == 1 || channels == 2 {
        Ok(())
    } else {
        Err(MediaError::InvalidArgument(format!(
            "opus supports 1 or 2 channels, not {channels}"
        )))
    }
}

/// Owns one `OpusEncoder` allocated by `opus_encoder_create`.
struct RawEncoder(NonNull<unsafe_libopus::OpusEncoder>);

// SAFETY: the libopus encoder state is a plain heap block with no thread affinity and no
// shared references; `RawEncoder` owns it exclusively and only `&mut self` methods touch it.
unsafe impl Send for RawEncoder {}

impl Drop for RawEncoder {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `opus_encoder_create`, is non-null and is freed once,
        // here, by its sole owner.
        unsafe { unsafe_libopus::opus_encoder_destroy(self.0.as_ptr()) }
    }
}

/// Owns one `OpusDecoder` allocated by `opus_decoder_create`.
struct RawDecoder(NonNull<unsafe_libopus::OpusDecoder>);

// SAFETY: as for `RawEncoder`: exclusively owned heap state without thread affinity.
unsafe impl Send for RawDecoder {}

impl Drop for RawDecoder {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `opus_decoder_create`, is non-null and is freed once,
        // here, by its sole owner.
        unsafe { unsafe_libopus::opus_decoder_destroy(self.0.as_ptr()) }
    }
}

/// Encodes 20 ms PCM frames to Opus packets (VoIP mode, inband FEC on, expecting 10% loss).
pub struct OpusEncoder {
    raw: RawEncoder,
    channels: u16,
    out: Vec<u8>,
}

impl OpusEncoder {
    /// An encoder for `channels` (1 or 2) at 48 kHz and `bitrate_bps` (clamped by libopus to
    /// 500..=512000).
    pub fn new(channels: u16, bitrate_bps: u32) -> Result<Self, MediaError> {
        check_channels(channels)?;
        let bitrate = i32::try_from(bitrate_bps).map_err(|_| {
            MediaError::InvalidArgument(format!("opus bitrate {bitrate_bps} is out of range"))
        })?;
        let mut error = 0i32;
        // SAFETY: the arguments are plain values and `error` is a valid out-pointer for the
        // duration of the call.
        let ptr = unsafe {
            unsafe_libopus::opus_encoder_create(
                SAMPLE_RATE as i32,
                i32::from(channels),
                unsafe_libopus::OPUS_APPLICATION_VOIP,
                &mut error,
            )
        };
        let raw = match NonNull::new(ptr) {
            Some(p) if error == unsafe_libopus::OPUS_OK => RawEncoder(p),
            Some(p) => {
                drop(RawEncoder(p));
                return Err(MediaError::Opus(error));
            }
            None => return Err(MediaError::Opus(error.min(unsafe_libopus::OPUS_ALLOC_FAIL))),
        };
        let mut encoder = OpusEncoder {
            raw,
            channels,
            out: vec![0; MAX_PACKET],
        };
        encoder.set(unsafe_libopus::OPUS_SET_BITRATE_REQUEST, bitrate)?;
        encoder.set(unsafe_libopus::OPUS_SET_INBAND_FEC_REQUEST, 1)?;
        encoder.set(
            unsafe_libopus::OPUS_SET_PACKET_LOSS_PERC_REQUEST,
            EXPECTED_LOSS_PERCENT,
        )?;
        Ok(encoder)
    }

    fn set(&mut self, request: i32, value: i32) -> Result<(), MediaError> {
        // SAFETY: the encoder pointer is live (owned by `self.raw`) and every SET request used
        // here takes exactly one i32 argument, which is what we pass.
        let ret = unsafe { unsafe_libopus::opus_encoder_ctl!(self.raw.0.as_ptr(), request, value) };
        if ret == unsafe_libopus::OPUS_OK {
            Ok(())
        } else {
            Err(MediaError::Opus(ret))
        }
    }

    /// Encodes exactly one 20 ms frame ([`FRAME_SAMPLES`] per channel) with this encoder's
    /// channel count into one packet.
    pub fn encode(&mut self, frame: &AudioFrame) -> Result<Vec<u8>, MediaError> {
        if frame.channels != self.channels {
            return Err(MediaError::InvalidArgument(format!(
                "frame has {} channels, the encoder was made for {}",
                frame.channels, self.channels
            )));
        }
        if frame.samples.len() != FRAME_SAMPLES * usize::from(self.channels) {
            return Err(MediaError::InvalidArgument(format!(
                "opus frames must be 20 ms ({} samples per channel), got {} samples for {} \
                 channel(s)",
                FRAME_SAMPLES,
                frame.samples.len(),
                frame.channels
            )));
        }
        // SAFETY: the encoder is live; `samples` holds exactly FRAME_SAMPLES * channels i16
        // values (checked above) and `out` is writable for its full length, which we pass.
        let len = unsafe {
            unsafe_libopus::opus_encode(
                self.raw.0.as_ptr(),
                frame.samples.as_ptr(),
                FRAME_SAMPLES as i32,
                self.out.as_mut_ptr(),
                self.out.len() as i32,
            )
        };
        let len = usize::try_from(len).map_err(|_| MediaError::Opus(len))?;
        Ok(self.out[..len].to_vec())
    }
}

/// Decodes Opus packets to 20 ms PCM frames, with loss concealment and FEC recovery.
pub struct OpusDecoder {
    raw: RawDecoder,
    channels: u16,
}

impl OpusDecoder {
    /// A decoder producing `channels` (1 or 2) at 48 kHz, whatever the packets carry.
    pub fn new(channels: u16) -> Result<Self, MediaError> {
        check_channels(channels)?;
        let mut error = 0i32;
        // SAFETY: plain value arguments; `error` is a valid out-pointer during the call.
        let ptr = unsafe {
            unsafe_libopus::opus_decoder_create(SAMPLE_RATE as i32, i32::from(channels), &mut error)
        };
        let raw = match NonNull::new(ptr) {
            Some(p) if error == unsafe_libopus::OPUS_OK => RawDecoder(p),
            Some(p) => {
                drop(RawDecoder(p));
                return Err(MediaError::Opus(error));
            }
            None => return Err(MediaError::Opus(error.min(unsafe_libopus::OPUS_ALLOC_FAIL))),
        };
        Ok(OpusDecoder { raw, channels })
    }

    /// Decodes one packet into a frame (20 ms for packets from [`OpusEncoder`]; other
    /// senders' packets may be 2.5 to 120 ms long and decode to that length).
    pub fn decode(&mut self, packet: &[u8]) -> Result<AudioFrame, MediaError> {
        if packet.is_empty() {
            return Err(MediaError::Decode("empty opus packet".into()));
        }
        self.run(Some(packet), false, MAX_FRAME_SAMPLES)
    }

    /// Packet loss concealment: a plausible 20 ms frame standing in for one lost packet.
    pub fn conceal(&mut self) -> Result<AudioFrame, MediaError> {
        self.run(None, false, FRAME_SAMPLES)
    }

    /// Recovers the 20 ms frame lost just before `next_packet` from that packet's inband FEC
    /// data (falls back to concealment inside libopus if it has none). Call it instead of
    /// [`conceal`](Self::conceal) when the next packet has already arrived, then decode
    /// `next_packet` normally.
    pub fn decode_fec(&mut self, next_packet: &[u8]) -> Result<AudioFrame, MediaError> {
        if next_packet.is_empty() {
            return Err(MediaError::Decode("empty opus packet".into()));
        }
        self.run(Some(next_packet), true, FRAME_SAMPLES)
    }

    fn run(
        &mut self,
        packet: Option<&[u8]>,
        fec: bool,
        max_samples: usize,
    ) -> Result<AudioFrame, MediaError> {
        let channels = usize::from(self.channels);
        let mut pcm = vec![0i16; max_samples * channels];
        let (data, len) = match packet {
            Some(p) => {
                let len = i32::try_from(p.len())
                    .map_err(|_| MediaError::Decode("opus packet too large".into()))?;
                (p.as_ptr(), len)
            }
            None => (std::ptr::null(), 0),
        };
        // SAFETY: the decoder is live; `data` is null with len 0 (PLC) or points at `len`
        // readable bytes; `pcm` has room for `max_samples` samples per channel, which is the
        // frame size we pass.
        let n = unsafe {
            unsafe_libopus::opus_decode(
                self.raw.0.as_ptr(),
                data,
                len,
                pcm.as_mut_ptr(),
                max_samples as i32,
                i32::from(fec),
            )
        };
        let n = usize::try_from(n).map_err(|_| MediaError::Opus(n))?;
        pcm.truncate(n * channels);
        Ok(AudioFrame {
            samples: pcm,
            channels: self.channels,
        })
    }
}

/// The longest frame an Opus packet can hold: 120 ms at 48 kHz.
const MAX_FRAME_SAMPLES: usize = 5760;
