// Failover in the browser: two `chorus serve --redis` nodes behind one address (a TCP front that
// passes each connection to the first node whose /healthz answers 200, as a load balancer
// would). Alice's page comes through the front to the room's node, Bob's page through the other
// node, which relays his signalling there; Bob does not auto-subscribe and subscribed to Alice's
// video himself. The room's node is killed (SIGKILL): both Web SDK engines report reconnecting
// then reconnected (for a node change) and nothing else, rejoin through the surviving node,
// publish again (Bob's subscription is made again for him), and each page plays the other's
// camera again in the same player; neither page hears the other leave, join, unpublish or
// publish, even once the roster's return window has closed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chorusBinary, startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";
import { QUADRANTS, near, y4mQuadrants } from "./lib/media_files.mjs";

const APP_ID = "chorusfailoverapp0000001";
const APP_KEY = "failover-test-key";
const ROOM = "failover";
/** What each page reports of the failover: RECONNECTING, then RECONNECTED for a node change. */
const RECONNECTED = [
  [4, null],
  [5, "nodeChange"],
];

let redis, redisDir, front, browser, alice, bob, cameraDir;
const nodes = [];

function token(room, user) {
  return execFileSync(chorusBinary(), [
    "token",
    "create",
    "--app-id",
    APP_ID,
    "--app-key",
    APP_KEY,
    "--room",
    room,
    "--user",
    user,
  ])
    .toString()
    .trim();
}

