// Cluster mode in the browser: two `chorus serve --redis` nodes on a real redis-server; a page
// at each node's origin joins the same room. The room lives on one node and the other relays
// its page's signalling there, so both pages see each other, exchange room messages, and
// each plays the other's video straight from the room's node.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chorusBinary, startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";

const APP_ID = "chorusclusterapp00000001";
const APP_KEY = "cluster-test-key";

let redis, redisDir, nodes, browser, alice, bob;

/** A TCP port free on 127.0.0.1 now. */
function freeTcpPort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

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

before(async () => {
  const port = await freeTcpPort();
  redisDir = mkdtempSync(join(tmpdir(), "chorus-redis-"));
  redis = spawn(
    "redis-server",
    ["--bind", "127.0.0.1", "--port", String(port), "--dir", redisDir, "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  await waitFor(
    () =>
      new Promise((resolve) => {
        const s = createServer();
        // Listening on the port fails once redis-server holds it.
        s.once("error", () => resolve(true));
        s.listen(port, "127.0.0.1", () => s.close(() => resolve(false)));
      }),
    10_000,
    "redis-server to listen",
  );
  const url = `redis://127.0.0.1:${port}`;
  nodes = [];
  for (const name of ["n1", "n2"]) {
    nodes.push(await startServer(["--app", `${APP_ID}:${APP_KEY}`, "--redis", url, "--node-id", name]));
  }
  browser = await launch();
  const [p1, p2] = nodes.map((n) => sdkPage(n, "cluster"));
  alice = await browser.page(p1.url, p1.html);
  bob = await browser.page(p2.url, p2.html);
  await joinWithMedia(alice, APP_ID, "cluster", "alice", { audio: false, token: token("cluster", "alice") });
  await joinWithMedia(bob, APP_ID, "cluster", "bob", { audio: false, token: token("cluster", "bob") });
});

after(async () => {
  await browser?.close();
  for (const node of nodes ?? []) await node.stop();
  redis?.kill("SIGKILL");
  if (redisDir) rmSync(redisDir, { recursive: true, force: true });
});

test("pages joined through two nodes share one room and its messages", async () => {
  for (const [page, other] of [
    [alice, "bob"],
    [bob, "alice"],
  ]) {
    await waitFor(
      () =>
        page.evaluate(
          (other) => window.t.events.some((e) => e.name === "onUserJoined" && e.data.userInfo.userId === other),
          other,
        ),
      10_000,
      `${other} joined`,
    );
  }
  await alice.evaluate(() => window.t.engine.sendRoomMessage("across the cluster"));
  const got = await waitFor(
    () =>
      bob
        .evaluate(() =>
          window.t.events.filter((e) => e.name === "onRoomMessageReceived").map((e) => [e.data.userId, e.data.message]),
        )
        .then((m) => m.length && m),
    5000,
    "alice's room message",
  );
  assert.deepEqual(got, [["alice", "across the cluster"]]);
});

/** The remote `<video>`'s size, decoded frame count and user in `page`. */
function remoteVideo(page) {
  return page.evaluate(() => {
    const v = document.querySelector("#remote video");
    return v
      ? { width: v.videoWidth, frames: v.getVideoPlaybackQuality().totalVideoFrames, user: v.dataset.chorusUser }
      : null;
  });
}

for (const [me, other] of [
  ["alice", "bob"],
  ["bob", "alice"],
]) {
  test(`${me} plays ${other}'s video across nodes: frames decode and keep coming`, async () => {
    const page = me === "alice" ? alice : bob;
    const first = await waitFor(
      async () => {
        const v = await remoteVideo(page);
        return v && v.width > 0 && v.frames > 0 && v;
      },
      30_000,
      `${other}'s video in ${me}'s page`,
    );
    assert.equal(first.user, other);
    await waitFor(
      async () => (await remoteVideo(page)).frames > first.frames + 10,
      15_000,
      `${other}'s video to keep coming`,
    );
  });
}
