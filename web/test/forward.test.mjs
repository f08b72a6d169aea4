// Cross-room forwarding with a browser publisher: Alice's page in room A forwards into B and C,
// where Bob's and Carol's pages play her camera (the quadrants made here) and hear her 440 Hz
// microphone; a bad token fails its room alone; pause stops both rooms and resume restarts
// them; an update drops C and adds D; a kick in a target room fires onForwardStreamError;
// stop ends the rest; simulcast layers cross the forward.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chorusBinary, startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { devToken, joinWithMedia } from "./lib/client.mjs";
import { QUADRANTS, near, wavSine, y4mQuadrants } from "./lib/media_files.mjs";

const SUCCESS = 0;
const FAILURE = 1;
const INVALID_TOKEN = 1202;
const REMOTE_KICKED = 1204;

let server, browser, dir, alice, bob, carol, dave;

/** A page that keeps every track it receives (`window.received`), joined without capture. */
async function watcher(room, user) {
  const p = sdkPage(server, user);
  const page = await browser.page(p.url, p.html);
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
  await joinWithMedia(page, server.appId, room, user, { audio: false, video: false });
  return page;
}

/** Alice's forwarding call `method`, with target rooms as [roomId, token] pairs. */
function forward(method, rooms) {
  return alice.evaluate(
    async ({ method, rooms }) => {
      try {
        const infos = rooms ? rooms.map(([roomId, token]) => ({ roomId, token })) : undefined;
        return { states: await window.t.engine[method](infos) };
      } catch (e) {
        return { code: e.code };
      }
    },
    { method, rooms },
  );
}

/** Decoded frames of the remote `<video>` in `page` (0 before there is one). */
function frames(page) {
  return page.evaluate(() => document.querySelector("#remote video")?.getVideoPlaybackQuality().totalVideoFrames ?? 0);
}

/** The first event `name` about Alice that `page` recorded. */
function aliceEvent(page, name, ms = 10_000) {
  return waitFor(
    () =>
      page.evaluate(
        (name) =>
          window.t.events.find((e) => e.name === name && (e.data?.userId ?? e.data?.userInfo?.userId) === "alice")
            ?.data,
        name,
      ),
    ms,
    `${name} for alice`,
  );
}

/** Checks that `page` plays Alice: frames rising, her quadrants, her 440 Hz. */
async function playsAlice(page, who) {
  await aliceEvent(page, "onUserJoined");
  await aliceEvent(page, "onUserPublishStream");
  const first = await waitFor(async () => (await frames(page)) > 0 && frames(page), 30_000, `alice's video in ${who}`);
  await waitFor(async () => (await frames(page)) > first + 15, 10_000, `${who}: frames rising`);
  const colours = await page.evaluate(async () => {
    const img = await window.t.engine.takeRemoteSnapshot("alice", 0);
    const mean = (x0, y0) => {
      const sum = [0, 0, 0];
      let n = 0;
      for (let y = y0 + 20; y < y0 + img.height / 2 - 20; y += 4)
        for (let x = x0 + 20; x < x0 + img.width / 2 - 20; x += 4) {
          const i = 4 * (y * img.width + x);
          for (let c = 0; c < 3; c++) sum[c] += img.data[i + c];
          n++;
        }
      return sum.map((s) => Math.round(s / n));
    };
    const [w, h] = [img.width / 2, img.height / 2];
    return [mean(0, 0), mean(w, 0), mean(0, h), mean(w, h)];
  });
  colours.forEach((c, i) => assert.ok(near(c, QUADRANTS[i]), `${who}: quadrant ${i} is ${c}, sent ${QUADRANTS[i]}`));
  const peak = await page.evaluate(async () => {
    const track = window.received.filter((t) => t.kind === "audio" && t.readyState === "live").at(-1);
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
    await ctx.close();
    return (best * ctx.sampleRate) / analyser.fftSize;
  });
  assert.ok(Math.abs(peak - 440) < 15, `${who}: audio peak at ${peak.toFixed(1)} Hz, sent 440`);
}

