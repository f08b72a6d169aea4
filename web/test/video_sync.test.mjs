// Audio/video timing at subscribers in Chromium. A publisher sends a picture that flashes white
// and a tone that beeps at the same instants (every 2 s); each subscriber times the flashes as
// its player presents them and the beeps as its audio arrives, and reports the offset between
// the two. To make the effect of sync plain, each subscriber's browser holds the video back by
// 500 ms more than the audio (the video receiver's jitter buffer target): with render sync the
// audio waits for it (its buffer grows), without it it does not.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./lib/server.mjs";
import { keepPeerConnections, launch, sdkPage, waitFor } from "./lib/browser.mjs";

const ROOM = "sync";
const PERIOD_MS = 2000;
const HOLD_BACK_MS = 500;
let server, browser, other, pub, synced, unsynced;

/**
 * Opens a page in `b`; a click gives it the user gesture audio contexts need. Each subscriber
 * has a browser of its own, where it is the page in front: Chromium slows the frame callbacks
 * of pages behind.
 */
async function open(b) {
  const p = sdkPage(server);
  const page = await b.page(p.url, p.html);
  await keepPeerConnections(page);
  await page.mouse.click(5, 5);
  return page;
}

/** Joins `page` as `userId`; `sync` is passed to setRemoteStreamRenderSync first. */
function join(page, userId, sync) {
  return page.evaluate(
    async ({ appId, room, userId, sync }) => {
      const t = (window.t = { events: [] });
      const engine = (t.engine = VERTC.createEngine(appId));
      engine.on(VERTC.events.onJitterBufferTargetStabled, (e) => t.events.push(e));
      t.syncSet = sync === undefined ? null : engine.setRemoteStreamRenderSync(sync);
      engine.on(VERTC.events.onUserPublishStream, (e) => {
        if (e.mediaType & VERTC.MediaType.VIDEO)
          engine.setRemoteVideoPlayer(0, { renderDom: "remote", userId: e.userId });
      });
      const { token } = await (await fetch(`/dev/token?roomId=${room}&userId=${userId}`)).json();
      await engine.joinRoom(token, room, { userId }, { isAutoPublish: true });
      t.syncAfterJoin = engine.setRemoteStreamRenderSync(true);
    },
    { appId: server.appId, room: ROOM, userId, sync },
  );
}

/**
 * The publisher: a canvas that flashes white and a tone that beeps at the same instants, both
 * timed by one audio clock (no drift between them), sent as the app's own tracks.
 */
function publishMarkers(page) {
  return page.evaluate(
    async ({ appId, period }) => {
      const canvas = document.createElement("canvas");
      [canvas.width, canvas.height] = [320, 240];
      const g = canvas.getContext("2d");
      const ctx = new AudioContext();
      await ctx.resume();
      const osc = ctx.createOscillator();
      osc.frequency.value = 1000;
      const gain = ctx.createGain();
      gain.gain.value = 0;
      const dest = ctx.createMediaStreamDestination();
      osc.connect(gain).connect(dest);
      osc.start();
      // Both on the audio clock: beeps scheduled on it, flashes drawn while it is in one.
      while (ctx.currentTime < 0.2) await new Promise((r) => setTimeout(r, 20));
      const first = Math.ceil(ctx.currentTime + 0.5);
      for (let k = 0; k < 100; k++) {
        const at = first + (k * period) / 1000;
        gain.gain.setValueAtTime(0.8, at);
        gain.gain.setValueAtTime(0, at + 0.1);
      }
      setInterval(() => {
        const phase = ((((ctx.currentTime - first) * 1000) % period) + period) % period;
        g.fillStyle = phase < 100 ? "#fff" : "#000";
        g.fillRect(0, 0, 320, 240);
      }, 5);
      const engine = VERTC.createEngine(appId);
      window.t = { engine };
      await engine.setVideoSourceType(0, VERTC.VideoSourceType.VIDEO_SOURCE_TYPE_EXTERNAL);
      await engine.setAudioSourceType(0, VERTC.AudioSourceType.AUDIO_SOURCE_TYPE_EXTERNAL);
      await engine.setExternalVideoTrack(0, canvas.captureStream(60).getVideoTracks()[0]);
      await engine.setExternalAudioTrack(0, dest.stream.getAudioTracks()[0]);
      const { token } = await (await fetch(`/dev/token?roomId=sync&userId=pub`)).json();
      await engine.joinRoom(token, "sync", { userId: "pub" }, { isAutoPublish: true });
    },
    { appId: server.appId, period: PERIOD_MS },
  );
}

