// Subscribe fallback in the browser: a page publishes simulcast layers; another, which set
// AUDIO_ONLY and a priority before joining, receives them through a throttling relay. As the
// throttle tightens its video drops to a lower layer (the decoded size shrinks), then stops
// (no frame decoded); lifted, it comes back to the top layer. Each step reaches the app as
// onSimulcastSubscribeFallback with the vendor's payload.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./lib/server.mjs";
import { keepPeerConnections, launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { freePort, startThrottleRelay } from "./lib/throttle.mjs";

const ROOM = "fallback";
const RELAY_IP = "127.0.0.2";
let server, relay, browser, pub, sub;

async function openPage() {
  const p = sdkPage(server);
  const page = await browser.page(p.url, p.html);
  await keepPeerConnections(page);
  return page;
}

before(async () => {
  const port = await freePort();
  server = await startServer(["--rtc-port", String(port), "--public-ip", RELAY_IP]);
  relay = await startThrottleRelay({ address: RELAY_IP, port }, { address: "127.0.0.1", port });
  browser = await launch();
  [pub, sub] = [await openPage(), await openPage()];
  await pub.evaluate(
    async ({ appId, room }) => {
      const engine = (window.engine = VERTC.createEngine(appId));
      engine.setVideoEncoderConfig({ width: 960, height: 540, frameRate: 15 });
      engine.enableSimulcastMode(true);
      await engine.startVideoCapture();
      await engine.startAudioCapture();
      const { token } = await (await fetch(`/dev/token?roomId=${room}&userId=pub`)).json();
      await engine.joinRoom(token, room, { userId: "pub" }, { isAutoPublish: true });
    },
    { appId: server.appId, room: ROOM },
  );
  await sub.evaluate(
    async ({ appId, room }) => {
      const t = (window.t = { steps: [], set: {} });
      const engine = (t.engine = VERTC.createEngine(appId));
      // Before joining, as the vendor asks.
      t.set.option = engine.setSubscribeFallbackOption(VERTC.SubscribeFallbackOption.AUDIO_ONLY);
      t.set.priority = engine.setRemoteUserPriority("pub", VERTC.RemoteUserPriority.HIGH);
      t.set.badOption = engine.setSubscribeFallbackOption(7);
      t.set.badUser = engine.setRemoteUserPriority("not an id!", VERTC.RemoteUserPriority.HIGH);
      engine.on(VERTC.events.onSimulcastSubscribeFallback, (e) => t.steps.push({ at: performance.now(), e }));
      engine.on(VERTC.events.onUserPublishStream, (e) => {
        if (e.mediaType & VERTC.MediaType.VIDEO)
          engine.setRemoteVideoPlayer(VERTC.StreamIndex.STREAM_INDEX_MAIN, { renderDom: "remote", userId: e.userId });
      });
      const { token } = await (await fetch(`/dev/token?roomId=${room}&userId=sub`)).json();
      await engine.joinRoom(token, room, { userId: "sub" }, { isAutoPublish: false });
    },
    { appId: server.appId, room: ROOM },
  );
});

after(async () => {
  await browser?.close();
  relay?.close();
  await server?.stop();
});

/** The subscriber's decoded width of pub's video. */
const width = () => sub.evaluate(() => document.querySelector("#remote video")?.videoWidth ?? 0);

/** What the subscriber received so far: video frames decoded and audio packets. */
const received = () =>
  sub.evaluate(async () => {
    const got = { frames: 0, audio: 0 };
    for (const pc of window.pcs) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "video") got.frames += r.framesDecoded ?? 0;
        if (r.type === "inbound-rtp" && r.kind === "audio") got.audio += r.packetsReceived ?? 0;
      });
    }
    return got;
  });
const decoded = async () => (await received()).frames;

/** The fallback steps the app heard so far. */
const steps = () => sub.evaluate(() => window.t.steps.map((s) => s.e));

