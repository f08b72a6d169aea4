// The Web SDK's audio controls, checked in what arrives: both pages' fake microphones play a
// 660 Hz sine at a quarter of full scale; volumes are measured as RMS on the tracks the
// subscriber receives and on what the page plays (every connection into an AudioContext's
// destination is also fed to an analyser, the page's "speaker"), frames by their frequency
// and amplitude, encoding settings in the sender's parameters and outbound bytes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { wavSine } from "./lib/media_files.mjs";

const TONE_HZ = 660;
const AMPLITUDE = 0.25;
/** The RMS of the tone as captured. */
const TONE_RMS = AMPLITUDE / Math.SQRT2;

let dir, server, browser, alice, bob;

/** Instruments `page`: received tracks, peer connections, the speaker probe, an RMS meter. */
function instrument(page) {
  return page.evaluate(() => {
    window.received = [];
    window.pcs = [];
    const Base = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Base {
      constructor(...args) {
        super(...args);
        window.pcs.push(this);
        this.addEventListener("track", (e) => window.received.push(e.track));
      }
    };
    // The speaker: whatever any node sends to a destination also goes to that context's probe.
    window.probes = [];
    const connect = AudioNode.prototype.connect;
    AudioNode.prototype.connect = function (target, ...rest) {
      const out = connect.call(this, target, ...rest);
      if (target instanceof AudioDestinationNode) {
        const ctx = target.context;
        if (!ctx.probe) {
          ctx.probe = ctx.createAnalyser();
          ctx.probe.fftSize = 2048;
          // A silent source keeps the probe running when nothing else feeds it, so it reads
          // silence then rather than the last samples it had.
          const hum = ctx.createConstantSource();
          hum.offset.value = 0;
          connect.call(hum, ctx.probe);
          hum.start();
          window.probes.push(ctx.probe);
        }
        connect.call(this, ctx.probe);
      }
      return out;
    };
    /** RMS over `ms` of what `analysers` carry (summed per read). */
    window.rms = async (analysers, ms = 800) => {
      let sum = 0,
        n = 0;
      const end = performance.now() + ms;
      while (performance.now() < end) {
        for (const a of analysers) {
          const buf = new Float32Array(a.fftSize);
          a.getFloatTimeDomainData(buf);
          for (const x of buf) sum += x * x;
        }
        n += analysers[0]?.fftSize ?? 1;
        await new Promise((r) => setTimeout(r, 40));
      }
      return n ? Math.sqrt(sum / n) : 0;
    };
    /** An analyser on `track` in the test's own context (which plays nothing). */
    window.analyse = (track) => {
      const ctx = (window.testCtx ??= new AudioContext());
      const a = ctx.createAnalyser();
      a.fftSize = 2048;
      ctx.createMediaStreamSource(new MediaStream([track])).connect(a);
      return a;
    };
    window.speaker = (ms) => window.rms(window.probes, ms);
  });
}

/** Makes an engine, captures the microphone without the browser's processing, joins `roomId`. */
async function joinRoom(page, roomId, userId) {
  await instrument(page);
  return page.evaluate(
    async ({ appId, roomId, userId }) => {
      const t = (window.t = { events: [] });
      const engine = (t.engine = VERTC.createEngine(appId));
      for (const name of Object.values(VERTC.events))
        engine.on(name, (e) =>
          t.events.push({ name, at: performance.now(), data: JSON.parse(JSON.stringify(e ?? null)) }),
        );
      await engine.setAudioCaptureConfig({ echoCancellation: false, noiseSuppression: false, autoGainControl: false });
      const settings = await engine.startAudioCapture();
      const { token } = await (await fetch(`/dev/token?roomId=${roomId}&userId=${userId}`)).json();
      await engine.joinRoom(token, roomId, { userId }, { isAutoPublish: true });
      return settings;
    },
    { appId: server.appId, roomId, userId },
  );
}

/** RMS of the audio `page` receives (its first received audio track). */
function receivedRms(page, ms) {
  return page.evaluate(async (ms) => {
    const track = window.received.find((t) => t.kind === "audio" && t.readyState === "live");
    window.receivedAnalyser ??= window.analyse(track);
    return window.rms([window.receivedAnalyser], ms);
  }, ms);
}

