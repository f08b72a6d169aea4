// Browser simulcast: a page publishes its camera as layers (three from 960x540; Chromium sends
// only two for 640x480); the subscriber picks one with setRemoteSimulcastStreamType and the
// video it decodes changes size to match.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./lib/server.mjs";
import { keepPeerConnections, launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";

const ROOM = "simulcast";
let server, browser, pub, sub;

/** Opens a page that keeps its peer connections (for the layers' stats) in `window.pcs`. */
async function openPage() {
  const p = sdkPage(server);
  const page = await browser.page(p.url, p.html);
  await keepPeerConnections(page);
  return page;
}

/** Joins `page` as `userId` publishing a `width`x`height` camera with simulcast on. */
function publishSimulcast(page, userId, width, height) {
  return page.evaluate(
    async ({ appId, room, userId, width, height }) => {
      const engine = (window.engine = VERTC.createEngine(appId));
      engine.setVideoEncoderConfig({ width, height, frameRate: 15 });
      await engine.enableSimulcastMode(true);
      await engine.startVideoCapture();
      const { token } = await (await fetch(`/dev/token?roomId=${room}&userId=${userId}`)).json();
      await engine.joinRoom(token, room, { userId }, { isAutoPublish: true });
    },
    { appId: server.appId, room: ROOM, userId, width, height },
  );
}

/** The widths, frame counts and codecs of the simulcast layers `page` sends, by rid. */
function layers(page) {
  return page.evaluate(async () => {
    const out = {};
    for (const pc of window.pcs) {
      if (pc.connectionState === "closed") continue;
      const report = await pc.getStats();
      report.forEach((r) => {
        if (r.type === "outbound-rtp" && r.kind === "video" && r.rid)
          out[r.rid] = { width: r.frameWidth, frames: r.framesEncoded, codec: report.get(r.codecId)?.mimeType };
      });
    }
    return out;
  });
}

before(async () => {
  server = await startServer();
  browser = await launch();
  [pub, sub] = [await openPage(), await openPage()];
  await publishSimulcast(pub, "pub", 960, 540);
  await joinWithMedia(sub, server.appId, ROOM, "sub", { audio: false, video: false });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The subscriber's decoded size of `userId`'s video. */
function size(userId) {
  return sub.evaluate((u) => {
    const v = document.querySelector(`#remote video[data-chorus-user="${u}"]`);
    return v ? [v.videoWidth, v.videoHeight] : [0, 0];
  }, userId);
}

/** Picks `type` of `userId`'s layers in the subscriber; resolves with the size then decoded. */
async function pick(userId, type, width) {
  await sub.evaluate(
    ({ userId, type }) => window.t.engine.setRemoteSimulcastStreamType(userId, VERTC.SimulcastStreamType[type]),
    { userId, type },
  );
  return waitFor(
    async () => {
      const s = await size(userId);
      return s[0] === width && s;
    },
    10_000,
    `${type}: ${width} wide`,
  ).catch(async (e) => Promise.reject(new Error(`${e.message}; size ${await size(userId)}`)));
}

test("the publisher sends three H.264 layers: quarter, half and full resolution", async (t) => {
  const sent = await waitFor(
    async () => {
      const l = await layers(pub);
      return ["q", "h", "f"].every((rid) => l[rid]?.frames > 10) && l;
    },
    20_000,
    "three encoded layers",
  );
  t.diagnostic(`layers ${JSON.stringify(sent)}`);
  assert.deepEqual([sent.q.width, sent.h.width, sent.f.width], [240, 480, 960]);
  // H.264 (what native clients decode), not a VP8 fallback.
  assert.deepEqual([sent.q.codec, sent.h.codec, sent.f.codec], ["video/H264", "video/H264", "video/H264"]);
});

test("the subscriber switches layers: HIGH 960, LOW 240, MID 480, HIGH again", async () => {
  await waitFor(async () => (await size("pub"))[0] === 960, 20_000, "the high layer (960 wide) by default");
  const steps = [
    ["VIDEO_STREAM_LOW", [240, 135]],
    ["VIDEO_STREAM_MID", [480, 270]],
    ["VIDEO_STREAM_HIGH", [960, 540]],
  ];
  for (const [type, [width, height]] of steps) {
    const got = await pick("pub", type, width);
    // H.264 rounds odd heights down (135 → 134).
    assert.ok(Math.abs(got[1] - height) <= 1, `${type}: ${got.join("x")}`);
  }
});

test("a 640x480 camera still sends its full resolution (two layers): HIGH 640, LOW 320", async () => {
  await pub.evaluate(() => window.engine.leaveRoom());
  const small = await openPage();
  await publishSimulcast(small, "small", 640, 480);
  const sent = await waitFor(
    async () => {
      const l = await layers(small);
      return l.f?.frames > 10 && l.h?.frames > 10 && l;
    },
    20_000,
    "the full and half layers",
  );
  assert.deepEqual([sent.f.width, sent.h.width], [640, 320]);
  assert.ok(!(sent.q?.frames > 0), `Chromium sends no quarter layer at 640x480 (${JSON.stringify(sent.q)})`);
  await waitFor(async () => (await size("small"))[0] === 640, 20_000, "the full layer by default");
  // LOW is the lowest layer that arrives.
  await pick("small", "VIDEO_STREAM_LOW", 320);
  await pick("small", "VIDEO_STREAM_HIGH", 640);
});
