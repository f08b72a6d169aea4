/** Resolves once `pc` has gathered its candidates (or after a short timeout). */
export declare function gathered(pc: RTCPeerConnection): Promise<void>;
/**
 * Orders a video transceiver's codecs H.264 constrained baseline (packetization-mode 1, what
 * the SFU and the native SDK decode best) first, then VP8, then the rest (RTX, FEC), where the
 * browser lets us choose.
 */
export declare function preferH264ThenVp8(transceiver: RTCRtpTransceiver): void;