/**
 * Starts timing flashes (when the player presents a white frame after a dark one) and beeps
 * (when the received audio rises above silence) in `page`, both on the page's clock.
 */
function watchMarkers(page) {
  return page.evaluate(async () => {
    const m = (window.markers = { flashes: [], beeps: [] });
    const v = document.querySelector("#remote video");
    const c = document.createElement("canvas");
    [c.width, c.height] = [8, 8];
    const g = c.getContext("2d", { willReadFrequently: true });
    let bright = false;
    const onFrame = (_now, meta) => {
      g.drawImage(v, 0, 0, 8, 8);
      const d = g.getImageData(0, 0, 8, 8).data;
      let sum = 0;
      for (let i = 0; i < d.length; i += 4) sum += d[i];
      const level = sum / (d.length / 4);
      if (!bright && level > 128) m.flashes.push(meta.expectedDisplayTime);
      bright = level > 128;
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
    const track = window.t.engine.getRemoteStreamTrack("pub", 0, "audio");
    const ctx = new AudioContext();
    await ctx.resume();
    const src = ctx.createMediaStreamSource(new MediaStream([track]));
    const proc = ctx.createScriptProcessor(256, 1, 1);
    // Loud from the first sample above 0.2 until 10 ms pass without one.
    let loud = false;
    let quiet = 0;
    proc.onaudioprocess = (e) => {
      const x = e.inputBuffer.getChannelData(0);
      const ts = ctx.getOutputTimestamp();
      for (let i = 0; i < x.length; i++) {
        if (Math.abs(x[i]) > 0.2) {
          if (!loud) {
            // The sample's time on the audio clock, mapped to the page's clock.
            const at = e.playbackTime + i / ctx.sampleRate;
            m.beeps.push(ts.performanceTime + (at - ts.contextTime) * 1000);
          }
          loud = true;
          quiet = 0;
        } else if (++quiet > ctx.sampleRate / 100) loud = false;
      }
    };
    src.connect(proc).connect(ctx.destination);
  });
}

/** Holds `page`'s received video back by `ms` (its jitter buffer target), audio untouched. */
function holdVideoBack(page, ms) {
  return page.evaluate((ms) => {
    for (const pc of window.pcs)
      for (const r of pc.getReceivers()) if (r.track.kind === "video") r.jitterBufferTarget = ms;
  }, ms);
}

/** The median offset (video minus audio, ms) of the markers `page` timed, with their count. */
async function offset(page) {
  const { flashes, beeps } = await page.evaluate(() => window.markers);
  const pairs = [];
  for (const f of flashes) {
    const near = beeps.reduce((best, b) => (Math.abs(f - b) < Math.abs(f - best) ? b : best), Infinity);
    if (Math.abs(f - near) < PERIOD_MS / 2) pairs.push(f - near);
  }
  pairs.sort((a, b) => a - b);
  return {
    median: Math.round(pairs[pairs.length >> 1]),
    count: pairs.length,
    all: pairs.map(Math.round),
    flashes: flashes.length,
    beeps: beeps.length,
  };
}

before(async () => {
  server = await startServer();
  browser = await launch();
  other = await launch();
  pub = await open(browser);
  synced = await open(browser);
  unsynced = await open(other);
  await join(synced, "synced", true);
  await join(unsynced, "unsynced", false);
  await publishMarkers(pub);
  for (const page of [synced, unsynced])
    await waitFor(
      () => page.evaluate(() => document.querySelector("#remote video")?.videoWidth > 0),
      20_000,
      "pub's video",
    );
});

after(async () => {
  await other?.close();
  await browser?.close();
  await server?.stop();
});

test("setRemoteStreamRenderSync is taken before joining and refused in a room", async () => {
  for (const page of [synced, unsynced]) {
    const r = await page.evaluate(() => ({ before: window.t.syncSet, after: window.t.syncAfterJoin }));
    assert.deepEqual(r, { before: true, after: false });
  }
});

test("with render sync the audio waits for held-back video; the A/V offsets that arrive", async () => {
  for (const page of [synced, unsynced]) await holdVideoBack(page, HOLD_BACK_MS);
  // Let the buffers and the sync settle, then time markers for a while. Sync needs two sender
  // reports of each stream (the browser sends one for audio every 5 s) and then moves the
  // delay by at most 80 ms a second, so it takes a while.
  await new Promise((r) => setTimeout(r, 20_000));
  for (const page of [synced, unsynced]) await watchMarkers(page);
  await new Promise((r) => setTimeout(r, 5 * PERIOD_MS + 500));
  const on = await offset(synced);
  const off = await offset(unsynced);
  // The audio buffers' delay over the last 2 s (the stats count from the start).
  const audioDelay = async (page) =>
    page.evaluate(async () => {
      const r = window.pcs.flatMap((pc) => pc.getReceivers()).find((r) => r.track.kind === "audio");
      const read = async () => {
        let out;
        (await r.getStats()).forEach((s) => {
          if (s.type === "inbound-rtp") out = [s.jitterBufferDelay, s.jitterBufferEmittedCount];
        });
        return out;
      };
      const a = await read();
      await new Promise((res) => setTimeout(res, 2000));
      const b = await read();
      return Math.round(((b[0] - a[0]) * 1000) / (b[1] - a[1]));
    });
  const [syncedAudio, unsyncedAudio] = await Promise.all([audioDelay(synced), audioDelay(unsynced)]);
  console.log(
    `# A/V offset (video - audio, ms) with sync: ${JSON.stringify(on)}; without: ${JSON.stringify(off)}; ` +
      `mean audio buffer delay with sync ${syncedAudio} ms, without ${unsyncedAudio} ms`,
  );
  assert.ok(on.count >= 3 && off.count >= 3, "enough markers timed");
  // With sync the browser holds the audio back to wait for the video; without, it does not.
  // (The offsets printed above also carry a constant of the publisher's capture paths, canvas
  // and Web Audio, which this test cannot take out; they are reported, not judged.)
  assert.ok(syncedAudio > unsyncedAudio + 100, `audio buffered ${syncedAudio} ms with sync, ${unsyncedAudio} without`);
});

test("setJitterBufferTarget buffers a stream for the target; onJitterBufferTargetStabled tells", async () => {
  // On the subscriber without sync, so that only the target moves the buffers.
  const event = await unsynced.evaluate(
    () =>
      new Promise((resolve) => {
        window.t.engine.once(VERTC.events.onJitterBufferTargetStabled, resolve);
        window.t.engine.setJitterBufferTarget("pub", 0, 300, false);
        setTimeout(() => resolve("no onJitterBufferTargetStabled in 20 s"), 20_000);
      }),
  );
  assert.deepEqual(event, { descriptor: { userId: "pub", streamIndex: 0 }, target: 300 });
  // The audio's buffer follows too: its delay over the next second is near the target.
  const delay = await unsynced.evaluate(async () => {
    const r = window.pcs.flatMap((pc) => pc.getReceivers()).find((r) => r.track.kind === "audio");
    const read = async () => {
      let out;
      (await r.getStats()).forEach((s) => {
        if (s.type === "inbound-rtp") out = [s.jitterBufferDelay, s.jitterBufferEmittedCount];
      });
      return out;
    };
    const a = await read();
    await new Promise((res) => setTimeout(res, 2000));
    const b = await read();
    return ((b[0] - a[0]) * 1000) / (b[1] - a[1]);
  });
  console.log(`# audio jitter buffer delay with a 300 ms target: ${Math.round(delay)} ms`);
  assert.ok(delay > 200 && delay < 450, `${delay} ms`);
  const bad = await unsynced.evaluate(() => {
    const code = (f) => {
      try {
        f();
        return "no error";
      } catch (e) {
        return e.code;
      }
    };
    return [
      code(() => window.t.engine.setJitterBufferTarget("pub", 0, -1)),
      code(() => window.t.engine.setJitterBufferTarget("nobody", 0, 100)),
    ];
  });
  assert.deepEqual(bad, ["INVALID_PARAMS", "STREAM_NOT_EXIST"]);
});
