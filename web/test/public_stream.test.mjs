// Public streams pushed from the Web SDK: Alice's page (the quadrant camera, a 440 Hz
// microphone) pushes a public stream of herself in the right half of a red canvas; `chorus play`,
// which never joins a room, shows her quadrants there and red on the left, and hears 440 Hz; an
// update moves her to the left half. Bob's page, in another room, plays it through the Web SDK
// and follows the updates (one showing a sourceCrop of her picture, one a background image),
// with its first-frame and stats events, stats getters and tracks;
// Alice gets each push's onPushPublicStreamResult. REPEAT_PUSH, REPEAT_PLAY, INVALID_PARAMS, NOT_CONNECTED_YET and
// STREAM_NOT_EXIST are provoked.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:http";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import { chorusBinary, startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";
import { QUADRANTS, meanRgb, near, powerAt, readPng, readWav, wavSine, y4mQuadrants } from "./lib/media_files.mjs";

const RED = [255, 0, 0];
let server, browser, dir, alice, bob;

/** Alice's engine's `method(...args)`, answering `{ok}` or `{code, message}`. */
function call(method, ...args) {
  return alice.evaluate(
    async ({ method, args }) => {
      try {
        await window.t.engine[method](...args);
        return { ok: true };
      } catch (e) {
        return { code: e.code, message: e.message };
      }
    },
    { method, args },
  );
}

/** The layout: Alice stretched over the half of a 320x240 red canvas that `left` says. */
function layout(left) {
  return {
    video: { width: 320, height: 240, fps: 15, kBitRate: 500 },
    layout: {
      backgroundColor: "#ff0000",
      regions: [
        { userId: "alice", roomId: "pub", isScreenStream: false, x: left ? 0 : 0.5, y: 0, w: 0.5, h: 1, renderMode: 3 },
      ],
    },
  };
}

