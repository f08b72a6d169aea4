// registerExtension with Chorus's RNNoise extension, judged by what a subscriber hears: two
// users send the same noisy microphone (Chromium's fake capture plays a file of voiced,
// vowel-like syllables over white noise), one with the extension and one without; the
// listener measures the level of each in short blocks. The quiet blocks (noise alone) must be
// much quieter with the extension, the loud ones (the syllables) about as loud.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./lib/server.mjs";
import { keepPeerConnections, launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { devToken } from "./lib/client.mjs";

const RATE = 48_000;
let server, browser, dir, plain, clean, hearsPlain, hearsClean;

/** A seeded white noise source in [-1, 1). */
function noise(seed = 1) {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 30 - 1;
  };
}

/**
 * 6 s of 16-bit mono PCM: 1.5 s of vowel-like syllables (a voiced pulse's harmonics shaped by
 * the formants of /a/, its pitch gliding 110-160 Hz, four syllables a second), 1.5 s without,
 * twice, all over white noise about 20 dB below the syllables.
 */
function noisySpeechWav() {
  const n = RATE * 6;
  const pcm = Buffer.alloc(n * 2);
  const white = noise(7);
  const formants = [
    [700, 130],
    [1220, 150],
    [2600, 250],
  ];
  const envelope = (f) => formants.reduce((a, [c, w]) => a + Math.exp(-(((f - c) / w) ** 2)), 0.05);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    const speaking = t % 3 < 1.5;
    const f0 = 135 + 25 * Math.sin(2 * Math.PI * 0.7 * t);
    phase += (2 * Math.PI * f0) / RATE;
    let voice = 0;
    if (speaking) {
      for (let k = 1; k * f0 < 4000; k++) voice += (envelope(k * f0) / Math.sqrt(k)) * Math.sin(k * phase);
      voice *= 0.12 * Math.sin(Math.PI * ((t * 4) % 1)) ** 2;
    }
    const v = voice + 0.02 * white();
    pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32767))), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

async function openPage() {
  const p = sdkPage(server, "extension");
  const page = await browser.page(p.url, p.html);
  await keepPeerConnections(page);
  await page.addScriptTag({ url: "/sdk/extension-rnnoise.umd.js" });
  await page.evaluate((appId) => {
    const t = (window.t = { events: [] });
    t.engine = VERTC.createEngine(appId);
    for (const name of Object.values(VERTC.events))
      t.engine.on(name, (...args) => t.events.push({ name, args: JSON.parse(JSON.stringify(args)) }));
  }, server.appId);
  return page;
}

/**
 * Joins room `userId` as `userId`, publishing the microphone, then registers the RNNoise
 * extension when `extension`.
 */
async function publishMic(page, userId, extension) {
  const token = await devToken(page, userId, userId);
  await page.evaluate(
    async ({ token, room, userId, extension }) => {
      const engine = window.t.engine;
      await engine.startAudioCapture();
      await engine.joinRoom(token, room, { userId }, { isAutoPublish: true });
      // Registered while the microphone is already being sent: it takes over from then on.
      if (extension) {
        window.t.ns = new RTCRnnoiseExtension();
        await engine.registerExtension(window.t.ns);
      }
    },
    { token, room: userId, userId, extension },
  );
}

/** Joins `page` to `room` to listen. */
async function listen(page, room) {
  const token = await devToken(page, room, "listener");
  await page.evaluate(
    ({ token, room }) => window.t.engine.joinRoom(token, room, { userId: "listener" }, { isAutoPublish: false }),
    { token, room },
  );
}

/**
 * The level of the audio `page` receives (it listens to one user): the RMS of each 2048-sample
 * block over `ms`, taken from the received track through WebAudio.
 */
function levels(page, ms) {
  return page.evaluate(async (ms) => {
    const track = window.pcs
      .filter((pc) => pc.connectionState === "connected")
      .flatMap((pc) => pc.getTransceivers())
      .find((t) => t.receiver.track.kind === "audio" && t.currentDirection === "recvonly").receiver.track;
    const ctx = new AudioContext({ sampleRate: 48000 });
    await ctx.resume();
    const source = ctx.createMediaStreamSource(new MediaStream([track]));
    const tap = ctx.createScriptProcessor(2048, 1, 1);
    const out = [];
    tap.onaudioprocess = (e) => {
      const x = e.inputBuffer.getChannelData(0);
      let sum = 0;
      for (const v of x) sum += v * v;
      out.push(Math.sqrt(sum / x.length));
    };
    source.connect(tap).connect(ctx.destination);
    await new Promise((r) => setTimeout(r, ms));
    await ctx.close();
    return out;
  }, ms);
}

