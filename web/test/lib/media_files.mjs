// Media files with known content for Chromium's fake camera and microphone, and readers for
// what the native client writes (wav recordings, RGBA PNG snapshots), so tests can check what
// was decoded at the far end.
import { inflateSync } from "node:zlib";

/** The quadrant colours of {@link y4mQuadrants}: top left, top right, bottom left, bottom right. */
export const QUADRANTS = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 255],
];

/** RGB to full-range BT.601 YUV (what a C420jpeg Y4M holds). */
function yuv([r, g, b]) {
  const y = 0.299 * r + 0.587 * g + 0.114 * b;
  const clamp = (v) => Math.max(0, Math.min(255, Math.round(v)));
  return [clamp(y), clamp(128 + (b - y) * 0.564), clamp(128 + (r - y) * 0.713)];
}

/**
 * A Y4M video (4:2:0) of `frames` frames: the {@link QUADRANTS} colours and a small grey
 * square that moves along the middle line, so frames differ.
 */
export function y4mQuadrants(width = 320, height = 240, frames = 30) {
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`);
  const [cw, ch] = [width / 2, height / 2];
  const colourAt = (x, y) => {
    const top = y < height / 2;
    const left = x < width / 2;
    return QUADRANTS[top ? (left ? 0 : 1) : left ? 2 : 3];
  };
  const parts = [header];
  for (let f = 0; f < frames; f++) {
    const plane = Buffer.alloc(width * height + 2 * cw * ch);
    const square = (x, y) => Math.abs(y - height / 2) < 8 && Math.abs(x - ((f * 8) % width)) < 8;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) plane[y * width + x] = square(x, y) ? 128 : yuv(colourAt(x, y))[0];
    }
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        const [, u, v] = square(2 * x, 2 * y) ? [128, 128, 128] : yuv(colourAt(2 * x, 2 * y));
        plane[width * height + y * cw + x] = u;
        plane[width * height + cw * ch + y * cw + x] = v;
      }
    }
    parts.push(Buffer.from("FRAME\n"), plane);
  }
  return Buffer.concat(parts);
}

/**
 * A 16-bit PCM mono wav of a `hz` sine at `amplitude` of full scale (default half), one second
 * (a whole number of cycles, so it loops cleanly).
 */
export function wavSine(hz, rate = 48_000, amplitude = 0.5) {
  const samples = rate;
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    data.writeInt16LE(Math.round(32_767 * amplitude * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(1, 0);
  fmt.writeUInt16LE(1, 2);
  fmt.writeUInt32LE(rate, 4);
  fmt.writeUInt32LE(rate * 2, 8);
  fmt.writeUInt16LE(2, 12);
  fmt.writeUInt16LE(16, 14);
  const chunk = (id, body) => {
    const h = Buffer.alloc(8);
    h.write(id, 0, "ascii");
    h.writeUInt32LE(body.length, 4);
    return Buffer.concat([h, body]);
  };
  const body = Buffer.concat([Buffer.from("WAVE"), chunk("fmt ", fmt), chunk("data", data)]);
  return Buffer.concat([chunk("RIFF", body)]);
}

/** The first channel of a 16-bit PCM wav as floats in [-1, 1], with its sample rate. */
export function readWav(buf) {
  if (buf.toString("ascii", 0, 4) !== "RIFF" || buf.toString("ascii", 8, 12) !== "WAVE")
    throw new Error("not a wav file");
  let rate = 0,
    channels = 0,
    bits = 0,
    data = null;
  for (let at = 12; at + 8 <= buf.length;) {
    const id = buf.toString("ascii", at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    if (id === "fmt ")
      [channels, rate, bits] = [buf.readUInt16LE(at + 10), buf.readUInt32LE(at + 12), buf.readUInt16LE(at + 22)];
    if (id === "data") data = buf.subarray(at + 8, at + 8 + size);
    at += 8 + size + (size & 1);
  }
  if (!data || bits !== 16) throw new Error(`unsupported wav: ${bits} bits, data ${data?.length}`);
  const frames = Math.floor(data.length / (2 * channels));
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) samples[i] = data.readInt16LE(i * 2 * channels) / 32_768;
  return { rate, channels, samples };
}

/** The power of `samples` at `hz` (Goertzel), normalised by length. */
export function powerAt(samples, rate, hz) {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let [s1, s2] = [0, 0];
  for (const x of samples) [s1, s2] = [x + k * s1 - s2, s1];
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (samples.length * samples.length);
}

/** Root mean square of `samples`. */
export function rms(samples) {
  let sum = 0;
  for (const x of samples) sum += x * x;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/** Decodes an 8-bit RGBA or RGB, non-interlaced PNG: {width, height, rgba}. */
export function readPng(buf) {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error("not a PNG");
  let width = 0,
    height = 0,
    colour = 0;
  const idat = [];
  for (let at = 8; at + 8 <= buf.length;) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString("ascii", at + 4, at + 8);
    const body = buf.subarray(at + 8, at + 8 + len);
    if (type === "IHDR") {
      [width, height, colour] = [body.readUInt32BE(0), body.readUInt32BE(4), body[9]];
      if (body[8] !== 8 || body[12] !== 0 || (colour !== 6 && colour !== 2))
        throw new Error(`unsupported PNG: depth ${body[8]}, colour ${colour}, interlace ${body[12]}`);
    }
    if (type === "IDAT") idat.push(body);
    at += 12 + len;
  }
  const bpp = colour === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[y * stride + x - bpp] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? out[(y - 1) * stride + x - bpp] : 0;
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
      out[y * stride + x] = (line[x] + predictor) & 0xff;
    }
  }
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let ch = 0; ch < 3; ch++) rgba[i * 4 + ch] = out[i * bpp + ch];
    rgba[i * 4 + 3] = bpp === 4 ? out[i * bpp + 3] : 255;
  }
  return { width, height, rgba };
}

/** The mean RGB of the `w`x`h` block at (`x`, `y`) of an RGBA image. */
export function meanRgb({ width, rgba }, x, y, w, h) {
  const sum = [0, 0, 0];
  for (let j = y; j < y + h; j++) {
    for (let i = x; i < x + w; i++) for (let ch = 0; ch < 3; ch++) sum[ch] += rgba[(j * width + i) * 4 + ch];
  }
  return sum.map((s) => Math.round(s / (w * h)));
}

/** The colours at the centres of an image's four quadrants, in {@link QUADRANTS} order. */
export function quadrantColours(img) {
  const [w, h] = [Math.floor(img.width / 2), Math.floor(img.height / 2)];
  const block = (qx, qy) => meanRgb(img, qx * w + w / 4, qy * h + h / 4, w / 2, h / 4);
  return [block(0, 0), block(1, 0), block(0, 1), block(1, 1)];
}

/** Whether `rgb` is within `tolerance` of `expected` in every channel. */
export function near(rgb, expected, tolerance = 60) {
  return rgb.every((v, i) => Math.abs(v - expected[i]) <= tolerance);
}
