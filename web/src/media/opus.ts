/**
 * Opus parameters in SDP: browsers send and decode stereo Opus only when the other side's
 * description says `stereo=1` for the Opus payload type, and the SFU forwards what it gets
 * without a say in it, so the SDK sets the flag itself: on the publisher's answer for a stereo
 * audio profile, and on every subscriber answer (a mono stream still decodes as mono). Pure
 * text work, no browser APIs.
 */

/** `sdp` with `stereo=1;sprop-stereo=1` on every Opus `a=fmtp` line (and one added where none is). */
export function withStereo(sdp: string): string {
  const eol = sdp.includes("\r\n") ? "\r\n" : "\n";
  const lines = sdp.split(eol);
  const opus = new Set<string>();
  for (const line of lines) {
    const m = /^a=rtpmap:(\d+) opus\/48000/i.exec(line);
    if (m) opus.add(m[1]);
  }
  const withFmtp = new Set<string>();
  const out = lines.map((line) => {
    const m = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (!m || !opus.has(m[1])) return line;
    withFmtp.add(m[1]);
    const params = m[2]
      .split(";")
      .map((p) => p.trim())
      .filter((p) => p && !/^(sprop-)?stereo=/.test(p));
    return `a=fmtp:${m[1]} ${[...params, "stereo=1", "sprop-stereo=1"].join(";")}`;
  });
  // An Opus payload type without an fmtp line gets one right after its rtpmap.
  return out
    .flatMap((line) => {
      const m = /^a=rtpmap:(\d+) opus\/48000/i.exec(line);
      return m && !withFmtp.has(m[1]) ? [line, `a=fmtp:${m[1]} stereo=1;sprop-stereo=1`] : [line];
    })
    .join(eol);
}