/** The `p`th percentile of `xs`. */
function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const dB = (x) => (20 * Math.log10(x)).toFixed(1);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-noise-"));
  const wav = join(dir, "noisy.wav");
  writeFileSync(wav, noisySpeechWav());
  server = await startServer();
  browser = await launch({ args: [`--use-file-for-fake-audio-capture=${wav}`] });
  [plain, clean, hearsPlain, hearsClean] = [await openPage(), await openPage(), await openPage(), await openPage()];
  await listen(hearsPlain, "plain");
  await listen(hearsClean, "clean");
  await publishMic(plain, "plain", false);
  await publishMic(clean, "clean", true);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("registerExtension checks what it is given", async () => {
  // An engine of its own, so the measured ones carry only what the next test gives them.
  const page = await openPage();
  const codes = await page.evaluate(async () => {
    const engine = window.t.engine;
    const code = (p) =>
      p.then(
        () => "ok",
        (e) => e.code,
      );
    return {
      nothing: await code(engine.registerExtension(null)),
      noEffect: await code(engine.registerExtension({ name: "x", isSupported: () => true })),
      unsupported: await code(engine.registerExtension({ name: "y", isSupported: () => false, effect: (_, t) => t })),
      twice: await code(
        (async () => {
          await engine.registerExtension({ name: "z", isSupported: () => true, effect: (_, t) => t });
          await engine.registerExtension({ name: "z", isSupported: () => true, effect: (_, t) => t });
        })(),
      ),
    };
  });
  await page.close();
  assert.deepEqual(codes, {
    nothing: "INVALID_PARAMS",
    noEffect: "INVALID_PARAMS",
    unsupported: "NOT_SUPPORTED",
    twice: "INVALID_PARAMS",
  });
});

test("RNNoise: the noise floor arrives much lower, the syllables about as loud", async () => {
  const [streamChanged] = await waitFor(
    () =>
      clean.evaluate(() => {
        const changed = window.t.events.filter((e) => e.name === "onLocalStreamTrackChangedByExtension");
        return changed.length && changed;
      }),
    10_000,
    "onLocalStreamTrackChangedByExtension",
  );
  assert.deepEqual(streamChanged.args, [{ streamIndex: 0, type: "audio" }]);
  // The extension's output is what goes out, not the microphone itself.
  const sent = await clean.evaluate(
    () => window.t.engine.peerConnection.getSenders().find((s) => s.track?.kind === "audio").track.label,
  );
  assert.doesNotMatch(sent, /fake|default/i, `sent track: ${sent}`);
  for (const page of [hearsPlain, hearsClean])
    await waitFor(
      () => page.evaluate(() => window.t.events.some((e) => e.name === "onRemoteAudioFirstFrame")),
      15_000,
      "the audio at its listener",
    );
  await new Promise((r) => setTimeout(r, 2000));
  const [without, withNs] = await Promise.all([levels(hearsPlain, 9000), levels(hearsClean, 9000)]);
  const floor = [percentile(without, 10), percentile(withNs, 10)];
  const loud = [percentile(without, 90), percentile(withNs, 90)];
  console.log(
    `noise floor ${dB(floor[0])} dBFS without, ${dB(floor[1])} dBFS with RNNoise; ` +
      `syllables ${dB(loud[0])} / ${dB(loud[1])} dBFS`,
  );
  assert.ok(loud[0] > 4 * floor[0], "without the extension the syllables stand out of the noise");
  assert.ok(floor[1] < floor[0] / 4, `the floor drops by 12 dB or more (${dB(floor[0])} -> ${dB(floor[1])} dBFS)`);
  assert.ok(loud[1] > loud[0] / 2, `the syllables keep within 6 dB (${dB(loud[0])} -> ${dB(loud[1])} dBFS)`);

  // Off again: the microphone itself goes out, and the noise with it.
  await clean.evaluate(() => window.t.ns.disable());
  await waitFor(
    () =>
      clean.evaluate(
        () => window.t.events.filter((e) => e.name === "onLocalStreamTrackChangedByExtension").length === 2,
      ),
    10_000,
    "onLocalStreamTrackChangedByExtension after disable()",
  );
  const mic = await clean.evaluate(
    () => window.t.engine.peerConnection.getSenders().find((s) => s.track?.kind === "audio").track.label,
  );
  assert.match(mic, /fake|default/i, `sent track: ${mic}`);
  await new Promise((r) => setTimeout(r, 1000));
  const off = percentile(await levels(hearsClean, 6000), 10);
  console.log(`noise floor ${dB(off)} dBFS with the extension disabled`);
  assert.ok(off > floor[1] * 4, `disabled, the floor comes back (${dB(floor[1])} -> ${dB(off)} dBFS)`);
});