/** Waits for the jitter buffer to carry a change through, then measures. */
async function settledRms(page) {
  await new Promise((r) => setTimeout(r, 1200));
  return receivedRms(page, 1000);
}

/** `{code, message}` of what `fn` (a page function over `window.t.engine`) throws. */
function thrown(page, fn) {
  return page.evaluate(
    (src) =>
      Promise.resolve()
        .then(() => new Function("e", `return (${src})(e)`)(window.t.engine))
        .then(
          () => null,
          (e) => ({ code: e.code, message: e.message }),
        ),
    fn.toString(),
  );
}

let aliceSettings;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-audio-"));
  writeFileSync(join(dir, "tone.wav"), wavSine(TONE_HZ, 48_000, AMPLITUDE));
  server = await startServer();
  browser = await launch({
    args: [`--use-file-for-fake-audio-capture=${join(dir, "tone.wav")}`, "--autoplay-policy=no-user-gesture-required"],
  });
  const p = sdkPage(server);
  alice = await browser.page(p.url, p.html);
  bob = await browser.page(p.url, p.html);
  aliceSettings = await joinRoom(alice, "audio", "alice");
  await joinRoom(bob, "audio", "bob");
  await waitFor(
    () => bob.evaluate(() => window.received.some((t) => t.kind === "audio")),
    20_000,
    "alice's audio at bob",
  );
  await waitFor(async () => (await receivedRms(bob, 300)) > TONE_RMS / 2, 20_000, "alice's tone at bob");
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("setAudioCaptureConfig: the microphone is captured with the constraints given", () => {
  assert.equal(aliceSettings.echoCancellation, false, JSON.stringify(aliceSettings));
  assert.equal(aliceSettings.noiseSuppression, false);
  assert.equal(aliceSettings.autoGainControl, false);
});

test("setCaptureVolume: 200 doubles the amplitude that arrives, 50 halves it, 0 is silence", async (t) => {
  const base = await receivedRms(bob, 1000);
  t.diagnostic(`at 100: RMS ${base.toFixed(4)} (sent ${TONE_RMS.toFixed(4)})`);
  assert.ok(Math.abs(base / TONE_RMS - 1) < 0.2, `the tone arrives at its level: ${base}`);
  const ratios = {};
  for (const volume of [200, 50, 0]) {
    await alice.evaluate((v) => window.t.engine.setCaptureVolume(VERTC.StreamIndex.STREAM_INDEX_MAIN, v), volume);
    ratios[volume] = (await settledRms(bob)) / base;
  }
  t.diagnostic(`received RMS / RMS at 100: ${JSON.stringify(ratios)}`);
  assert.ok(Math.abs(ratios[200] - 2) < 0.25, `200: ${ratios[200]}`);
  assert.ok(Math.abs(ratios[50] - 0.5) < 0.08, `50: ${ratios[50]}`);
  assert.ok(ratios[0] < 0.01, `0: ${ratios[0]}`);
  await alice.evaluate(() => window.t.engine.setCaptureVolume(VERTC.StreamIndex.STREAM_INDEX_MAIN, 100));
  const back = (await settledRms(bob)) / base;
  assert.ok(Math.abs(back - 1) < 0.12, `back at 100: ${back}`);
});

test("getAudioVolume: the local level as sent and the received level, on the vendor's scales", async (t) => {
  const read = (page, userId) =>
    page.evaluate(async (userId) => {
      const e = window.t.engine;
      e.getAudioVolume(0, userId);
      const out = [];
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 120));
        out.push(e.getAudioVolume(0, userId));
      }
      return out;
    }, userId);
  const local = await read(alice);
  const remote = await read(bob, "alice");
  t.diagnostic(`local ${JSON.stringify(local.at(-1))} remote ${JSON.stringify(remote.at(-1))}`);
  const expected = Math.round(AMPLITUDE * 255);
  for (const v of [...local, ...remote]) {
    assert.ok(Math.abs(v.linearVolume - expected) <= 10, JSON.stringify(v));
    assert.ok(Math.abs(v.nonlinearVolume - 20 * Math.log10(AMPLITUDE)) <= 2, JSON.stringify(v));
  }
  await alice.evaluate(() => window.t.engine.setCaptureVolume(0, 200));
  const doubled = await read(alice);
  assert.ok(Math.abs(doubled.at(-1).linearVolume - 2 * expected) <= 12, JSON.stringify(doubled.at(-1)));
  await alice.evaluate(() => window.t.engine.setCaptureVolume(0, 100));
  // No such stream: both 0, as the vendor's.
  assert.deepEqual(await bob.evaluate(() => window.t.engine.getAudioVolume(0, "nobody")), {
    linearVolume: 0,
    nonlinearVolume: 0,
  });
});

