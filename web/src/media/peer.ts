/**
 * What both transports share: codec preferences and waiting for ICE gathering. The protocol
 * has no trickle-ICE method, so every SDP sent carries its candidates.
 */
import { warn } from "../log";

/** Longest wait for candidates before the SDP goes out with what it has. */
const GATHER_TIMEOUT_MS = 3000;

/** Resolves once `pc` has gathered its candidates (or after a short timeout). */
export function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const timer = setTimeout(done, GATHER_TIMEOUT_MS);
    pc.addEventListener("icegatheringstatechange", check);
  });
}

/**
 * Orders a video transceiver's codecs: `first` (a vendor codec name, `h264`, `vp8` or `h265`)
 * when the browser sends it, then H.264 constrained baseline (packetization-mode 1, what the
 * SFU and the native SDK decode best), then VP8, then the rest (RTX, FEC), where the browser
 * lets us choose. The publisher sends the first codec the SFU accepts of this order.
 */
export function preferCodecs(transceiver: RTCRtpTransceiver, first = "auto"): void {
  const caps =
    typeof RTCRtpSender !== "undefined" && RTCRtpSender.getCapabilities ? RTCRtpSender.getCapabilities("video") : null;
  if (!caps || typeof transceiver.setCodecPreferences !== "function") return;
  const wanted = first === "auto" ? null : `video/${first.toLowerCase()}`;
  if (wanted && !caps.codecs.some((c) => c.mimeType.toLowerCase() === wanted))
    warn(`preferCodecName: this browser cannot send ${first}; sending H.264 or VP8`);
  const rank = (c: RTCRtpCodec): number => {
    const mime = c.mimeType.toLowerCase();
    const fmtp = c.sdpFmtpLine ?? "";
    // The preferred codec goes before all others, its own variants in their usual order.
    const lead = mime === wanted ? -10 : 0;
    if (mime === "video/h264") {
      const baseline = /profile-level-id=42e0/i.test(fmtp);
      const mode1 = /packetization-mode=1/.test(fmtp);
      return lead + (baseline && mode1 ? 0 : mode1 ? 1 : 2);
    }
    if (mime === "video/vp8") return lead + 3;
    return lead + 4;
  };
  const codecs = caps.codecs
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map((x) => x.c);
  try {
    transceiver.setCodecPreferences(codecs);
  } catch (e) {
    warn("codec preferences not applied", e);
  }
}
