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
export function leadCodec(sdp: string, mid: string, codec: string): string {
  const eol = sdp.includes("\r\n") ? "\r\n" : "\n";
  const lines = sdp.split(eol);
  // Sections: each starts at an m= line and runs to the next.
  const starts = lines.flatMap((l, i) => (l.startsWith("m=") ? [i] : []));
  for (const [n, start] of starts.entries()) {
    const end = starts[n + 1] ?? lines.length;
    const section = lines.slice(start, end);
    if (!section.includes(`a=mid:${mid}`)) continue;
    const wanted = new Set(
      section.flatMap((l) => {
        const m = /^a=rtpmap:(\d+) ([^/]+)\//.exec(l);
        return m && m[2].toLowerCase() === codec.toLowerCase() ? [m[1]] : [];
      }),
    );
    const fields = lines[start].split(" ");
    // m=<media> <port> <proto> <fmt>...
    const formats = fields.slice(3);
    if (!formats.some((f) => wanted.has(f))) return sdp;
    const ordered = [...formats.filter((f) => wanted.has(f)), ...formats.filter((f) => !wanted.has(f))];
    lines[start] = [...fields.slice(0, 3), ...ordered].join(" ");
    return lines.join(eol);
  }
  return sdp;
}
