/**
 * SEI in H.264 (ITU-T H.264 7.3.2.3, D.1.6): builds the `user_data_unregistered` NAL unit
 * (payload type 5) that carries an app's `sendSEIMessage` bytes, puts it into an Annex-B frame
 * before the picture's first slice (where an SEI belongs), and finds such units in a received
 * frame. The 16-byte UUID is Chorus's 12-byte tag followed by the message's sequence number
 * (u32, big-endian), which lets receivers drop the repeats `repeatCount` asks for.
 *
 * The native SDK writes and reads the same units (chorus-media's `video/sei.rs`).
 *
 * Every function here is self-contained (no reference outside its own body but to the others
 * here), because the encoded-transform worker is built from their source text (see sei.ts).
 */

/** The first 12 bytes of the UUID of Chorus's SEI messages: "chorus-sei" and format 0x0001. */
export const CHORUS_SEI_TAG = [0x63, 0x68, 0x6f, 0x72, 0x75, 0x73, 0x2d, 0x73, 0x65, 0x69, 0x00, 0x01];

/**
 * The UUID start of the marker unit (with sequence number 0 and no message) in every frame of
 * a black-frame SEI carrier (seicarrier.ts): "chorus-blk" and format 0x0001.
 */
export const CHORUS_BLACK_TAG = [0x63, 0x68, 0x6f, 0x72, 0x75, 0x73, 0x2d, 0x62, 0x6c, 0x6b, 0x00, 0x01];

/**
 * The Annex-B SEI NAL unit (4-byte start code first) that carries `message` with sequence
 * number `seq`, emulation prevention applied.
 */
export function seiNal(tag: number[], seq: number, message: Uint8Array): Uint8Array {
  const payloadSize = 16 + message.length;
  const rbsp: number[] = [5];
  let n = payloadSize;
  while (n >= 255) {
    rbsp.push(255);
    n -= 255;
  }
  rbsp.push(n);
  rbsp.push(...tag, (seq >>> 24) & 255, (seq >>> 16) & 255, (seq >>> 8) & 255, seq & 255);
  for (let i = 0; i < message.length; i++) rbsp.push(message[i]);
  rbsp.push(0x80);
  // Start code, NAL header (forbidden 0, nal_ref_idc 0, type 6), then the escaped RBSP.
  const out: number[] = [0, 0, 0, 1, 6];
  let zeros = 0;
  for (const b of rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return new Uint8Array(out);
}

/** Where each NAL unit of an Annex-B buffer starts (its header byte) and ends. */
export function nalUnits(data: Uint8Array): { start: number; end: number }[] {
  const units: { start: number; end: number }[] = [];
  let i = 0;
  let start = -1;
  while (i + 2 < data.length) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) units.push({ start, end: i > 0 && data[i - 1] === 0 ? i - 1 : i });
      start = i + 3;
      i += 3;
    } else i++;
  }
  if (start >= 0 && start < data.length) units.push({ start, end: data.length });
  return units;
}

/** Whether `data` looks like Annex-B H.264 (starts with a start code). */
export function isAnnexB(data: Uint8Array): boolean {
  return data.length > 4 && data[0] === 0 && data[1] === 0 && (data[2] === 1 || (data[2] === 0 && data[3] === 1));
}

/** `frame` with the `sei` units put before its first slice (at the end when it has none). */
export function withSei(frame: Uint8Array, sei: Uint8Array[]): Uint8Array {
  const units = nalUnits(frame);
  const slice = units.find((u) => {
    const type = frame[u.start] & 0x1f;
    return type >= 1 && type <= 5;
  });
  // The slice's start code begins 3 or 4 bytes before its header.
  let at = frame.length;
  if (slice) at = slice.start >= 4 && frame[slice.start - 4] === 0 ? slice.start - 4 : slice.start - 3;
  const extra = sei.reduce((n, s) => n + s.length, 0);
  const out = new Uint8Array(frame.length + extra);
  out.set(frame.subarray(0, at), 0);
  let o = at;
  for (const s of sei) {
    out.set(s, o);
    o += s.length;
  }
  out.set(frame.subarray(at), o);
  return out;
}

/** Chorus's SEI messages (`tag` as the UUID's start) in an Annex-B frame, in order. */
export function readSei(frame: Uint8Array, tag: number[]): { seq: number; message: Uint8Array }[] {
  const found: { seq: number; message: Uint8Array }[] = [];
  for (const u of nalUnits(frame)) {
    if ((frame[u.start] & 0x1f) !== 6) continue;
    // Undo emulation prevention.
    const rbsp: number[] = [];
    let zeros = 0;
    for (let i = u.start + 1; i < u.end; i++) {
      const b = frame[i];
      if (zeros >= 2 && b === 3) {
        zeros = 0;
        continue;
      }
      rbsp.push(b);
      zeros = b === 0 ? zeros + 1 : 0;
    }
    let p = 0;
    // sei_message()s until the trailing bits.
    while (p < rbsp.length && !(rbsp.length - p === 1 && rbsp[p] === 0x80)) {
      let type = 0;
      while (p < rbsp.length && rbsp[p] === 255) type += rbsp[p++];
      type += rbsp[p++] ?? 0;
      let size = 0;
      while (p < rbsp.length && rbsp[p] === 255) size += rbsp[p++];
      size += rbsp[p++] ?? 0;
      if (p + size > rbsp.length) break;
      if (type === 5 && size >= 16 && tag.every((b, k) => rbsp[p + k] === b)) {
        const s = p + tag.length;
        const seq = ((rbsp[s] << 24) | (rbsp[s + 1] << 16) | (rbsp[s + 2] << 8) | rbsp[s + 3]) >>> 0;
        found.push({ seq, message: new Uint8Array(rbsp.slice(p + 16, p + size)) });
      }
      p += size;
    }
  }
  return found;
}

/**
 * Which SEI units each sent frame carries: a queued message goes into `frames` consecutive
 * pictures of each layer, one message per picture unless queued as `multi`, and waits at most
 * `maxAgeMs`. Simulcast layers count apart: their frames interleave, and each layer has RTP
 * timestamps of its own, so a receiver of any one layer sees every message in `frames` frames.
 */
export class SeiSchedule {
  private queue: { nal: Uint8Array; frames: number; left: Map<string, number>; at: number; multi: boolean }[] = [];

  constructor(private readonly maxAgeMs: number) {}

  /** Queues a unit for the next `frames` pictures, at time `at` (ms). */
  add(nal: Uint8Array, frames: number, at: number, multi: boolean): void {
    this.queue.push({ nal, frames, left: new Map(), at, multi });
  }

  /** The units for a frame of `layer` sent at time `now` (ms). */
  forFrame(layer: string, now: number): Uint8Array[] {
    this.queue = this.queue.filter((x) => now - x.at <= this.maxAgeMs);
    const open = this.queue.filter((x) => (x.left.get(layer) ?? x.frames) > 0);
    const carried = open.length === 0 ? [] : open[0].multi ? open.filter((x) => x.multi) : [open[0]];
    for (const x of carried) x.left.set(layer, (x.left.get(layer) ?? x.frames) - 1);
    return carried.map((x) => x.nal);
  }
}