test("setPlaybackVolume: what plays is the received audio times the volume; 100 plays it as received", async (t) => {
  assert.ok((await bob.evaluate(() => window.speaker(300))) < 0.001, "nothing plays through Web Audio at 100");
  const ratios = {};
  for (const volume of [200, 50, 0]) {
    await bob.evaluate(
      (v) => window.t.engine.setPlaybackVolume("alice", VERTC.StreamIndex.STREAM_INDEX_MAIN, v),
      volume,
    );
    await new Promise((r) => setTimeout(r, 300));
    const [played, received] = await bob.evaluate(() =>
      Promise.all([window.speaker(1000), window.rms([window.receivedAnalyser], 1000)]),
    );
    ratios[volume] = played / received;
  }
  t.diagnostic(`played RMS / received RMS: ${JSON.stringify(ratios)}`);
  assert.ok(Math.abs(ratios[200] - 2) < 0.2, `200: ${ratios[200]}`);
  assert.ok(Math.abs(ratios[50] - 0.5) < 0.06, `50: ${ratios[50]}`);
  assert.ok(ratios[0] < 0.01, `0: ${ratios[0]}`);
  await bob.evaluate(() => window.t.engine.setPlaybackVolume("alice", 0, 100));
  assert.ok((await bob.evaluate(() => window.speaker(300))) < 0.001, "back to the element at 100");
  // What bob receives is untouched by how loud he plays it.
  assert.ok(Math.abs((await receivedRms(bob, 500)) / TONE_RMS - 1) < 0.2);
});

test("setEarMonitorMode and setEarMonitorVolume: the capture plays back locally at the volume set", async (t) => {
  const heard = {};
  const e = (fn, ...args) => alice.evaluate(({ fn, args }) => window.t.engine[fn](...args), { fn, args });
  await e("setEarMonitorMode", 0, 1);
  await new Promise((r) => setTimeout(r, 200));
  heard.afterCapture = await alice.evaluate(() => window.speaker(800));
  await e("setEarMonitorVolume", 0, 200);
  await new Promise((r) => setTimeout(r, 200));
  heard.at200 = await alice.evaluate(() => window.speaker(800));
  await e("setEarMonitorVolume", 0, 100);
  // AFTER_PROCESS is what is sent: a capture volume of 50 halves it; AFTER_CAPTURE ignores it.
  await e("setCaptureVolume", 0, 50);
  await e("setEarMonitorMode", 0, 2);
  await new Promise((r) => setTimeout(r, 200));
  heard.afterProcessAt50 = await alice.evaluate(() => window.speaker(800));
  await e("setEarMonitorMode", 0, 0);
  await new Promise((r) => setTimeout(r, 300));
  heard.off = await alice.evaluate(() => window.speaker(500));
  await e("setCaptureVolume", 0, 100);
  t.diagnostic(`speaker RMS: ${JSON.stringify(heard)} (tone ${TONE_RMS.toFixed(4)})`);
  assert.ok(Math.abs(heard.afterCapture / TONE_RMS - 1) < 0.1, `monitor at 100: ${heard.afterCapture}`);
  assert.ok(Math.abs(heard.at200 / heard.afterCapture - 2) < 0.15, `monitor at 200: ${heard.at200}`);
  assert.ok(
    Math.abs(heard.afterProcessAt50 / heard.afterCapture - 0.5) < 0.06,
    `after process: ${heard.afterProcessAt50}`,
  );
  assert.ok(heard.off < 0.001, `off: ${heard.off}`);
});

