// A browser (Web SDK) and a native client (`chorus join`) in one room see and hear each
// other, checked in decoded content both ways: the browser's fake camera and microphone play
// files made here (coloured quadrants, a 660 Hz sine), the native client sends its 440 Hz
// tone and test card; each side must decode what the other sent.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { chorusBinary, startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";
import {
  QUADRANTS,
  near,
  powerAt,
  quadrantColours,
  readPng,
  readWav,
  rms,
  wavSine,
  y4mQuadrants,
} from "./lib/media_files.mjs";

const ROOM = "native";
let server, browser, page, dir, native;

/** Runs `chorus join` for `seconds`; resolves with its exit code and JSON lines once it ends. */
function nativeJoin(args, seconds) {
  const child = spawn(
    chorusBinary(),
    [
      "join",
      "--server",
      server.url,
      "--app-id",
      server.appId,
      "--app-key",
      server.appKey,
      "--room",
      ROOM,
      "--duration",
      String(seconds),
      ...args,
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const lines = [];
  createInterface({ input: child.stdout }).on("line", (l) => lines.push(JSON.parse(l)));
  const done = new Promise((resolve) => child.on("close", (code) => resolve({ code, lines, stderr })));
  return { child, lines, done };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-native-"));
  writeFileSync(join(dir, "camera.y4m"), y4mQuadrants(320, 240, 30));
  writeFileSync(join(dir, "mic.wav"), wavSine(660));
  server = await startServer();
  browser = await launch({
    args: [
      `--use-file-for-fake-video-capture=${join(dir, "camera.y4m")}`,
      `--use-file-for-fake-audio-capture=${join(dir, "mic.wav")}`,
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
  const p = sdkPage(server);
  page = await browser.page(p.url, p.html);
  // Keeps every received track, to analyse the audio the page decodes.
  await page.evaluate(() => {
    window.received = [];
    const Base = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Base {
      constructor(...args) {
        super(...args);
        this.addEventListener("track", (e) => window.received.push(e.track));
      }
    };
  });
  await joinWithMedia(page, server.appId, ROOM, "web");
  native = nativeJoin(
    [
      "--user",
      "cli",
      "--publish-audio",
      "tone:440",
      "--publish-video",
      "pattern",
      "--record-audio",
      `web:${join(dir, "out.wav")}`,
      "--snapshot",
      `web:${join(dir, "out.png")}`,
    ],
    10,
  );
});

after(async () => {
  native?.child.kill();
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the browser plays the native client's video: 320x240, frames keep coming, not flat", async () => {
  const remote = () =>
    page.evaluate(() => {
      const v = document.querySelector("#remote video");
      return (
        v && {
          width: v.videoWidth,
          height: v.videoHeight,
          frames: v.getVideoPlaybackQuality().totalVideoFrames,
          user: v.dataset.chorusUser,
        }
      );
    });
  const first = await waitFor(
    async () => {
      const v = await remote();
      return v && v.frames > 0 && v;
    },
    20_000,
    "the native client's video in the page",
  );
  assert.equal(first.user, "cli");
  assert.deepEqual([first.width, first.height], [320, 240]);
  await waitFor(async () => (await remote()).frames > first.frames + 20, 5_000, "frames rising");
  const spread = await page.evaluate(async () => {
    const img = await window.t.engine.takeRemoteSnapshot("cli", 0);
    let [min, max] = [255, 0];
    for (let i = 0; i < img.data.length; i += 4 * 31)
      [min, max] = [Math.min(min, img.data[i]), Math.max(max, img.data[i])];
    return max - min;
  });
  assert.ok(spread > 100, `the test card is not one flat colour (red spread ${spread})`);
});

test("the browser hears the native client's 440 Hz tone", async () => {
  const stats = await waitFor(
    async () => {
      const s = (await page.evaluate(() => window.t.remoteStats.cli ?? [])).filter((x) => x.audioStats);
      if (s.length < 2) return false;
      const [a, b] = [s[0].audioStats, s.at(-1).audioStats];
      return b.bytesReceived > a.bytesReceived && b.totalAudioEnergy > a.totalAudioEnergy && s;
    },
    15_000,
    "audio bytes and energy rising",
  );
  assert.ok(
    stats.some((x) => x.audioStats.audioLevel > 0.05),
    "the tone has real level",
  );
  // The spectrum of what the browser decodes: the peak is at 440 Hz.
  const peak = await page.evaluate(async () => {
    const track = window.received.find((t) => t.kind === "audio");
    const ctx = new AudioContext();
    await ctx.resume();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 8192;
    ctx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    await new Promise((r) => setTimeout(r, 1000));
    const bins = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(bins);
    let best = 0;
    for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
    const hz = (best * ctx.sampleRate) / analyser.fftSize;
    await ctx.close();
    return { hz, db: bins[best] };
  });
  assert.ok(Math.abs(peak.hz - 440) < 15, `peak at ${peak.hz.toFixed(1)} Hz (${peak.db.toFixed(1)} dB), expected 440`);
  const events = await page.evaluate(() => window.t.events.filter((e) => e.data?.userId === "cli").map((e) => e.name));
  assert.ok(events.includes("onRemoteAudioFirstFrame") && events.includes("onRemoteVideoFirstFrame"), events.join(","));
});

test("the native client decodes the browser's video and audio: the quadrants and 660 Hz", async (t) => {
  // The native SDK decodes H.264 only: the browser must have chosen it.
  const sent = await waitFor(
    () => page.evaluate(() => window.t.localStats?.videoStats?.codec),
    10_000,
    "the browser's sent video codec",
  );
  assert.equal(sent, "H264");
  const { code, lines, stderr } = await native.done;
  assert.equal(code, 0, `chorus join failed\n${stderr}\n${JSON.stringify(lines.filter((l) => l.error))}`);
  const from = (event) => lines.filter((l) => l.event === event && l.data?.userId === "web");
  assert.ok(from("onRemoteVideoFirstFrame").length > 0, "onRemoteVideoFirstFrame for the browser user");
  assert.ok(from("onRemoteAudioFirstFrame").length > 0, "onRemoteAudioFirstFrame for the browser user");
  const [shot] = from("takeRemoteSnapshot");
  assert.deepEqual([shot?.data.width, shot?.data.height], [320, 240], JSON.stringify(shot));

  const img = readPng(readFileSync(join(dir, "out.png")));
  assert.deepEqual([img.width, img.height], [320, 240]);
  const colours = quadrantColours(img);
  t.diagnostic(`snapshot quadrants ${JSON.stringify(colours)}`);
  colours.forEach((c, i) => assert.ok(near(c, QUADRANTS[i]), `quadrant ${i}: got ${c}, sent ${QUADRANTS[i]}`));

  const [recorded] = from("recordAudio");
  assert.ok(recorded?.data.seconds > 3, JSON.stringify(recorded));
  const wav = readWav(readFileSync(join(dir, "out.wav")));
  // The last few seconds: by then the browser's audio flows.
  const tail = wav.samples.subarray(Math.max(0, wav.samples.length - 3 * wav.rate));
  assert.ok(rms(tail) > 0.01, `real level (rms ${rms(tail).toFixed(4)})`);
  const at = (hz) => powerAt(tail, wav.rate, hz);
  t.diagnostic(
    `recorded rms ${rms(tail).toFixed(3)}, power 660 Hz ${at(660).toExponential(2)}, 440 Hz ${at(440).toExponential(2)}`,
  );
  for (const other of [440, 330, 550, 880, 1000, 1320]) {
    assert.ok(
      at(660) > 20 * at(other),
      `660 Hz dominates ${other} Hz: ${at(660).toExponential(2)} vs ${at(other).toExponential(2)}`,
    );
  }
});