/** A `width`x`height` PNG of one colour. */
function solidPng(width, height, [r, g, b]) {
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length);
    head.write(type, 4, "latin1");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
    return Buffer.concat([head, data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.from([0, ...Array.from({ length: width }, () => [r, g, b]).flat()]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", pixels), chunk("IEND", Buffer.alloc(0))]);
}

/** Bob's engine's `method(...args)`, answering `{ok}` or `{code, message}`. */
function bobCall(method, ...args) {
  return bob.evaluate(
    async ({ method, args }) => {
      try {
        await window.t.engine[method](...args);
        return { ok: true };
      } catch (e) {
        return { code: e.code, message: e.message };
      }
    },
    { method, args },
  );
}

/** Mean RGB of the `w`x`h` block at (`x`, `y`) of the picture in Bob's `#remote` video, or null. */
function bobSees(x, y, w, h) {
  return bob.evaluate(
    ({ x, y, w, h }) => {
      const video = document.querySelector("#remote video");
      if (!video || video.videoWidth === 0) return null;
      const canvas = Object.assign(document.createElement("canvas"), {
        width: video.videoWidth,
        height: video.videoHeight,
      });
      const ctx = canvas.getContext("2d");
      ctx.drawImage(video, 0, 0);
      const data = ctx.getImageData(x, y, w, h).data;
      const sum = [0, 0, 0];
      for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += data[i + c];
      return sum.map((v) => Math.round(v / (w * h)));
    },
    { x, y, w, h },
  );
}

/** Decoded frames of Bob's `#remote` video (0 before there is one). */
function bobFrames() {
  return bob.evaluate(() => document.querySelector("#remote video")?.getVideoPlaybackQuality().totalVideoFrames ?? 0);
}

/** `chorus play` of `id` keeping a snapshot and a wav. */
function playFiles(id, name) {
  const [png, wav] = [join(dir, `${name}.png`), join(dir, `${name}.wav`)];
  const args = ["play", "--server", server.url, "--app-id", server.appId, "--app-key", server.appKey];
  args.push("--stream", id, "--duration", "4", "--snapshot", png, "--wav", wav);
  const out = spawnSync(chorusBinary(), args, { encoding: "utf8", timeout: 60_000 });
  assert.equal(out.status, 0, `chorus play: ${out.stdout}${out.stderr}`);
  return { image: readPng(readFileSync(png)), audio: readWav(readFileSync(wav)) };
}

/** Whether the 160x240 half of `image` at `x0` shows Alice's four quadrants. */
function showsAlice(image, x0) {
  const blocks = [
    [x0, 0],
    [x0 + 80, 0],
    [x0, 120],
    [x0 + 80, 120],
  ];
  return blocks.every(([x, y], i) => near(meanRgb(image, x + 20, y + 30, 40, 60), QUADRANTS[i]));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-public-"));
  writeFileSync(join(dir, "camera.y4m"), y4mQuadrants(320, 240, 30));
  writeFileSync(join(dir, "mic.wav"), wavSine(440));
  server = await startServer();
  browser = await launch({
    args: [
      `--use-file-for-fake-video-capture=${join(dir, "camera.y4m")}`,
      `--use-file-for-fake-audio-capture=${join(dir, "mic.wav")}`,
    ],
  });
  const p = sdkPage(server, "alice");
  alice = await browser.page(p.url, p.html);
  await joinWithMedia(alice, server.appId, "pub", "alice");
  const q = sdkPage(server, "bob");
  bob = await browser.page(q.url, q.html);
  await joinWithMedia(bob, server.appId, "lobby", "bob", { audio: false, video: false });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("pushing needs a room, a well-formed id and parameters", async () => {
  const outside = await alice.evaluate(async (appId) => {
    try {
      await VERTC.createEngine(appId).startPushPublicStream("web-live", { layout: { regions: [] } });
      return {};
    } catch (e) {
      return { code: e.code };
    }
  }, server.appId);
  assert.deepEqual(outside, { code: "NOT_CONNECTED_YET" });
  const notInRoom = await alice.evaluate(async (appId) => {
    try {
      await VERTC.createEngine(appId).startPlayPublicStream("web-live");
      return {};
    } catch (e) {
      return { code: e.code };
    }
  }, server.appId);
  assert.deepEqual(notInRoom, { code: "NOT_CONNECTED_YET" });
  assert.equal((await call("startPushPublicStream", "bad id", layout(false))).code, "INVALID_PARAMS");
  const bad = layout(false);
  bad.layout.regions[0].alpha = 2;
  const refused = await call("startPushPublicStream", "web-live", bad);
  assert.equal(refused.code, "INVALID_PARAMS");
  assert.match(refused.message, /regions\[0\]\.alpha/);
  assert.equal((await call("stopPushPublicStream", "web-live")).code, "STREAM_NOT_EXIST");
});

test("a player that never joined sees and hears the layout, and follows an update", async () => {
  assert.deepEqual(await call("startPushPublicStream", "web-live", layout(false)), { ok: true });
  assert.equal((await call("startPushPublicStream", "web-live", layout(false))).code, "REPEAT_PUSH");

  const right = playFiles("web-live", "right");
  assert.equal(right.image.width, 320);
  assert.equal(right.image.height, 240);
  assert.ok(showsAlice(right.image, 160), "Alice's quadrants in the right half");
  assert.ok(near(meanRgb(right.image, 40, 60, 80, 120), RED), "red on the left");
  const samples = right.audio.samples.subarray(-48_000);
  const tone = powerAt(samples, right.audio.rate, 440);
  assert.ok(tone > 100 * powerAt(samples, right.audio.rate, 1300), `440 Hz power ${tone}`);

  // Bob, in another room, plays it in his page with the token he joined with.
  await bob.evaluate(() => window.t.engine.setPublicStreamVideoPlayer("web-live", { renderDom: "remote" }));
  assert.deepEqual(await bobCall("startPlayPublicStream", "web-live"), { ok: true });
  assert.equal((await bobCall("startPlayPublicStream", "web-live")).code, "REPEAT_PLAY");
  await waitFor(
    async () => {
      const [l, r] = [await bobSees(40, 60, 80, 120), await bobSees(180, 20, 40, 60)];
      return l && r && near(l, RED) && near(r, QUADRANTS[0]);
    },
    30_000,
    "Bob's page shows red left and Alice's first quadrant right",
  );

  const first = (name) => bob.evaluate((name) => window.t.events.find((e) => e.name === name)?.data, name);
  // The first-frame event comes from the hidden engine's own frame watch, which may trail the
  // pixels on a loaded machine.
  assert.deepEqual(await waitFor(() => first("onFirstPublicStreamVideoFrameDecoded"), 10_000, "the first video"), {
    publicStreamId: "web-live",
    width: 320,
    height: 240,
  });
  assert.deepEqual(await waitFor(() => first("onFirstPublicStreamAudioFrameDecoded"), 10_000, "the first audio"), {
    publicStreamId: "web-live",
  });
  assert.deepEqual(await waitFor(() => first("onFirstPublicStreamVideoFrameRendered"), 10_000, "the first render"), {
    publicStreamId: "web-live",
  });
  // The 2 s stats, as event and getters, and the received tracks.
  const stats = await waitFor(
    () =>
      bob.evaluate(() =>
        window.t.events
          .filter((e) => e.name === "onPublicStreamStats")
          .map((e) => e.data)
          .find((s) => s.videoStats.receivedKBitrate > 0 && s.audioStats.receivedKBitrate > 0),
      ),
    20_000,
    "onPublicStreamStats with bitrates",
  );
  assert.equal(stats.publicStreamId, "web-live");
  assert.deepEqual([stats.videoStats.width, stats.videoStats.height], [320, 240]);
  const got = await bob.evaluate(() => ({
    video: window.t.engine.getPublicVideoStats()["web-live"],
    audio: window.t.engine.getPublicAudioStats()["web-live"],
    tracks: ["video", "audio"].map((kind) => {
      const track = window.t.engine.getPublicStreamTrack("web-live", kind);
      return track && [track.kind, track.readyState];
    }),
  }));
  assert.equal(got.video.width, 320);
  assert.equal(typeof got.audio.receivedKBitrate, "number");
  assert.deepEqual(got.tracks, [
    ["video", "live"],
    ["audio", "live"],
  ]);
  // Alice's pushes so far, as onPushPublicStreamResult: two bad parameters, the push, the repeat.
  const results = await alice.evaluate(() =>
    window.t.events.filter((e) => e.name === "onPushPublicStreamResult").map((e) => e.data.code),
  );
  assert.deepEqual(results, [1191, 1191, 200, 1193]);

  assert.deepEqual(await call("updatePublicStreamParam", "web-live", layout(true)), { ok: true });
  await waitFor(
    async () => {
      const [l, r] = [await bobSees(20, 20, 40, 60), await bobSees(200, 60, 80, 120)];
      return l && r && near(l, QUADRANTS[0]) && near(r, RED);
    },
    10_000,
    "Bob's page follows the update",
  );
  // A crop of her bottom-right quadrant (white) fills the left half; a crop past the picture is
  // refused, naming the field. Then back to the whole picture.
  const cropped = layout(true);
  cropped.layout.regions[0].sourceCrop = { x: 0.5, y: 0.5, w: 0.5, h: 0.5 };
  assert.deepEqual(await call("updatePublicStreamParam", "web-live", cropped), { ok: true });
  await waitFor(
    async () => {
      const [top, bottom, r] = [
        await bobSees(20, 20, 120, 60),
        await bobSees(20, 160, 120, 60),
        await bobSees(200, 60, 80, 120),
      ];
      return top && bottom && r && near(top, QUADRANTS[3]) && near(bottom, QUADRANTS[3]) && near(r, RED);
    },
    10_000,
    "Bob's page shows the crop",
  );
  cropped.layout.regions[0].sourceCrop = { x: 0.5, y: 0, w: 0.75, h: 1 };
  const past = await call("updatePublicStreamParam", "web-live", cropped);
  assert.equal(past.code, "INVALID_PARAMS");
  assert.match(past.message, /regions\[0\]\.sourceCrop\.w/);
  assert.deepEqual(await call("updatePublicStreamParam", "web-live", layout(true)), { ok: true });
  await waitFor(
    async () => {
      const [l, r] = [await bobSees(20, 20, 40, 60), await bobSees(200, 60, 80, 120)];
      return l && r && near(l, QUADRANTS[0]) && near(r, RED);
    },
    10_000,
    "Bob's page shows the whole picture again",
  );
  // A background image, which the server fetches (loopback is allowed in dev mode), shows in
  // place of the red around her.
  const images = createServer((_, res) =>
    res.writeHead(200, { "content-type": "image/png" }).end(solidPng(32, 24, [255, 0, 255])),
  );
  await new Promise((r) => images.listen(0, "127.0.0.1", r));
  const withImage = layout(true);
  withImage.layout.backgroundImage = `http://127.0.0.1:${images.address().port}/bg.png`;
  assert.deepEqual(await call("updatePublicStreamParam", "web-live", withImage), { ok: true });
  await waitFor(
    async () => {
      const [l, r] = [await bobSees(20, 20, 40, 60), await bobSees(200, 60, 80, 120)];
      return l && r && near(l, QUADRANTS[0]) && near(r, [255, 0, 255]);
    },
    10_000,
    "Bob's page shows the background image",
  );
  images.close();
  assert.deepEqual(await call("updatePublicStreamParam", "web-live", { layout: { backgroundImage: "" } }), {
    ok: true,
  });
  assert.deepEqual(await bobCall("stopPlayPublicStream", "web-live"), { ok: true });
  await new Promise((r) => setTimeout(r, 1000));
  const stopped = await bobFrames();
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok((await bobFrames()) - stopped <= 1, "no frames after stopPlayPublicStream");

  const left = playFiles("web-live", "left");
  assert.ok(showsAlice(left.image, 0), "Alice's quadrants moved to the left half");
  assert.ok(near(meanRgb(left.image, 200, 60, 80, 120), RED), "red on the right");

  assert.deepEqual(await call("stopPushPublicStream", "web-live"), { ok: true });
  assert.equal((await call("updatePublicStreamParam", "web-live", layout(true))).code, "STREAM_NOT_EXIST");
});