/** The frequency of `samples` at `rate` from its rising zero crossings. */
function frequency(samples, rate) {
  const up = [];
  for (let i = 1; i < samples.length; i++) if (samples[i - 1] < 0 && samples[i] >= 0) up.push(i);
  return up.length < 2 ? 0 : ((up.length - 1) * rate) / (up.at(-1) - up[0]);
}

test("setAudioFrameCallback: local and received frames carry the tone, at the frame size asked", async (t) => {
  const collect = (page, userId, frameSize) =>
    page.evaluate(
      async ({ userId, frameSize }) => {
        const frames = [];
        window.t.engine.setAudioFrameCallback(0, userId, (f) => frames.push(f), frameSize);
        await new Promise((r) => setTimeout(r, 1500));
        window.t.engine.setAudioFrameCallback(0, userId);
        const count = frames.length;
        await new Promise((r) => setTimeout(r, 300));
        const f = frames.at(-1);
        return {
          count,
          after: frames.length,
          channelCount: f?.channelCount,
          lengths: f?.channels.map((c) => c.length),
          sampleRate: f?.sampleRate,
          // The last five frames: on a loaded machine one can carry a glitch of the audio
          // thread, so the checks below take the median of them.
          samples: frames.slice(-5).map((f) => Array.from(f.channels[0])),
        };
      },
      { userId, frameSize },
    );
  for (const [page, userId, frameSize] of [
    [alice, undefined, 1024],
    [bob, "alice", 2048],
  ]) {
    const got = await collect(page, userId, frameSize);
    const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const hz = median(got.samples.map((s) => frequency(s, got.sampleRate)));
    const rms = median(got.samples.map((s) => Math.sqrt(s.reduce((sum, x) => sum + x * x, 0) / s.length)));
    t.diagnostic(
      `${userId ?? "local"}: ${got.count} frames of ${got.lengths} at ${got.sampleRate} Hz, ${hz.toFixed(1)} Hz, RMS ${rms.toFixed(4)}`,
    );
    assert.ok(got.count >= 5, `frames: ${got.count}`);
    assert.equal(got.after, got.count, "no frames after the callback is removed");
    assert.equal(got.channelCount, got.lengths.length);
    assert.ok(
      got.lengths.every((n) => n === frameSize),
      JSON.stringify(got.lengths),
    );
    assert.ok(Math.abs(hz - TONE_HZ) < 5, `frequency ${hz}`);
    assert.ok(Math.abs(rms / TONE_RMS - 1) < 0.2, `RMS ${rms}`);
  }
  const bad = await thrown(alice, (e) => e.setAudioFrameCallback(0, undefined, () => {}, 1000));
  assert.equal(bad?.code, "INVALID_PARAMS");
});

test("enableAudioPropertiesReport: local and remote reports with the vendor's payloads, and the active speaker", async (t) => {
  await bob.evaluate(() => window.t.engine.enableAudioPropertiesReport({ interval: 200 }));
  const events = (name) => bob.evaluate((name) => window.t.events.filter((e) => e.name === name), name);
  await waitFor(async () => (await events("onRemoteAudioPropertiesReport")).length >= 4, 5_000, "remote reports");
  await bob.evaluate(() => window.t.engine.enableAudioPropertiesReport({ interval: 0 }));
  const local = await events("onLocalAudioPropertiesReport");
  const remote = await events("onRemoteAudioPropertiesReport");
  t.diagnostic(`local ${JSON.stringify(local.at(-1).data)} remote ${JSON.stringify(remote.at(-1).data)}`);
  const expected = Math.round(AMPLITUDE * 255);
  const [l] = local.at(-1).data;
  assert.equal(l.streamIndex, 0);
  assert.ok(Math.abs(l.audioPropertiesInfo.linearVolume - expected) <= 10, JSON.stringify(l));
  assert.ok(Math.abs(l.audioPropertiesInfo.nonlinearVolume + 12) <= 2, JSON.stringify(l));
  const [r] = remote.at(-1).data;
  assert.deepEqual(r.streamKey, { roomId: "audio", userId: "alice", streamIndex: 0 });
  assert.ok(Math.abs(r.audioPropertiesInfo.linearVolume - expected) <= 12, JSON.stringify(r));
  const gaps = remote.slice(1).map((e, i) => e.at - remote[i].at);
  assert.ok(
    gaps.every((g) => g > 120 && g < 500),
    `intervals ${gaps.map(Math.round)}`,
  );
  const speaker = (await events("onActiveSpeaker"))[0]?.data;
  assert.deepEqual(speaker, { userId: "alice", roomId: "audio" });
  const count = (await events("onRemoteAudioPropertiesReport")).length;
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await events("onRemoteAudioPropertiesReport")).length, count, "reports stop at interval 0");
});