/** Checks that `page` decodes no more frames (after what was on its way). */
async function stillFrames(page, who) {
  await new Promise((r) => setTimeout(r, 1000));
  const before = await frames(page);
  await new Promise((r) => setTimeout(r, 1500));
  const after = await frames(page);
  assert.ok(after - before <= 1, `${who}: ${after - before} frames decoded while paused`);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-forward-"));
  writeFileSync(join(dir, "camera.y4m"), y4mQuadrants(320, 240, 30));
  writeFileSync(join(dir, "mic.wav"), wavSine(440));
  server = await startServer();
  browser = await launch({
    args: [
      `--use-file-for-fake-video-capture=${join(dir, "camera.y4m")}`,
      `--use-file-for-fake-audio-capture=${join(dir, "mic.wav")}`,
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
  const p = sdkPage(server, "alice");
  alice = await browser.page(p.url, p.html);
  await joinWithMedia(alice, server.appId, "fw-a", "alice");
  bob = await watcher("fw-b", "bob");
  carol = await watcher("fw-c", "carol");
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("calls before a start are out of turn", async () => {
  for (const method of ["stopForwardStreamToRooms", "pauseForwardStreamToAllRooms", "resumeForwardStreamToAllRooms"])
    assert.deepEqual(await forward(method), { code: "UNEXPECTED_INVOKE_FORWARD_STREAM" }, method);
});

test("a start reaches B and C; a bad token fails its room alone", async () => {
  const { states, code } = await forward("startForwardStreamToRooms", [
    ["fw-b", await devToken(alice, "fw-b", "alice")],
    ["fw-c", await devToken(alice, "fw-c", "alice")],
    ["fw-x", await devToken(alice, "fw-x", "mallory")],
  ]);
  assert.equal(code, undefined);
  assert.deepEqual(states, [
    { roomId: "fw-b", state: SUCCESS, error: 0 },
    { roomId: "fw-c", state: SUCCESS, error: 0 },
    { roomId: "fw-x", state: FAILURE, error: INVALID_TOKEN },
  ]);
  assert.deepEqual(await forward("startForwardStreamToRooms", []), { code: "UNEXPECTED_INVOKE_FORWARD_STREAM" });
  await Promise.all([playsAlice(bob, "bob"), playsAlice(carol, "carol")]);
});

test("pause stops both rooms; resume restarts them", async () => {
  const paused = await forward("pauseForwardStreamToAllRooms");
  assert.deepEqual(
    paused.states.map((s) => s.roomId),
    ["fw-b", "fw-c"],
  );
  await Promise.all([stillFrames(bob, "bob"), stillFrames(carol, "carol")]);
  await forward("resumeForwardStreamToAllRooms");
  for (const [page, who] of [
    [bob, "bob"],
    [carol, "carol"],
  ]) {
    const from = await frames(page);
    await waitFor(async () => (await frames(page)) > from + 15, 15_000, `${who}: frames again after resuming`);
  }
});

test("an update drops C and adds D", async () => {
  dave = await watcher("fw-d", "dave");
  const { states } = await forward("updateForwardStreamToRooms", [
    ["fw-b", await devToken(alice, "fw-b", "alice")],
    ["fw-d", await devToken(alice, "fw-d", "alice")],
  ]);
  assert.deepEqual(
    states.map((s) => [s.roomId, s.state]),
    [
      ["fw-b", SUCCESS],
      ["fw-d", SUCCESS],
    ],
  );
  const left = await aliceEvent(carol, "onUserLeave");
  assert.equal(left.reason, 0); // QUIT
  await playsAlice(dave, "dave");
});

test("a kick in a target room fires onForwardStreamError there alone", async () => {
  const out = spawnSync(
    chorusBinary(),
    [
      "api",
      "KickUser",
      JSON.stringify({ AppId: server.appId, RoomId: "fw-d", UserId: "alice" }),
      "--server",
      server.url,
      "--ak",
      server.ak,
      "--sk",
      server.sk,
    ],
    { encoding: "utf8" },
  );
  assert.equal(out.status, 0, out.stdout + out.stderr);
  const error = await waitFor(
    () => alice.evaluate(() => window.t.events.find((e) => e.name === "onForwardStreamError")?.data),
    10_000,
    "alice's onForwardStreamError",
  );
  assert.deepEqual(error, { roomId: "fw-d", state: FAILURE, error: REMOTE_KICKED });
  await aliceEvent(dave, "onUserLeave");
  // Alice is still in her own room, publishing: B still plays her.
  const from = await frames(bob);
  await waitFor(async () => (await frames(bob)) > from + 15, 10_000, "bob: frames after the kick in D");
});

test("stop ends forwarding into the rooms left", async () => {
  const { states } = await forward("stopForwardStreamToRooms");
  assert.deepEqual(
    states.map((s) => s.roomId),
    ["fw-b"],
  );
  const left = await aliceEvent(bob, "onUserLeave");
  assert.equal(left.reason, 0);
  assert.deepEqual(await forward("stopForwardStreamToRooms"), { code: "UNEXPECTED_INVOKE_FORWARD_STREAM" });
});

test("simulcast layers cross the forward: a subscriber in the target room picks LOW, then HIGH", async (t) => {
  // A simulcast publisher of its own (960x540: three layers) forwarding into fw-s2, in a browser
  // whose fake camera is Chromium's own (the file camera above is only 320x240).
  const second = await launch();
  const p = sdkPage(server, "pat");
  const pat = await second.page(p.url, p.html);
  await pat.evaluate(
    async ({ appId }) => {
      const engine = (window.engine = VERTC.createEngine(appId));
      engine.setVideoEncoderConfig({ width: 960, height: 540, frameRate: 15 });
      await engine.enableSimulcastMode(true);
      await engine.startVideoCapture();
      const token = async (room) => (await (await fetch(`/dev/token?roomId=${room}&userId=pat`)).json()).token;
      await engine.joinRoom(await token("fw-s1"), "fw-s1", { userId: "pat" }, { isAutoPublish: true });
      await engine.startForwardStreamToRooms([{ roomId: "fw-s2", token: await token("fw-s2") }]);
    },
    { appId: server.appId },
  );
  const tim = await watcher("fw-s2", "tim");
  t.after(() => second.close());
  const width = () => tim.evaluate(() => document.querySelector("#remote video")?.videoWidth ?? 0);
  await waitFor(async () => (await width()) === 960, 30_000, "the high layer (960 wide) by default");
  for (const [type, wide] of [
    ["VIDEO_STREAM_LOW", 240],
    ["VIDEO_STREAM_HIGH", 960],
  ]) {
    await tim.evaluate(
      (type) => window.t.engine.setRemoteSimulcastStreamType("pat", VERTC.SimulcastStreamType[type]),
      type,
    );
    await waitFor(async () => (await width()) === wide, 15_000, `${type}: ${wide} wide`);
  }
});
