//! The one home of Chorus's str0m configuration: the codecs every Chorus peer offers or
//! accepts, and the few settings in which the sides differ ([`RtcSetup`]).
//!
//! The codec set: Opus (no RED), H.264 constrained baseline 3.1 with packetization mode 1 at
//! payload type [`H264_PT`] (what browsers and openh264 share) with its RTX twin
//! [`H264_RTX_PT`], and VP8 where the SFU accepts it from browsers. Feedback is str0m's
//! default for these codecs: NACK with RTX for video, PLI/FIR, transport-wide congestion
//! control (TWCC) and RTCP reports. Both sides build from this module, so what the SDK offers
//! and what the SFU accepts cannot drift apart.
//!
//! Only configuration: it builds an [`RtcConfig`] and must not depend on sockets, runtimes or
//! the codecs' encoders, so the server, the SDK and the tools can all share it.

use std::time::Duration;

use str0m::bwe::Bitrate;
use str0m::{Rtc, RtcConfig};

/// Payload type of the one H.264 profile Chorus offers.
pub const H264_PT: u8 = 108;
/// Payload type of its RTX twin, for NACK recovery.
pub const H264_RTX_PT: u8 = 109;
/// The H.264 profile and level: constrained baseline, level 3.1.
pub const H264_PROFILE_LEVEL_ID: u32 = 0x42e01f;

/// How often the SDK's transports report statistics (`onLocalStreamStats`,
/// `onRemoteStreamStats`).
pub const SDK_STATS_INTERVAL: Duration = Duration::from_secs(2);

/// The settings in which the sides of a Chorus media connection differ; the codec set is
/// the same for all. Start from [`RtcSetup::sfu`], [`RtcSetup::sdk`] or
/// [`RtcSetup::load_client`] and build with [`RtcSetup::config`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtcSetup {
    /// ICE-lite: only answer connectivity checks (the server, whose clients always
    /// control); otherwise a full ICE agent.
    pub ice_lite: bool,
    /// RTP mode: packets in and out as they are, never (de)packetized (the SFU, which
    /// forwards, and the load generator, which replays).
    pub rtp_mode: bool,
    /// Accept VP8 besides H.264 (the SFU, for browsers that send it).
    pub vp8: bool,
    /// Offer every H.264 profile str0m knows rather than only Chorus's one, as a browser
    /// would; the SFU's answer picks Chorus's.
    pub every_h264_profile: bool,
    /// How often str0m reports statistics; `None`: never.
    pub stats_interval: Option<Duration>,
    /// The audio reordering window, in packets; `None`: str0m's default.
    pub audio_reordering: Option<usize>,
    /// Estimate the bandwidth of the send direction from TWCC feedback, starting from this
    /// many bit/s (str0m then paces what it sends to the estimate and reports it in
    /// `Event::EgressBitrateEstimate`); `None`: no estimate, no pacing.
    pub send_estimate: Option<u64>,
}

/// Where the SFU's estimate of a subscriber's downlink starts, in bit/s: enough for a middle
/// simulcast layer and audio; probing finds more within a second or two.
pub const SFU_INITIAL_ESTIMATE: u64 = 1_000_000;

impl RtcSetup {
    /// The SFU's side: ICE-lite, RTP mode, H.264 and VP8. No send estimate: see
    /// [`RtcSetup::estimating`].
    pub fn sfu() -> Self {
        RtcSetup {
            ice_lite: true,
            rtp_mode: true,
            vp8: true,
            every_h264_profile: false,
            stats_interval: None,
            audio_reordering: None,
            send_estimate: None,
        }
    }

    /// These settings with a bandwidth estimate of the send direction from `initial` bit/s:
    /// the SFU's subscriber transports whose client turned subscribe fallback on, which reads
    /// it. Only those: the estimate comes with str0m's pacer, which holds video to the
    /// estimate, and a client that did not ask for fallback gets what it subscribed to as
    /// fast as it comes.
    pub fn estimating(self, initial: u64) -> Self {
        RtcSetup {
            send_estimate: Some(initial),
            ..self
        }
    }

