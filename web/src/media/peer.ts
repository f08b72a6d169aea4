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
 * Orders a video transceiver's codecs H.264 constrained baseline (packetization-mode 1, what
 * the SFU and the native SDK decode best) first, then VP8, then the rest (RTX, FEC), where the
 * browser lets us choose.
 */
export function preferH264ThenVp8(transceiver: RTCRtpTransceiver): void {
  const caps =
    typeof RTCRtpSender !== "undefined" && RTCRtpSender.getCapabilities ? RTCRtpSender.getCapabilities("video") : null;
  if (!caps || typeof transceiver.setCodecPreferences !== "function") return;
  const rank = (c: RTCRtpCodec): number => {
    const mime = c.mimeType.toLowerCase();
    const fmtp = c.sdpFmtpLine ?? "";
    if (mime === "video/h264") {
      const baseline = /profile-level-id=42e0/i.test(fmtp);
      const mode1 = /packetization-mode=1/.test(fmtp);
      return baseline && mode1 ? 0 : mode1 ? 1 : 2;
    }
    if (mime === "video/vp8") return 3;
    return 4;
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
