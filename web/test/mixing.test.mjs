// Audio mixing in the browser through a real server: alice's fake microphone plays a 440 Hz
// sine (taken unprocessed); she mixes files (served to her page by the test) and pushed AudioBuffers; bob's page
// records what it decodes, and the spectrum is checked: the file's tone at its volume, absent
// when only played locally and after stop. Play counts, seeking and every error the Web API
// can raise are checked in alice's page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";
import { wavSine } from "./lib/media_files.mjs";

const ROOM = "mixing";
let server, browser, alice, bob, dir;

/** A 16-bit mono wav of a `hz` sine at `amplitude` (of 1), `seconds` long, at `rate`. */
function wavTone(hz, amplitude, seconds, rate) {
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++)
    data.writeInt16LE(Math.round(32767 * amplitude * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** What the test serves alice's page under /mix/. */
const FILES = {
  // 44.1 kHz, so the browser resamples it into the 48 kHz mix.
  "tone1000.wav": wavTone(1000, 0.18, 1, 44_100),
  "once.wav": wavTone(1000, 0.25, 1, 48_000),
  "tone1500.wav": wavTone(1500, 0.18, 1, 48_000),
  "tone600.wav": wavTone(600, 0.25, 3, 48_000),
  "long.wav": wavTone(300, 0.1, 21, 8_000),
  "junk.wav": Buffer.from("not audio at all"),
};

/** Amplitude of `hz` in `samples` at `rate` (a Goertzel filter over a Hann window). */
function amplitudeAt(samples, rate, hz) {
  const n = samples.length;
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let [s1, s2] = [0, 0];
  for (let i = 0; i < n; i++) {
    const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    [s1, s2] = [samples[i] * hann + k * s1 - s2, s1];
  }
  return (Math.sqrt(s1 * s1 + s2 * s2 - k * s1 * s2) * 4) / n;
}

/**
 * The median of `hz`'s amplitude over 100 ms windows: a window that a loaded machine filled
 * late, with silence, does not sway it.
 */
function medianAmplitudeAt(samples, rate, hz) {
  const n = Math.round(rate / 10);
  const amplitudes = [];
  for (let i = 0; i + n <= samples.length; i += n) amplitudes.push(amplitudeAt(samples.slice(i, i + n), rate, hz));
  amplitudes.sort((a, b) => a - b);
  return amplitudes[Math.floor(amplitudes.length / 2)];
}

const db = (ratio) => 20 * Math.log10(ratio);

/** Records `seconds` of alice's audio as bob's page decodes it, after `settle` seconds. */
async function hear(seconds, settle = 0.6) {
  await new Promise((r) => setTimeout(r, settle * 1000));
  const { samples, rate } = await bob.evaluate(async (seconds) => {
    const track = window.received.findLast((t) => t.kind === "audio" && t.readyState === "live");
    const ctx = new AudioContext();
    await ctx.resume();
    const tap = ctx.createScriptProcessor(4096, 1, 1);
    const chunks = [];
    tap.onaudioprocess = (e) => chunks.push(e.inputBuffer.getChannelData(0).slice());
    const mute = ctx.createGain();
    mute.gain.value = 0;
    ctx
      .createMediaStreamSource(new MediaStream([track]))
      .connect(tap)
      .connect(mute)
      .connect(ctx.destination);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    await ctx.close();
    const all = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) all.set(c, (at += c.length) - c.length);
    return { samples: Array.from(all), rate: ctx.sampleRate };
  }, seconds);
  assert.ok(samples.length > rate * seconds * 0.8, `recorded ${samples.length} samples`);
  return {
    at: (hz) => amplitudeAt(samples, rate, hz),
    /**
     * The median over 200 ms windows of the ratio of two tones' amplitudes: a window the
     * receiver's jitter buffer stretched (it does, on a loaded machine) does not sway it.
     */
    ratio(hz, over) {
      const n = Math.round(rate / 5);
      const ratios = [];
      for (let i = 0; i + n <= samples.length; i += n) {
        const w = samples.slice(i, i + n);
        ratios.push(amplitudeAt(w, rate, hz) / amplitudeAt(w, rate, over));
      }
      ratios.sort((a, b) => a - b);
      return ratios[Math.floor(ratios.length / 2)];
    },
  };
}

/** Runs `fn(mixer, VERTC)` in alice's page. */
function mixer(fn, arg) {
  return alice.evaluate(
    ([body, arg]) =>
      new Function("m", "VERTC", "arg", `return (${body})(m, VERTC, arg)`)(
        window.t.engine.getAudioMixingManager(),
        VERTC,
        arg,
      ),
    [fn.toString(), arg],
  );
}

/** Alice's mixing events so far, as [mixId, state, error, at]. */
function mixingEvents() {
  return alice.evaluate(() =>
    window.t.events
      .filter((e) => e.name === "onAudioMixingStateChanged")
      .map((e) => [e.data.mixId, e.data.state, e.data.error, e.at]),
  );
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-mixing-"));
  writeFileSync(join(dir, "mic.wav"), wavSine(440));
  server = await startServer();
  browser = await launch({
    args: [`--use-file-for-fake-audio-capture=${join(dir, "mic.wav")}`, "--autoplay-policy=no-user-gesture-required"],
  });
  const p = sdkPage(server);
  alice = await browser.page(p.url, p.html);
  await alice.route("**/mix/*", (route) => {
    const name = new URL(route.request().url()).pathname.split("/").pop();
    const body = FILES[name];
    return body
      ? route.fulfill({ status: 200, contentType: "audio/wav", body })
      : route.fulfill({ status: 404, body: "no such file" });
  });
  bob = await browser.page(p.url, p.html);
  await bob.evaluate(() => {
    window.received = [];
    const Base = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Base {
      constructor(...args) {
        super(...args);
        this.addEventListener("track", (e) => window.received.push(e.track));
      }
    };
  });
  await joinWithMedia(alice, server.appId, ROOM, "alice", { audio: false, video: false });
  // The fake microphone without the browser's voice processing (whose noise suppression and
  // gain control would slowly turn a steady tone down), as the app's own track.
  await alice.evaluate(async () => {
    const engine = window.t.engine;
    const main = VERTC.StreamIndex.STREAM_INDEX_MAIN;
    await engine.setAudioSourceType(main, VERTC.AudioSourceType.AUDIO_SOURCE_TYPE_EXTERNAL);
    const raw = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };
    const [mic] = (await navigator.mediaDevices.getUserMedia({ audio: raw })).getAudioTracks();
    await engine.setExternalAudioTrack(main, mic);
    await engine.publishStream(VERTC.MediaType.AUDIO);
  });
  await joinWithMedia(bob, server.appId, ROOM, "bob", { audio: false, video: false });
  await waitFor(
    () => bob.evaluate(() => window.received.some((t) => t.kind === "audio")),
    20_000,
    "alice's audio at bob",
  );
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a mixed file reaches the room at its volume, is gone after stop, and PLAYOUT stays local", async (t) => {
  await mixer((m, VERTC) =>
    m.startAudioMixing(1, "/mix/tone1000.wav", { playCount: 0, type: VERTC.AudioMixingType.PUBLISH }),
  );
  const at100 = await hear(3, 1);
  const [mic, file] = [at100.at(440), at100.at(1000)];
  t.diagnostic(`volume 100: 440 Hz ${mic.toFixed(4)}, 1000 Hz ${file.toFixed(4)}`);
  assert.ok(mic > 0.05, `the microphone's 440 Hz arrives (${mic})`);
  assert.ok(file > 0.05, `the file's 1000 Hz arrives (${file})`);

  await mixer((m) => m.setAudioMixingVolume(1, 200));
  assert.equal(await mixer((m) => m.getAudioMixingVolume(1)), 200);
  const at200 = await hear(3);
  const raised = db(at200.ratio(1000, 440) / at100.ratio(1000, 440));
  t.diagnostic(
    `volume 200: 440 Hz ${at200.at(440).toFixed(4)}, 1000 Hz ${at200.at(1000).toFixed(4)}, file raised ${raised.toFixed(2)} dB`,
  );
  assert.ok(
    Math.abs(raised - 6.02) <= 1.5,
    `volume 200 raised the file by ${raised.toFixed(2)} dB against the microphone`,
  );

  await mixer((m) => m.stopAudioMixing(1));
  const stopped = await hear(1);
  assert.ok(
    stopped.at(1000) < stopped.at(440) / 100,
    `the file is silent after stop: ${stopped.at(1000)} vs ${stopped.at(440)}`,
  );

  await mixer((m, VERTC) =>
    m.startAudioMixing(2, "/mix/tone1000.wav", { playCount: 0, type: VERTC.AudioMixingType.PLAYOUT }),
  );
  const local = await hear(1);
  assert.ok(local.at(1000) < local.at(440) / 100, `PLAYOUT is not published: ${local.at(1000)} vs ${local.at(440)}`);
  assert.ok((await mixer((m) => m.getAudioMixingCurrentPosition(2))) >= 0);
  // It does play, locally: its PCM, through setAudioFrameCallback, is the 1000 Hz tone.
  const tapped = await mixer(
    (m) =>
      new Promise((resolve) => {
        const chunks = [];
        m.setAudioFrameCallback(
          2,
          (frame) => {
            chunks.push(...frame.channels[0]);
            if (chunks.length >= frame.sampleRate) {
              m.setAudioFrameCallback(2);
              resolve({ samples: chunks, rate: frame.sampleRate });
            }
          },
          4096,
        );
      }),
  );
  const playout = medianAmplitudeAt(tapped.samples, tapped.rate, 1000);
  t.diagnostic(`PLAYOUT's own PCM: 1000 Hz at ${playout.toFixed(3)}`);
  assert.ok(Math.abs(playout - 0.18) < 0.02, `the played-out file is the 1000 Hz tone at 0.18 (${playout})`);
  await mixer((m) => m.stopAudioMixing(2));

  // Two ids at once: both are heard.
  await mixer(async (m) => {
    await m.startAudioMixing(5, "/mix/tone1000.wav", { playCount: 0 });
    await m.startAudioMixing(6, "/mix/tone1500.wav", { playCount: 0 });
  });
  const both = await hear(1);
  assert.ok(both.at(1000) > 0.05 && both.at(1500) > 0.05, `both files: ${both.at(1000)}, ${both.at(1500)}`);
  await mixer((m) => [5, 6].forEach((id) => m.stopAudioMixing(id)));

  const states = (await mixingEvents()).filter(([id]) => id === 1).map(([, s, e]) => [s, e]);
  assert.deepEqual(states, [
    [1, 0],
    [3, 0],
  ]);
});