test("setAudioVolumeIndicationInterval: onAudioVolumeIndication carries {speakers} with both users", async () => {
  await bob.evaluate(() => window.t.engine.setAudioVolumeIndicationInterval(200));
  const latest = () => bob.evaluate(() => window.t.events.filter((e) => e.name === "onAudioVolumeIndication"));
  await waitFor(async () => (await latest()).length >= 3, 5_000, "volume indications");
  await bob.evaluate(() => window.t.engine.setAudioVolumeIndicationInterval(0));
  const { speakers } = (await latest()).at(-1).data;
  const expected = Math.round(AMPLITUDE * 255);
  assert.deepEqual(speakers.map((s) => s.userId).sort(), ["alice", "bob"]);
  for (const s of speakers) assert.ok(Math.abs(s.volume - expected) <= 12, JSON.stringify(speakers));
});

/** The audio sender's encoding cap and payload bitrate (kbit/s over `ms`) in `page`. */
function audioSend(page, ms = 3000) {
  return page.evaluate(async (ms) => {
    const sender = window.pcs
      .flatMap((pc) => pc.getSenders())
      .find((s) => s.track?.kind === "audio" && s.transport?.state === "connected");
    const bytes = async () => {
      let n = 0;
      (await sender.getStats()).forEach((s) => {
        if (s.type === "outbound-rtp") n += s.bytesSent;
      });
      return n;
    };
    const a = await bytes();
    await new Promise((r) => setTimeout(r, ms));
    const b = await bytes();
    return { maxBitrate: sender.getParameters().encodings[0]?.maxBitrate, kbps: ((b - a) * 8) / ms };
  }, ms);
}

test("setAudioEncodeMaxBitrate and setAudioProfile cap what the sender sends", async (t) => {
  const before = await audioSend(alice);
  await alice.evaluate(() => window.t.engine.setAudioEncodeMaxBitrate(12));
  await new Promise((r) => setTimeout(r, 500));
  const capped = await audioSend(alice);
  t.diagnostic(`payload kbit/s: default ${before.kbps.toFixed(1)}, capped at 12: ${capped.kbps.toFixed(1)}`);
  assert.equal(capped.maxBitrate, 12_000);
  assert.ok(capped.kbps <= 13 && capped.kbps < before.kbps * 0.7, JSON.stringify({ before, capped }));
  // A profile's cap applies where no explicit cap is set.
  await bob.evaluate(() => window.t.engine.setAudioProfile(VERTC.AudioProfileType.fluent));
  await new Promise((r) => setTimeout(r, 500));
  const fluent = await audioSend(bob);
  t.diagnostic(`fluent: ${JSON.stringify(fluent)}`);
  assert.equal(fluent.maxBitrate, 24_000);
  assert.ok(fluent.kbps <= 25, JSON.stringify(fluent));
  const bad = await thrown(alice, (e) => e.setAudioEncodeMaxBitrate(300));
  assert.equal(bad?.code, "INVALID_PARAMS");
});

test("setAudioProfile: a stereo profile captures two channels and raises the cap", async () => {
  const applied = await bob.evaluate(async () => {
    const e = window.t.engine;
    await e.setAudioProfile(VERTC.AudioProfileType.hd);
    await e.stopAudioCapture();
    const settings = await e.startAudioCapture();
    return settings.channelCount;
  });
  assert.equal(applied, 2, "hd captures stereo");
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await audioSend(bob, 1000)).maxBitrate, 128_000);
  const bad = await thrown(bob, (e) => e.setAudioProfile(9));
  assert.equal(bad?.code, "INVALID_PARAMS");
});

