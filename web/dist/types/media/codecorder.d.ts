/**
 * The codec a publisher sends, in SDP: a browser sends the first codec of the answer's m-line
 * that it offered, and the SFU answers in its own order (H.264 first), whatever the offer
 * preferred. So for the vendor's `preferCodecName` the SDK moves the preferred codec to the
 * front of the answer's video m-line itself. Pure text work, no browser APIs.
 */
/**
 * `sdp` with the payload types of `codec` (an encoding name such as `vp8` or `h264`, any case)
 * first in the m-line whose `a=mid` is `mid`; unchanged when that m-line has none of them.
 */
export declare function leadCodec(sdp: string, mid: string, codec: string): string;
