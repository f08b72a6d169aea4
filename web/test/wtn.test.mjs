// The WTN stream manager: Alice's page, in no room, pushes her camera (the quadrant card) and
// microphone (880 Hz) as WTN stream "wtn-live"; Bob's page, in no room either, plays it with a
// token for the stream id and sees the four colours and hears 880 Hz, with the first-frame,
// state, stats and SEI events; REPEAT_PUSH (from the server, Bob pushing the same id),
// REPEAT_PLAY, WTN_PUSH_FAILED and WTN_PLAY_FAILED are provoked; Alice's video mute and Bob's
// audio mute show in Bob's state events; Alice's stop reaches Bob as a state event, and frees the id.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { devToken } from "./lib/client.mjs";
import { QUADRANTS, near, y4mQuadrants, wavSine } from "./lib/media_files.mjs";

const ID = "wtn-live";
const TONE = 880;
let server, browser, dir, alice, bob;

/** Makes an engine and its WTN manager in `page`, recording both's events; no room. */
async function setUp(page, capture) {
  await page.evaluate(async (capture) => {
    const t = (window.t = { events: [] });
    t.engine = VERTC.createEngine(window.appId);
    t.wtn = t.engine.getWTNStreamManager();
    const record = (name) => (e) =>
      t.events.push({ name, data: e?.sei ? { ...e, sei: [...e.sei] } : JSON.parse(JSON.stringify(e ?? null)) });
    for (const name of Object.values(VERTC.WTNStreamEventsTypes)) t.wtn.on(name, record(name));
    for (const name of Object.values(VERTC.events)) t.engine.on(name, record(name));
    if (capture) {
      await t.engine.startVideoCapture();
      await t.engine.startAudioCapture();
    }
  }, capture);
}

/** `page`'s WTN manager's `method(...args)`, answering `{ok}` or `{code, message}`. */
function wtn(page, method, ...args) {
  return page.evaluate(
    async ({ method, args }) => {
      try {
        await window.t.wtn[method](...args);
        return { ok: true };
      } catch (e) {
        return { code: e.code, message: e.message };
      }
    },
    { method, args },
  );
}

/** The payloads of `page`'s events named `name`. */
function events(page, name) {
  return page.evaluate((name) => window.t.events.filter((e) => e.name === name).map((e) => e.data), name);
}

/** Mean RGB of the 40x40 block centred at (`x`, `y`) of the picture in Bob's `#remote` video, or null. */
function bobSees(x, y) {
  return bob.evaluate(
    ({ x, y }) => {
      const video = document.querySelector("#remote video");
      if (!video || video.videoWidth === 0) return null;
      const canvas = Object.assign(document.createElement("canvas"), {
        width: video.videoWidth,
        height: video.videoHeight,
      });
      const ctx = canvas.getContext("2d");
      ctx.drawImage(video, 0, 0);
      const data = ctx.getImageData(x - 20, y - 20, 40, 40).data;
      const sum = [0, 0, 0];
      for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += data[i + c];
      return sum.map((v) => Math.round(v / 1600));
    },
    { x, y },
  );
}

