/**
 * Opus parameters in SDP: browsers send and decode stereo Opus only when the other side's
 * description says `stereo=1` for the Opus payload type, and the SFU forwards what it gets
 * without a say in it, so the SDK sets the flag itself: on the publisher's answer for a stereo
 * audio profile, and on every subscriber answer (a mono stream still decodes as mono). Pure
 * text work, no browser APIs.
 */
/** `sdp` with `stereo=1;sprop-stereo=1` on every Opus `a=fmtp` line (and one added where none is). */
export declare function withStereo(sdp: string): string;