/** Waits for a step matching `pick` after the first `from`; returns it. */
async function stepAfter(from, what, pick, ms = 45_000) {
  return waitFor(async () => (await steps()).slice(from).find(pick), ms, what);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("a throttled subscriber falls back to a lower layer, then audio only, and recovers", async () => {
  const VERTC_REASON = await sub.evaluate(() => ({ ...VERTC.FallbackOrRecoverReason }));
  assert.equal(VERTC_REASON.SubscribeFallbackByBandwidth, 0);
  assert.equal(VERTC_REASON.SubscribeRecoverByBandwidth, 2);
  const set = await sub.evaluate(() => window.t.set);
  assert.deepEqual(set, { option: true, priority: true, badOption: false, badUser: false });
  await waitFor(async () => (await width()) === 960, 30_000, "the top layer decoded");
  // The estimator finds the path before the throttle. (On a loaded machine its estimate of a
  // free loopback path can dip for long enough to lower a layer; that is logged, not judged.)
  await sleep(5_000);
  const free = (await steps()).length;
  if (free) console.log(`steps on the free path: ${JSON.stringify(await steps())}`);

  // Tight: a lower layer.
  relay.setRate(300_000);
  const down = await stepAfter(free, "a step down", (s) => s.afterVideoIndex > s.beforeVideoIndex);
  assert.deepEqual(Object.keys(down).sort(), [
    "afterEnable",
    "afterVideoIndex",
    "beforeEnable",
    "beforeVideoIndex",
    "isScreen",
    "reason",
    "userId",
  ]);
  assert.equal(down.userId, "pub");
  assert.equal(down.isScreen, false);
  assert.equal(down.afterVideoIndex, down.beforeVideoIndex + 1);
  assert.equal(down.beforeEnable && down.afterEnable, true);
  assert.equal(down.reason, VERTC_REASON.SubscribeFallbackByBandwidth);
  const lower = await waitFor(
    async () => {
      const w = await width();
      return w > 0 && w < 960 && w;
    },
    20_000,
    "a smaller picture decoded",
  );
  console.log(`decoded width after the first step: ${lower}`);

  // Tighter still: audio only. The audio (Opus, about 40 kbit/s) still fits.
  relay.setRate(100_000);
  const cut = await stepAfter(free, "audio only", (s) => !s.afterEnable);
  assert.equal(cut.beforeEnable, true);
  assert.equal(cut.reason, VERTC_REASON.SubscribeFallbackByBandwidth);
  // What was queued before the cut drains (the SFU paces this downlink to its estimate and the
  // relay queues what it cannot pass yet, so that takes a few seconds); then nearly no picture
  // (45 frames in 3 s at 15 fps), audio all along, the video still cut.
  const cutSteps = (await steps()).length;
  let before = await received();
  let after = before;
  let frames = Infinity;
  const drained = Date.now() + 20_000;
  while (frames > 3) {
    assert.ok(Date.now() < drained, `still ${frames} frames decoded in 3 s, 20 s after the cut`);
    await sleep(3_000);
    after = await received();
    frames = after.frames - before.frames;
    const stepsNow = await steps();
    assert.ok(
      stepsNow.slice(cutSteps).every((s) => !s.afterEnable),
      `the video came back before it stopped arriving: ${JSON.stringify(stepsNow)}`,
    );
    if (frames > 3) before = after;
  }
  const audio = after.audio - before.audio;
  console.log(`audio only: ${frames} frames decoded and ${audio} audio packets in 3 s`);
  assert.ok(audio >= 100, `only ${audio} audio packets in 3 s of audio only`);
  const frozen = after.frames;

  // Lifted: video comes back, step by step, to the top layer.
  const heard = (await steps()).length;
  relay.setRate(0);
  const back = await stepAfter(heard, "video back", (s) => !s.beforeEnable && s.afterEnable, 90_000);
  assert.equal(back.reason, VERTC_REASON.SubscribeRecoverByBandwidth);
  await stepAfter(heard, "the top layer back", (s) => s.afterEnable && s.afterVideoIndex === 0, 90_000);
  await waitFor(async () => (await decoded()) > frozen + 15, 20_000, "frames decoded again");
  await waitFor(async () => (await width()) === 960, 20_000, "the top layer decoded again");
  // The climb back ends with a recovery step to the top layer (on a loaded machine a dip of
  // the estimate on the way may lower it again first: logged).
  const all = await steps();
  const climb = all.slice(heard);
  const top = climb.find((s) => s.afterEnable && s.afterVideoIndex === 0);
  assert.equal(top.reason, VERTC_REASON.SubscribeRecoverByBandwidth, JSON.stringify(climb));
  console.log(`the climb back: ${JSON.stringify(climb.map((s) => [s.afterEnable, s.afterVideoIndex, s.reason]))}`);
  console.log(`${all.length} steps; the relay dropped ${relay.dropped()} datagrams`);
});