test("setAudioSelectionConfig takes the vendor's priorities and refuses others; volumes are checked", async () => {
  assert.equal(await thrown(alice, (e) => e.setAudioSelectionConfig(1)), null);
  assert.equal((await thrown(alice, (e) => e.setAudioSelectionConfig(7)))?.code, "INVALID_PARAMS");
  for (const fn of [
    (e) => e.setCaptureVolume(0, 401),
    (e) => e.setCaptureVolume(2, 100),
    (e) => e.setPlaybackVolume("alice", 0, -1),
    (e) => e.setEarMonitorVolume(0, "loud"),
    (e) => e.setEarMonitorMode(0, 5),
    (e) => e.setEarMonitorMode(0, "NONE"),
    (e) => e.enableAudioPropertiesReport({ interval: "often" }),
    (e) => e.setAudioVolumeIndicationInterval(NaN),
    (e) => e.setAudioFrameCallback(0, undefined, "not a function"),
    (e) => e.setAudioCaptureConfig(null),
  ])
    assert.equal((await thrown(alice, fn))?.code, "INVALID_PARAMS", fn.toString());
});

test("screen audio: startScreenCapture({enableAudio}) is published with the screen and arrives", async (t) => {
  const settings = await alice.evaluate(async () => {
    const e = window.t.engine;
    await e.startScreenCapture({ enableAudio: true });
    const s = e.getLocalStreamTrack(VERTC.StreamIndex.STREAM_INDEX_SCREEN, "video").getSettings();
    await e.publishScreen(VERTC.MediaType.AUDIO_AND_VIDEO);
    return { video: s, audio: e.getAudioVolume(VERTC.StreamIndex.STREAM_INDEX_SCREEN) };
  });
  t.diagnostic(`screen capture: ${settings.video.width}x${settings.video.height}`);
  await waitFor(
    () =>
      bob.evaluate(() =>
        window.t.events.some(
          (e) => e.name === "onUserPublishScreen" && e.data.userId === "alice" && e.data.mediaType === 3,
        ),
      ),
    10_000,
    "alice's screen with audio announced to bob",
  );
  // Bob's frames of alice's screen audio: Chromium's fake display capture plays the fake
  // microphone's file, so the tone arrives on the screen stream too.
  const screenFrames = () =>
    bob.evaluate(async () => {
      const frames = [];
      window.t.engine.setAudioFrameCallback(
        VERTC.StreamIndex.STREAM_INDEX_SCREEN,
        "alice",
        (f) => frames.push(f),
        4096,
      );
      await new Promise((r) => setTimeout(r, 1500));
      window.t.engine.setAudioFrameCallback(VERTC.StreamIndex.STREAM_INDEX_SCREEN, "alice");
      const f = frames.at(-1);
      return { count: frames.length, sampleRate: f?.sampleRate, samples: f ? Array.from(f.channels[0]) : [] };
    });
  const rmsOf = (xs) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / Math.max(1, xs.length));
  const got = await waitFor(
    async () => {
      const f = await screenFrames();
      return f.count > 0 && rmsOf(f.samples) > 0.01 && f;
    },
    20_000,
    "alice's screen audio in bob's frames",
  );
  const hz = frequency(got.samples, got.sampleRate);
  const rms = rmsOf(got.samples);
  t.diagnostic(`screen audio at bob: ${hz.toFixed(1)} Hz, RMS ${rms.toFixed(4)}`);
  assert.ok(Math.abs(hz - TONE_HZ) < 5, `frequency ${hz}`);
  assert.ok(Math.abs(rms / TONE_RMS - 1) < 0.2, `RMS ${rms}: captured without voice processing`);
  // The screen form of setCaptureVolume acts on the screen's audio alone.
  await alice.evaluate(() => window.t.engine.setCaptureVolume(VERTC.StreamIndex.STREAM_INDEX_SCREEN, 200));
  await new Promise((r) => setTimeout(r, 1200));
  const louder = rmsOf((await screenFrames()).samples);
  t.diagnostic(`at 200: RMS ${louder.toFixed(4)} (${(louder / rms).toFixed(2)}x)`);
  assert.ok(Math.abs(louder / rms - 2) < 0.25, `screen at 200: ${louder / rms}`);
  assert.ok(Math.abs((await receivedRms(bob, 500)) / TONE_RMS - 1) < 0.2, "the microphone is unchanged");
  await alice.evaluate(() => window.t.engine.stopScreenCapture());
  assert.equal(
    await alice.evaluate(() => window.t.engine.getAudioVolume(VERTC.StreamIndex.STREAM_INDEX_SCREEN).linearVolume),
    0,
    "no screen audio after stopScreenCapture",
  );
});

