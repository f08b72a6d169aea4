import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { gainOf, levelOf } = await load("media/audiohub.ts");

const sine = (amplitude, n = 4800) =>
  Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * 660 * i) / 48_000));

test("volumes 0..400 are gains 0..4; anything else is refused", () => {
  assert.equal(gainOf(0), 0);
  assert.equal(gainOf(100), 1);
  assert.equal(gainOf(200), 2);
  assert.equal(gainOf(400), 4);
  for (const bad of [-1, 401, NaN, Infinity, "100", null, undefined]) assert.equal(gainOf(bad), null, String(bad));
});

test("a sine's level is its amplitude: 255 linear and 0 dB at full scale", () => {
  assert.deepEqual(levelOf(sine(1)), { linearVolume: 255, nonlinearVolume: 0 });
  assert.deepEqual(levelOf(sine(0.25)), { linearVolume: 64, nonlinearVolume: -12 });
  const half = levelOf(sine(0.5));
  assert.ok(Math.abs(half.linearVolume - 127.5) <= 1 && half.nonlinearVolume === -6, JSON.stringify(half));
  assert.deepEqual(levelOf(new Float32Array(128)), { linearVolume: 0, nonlinearVolume: -127 });
  // Louder than full scale still reads full scale.
  assert.deepEqual(levelOf(Float32Array.from({ length: 64 }, () => 3)), { linearVolume: 255, nonlinearVolume: 0 });
});
