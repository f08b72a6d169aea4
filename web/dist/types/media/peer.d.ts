/**
 * Orders a video transceiver's codecs: `first` (a vendor codec name, `h264`, `vp8` or `h265`)
 * when the browser sends it, then H.264 constrained baseline (packetization-mode 1, what the
 * SFU and the native SDK decode best), then VP8, then the rest (RTX, FEC), where the browser
 * lets us choose. The publisher sends the first codec the SFU accepts of this order.
 */
export declare function preferCodecs(transceiver: RTCRtpTransceiver, first?: string): void;