/** Whether the node at `url` answers GET /healthz with 200 within 2 s. */
function healthy(url) {
  return new Promise((resolve) => {
    const req = request(`${url}/healthz`, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/** The front: one address for `nodes`, each connection to the first healthy one. */
function startFront() {
  const sockets = new Set();
  const server = createServer(async (client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    for (const node of [...nodes]) {
      if (!(await healthy(node.url))) continue;
      const { hostname, port } = new URL(node.url);
      const upstream = connect(Number(port), hostname);
      sockets.add(upstream);
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
      client.pipe(upstream).pipe(client);
      return;
    }
    client.destroy();
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => {
          server.close();
          for (const s of sockets) s.destroy();
        },
      }),
    ),
  );
}

/** The remote `<video>` in `page`: its user, a mark naming the element, and its decoded frames. */
function remoteVideo(page) {
  return page.evaluate(() => {
    const v = document.querySelector("#remote video");
    if (!v) return null;
    v.dataset.mark ||= String(Math.random());
    return {
      user: v.dataset.chorusUser,
      mark: v.dataset.mark,
      width: v.videoWidth,
      frames: v.getVideoPlaybackQuality().totalVideoFrames,
    };
  });
}

/** Waits until `page` decodes ten more frames of `other`'s video in one element. */
async function videoFlows(page, other, what) {
  let seen = null;
  await waitFor(
    async () => {
      const v = await remoteVideo(page);
      if (!v || v.user !== other || v.width === 0) return false;
      if (!seen || seen.mark !== v.mark) seen = v;
      return v.frames > seen.frames + 10;
    },
    30_000,
    what,
  );
}

/** Checks that `page` decodes no more than a frame or two of `other`'s video over `ms`. */
async function videoStill(page, other, ms, what) {
  const before = await remoteVideo(page);
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await remoteVideo(page);
  assert.equal(after.user, other, `${what}: the player is ${other}'s`);
  assert.ok(after.frames <= before.frames + 2, `${what}: ${after.frames - before.frames} frames decoded`);
}

/** Checks that `page` shows `other`'s camera (the quadrants both pages send) in its player. */
async function showsCamera(page, other, what) {
  const colours = await page.evaluate(async (other) => {
    const img = await window.t.engine.takeRemoteSnapshot(other, 0);
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
  }, other);
  colours.forEach((c, i) => assert.ok(near(c, QUADRANTS[i]), `${what}: quadrant ${i} is ${c}, sent ${QUADRANTS[i]}`));
}

/** The room events about `other` that `page` reported after `since` (the page's clock). */
function roomEventsSince(page, other, since) {
  return page.evaluate(
    ({ other, since }) =>
      window.t.events
        .filter((e) => e.at > since && /^onUser(Joined|Leave|Publish|Unpublish)/.test(e.name))
        .filter((e) => (e.data?.userId ?? e.data?.userInfo?.userId) === other)
        .map((e) => e.name),
    { other, since },
  );
}

/** The connection states `page` reported after `since` (the page's clock), with their reasons. */
function statesSince(page, since) {
  return page.evaluate(
    (since) =>
      window.t.events
        .filter((e) => e.name === "onConnectionStateChanged" && e.at > since)
        .map((e) => [e.data.state, e.data.reason ?? null]),
    since,
  );
}

before(async () => {
  const probe = createServer();
  const port = await new Promise((resolve) => probe.listen(0, "127.0.0.1", () => resolve(probe.address().port)));
  await new Promise((resolve) => probe.close(resolve));
  redisDir = mkdtempSync(join(tmpdir(), "chorus-redis-"));
  redis = spawn(
    "redis-server",
    ["--bind", "127.0.0.1", "--port", String(port), "--dir", redisDir, "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  await waitFor(
    () =>
      new Promise((resolve) => {
        const s = connect(port, "127.0.0.1");
        s.once("connect", () => (s.destroy(), resolve(true)));
        s.once("error", () => resolve(false));
      }),
    10_000,
    "redis-server to listen",
  );
  const redisUrl = `redis://127.0.0.1:${port}`;
  const node = (name) => startServer(["--app", `${APP_ID}:${APP_KEY}`, "--redis", redisUrl, "--node-id", name]);
  front = await startFront();
  // The only node at first: the room is placed on it, and Alice reaches it through the front.
  nodes.push(await node("w1"));
  cameraDir = mkdtempSync(join(tmpdir(), "chorus-failover-"));
  writeFileSync(join(cameraDir, "camera.y4m"), y4mQuadrants(320, 240, 30));
  browser = await launch({ args: [`--use-file-for-fake-video-capture=${join(cameraDir, "camera.y4m")}`] });
  const a = sdkPage(front, "alice");
  alice = await browser.page(a.url, a.html);
  await joinWithMedia(alice, APP_ID, ROOM, "alice", { audio: false, token: token(ROOM, "alice") });
  nodes.push(await node("w2"));
  const b = sdkPage(nodes[1], "bob");
  bob = await browser.page(b.url, b.html);
  await joinWithMedia(bob, APP_ID, ROOM, "bob", {
    audio: false,
    token: token(ROOM, "bob"),
    roomConfig: { isAutoSubscribeAudio: false, isAutoSubscribeVideo: false },
  });
  await waitFor(
    () =>
      bob.evaluate(() => window.t.events.some((e) => e.name === "onUserPublishStream" && e.data.userId === "alice")),
    20_000,
    "alice's publish in bob's page",
  );
  await bob.evaluate(() => window.t.engine.subscribeStream("alice", VERTC.MediaType.VIDEO));
});

after(async () => {
  await browser?.close();
  for (const node of nodes) await node.stop();
  front?.close();
  redis?.kill("SIGKILL");
  if (redisDir) rmSync(redisDir, { recursive: true, force: true });
  if (cameraDir) rmSync(cameraDir, { recursive: true, force: true });
});

test("pages on a killed node reconnect through another, as they were (subscriptions, layers, pauses), and the app sees only that", async () => {
  await videoFlows(alice, "bob", "bob's video in alice's page");
  await videoFlows(bob, "alice", "alice's video in bob's page");
  await showsCamera(alice, "bob", "bob's camera in alice's page");
  await showsCamera(bob, "alice", "alice's camera in bob's page");
  // Alice pauses what she receives of video: the server stops forwarding it.
  await alice.evaluate(() => window.t.engine.pauseAllSubscribedStream(VERTC.MediaType.VIDEO));
  await new Promise((resolve) => setTimeout(resolve, 500));
  await videoStill(alice, "bob", 1500, "bob's video paused in alice's page");
  const players = await Promise.all([alice, bob].map((p) => remoteVideo(p)));
  const since = await Promise.all([alice, bob].map((p) => p.evaluate(() => performance.now())));
  // Out of the front's list and the cleanup's: a stopped node's stop() would wait for ever.
  await nodes.shift().stop();
  for (const [page, at, who] of [
    [alice, since[0], "alice"],
    [bob, since[1], "bob"],
  ]) {
    const states = await waitFor(
      async () => {
        const s = await statesSince(page, at);
        return s.some(([state]) => state === 5) && s;
      },
      30_000,
      `${who} reconnected`,
    );
    // CONNECTION_STATE_RECONNECTING (4), then CONNECTION_STATE_RECONNECTED (5) with the vendor's
    // NODE_CHANGE (the room goes on in a new session on another node), and nothing else.
    assert.deepEqual(states, RECONNECTED, `${who}'s connection states`);
  }
  await videoFlows(bob, "alice", "alice's video in bob's page after the failover");
  // Alice's pause was asked for again with her rejoin: Bob is back, and nothing of his video
  // reaches her until she resumes.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await videoStill(alice, "bob", 2000, "bob's video still paused in alice's page after the failover");
  await alice.evaluate(() => window.t.engine.resumeAllSubscribedStream(VERTC.MediaType.VIDEO));
  await videoFlows(alice, "bob", "bob's video in alice's page after the failover and the resume");
  await showsCamera(alice, "bob", "bob's camera in alice's page after the failover");
  // Bob's own subscription, made again for him: no auto subscribe would have brought it back.
  await showsCamera(bob, "alice", "alice's camera in bob's page after the failover");
  for (const [page, before, at, who, other] of [
    [alice, players[0], since[0], "alice", "bob"],
    [bob, players[1], since[1], "bob", "alice"],
  ]) {
    // The app set its player once, before the failover; the same element plays on.
    assert.equal((await remoteVideo(page)).mark, before.mark, `${who}'s remote player is the one set before`);
    // Both came back within the roster's return window: once it closes, the app heard nothing of it.
    await waitFor(
      () => page.evaluate(() => window.t.engine.session.room?.roster.deadline === null),
      30_000,
      `${who}'s return window to close`,
    );
    assert.deepEqual(await roomEventsSince(page, other, at), [], `${who}'s events about ${other}`);
    assert.deepEqual(await statesSince(page, at), RECONNECTED, `${who}'s connection states, in the end`);
  }
});
