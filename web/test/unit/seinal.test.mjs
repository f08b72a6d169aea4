import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { CHORUS_SEI_TAG, seiNal, nalUnits, withSei, readSei, isAnnexB, SeiSchedule } = await load("media/seinal.ts");

const SPS = [0, 0, 0, 1, 0x67, 0x42, 0xe0, 0x1f];
const PPS = [0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80];
const IDR = [0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x00, 0x10];

test("an SEI unit escapes its payload and reads back to the same bytes", () => {
  const message = new Uint8Array([0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0]);
  const nal = seiNal(CHORUS_SEI_TAG, 0xdeadbeef, message);
  assert.deepEqual(Array.from(nal.slice(0, 6)), [0, 0, 0, 1, 6, 5]);
  // No start code inside the unit: 00 00 is never followed by 00..03 unescaped.
  for (let i = 4; i + 2 < nal.length; i++)
    assert.ok(!(nal[i] === 0 && nal[i + 1] === 0 && nal[i + 2] <= 2), `start code at ${i}`);
  assert.equal(nal.at(-1), 0x80);
  const found = readSei(nal, CHORUS_SEI_TAG);
  assert.equal(found.length, 1);
  assert.equal(found[0].seq, 0xdeadbeef);
  assert.deepEqual(Array.from(found[0].message), Array.from(message));
});

test("sizes of 255 and more take several size bytes", () => {
  for (const n of [238, 239, 240, 494, 4096]) {
    const message = new Uint8Array(n).map((_, i) => i & 255);
    const [m] = readSei(seiNal(CHORUS_SEI_TAG, n, message), CHORUS_SEI_TAG);
    assert.equal(m.message.length, n);
    assert.deepEqual(m.message, message);
  }
});

test("the unit goes after SPS and PPS, before the first slice", () => {
  const frame = new Uint8Array([...SPS, ...PPS, ...IDR]);
  assert.ok(isAnnexB(frame));
  const sei = seiNal(CHORUS_SEI_TAG, 1, new Uint8Array([9, 9]));
  const out = withSei(frame, [sei]);
  assert.deepEqual(
    nalUnits(out).map((u) => out[u.start] & 0x1f),
    [7, 8, 6, 5],
  );
  assert.deepEqual(Array.from(out.slice(out.length - IDR.length)), IDR);
  assert.equal(readSei(out, CHORUS_SEI_TAG)[0].seq, 1);
});

test("other SEI (another UUID) is not taken for Chorus's", () => {
  const other = CHORUS_SEI_TAG.map((b) => b ^ 0xff);
  const out = withSei(new Uint8Array(IDR), [seiNal(other, 5, new Uint8Array([1]))]);
  assert.equal(readSei(out, CHORUS_SEI_TAG).length, 0);
});

test("the schedule: repeats per picture and per layer, single and multi, at most 2 s", () => {
  const a = new Uint8Array([1]);
  const b = new Uint8Array([2]);
  const s = new SeiSchedule(2000);
  s.add(a, 2, 0, false);
  s.add(b, 1, 0, false);
  assert.deepEqual(s.forFrame("f", 10), [a]);
  assert.deepEqual(s.forFrame("q", 11), [a], "another layer counts apart");
  assert.deepEqual(s.forFrame("f", 40), [a]);
  assert.deepEqual(s.forFrame("f", 70), [b]);
  assert.deepEqual(s.forFrame("f", 100), []);
  assert.deepEqual(s.forFrame("q", 101), [a], "the other layer still owes one");
  assert.deepEqual(s.forFrame("q", 130), [b]);
  assert.deepEqual(s.forFrame("q", 160), []);
  const m = new SeiSchedule(2000);
  m.add(a, 1, 0, true);
  m.add(b, 2, 0, true);
  assert.deepEqual(m.forFrame("0", 10), [a, b]);
  assert.deepEqual(m.forFrame("0", 40), [b]);
  assert.deepEqual(m.forFrame("0", 70), []);
  const old = new SeiSchedule(2000);
  old.add(a, 3, 0, false);
  assert.deepEqual(old.forFrame("0", 2500), [], "a message waits at most 2 s");
});