/** The loudest frequency (Hz) of the played stream's audio track, read through an analyser. */
function bobHearsPeak() {
  return bob.evaluate(async (id) => {
    const track = window.t.engine.getPublicStreamTrack(id, "audio");
    if (!track) return null;
    const ctx = (window.testCtx ??= new AudioContext());
    await ctx.resume();
    if (!window.analyser) {
      window.analyser = ctx.createAnalyser();
      window.analyser.fftSize = 8192;
      ctx.createMediaStreamSource(new MediaStream([track])).connect(window.analyser);
    }
    const a = window.analyser;
    const bins = new Float32Array(a.frequencyBinCount);
    a.getFloatFrequencyData(bins);
    let best = 0;
    for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
    return bins[best] > -70 ? (best * ctx.sampleRate) / a.fftSize : null;
  }, ID);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-wtn-"));
  writeFileSync(join(dir, "camera.y4m"), y4mQuadrants(320, 240, 30));
  writeFileSync(join(dir, "mic.wav"), wavSine(TONE));
  server = await startServer();
  browser = await launch({
    args: [
      `--use-file-for-fake-video-capture=${join(dir, "camera.y4m")}`,
      `--use-file-for-fake-audio-capture=${join(dir, "mic.wav")}`,
    ],
  });
  const p = sdkPage(server, "alice");
  alice = await browser.page(p.url, p.html);
  const q = sdkPage(server, "bob");
  bob = await browser.page(q.url, q.html);
  for (const page of [alice, bob]) await page.evaluate((appId) => (window.appId = appId), server.appId);
  await setUp(alice, true);
  await setUp(bob, false);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a WTN stream pushed and played without rooms: colours, tone, events, repeats and stop", async () => {
  // Alice pushes with a token of the app for a room of her choosing.
  const aliceToken = await devToken(alice, "anywhere", "alice");
  assert.deepEqual(await wtn(alice, "startPushWTN", aliceToken, ID, false, false), { ok: true });
  assert.deepEqual(
    (await events(alice, "onWTNPushStateChanged")).map(({ streamId, oldState, newState, reason }) => [
      streamId,
      oldState,
      newState,
      reason,
    ]),
    [
      [ID, 0, 1, 1], // INIT -> START, START_PUSH
      [ID, 1, 2, 0], // START -> SUCCESS, PUSH_SUCCESS
    ],
  );
  assert.equal((await wtn(alice, "startPushWTN", aliceToken, ID, false, false)).code, "REPEAT_PUSH");
  // Bob's push of the same id is refused by the server: one publisher per id in the app.
  const bobPushes = await wtn(bob, "startPushWTN", await devToken(bob, "elsewhere", "bob"), ID, false, false);
  assert.equal(bobPushes.code, "REPEAT_PUSH", bobPushes.message);

  // A push without a token, and a play with a token of an app this server does not host, fail
  // as the vendor's do.
  assert.equal((await wtn(bob, "startPushWTN", null, "other", false, false)).code, "WTN_PUSH_FAILED");
  const good = await devToken(bob, ID, "bob");
  const otherApp = `001${"x".repeat(24)}${good.slice(27)}`;
  const refused = await wtn(bob, "startPlayWTN", otherApp, ID, false, false);
  assert.equal(refused.code, "WTN_PLAY_FAILED", refused.message);
  assert.match(refused.message, /INVALID_TOKEN/);
  const refusedPlay = (await events(bob, "onWTNPlayStateChanged")).map((e) => [e.oldState, e.newState, e.reason]);
  assert.deepEqual(refusedPlay, [
    [0, 1, 1], // INIT -> START, START_PLAY
    [1, 4, 6], // START -> FAIL, NO_PLAY_PERMISSION
  ]);

  // Bob plays it with a token for the stream id, and never joins a room.
  await bob.evaluate((id) => window.t.wtn.setWTNRemoteVideoPlayer(id, { renderDom: "remote" }), ID);
  const bobToken = await devToken(bob, ID, "bob");
  assert.deepEqual(await wtn(bob, "startPlayWTN", bobToken, ID, false, false), { ok: true });
  assert.equal((await wtn(bob, "startPlayWTN", bobToken, ID, false, false)).code, "REPEAT_PLAY");
  const centres = [
    [80, 60],
    [240, 60],
    [80, 180],
    [240, 180],
  ];
  await waitFor(
    async () => {
      const seen = await Promise.all(centres.map(([x, y]) => bobSees(x, y)));
      return seen.every((rgb, i) => rgb && near(rgb, QUADRANTS[i]));
    },
    30_000,
    "Bob's page shows Alice's four quadrant colours",
  );
  const peak = await waitFor(
    async () => {
      const hz = await bobHearsPeak();
      return hz && Math.abs(hz - TONE) < TONE * 0.02 ? hz : null;
    },
    30_000,
    `the ${TONE} Hz tone in Bob's page`,
  );
  assert.ok(Math.abs(peak - TONE) < TONE * 0.02, `peak ${peak} Hz`);

  assert.deepEqual(await bob.evaluate((id) => window.t.wtn.getWTNVideoPlayerVisibility(id), ID), {
    descriptor: { mediaType: 2, streamId: ID },
    status: ["visible"],
  });
  const first = (page, name) => waitFor(async () => (await events(page, name))[0], 10_000, name);
  assert.deepEqual(await first(bob, "onWTNFirstRemoteVideoFrameDecoded"), { streamId: ID });
  assert.deepEqual(await first(bob, "onFirstPublicStreamVideoFrameDecoded"), {
    publicStreamId: ID,
    width: 320,
    height: 240,
  });
  assert.deepEqual(await first(bob, "onFirstPublicStreamAudioFrameDecoded"), { publicStreamId: ID });
  const plays = (await events(bob, "onWTNPlayStateChanged"))
    .slice(2)
    .map((e) => [e.streamId, e.oldState, e.newState, e.reason]);
  assert.deepEqual(plays, [
    [ID, 0, 1, 1], // INIT -> START, START_PLAY
    [ID, 1, 2, 0], // START -> SUCCESS, PLAY_SUCCESS
  ]);
  const videoStates = await events(bob, "onWTNRemoteVideoStateChanged");
  assert.deepEqual(videoStates.at(-1), { streamId: ID, state: 2, reason: 5 }, "DECODING, REMOTE_START");
  const audioStates = await waitFor(
    async () => {
      const all = await events(bob, "onWTNRemoteAudioStateChanged");
      return all.at(-1)?.state === 2 ? all : null;
    },
    10_000,
    "the audio DECODING",
  );
  assert.deepEqual(audioStates.at(-1), { streamId: ID, state: 2, reason: 5 });

  // The 2 s stats: the received picture's size, as event and as getter.
  // The first report may cover less than an interval: wait for one with a bitrate.
  const stats = await waitFor(
    async () => (await events(bob, "onWTNRemoteVideoStats")).find((s) => s.videoStats.receivedKBitrate > 0),
    20_000,
    "onWTNRemoteVideoStats with a bitrate",
  );
  assert.equal(stats.streamId, ID);
  assert.deepEqual([stats.videoStats.width, stats.videoStats.height], [320, 240]);
  const audioStats = await waitFor(
    async () => (await events(bob, "onWTNRemoteAudioStats")).find((s) => s.audioStats.receivedKBitrate > 0),
    20_000,
    "onWTNRemoteAudioStats with a bitrate",
  );
  assert.equal(audioStats.streamId, ID);
  const got = await bob.evaluate((id) => window.t.engine.getPublicVideoStats()[id], ID);
  assert.equal(got.width, 320);

  // Alice holds her video back: Bob's video stops for REMOTE_STOP, and comes back on unmute.
  const lastVideo = async () => (await events(bob, "onWTNRemoteVideoStateChanged")).at(-1);
  assert.deepEqual(await wtn(alice, "muteWTNLocalVideo", ID, true), { ok: true });
  await waitFor(async () => (await lastVideo()).state === 0, 10_000, "the video stopped");
  assert.deepEqual(await lastVideo(), { streamId: ID, state: 0, reason: 6 });
  assert.deepEqual(await wtn(alice, "muteWTNLocalVideo", ID, false), { ok: true });
  await waitFor(async () => (await lastVideo()).state !== 0, 10_000, "the video back");
  assert.equal((await lastVideo()).reason, 5, "REMOTE_START");
  await waitFor(
    async () => {
      const seen = await Promise.all(centres.map(([x, y]) => bobSees(x, y)));
      return seen.every((rgb, i) => rgb && near(rgb, QUADRANTS[i]));
    },
    30_000,
    "Alice's colours again",
  );
  // Bob drops the audio and takes it back: STOPED for MUTE, then STARTING for UNMUTE.
  const lastAudio = async () => (await events(bob, "onWTNRemoteAudioStateChanged")).at(-1);
  assert.deepEqual(await wtn(bob, "muteWTNRemoteAudio", ID, true), { ok: true });
  assert.deepEqual(await lastAudio(), { streamId: ID, state: 0, reason: 4 });
  assert.deepEqual(await wtn(bob, "muteWTNRemoteAudio", ID, false), { ok: true });
  assert.deepEqual(await lastAudio(), { streamId: ID, state: 1, reason: 3 });
  assert.equal((await wtn(alice, "muteWTNLocalAudio", "not-pushed", true)).code, "STREAM_NOT_EXIST");

  // SEI through the stream, after the player is confirmed receiving.
  const sei = [1, 2, 3, 250];
  await alice.evaluate((id) => window.t.wtn.sendWTNSEIMessage(id, new Uint8Array([1, 2, 3, 250]), 2), ID);
  assert.deepEqual(await first(bob, "onWTNSEIMessageReceived"), { streamId: ID, sei });
  assert.deepEqual(await first(bob, "onPublicStreamSEIMessageReceived"), { publicStreamId: ID, sei });

  // Alice stops: her state goes STOP, Bob's video and audio go STOPED for REMOTE_STOP.
  assert.deepEqual(await wtn(alice, "stopPushWTN", ID), { ok: true });
  const stopped = (await events(alice, "onWTNPushStateChanged")).at(-1);
  assert.deepEqual([stopped.oldState, stopped.newState, stopped.reason], [2, 3, 2]);
  await waitFor(
    async () => (await events(bob, "onWTNRemoteVideoStateChanged")).at(-1)?.state === 0,
    10_000,
    "Bob sees the video stop",
  );
  assert.deepEqual((await events(bob, "onWTNRemoteVideoStateChanged")).at(-1), { streamId: ID, state: 0, reason: 6 });
  assert.deepEqual(await wtn(bob, "stopPlayWTN", ID), { ok: true });
  const last = (await events(bob, "onWTNPlayStateChanged")).at(-1);
  assert.deepEqual([last.oldState, last.newState, last.reason], [2, 3, 2]);

  // The id is free again once Alice's push ended.
  const again = await waitFor(
    async () => {
      const r = await wtn(bob, "startPushWTN", await devToken(bob, "elsewhere", "bob"), ID, false, false);
      return r.code === "REPEAT_PUSH" ? null : r;
    },
    10_000,
    "the id freed",
  );
  assert.deepEqual(again, { ok: true });
  assert.deepEqual(await wtn(bob, "stopPushWTN", ID), { ok: true });
});
