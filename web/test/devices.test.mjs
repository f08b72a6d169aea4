// Audio device tests, the playback device, a refused screen share and blocked autoplay, through
// the Web SDK in headless Chromium with its fake microphone (which beeps) and a real server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";

let server, browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A WAV file of `seconds` of a 440 Hz sine at half scale (16-bit mono, 48 kHz). */
function toneWav(seconds = 1, rate = 48_000) {
  const n = seconds * rate;
  const wav = Buffer.alloc(44 + 2 * n);
  wav.write("RIFF", 0);
  wav.writeUInt32LE(36 + 2 * n, 4);
  wav.write("WAVEfmt ", 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(2 * rate, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write("data", 36);
  wav.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++)
    wav.writeInt16LE(Math.round(16383 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + 2 * i);
  return wav;
}

/**
 * A fresh SDK page with `window.d`: an engine, the volumes it reported ({v, at}), the URL of
 * the tone as a blob, and `code(fn)` which runs fn and returns the error code it threw.
 */
async function devicePage(name) {
  const p = sdkPage(server, name);
  const page = await browser.page(p.url, p.html);
  await page.evaluate(
    ({ appId, wav }) => {
      const bytes = Uint8Array.from(atob(wav), (c) => c.charCodeAt(0));
      const d = (window.d = { volumes: [], tone: URL.createObjectURL(new Blob([bytes], { type: "audio/wav" })) });
      d.engine = VERTC.createEngine(appId);
      d.engine.on(VERTC.events.onAudioPlaybackDeviceTestVolume, (v) => d.volumes.push({ v, at: performance.now() }));
      d.since = (at) => d.volumes.filter((x) => x.at > at);
      d.code = async (fn) => {
        try {
          await fn();
          return "no error";
        } catch (e) {
          return typeof e.message === "string" && e.message.length > 10 ? e.code : `no message: ${e.message}`;
        }
      };
    },
    { appId: server.appId, wav: toneWav().toString("base64") },
  );
  return page;
}

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

test("the playback test reports the file's level every interval until stopped", async () => {
  const page = await devicePage("playback");
  const start = await page.evaluate(async () => {
    await d.engine.startAudioPlaybackDeviceTest(d.tone, 100);
    return performance.now();
  });
  const volumes = await waitFor(
    () => page.evaluate(() => d.volumes.length >= 12 && d.volumes),
    5_000,
    "12 volume reports",
  );
  // A half-scale sine reads about 128 of 255 on every report: the file plays, looped.
  for (const { v } of volumes) assert.ok(v >= 100 && v <= 160, `volume ${v} of a half-scale tone`);
  const gaps = volumes
    .slice(1)
    .map((x, i) => x.at - volumes[i].at)
    .sort((a, b) => a - b);
  const median = gaps[gaps.length >> 1];
  assert.ok(median > 70 && median < 150, `reports every ~100 ms, median gap ${median}`);
  assert.ok(volumes[0].at - start < 400, "the first report comes within a few intervals");
  // Looping: a 1 s file still sounds after 1.5 s.
  await waitFor(
    () => page.evaluate((s) => d.volumes.some((x) => x.at > s + 1_500 && x.v > 100), start),
    5_000,
    "reports after the file's end",
  );
  const stoppedAt = await page.evaluate(() => {
    d.engine.stopAudioPlaybackDeviceTest();
    return performance.now();
  });
  await pause(500);
  assert.equal(
    await page.evaluate((t) => d.since(t).length, stoppedAt),
    0,
    "no reports after stopAudioPlaybackDeviceTest",
  );
  await page.close();
});

test("the record test reports the microphone, then plays the recording back until stopped", async () => {
  const page = await devicePage("record");
  const start = await page.evaluate(async () => {
    await d.engine.startAudioDeviceRecordTest(200);
    return performance.now();
  });
  // Chromium's fake microphone beeps: some reports while recording are loud.
  const recording = await waitFor(
    () => page.evaluate(() => d.volumes.length >= 12 && d.volumes),
    6_000,
    "12 reports while recording",
  );
  assert.ok(
    recording.some((x) => x.v > 20),
    `the beeps are heard: ${recording.map((x) => x.v)}`,
  );
  assert.ok(
    recording.some((x) => x.v < 5),
    `and the silence between them: ${recording.map((x) => x.v)}`,
  );
  const stoppedAt = await page.evaluate(() => {
    d.engine.stopAudioDeviceRecordAndPlayTest();
    return performance.now();
  });
  const recordedMs = stoppedAt - start;
  // The microphone is closed within a moment of the stop: what sounds afterwards is the
  // recording (about 2.4 s of it) playing back.
  const replay = await waitFor(
    () => page.evaluate((t) => d.since(t + 400).length >= 5 && d.since(t + 400), stoppedAt),
    5_000,
    "reports of the playback",
  );
  assert.ok(
    replay.some((x) => x.v > 20),
    `the recording has the beeps: ${replay.map((x) => x.v)}`,
  );
  const stopPlayAt = await page.evaluate(() => {
    d.engine.stopAudioDevicePlayTest();
    return performance.now();
  });
  assert.ok(stopPlayAt - stoppedAt < recordedMs, "stopped before the recording's end");
  await pause(600);
  assert.equal(
    await page.evaluate((t) => d.since(t).length, stopPlayAt),
    0,
    "no reports after stopAudioDevicePlayTest",
  );
  // The test is over: another may start.
  assert.equal(await page.evaluate(() => d.code(() => d.engine.startAudioPlaybackDeviceTest(d.tone, 100))), "no error");
  await page.evaluate(() => d.engine.stopAudioPlaybackDeviceTest());
  await page.close();
});

test("the recording plays back to its end by itself, then the test is over", async () => {
  const page = await devicePage("record-end");
  await page.evaluate(() => d.engine.startAudioDeviceRecordTest(100));
  await pause(1_000);
  const stoppedAt = await page.evaluate(() => {
    d.engine.stopAudioDeviceRecordAndPlayTest();
    return performance.now();
  });
  // About 1 s of recording: the reports end about 1 s after the stop.
  const last = await waitFor(
    async () => {
      const v = await page.evaluate((t) => d.since(t), stoppedAt);
      const quiet = v.length > 0 && (await page.evaluate(() => performance.now())) - v.at(-1).at > 500;
      return quiet && v.at(-1).at - stoppedAt;
    },
    6_000,
    "the playback's end",
  );
  assert.ok(last > 700 && last < 2_500, `the recording played for ${last} ms`);
  assert.equal(await page.evaluate(() => d.code(() => d.engine.startAudioDeviceRecordTest(100))), "no error");
  await page.evaluate(() => d.engine.stopAudioDevicePlayTest());
  await page.close();
});

test("one device test at a time: REPEAT_DEVICE_TEST; bad arguments: INVALID_PARAMS; a bad file: LOAD_RESOURCES_FAILED", async () => {
  const page = await devicePage("repeat");
  const codes = await page.evaluate(async () => {
    const e = d.engine;
    const out = {};
    await e.startAudioPlaybackDeviceTest(d.tone, 100);
    out.playTwice = await d.code(() => e.startAudioPlaybackDeviceTest(d.tone, 100));
    out.recordWhilePlaying = await d.code(() => e.startAudioDeviceRecordTest(100));
    e.stopAudioPlaybackDeviceTest();
    await e.startAudioDeviceRecordTest(100);
    out.recordTwice = await d.code(() => e.startAudioDeviceRecordTest(100));
    out.playWhileRecording = await d.code(() => e.startAudioPlaybackDeviceTest(d.tone, 100));
    e.stopAudioDevicePlayTest();
    out.emptyUrl = await d.code(() => e.startAudioPlaybackDeviceTest("", 100));
    out.zeroInterval = await d.code(() => e.startAudioPlaybackDeviceTest(d.tone, 0));
    out.textInterval = await d.code(() => e.startAudioDeviceRecordTest("100"));
    out.negativeInterval = await d.code(() => e.startAudioDeviceRecordTest(-1));
    out.missingFile = await d.code(() => e.startAudioPlaybackDeviceTest("/no-such-file.wav", 100));
    out.notAudio = await d.code(() => e.startAudioPlaybackDeviceTest("/healthz", 100));
    // Failures end the test: a good file plays now.
    out.afterwards = await d.code(() => e.startAudioPlaybackDeviceTest(d.tone, 100));
    e.stopAudioPlaybackDeviceTest();
    return out;
  });
  assert.deepEqual(codes, {
    playTwice: "REPEAT_DEVICE_TEST",
    recordWhilePlaying: "REPEAT_DEVICE_TEST",
    recordTwice: "REPEAT_DEVICE_TEST",
    playWhileRecording: "REPEAT_DEVICE_TEST",
    emptyUrl: "INVALID_PARAMS",
    zeroInterval: "INVALID_PARAMS",
    textInterval: "INVALID_PARAMS",
    negativeInterval: "INVALID_PARAMS",
    missingFile: "LOAD_RESOURCES_FAILED",
    notAudio: "LOAD_RESOURCES_FAILED",
    afterwards: "no error",
  });
  await page.close();
});

test("a microphone that cannot be opened: AUDIO_DEVICE_RECORD_FAILED; no MediaRecorder or AudioContext: NOT_SUPPORTED", async () => {
  const page = await devicePage("unsupported");
  const codes = await page.evaluate(async () => {
    const out = {};
    const e = d.engine;
    await e.setAudioCaptureDevice("no-such-microphone");
    out.missingMic = await d.code(() => e.startAudioDeviceRecordTest(100));
    const other = VERTC.createEngine("x".repeat(24));
    const real = navigator.mediaDevices.getUserMedia;
    navigator.mediaDevices.getUserMedia = () =>
      Promise.reject(new DOMException("Could not start audio source", "NotReadableError"));
    out.busyMic = await d.code(() => other.startAudioDeviceRecordTest(100));
    out.busyMicAgain = await d.code(() => other.startAudioDeviceRecordTest(100));
    navigator.mediaDevices.getUserMedia = real;
    delete window.MediaRecorder;
    out.noRecorder = await d.code(() => other.startAudioDeviceRecordTest(100));
    out.playWithoutRecorder = await d.code(() => other.startAudioPlaybackDeviceTest(d.tone, 100));
    other.stopAudioPlaybackDeviceTest();
    delete window.AudioContext;
    out.noContext = await d.code(() => other.startAudioPlaybackDeviceTest(d.tone, 100));
    return out;
  });
  assert.deepEqual(codes, {
    missingMic: "AUDIO_DEVICE_RECORD_FAILED",
    busyMic: "AUDIO_DEVICE_RECORD_FAILED",
    busyMicAgain: "AUDIO_DEVICE_RECORD_FAILED",
    noRecorder: "NOT_SUPPORTED",
    playWithoutRecorder: "no error",
    noContext: "NOT_SUPPORTED",
  });
  await page.close();
});

test("setAudioPlaybackDevice: a listed id or 'default' works, others are INVALID_DEVICE_ID, no setSinkId is NOT_SUPPORTED", async () => {
  const page = await devicePage("sink");
  const r = await page.evaluate(async () => {
    const e = d.engine;
    await VERTC.enableDevices({ audio: true, video: false });
    const outputs = await VERTC.enumerateAudioPlaybackDevices();
    const out = { outputs: outputs.length };
    out.listed = await d.code(() => e.setAudioPlaybackDevice(outputs[0].deviceId));
    out.byDefault = await d.code(() => e.setAudioPlaybackDevice("default"));
    out.unknown = await d.code(() => e.setAudioPlaybackDevice("no-such-speaker"));
    // A running test follows the device and keeps sounding.
    await e.startAudioPlaybackDeviceTest(d.tone, 100);
    out.duringTest = await d.code(() => e.setAudioPlaybackDevice(outputs.at(-1).deviceId));
    const t = performance.now();
    await new Promise((r) => setTimeout(r, 500));
    out.loudAfterSwitch = d.since(t).filter((x) => x.v > 100).length;
    e.stopAudioPlaybackDeviceTest();
    // Where an AudioContext cannot pick a device, the test plays through a media element.
    delete AudioContext.prototype.setSinkId;
    const other = outputs.find((o) => o.deviceId !== "default") ?? outputs[0];
    out.other = other.deviceId !== "default";
    await e.setAudioPlaybackDevice(other.deviceId);
    const t2 = performance.now();
    out.viaElement = await d.code(() => e.startAudioPlaybackDeviceTest(d.tone, 100));
    await new Promise((r) => setTimeout(r, 500));
    out.loudViaElement = d.since(t2).filter((x) => x.v > 100).length;
    e.stopAudioPlaybackDeviceTest();
    delete HTMLMediaElement.prototype.setSinkId;
    out.noSinkId = await d.code(() => e.setAudioPlaybackDevice("default"));
    return out;
  });
  assert.ok(r.outputs > 1 && r.other, "Chromium lists output devices besides the default");
  assert.equal(r.listed, "no error");
  assert.equal(r.byDefault, "no error");
  assert.equal(r.unknown, "INVALID_DEVICE_ID");
  assert.equal(r.duringTest, "no error");
  assert.ok(r.loudAfterSwitch >= 3, `the test sounds after the switch (${r.loudAfterSwitch} loud reports)`);
  assert.equal(r.viaElement, "no error");
  assert.ok(r.loudViaElement >= 3, `the test sounds through an element (${r.loudViaElement} loud reports)`);
  assert.equal(r.noSinkId, "NOT_SUPPORTED");
  await page.close();
});

test("a screen share the page may not make fails with GET_SCREEN_TRACK_FAILED", async () => {
  const page = await devicePage("screen");
  const r = await page.evaluate(async (appId) => {
    // The same call succeeds where display capture is allowed (the fake UI accepts)...
    const allowed = await d.code(() => d.engine.startScreenCapture());
    await d.engine.stopScreenCapture();
    // ...and fails in a frame whose permissions policy forbids it.
    const iframe = document.createElement("iframe");
    iframe.allow = "display-capture 'none'";
    iframe.srcdoc = '<script src="/sdk/vertc.umd.js"></' + "script>";
    const loaded = new Promise((r) => (iframe.onload = r));
    document.body.append(iframe);
    await loaded;
    const engine = iframe.contentWindow.VERTC.createEngine(appId);
    try {
      await engine.startScreenCapture();
      return { allowed, code: "no error" };
    } catch (e) {
      return { allowed, code: e.code, message: e.message };
    }
  }, server.appId);
  assert.equal(r.allowed, "no error");
  assert.equal(r.code, "GET_SCREEN_TRACK_FAILED");
  assert.match(r.message, /NotAllowedError/);
  await page.close();
});

test("remote audio blocked by the autoplay policy: onAutoplayFailed, then a click plays it (onPlayerEvent playing)", async () => {
  const strict = await launch({ args: ["--autoplay-policy=document-user-activation-required"] });
  try {
    const p = sdkPage(server, "autoplay");
    const publisher = await browser.page(p.url, p.html);
    await joinWithMedia(publisher, server.appId, "autoplay", "pub");
    // Playwright's evaluate counts as a user gesture, which would lift the policy: the
    // listener's page is driven through the DevTools protocol, which does not.
    const page = await strict.page(p.url);
    const cdp = await strict.context.newCDPSession(page);
    const run = async (expression) => {
      const r = await cdp.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
      if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
      return r.result.value;
    };
    await run(`document.open(); document.write(${JSON.stringify(p.html)}); document.close();`);
    await waitFor(() => run("typeof VERTC === 'object'"), 10_000, "the SDK in the listener's page");
    await run(`(async () => {
      const l = (window.l = { autoplay: [], player: [] });
      const engine = (l.engine = VERTC.createEngine(${JSON.stringify(server.appId)}));
      engine.on(VERTC.events.onAutoplayFailed, (e) => l.autoplay.push(e));
      engine.on(VERTC.events.onPlayerEvent, (e) => l.player.push({ userId: e.userId, type: e.type, event: e.rawEvent.type }));
      const { token } = await (await fetch("/dev/token?roomId=autoplay&userId=listener")).json();
      await engine.joinRoom(token, "autoplay", { userId: "listener" });
    })()`);
    const failed = await waitFor(() => run("l.autoplay.length > 0 && l.autoplay"), 20_000, "onAutoplayFailed");
    assert.deepEqual(failed[0], { userId: "pub", kind: "audio", streamIndex: 0, mediaType: 1 }); // MediaType.AUDIO
    assert.equal(await run("navigator.userActivation.hasBeenActive"), false, "no user gesture so far");
    assert.equal(await run("l.player.some((e) => e.event === 'playing')"), false, "nothing plays before the click");
    await page.mouse.click(10, 10);
    const playing = await waitFor(
      () => run("l.player.find((e) => e.event === 'playing')"),
      5_000,
      "onPlayerEvent playing after the click",
    );
    assert.deepEqual(playing, { userId: "pub", type: "audio", event: "playing" });
    // Once the page has had a gesture, engine.play() is harmless and nothing is blocked any more.
    await run("l.engine.play('pub')");
    assert.equal(await run("l.autoplay.length"), failed.length, "no further autoplay failures");
    await publisher.close();
  } finally {
    await strict.close();
  }
});