test("three plays of a one-second file last three seconds, then finished; seeking moves the position", async (t) => {
  await mixer((m) => m.startAudioMixing(3, "/mix/once.wav", { playCount: 3 }));
  const finished = await waitFor(
    async () => {
      const e = (await mixingEvents()).filter(([id]) => id === 3);
      return e.some(([, s]) => s === 5) && e;
    },
    10_000,
    "AUDIO_MIXING_STATE_FINISHED",
  );
  const playing = finished.find(([, s]) => s === 1)[3];
  const done = finished.find(([, s]) => s === 5)[3];
  const took = (done - playing) / 1000;
  t.diagnostic(`three plays took ${took.toFixed(3)} s`);
  assert.ok(Math.abs(took - 3) <= 0.1, `three plays took ${took.toFixed(3)} s`);

  const seek = await mixer(async (m) => {
    await m.startAudioMixing(4, "/mix/tone600.wav", { playCount: 1 });
    m.setAudioMixingPosition(4, 2000);
    const at = m.getAudioMixingCurrentPosition(4);
    const duration = m.getAudioMixingDuration(4);
    m.stopAudioMixing(4);
    return { at, duration };
  });
  t.diagnostic(`seeking to 2000 ms reports ${seek.at} ms`);
  assert.equal(seek.duration, 3000);
  assert.ok(Math.abs(seek.at - 2000) <= 20, `seeking to 2000 ms reports ${seek.at} ms`);
});

