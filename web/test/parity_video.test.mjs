// The camera as the vendor sends it, judged by what arrives at a subscriber in Chromium: with
// no encoder config, the vendor's defaults (640x480, 15 fps, at most 600 kbit/s); with
// `preferCodecName`, the codec named (VP8 from one publisher, H.264 from another, in one room).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./lib/server.mjs";
import { keepPeerConnections, launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";

const ROOM = "parity-video";
let server, browser, viewer;

/** Opens an SDK page with a player box per publisher of the test. */
async function openPage() {
  const p = sdkPage(server);
  const page = await browser.page(p.url, p.html);
  await keepPeerConnections(page);
  await page.evaluate(() => {
    for (const id of ["plain", "vp8", "h264"]) {
      const box = document.createElement("div");
      box.id = `box-${id}`;
      box.className = "box";
      document.body.append(box);
    }
  });
  return page;
}

/** Joins `page` as `userId`, publishing the camera with `config` set first (none: no call). */
async function publish(page, userId, config) {
  await page.evaluate(
    async ({ appId, room, userId, config }) => {
      const engine = VERTC.createEngine(appId);
      window.t = { engine };
      if (config) await engine.setVideoEncoderConfig(config);
      window.t.started = await engine.startVideoCapture();
      const { token } = await (await fetch(`/dev/token?roomId=${room}&userId=${userId}`)).json();
      await engine.joinRoom(token, room, { userId }, { isAutoPublish: true });
    },
    { appId: server.appId, room: ROOM, userId, config },
  );
}

before(async () => {
  server = await startServer();
  browser = await launch();
  viewer = await openPage();
  await joinWithMedia(viewer, server.appId, ROOM, "viewer", { audio: false, video: false });
  // Each publisher's video plays in its own box (joinWithMedia puts the last one in #remote).
  await viewer.evaluate(() =>
    window.t.engine.on(VERTC.events.onUserPublishStream, (e) =>
      window.t.engine.setRemoteVideoPlayer(VERTC.StreamIndex.STREAM_INDEX_MAIN, {
        userId: e.userId,
        renderDom: `box-${e.userId}`,
      }),
    ),
  );
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * What the viewer receives of `userId`'s camera over `ms`: the decoded size, frames per
 * second and kbit/s, and the codec, from the inbound-rtp stats of the track that plays it.
 */
function arriving(userId, ms = 4000) {
  return viewer.evaluate(
    async ({ userId, ms }) => {
      const engine = window.t.engine;
      const track = engine.getRemoteStreamTrack(userId, VERTC.StreamIndex.STREAM_INDEX_MAIN, "video");
      if (!track) return null;
      const sample = async () => {
        const receiver = window.pcs.flatMap((pc) => pc.getReceivers()).find((r) => r.track === track);
        const report = await receiver.getStats();
        let out = null;
        report.forEach((r) => {
          if (r.type === "inbound-rtp" && r.kind === "video")
            out = {
              frames: r.framesDecoded ?? 0,
              bytes: r.bytesReceived ?? 0,
              width: r.frameWidth,
              height: r.frameHeight,
              codec: report.get(r.codecId)?.mimeType,
            };
        });
        return out;
      };
      const a = await sample();
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, ms));
      const b = await sample();
      const s = (performance.now() - t0) / 1000;
      return {
        width: b.width,
        height: b.height,
        fps: Math.round(((b.frames - a.frames) / s) * 10) / 10,
        kbps: Math.round(((b.bytes - a.bytes) * 8) / s / 1000),
        codec: b.codec,
      };
    },
    { userId, ms },
  );
}

/** Waits until the viewer decodes `userId`'s camera at full size; returns what arrives. */
async function waitArriving(userId, width) {
  await waitFor(
    () => viewer.evaluate((id) => document.querySelector(`#box-${id} video`)?.videoWidth ?? 0, userId),
    20_000,
    `${userId}'s video at the viewer`,
  );
  await waitFor(
    async () =>
      (await viewer.evaluate((id) => document.querySelector(`#box-${id} video`).videoWidth, userId)) === width,
    20_000,
    `${userId}'s video ${width} px wide`,
  );
  return arriving(userId);
}

test("with no encoder config the camera arrives as 640x480 at 15 fps, under 600 kbit/s", async () => {
  const page = await openPage();
  await publish(page, "plain", null);
  const started = await page.evaluate(() => window.t.started);
  assert.deepEqual([started.width, started.height, started.frameRate], [640, 480, 15], JSON.stringify(started));
  const got = await waitArriving("plain", 640);
  console.log(`# default camera at the viewer: ${JSON.stringify(got)}`);
  assert.deepEqual([got.width, got.height], [640, 480]);
  assert.ok(got.fps > 11 && got.fps < 18, `${got.fps} fps`);
  // The cap is on the encoder's target; a keyframe may overshoot it for a moment.
  assert.ok(got.kbps > 50 && got.kbps < 680, `${got.kbps} kbit/s`);
  await page.close();
});

test("preferCodecName: VP8 from one publisher and H.264 from another arrive as such", async () => {
  const base = { width: 320, height: 240, frameRate: 15, maxKbps: 400 };
  const vp8 = await openPage();
  const h264 = await openPage();
  await publish(vp8, "vp8", { ...base, preferCodecName: "vp8" });
  await publish(h264, "h264", { ...base, preferCodecName: "h264" });
  const a = await waitArriving("vp8", 320);
  const b = await waitArriving("h264", 320);
  console.log(`# vp8 publisher: ${JSON.stringify(a)}; h264 publisher: ${JSON.stringify(b)}`);
  assert.equal(a.codec, "video/VP8");
  assert.equal(b.codec, "video/H264");
  assert.ok(a.fps > 8 && b.fps > 8, "both decode frames");
  // A codec name Chorus does not know is refused up front.
  const refused = await vp8.evaluate(() =>
    window.t.engine.setVideoEncoderConfig({ width: 320, height: 240, preferCodecName: "av2" }).then(
      () => null,
      (e) => ({ code: e.code, message: e.message }),
    ),
  );
  assert.equal(refused?.code, "INVALID_PARAMS", JSON.stringify(refused));
  await vp8.close();
  await h264.close();
});