/**
 * Opens a page where `userId` publishes a stereo app track (440 Hz left, 880 Hz right) with
 * `profile` set before joining; resolves with the page and whether its publisher's answer
 * allows stereo Opus.
 */
async function stereoPublisher(userId, profile) {
  const p = sdkPage(server);
  const page = await browser.page(p.url, p.html);
  await instrument(page);
  const stereo = await page.evaluate(
    async ({ appId, userId, profile }) => {
      const ctx = new AudioContext();
      const merger = ctx.createChannelMerger(2);
      for (const [hz, side] of [
        [440, 0],
        [880, 1],
      ]) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = hz;
        gain.gain.value = 0.25;
        osc.connect(gain).connect(merger, 0, side);
        osc.start();
      }
      const out = ctx.createMediaStreamDestination();
      merger.connect(out);
      const e = ((window.t = { events: [] }).engine = VERTC.createEngine(appId));
      await e.setAudioProfile(profile);
      await e.setAudioSourceType(0, VERTC.AudioSourceType.AUDIO_SOURCE_TYPE_EXTERNAL);
      await e.setExternalAudioTrack(0, out.stream.getAudioTracks()[0]);
      const { token } = await (await fetch(`/dev/token?roomId=audio&userId=${userId}`)).json();
      await e.joinRoom(token, "audio", { userId }, { isAutoPublish: true });
      await e.publishStream(VERTC.MediaType.AUDIO);
      const publisher = window.pcs.find((pc) => pc.localDescription?.type === "offer");
      return /^a=fmtp:\d+ .*stereo=1/m.test(publisher.remoteDescription.sdp);
    },
    { appId: server.appId, userId, profile },
  );
  return { page, stereo };
}

/** The last frame of `userId`'s main audio in bob's page, once it carries sound. */
function lastFrameAtBob(userId) {
  return waitFor(
    () =>
      bob.evaluate(async (userId) => {
        const frames = [];
        window.t.engine.setAudioFrameCallback(0, userId, (f) => frames.push(f), 4096);
        await new Promise((r) => setTimeout(r, 1000));
        window.t.engine.setAudioFrameCallback(0, userId);
        const f = frames.at(-1);
        return f && f.channels.some((c) => c.some((x) => Math.abs(x) > 0.05))
          ? { sampleRate: f.sampleRate, channels: f.channels.map((c) => Array.from(c)) }
          : null;
      }, userId),
    20_000,
    `${userId}'s audio in bob's frames`,
  );
}

test("setAudioProfile(hd) before publishing: stereo arrives as stereo; the default profile sends mono", async (t) => {
  const carol = await stereoPublisher("carol", 3);
  const dave = await stereoPublisher("dave", 0);
  try {
    assert.equal(carol.stereo, true, "hd: the publisher's answer allows stereo Opus");
    assert.equal(dave.stereo, false, "default: it does not");
    const hd = await lastFrameAtBob("carol");
    const hz = hd.channels.map((c) => frequency(c, hd.sampleRate));
    t.diagnostic(`bob hears carol (hd): left ${hz[0].toFixed(1)} Hz, right ${hz[1].toFixed(1)} Hz`);
    assert.equal(hd.channels.length, 2);
    // Within 2 %: one decoded frame is short, and its estimate moves a few hertz under load.
    assert.ok(Math.abs(hz[0] - 440) < 9 && Math.abs(hz[1] - 880) < 18, JSON.stringify(hz));
    // The same track under the default profile: one mix on both sides.
    const mono = await lastFrameAtBob("dave");
    const apart = Math.max(...mono.channels[0].map((x, i) => Math.abs(x - mono.channels[1][i])));
    t.diagnostic(`bob hears dave (default): largest left-right difference ${apart.toFixed(4)}`);
    assert.ok(apart < 0.01, `dave's channels differ by up to ${apart}`);
  } finally {
    await carol.page.close();
    await dave.page.close();
  }
});
