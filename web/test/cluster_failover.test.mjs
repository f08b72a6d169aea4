// Failover in the browser: two `chorus serve --redis` nodes behind one address (a TCP front that
// passes each connection to the first node whose /healthz answers 200, as a load balancer
// would). Alice's page comes through the front to the room's node, Bob's page through the other
// node, which relays his signalling there. The room's node is killed (SIGKILL): both Web SDK
// engines report reconnecting then reconnected, rejoin through the surviving node, publish
// again, and each page plays the other's video again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chorusBinary, startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";

const APP_ID = "chorusfailoverapp0000001";
const APP_KEY = "failover-test-key";
const ROOM = "failover";

let redis, redisDir, front, browser, alice, bob;
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

/** The connection states `page` reported after `since` (the page's clock). */
function statesSince(page, since) {
  return page.evaluate(
    (since) =>
      window.t.events.filter((e) => e.name === "onConnectionStateChanged" && e.at > since).map((e) => e.data.state),
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
  browser = await launch();
  const a = sdkPage(front, "alice");
  alice = await browser.page(a.url, a.html);
  await joinWithMedia(alice, APP_ID, ROOM, "alice", { audio: false, token: token(ROOM, "alice") });
  nodes.push(await node("w2"));
  const b = sdkPage(nodes[1], "bob");
  bob = await browser.page(b.url, b.html);
  await joinWithMedia(bob, APP_ID, ROOM, "bob", { audio: false, token: token(ROOM, "bob") });
});

after(async () => {
  await browser?.close();
  for (const node of nodes) await node.stop();
  front?.close();
  redis?.kill("SIGKILL");
  if (redisDir) rmSync(redisDir, { recursive: true, force: true });
});

test("pages on a killed node reconnect through another and play each other's video again", async () => {
  await videoFlows(alice, "bob", "bob's video in alice's page");
  await videoFlows(bob, "alice", "alice's video in bob's page");
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
        return s.includes(5) && s;
      },
      30_000,
      `${who} reconnected`,
    );
    // CONNECTION_STATE_RECONNECTING (4), then CONNECTION_STATE_RECONNECTED (5), and nothing else.
    assert.deepEqual(states, [4, 5], `${who}'s connection states`);
  }
  await videoFlows(alice, "bob", "bob's video in alice's page after the failover");
  await videoFlows(bob, "alice", "alice's video in bob's page after the failover");
});