test("PCM pushed as AudioBuffers reaches the room", async () => {
  await mixer((m, VERTC) => {
    m.enableAudioMixingBuffer(VERTC.AudioMixingType.PUBLISH);
    const rate = 16_000;
    const ctx = new OfflineAudioContext(1, rate, rate);
    for (let k = 0; k < 3; k++) {
      const buffer = ctx.createBuffer(1, rate, rate);
      const data = buffer.getChannelData(0);
      for (let i = 0; i < rate; i++) data[i] = 0.3 * Math.sin((2 * Math.PI * 700 * (k * rate + i)) / rate);
      m.pushAudioMixingBuffer(buffer);
    }
  });
  const heard = await hear(1.5, 0.5);
  assert.ok(heard.at(700) > 0.05, `the pushed 700 Hz arrives (${heard.at(700)})`);
  await mixer((m) => m.disableAudioMixingBuffer());
  const states = (await mixingEvents()).filter(([id]) => id === -1).map(([, s]) => s);
  assert.deepEqual(states, [6, 7]);
});

test("every error the Web API can raise: LOAD_RESOURCES_FAILED rejections and AudioMixingErrors", async () => {
  const result = await mixer(async (m, VERTC) => {
    const codes = {};
    const reject = async (key, call) => {
      try {
        await call();
        codes[key] = "resolved";
      } catch (e) {
        codes[key] = e.code;
      }
    };
    await reject("start404", () => m.startAudioMixing(10, "/mix/missing.wav", { playCount: 1 }));
    await reject("preloadJunk", () => m.preloadAudioMixing(11, "/mix/junk.wav"));
    await reject("preloadLong", () => m.preloadAudioMixing(12, "/mix/long.wav"));
    m.stopAudioMixing(13);
    await m.startAudioMixing(14, "/mix/tone600.wav", { playCount: 1, type: VERTC.AudioMixingType.PLAYOUT });
    m.setAudioMixingVolume(14, 401);
    m.setAudioMixingVolume(14, -1);
    m.setAudioMixingPosition(14, 3500);
    m.stopAudioMixing(14);
    await m.preloadAudioMixing(15, "/mix/once.wav");
    await m.startAudioMixing(15, "/mix/tone600.wav", { playCount: 1 });
    await m.startAudioMixing(-1, "/mix/once.wav", { playCount: 1 });
    m.unloadAudioMixing(15);
    return codes;
  });
  assert.deepEqual(result, {
    start404: "LOAD_RESOURCES_FAILED",
    preloadJunk: "LOAD_RESOURCES_FAILED",
    preloadLong: "LOAD_RESOURCES_FAILED",
  });
  const failures = (await mixingEvents())
    .filter(([id, s]) => id >= 10 || (id === -1 && s === 4))
    .filter(([, s]) => s === 4);
  assert.deepEqual(
    failures.map(([id, , e]) => [id, e]),
    [
      [10, 2], // START_FAILED
      [11, 1], // PRELOAD_FAILED: not audio
      [12, 1], // PRELOAD_FAILED: over 20 s
      [13, 3], // ID_NOT_FOUND
      [14, 5], // INVALID_VOLUME
      [14, 5],
      [14, 4], // SET_POSITION_FAILED
      [15, 6], // LOAD_CONFLICT
      [-1, 7], // ID_TYPE_NOT_MATCH
    ],
  );
});
