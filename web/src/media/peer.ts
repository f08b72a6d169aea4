/**
 * What both transports share: codec preferences. An SDP goes out without waiting for ICE
 * candidates: the SFU is ICE-lite, makes no checks of its own and learns each path from the
 * browser's checks (as a peer-reflexive candidate), so it has no use for the browser's
 * candidates, and waiting for them cost every join the browser's gathering time (up to the
 * gathering timeout where a STUN or TURN server does not answer).
 */
import { warn } from "../log";

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