    /// The native SDK's transports: a full ICE agent in frame mode, statistics every
    /// [`SDK_STATS_INTERVAL`], and an audio reordering window of one packet. Audio has no
    /// retransmission, so waiting for a lost packet only delays every later one; a window of
    /// one frame moves on at once and the decoder conceals the hole. Video keeps str0m's
    /// default window, which NACK/RTX fills.
    pub fn sdk() -> Self {
        RtcSetup {
            ice_lite: false,
            rtp_mode: false,
            vp8: false,
            every_h264_profile: false,
            stats_interval: Some(SDK_STATS_INTERVAL),
            audio_reordering: Some(1),
            send_estimate: None,
        }
    }

    /// The load generator's clients: a full ICE agent in RTP mode, replaying packets.
    pub fn load_client() -> Self {
        RtcSetup {
            ice_lite: false,
            rtp_mode: true,
            vp8: false,
            every_h264_profile: true,
            stats_interval: None,
            audio_reordering: None,
            send_estimate: None,
        }
    }

    /// str0m's configuration for these settings, with Chorus's codecs in order of
    /// preference: Opus, H.264, then VP8 if accepted. Crypto and certificates are the
    /// caller's to add.
    pub fn config(&self) -> RtcConfig {
        let mut config = Rtc::builder()
            .set_ice_lite(self.ice_lite)
            .set_rtp_mode(self.rtp_mode)
            .set_stats_interval(self.stats_interval)
            .clear_codecs()
            .enable_opus(true, false);
        if let Some(bps) = self.send_estimate {
            config = config.enable_bwe(Some(Bitrate::bps(bps)));
        }
        if let Some(size) = self.audio_reordering {
            config = config.set_reordering_size_audio(size);
        }
        if self.every_h264_profile {
            config = config.enable_h264(true);
        } else {
            config.codec_config().add_h264(
                H264_PT.into(),
                Some(H264_RTX_PT.into()),
                true,
                H264_PROFILE_LEVEL_ID,
            );
        }
        if self.vp8 {
            config = config.enable_vp8(true);
        }
        config
    }
}

/// str0m's own defaults: every codec it knows, a full ICE agent, frame mode. For test
/// peers that stand in for a browser, which offers whatever it can and lets the SFU choose.
pub fn every_codec_config() -> RtcConfig {
    Rtc::builder()
}

#[cfg(test)]
mod tests {
    use str0m::format::Codec;

    use super::*;

    fn codecs(config: &mut RtcConfig) -> Vec<(Codec, u8)> {
        config
            .codec_config()
            .params()
            .iter()
            .map(|p| (p.spec().codec, *p.pt()))
            .collect()
    }

    #[test]
    fn the_sdk_offers_opus_and_constrained_baseline_h264_only() {
        let mut config = RtcSetup::sdk().config();
        let offered = codecs(&mut config);
        assert_eq!(offered[0].0, Codec::Opus);
        assert_eq!(&offered[1..], [(Codec::H264, H264_PT)]);
        assert!(!config.ice_lite());
        assert!(!config.rtp_mode());
        assert_eq!(config.stats_interval(), Some(SDK_STATS_INTERVAL));
        assert_eq!(config.bwe_initial_bitrate(), None);
    }

    #[test]
    fn the_sfu_also_accepts_vp8_after_h264() {
        let mut config = RtcSetup::sfu().config();
        let offered: Vec<Codec> = codecs(&mut config).into_iter().map(|c| c.0).collect();
        assert_eq!(offered, [Codec::Opus, Codec::H264, Codec::Vp8]);
        assert!(config.ice_lite());
        assert!(config.rtp_mode());
        assert_eq!(config.stats_interval(), None);
        assert_eq!(config.bwe_initial_bitrate(), None);
        let estimating = RtcSetup::sfu().estimating(SFU_INITIAL_ESTIMATE).config();
        assert_eq!(
            estimating.bwe_initial_bitrate(),
            Some(Bitrate::bps(SFU_INITIAL_ESTIMATE))
        );
    }
}
