// Media that stops flowing while signalling stays up (a network path that breaks and comes
// back): the SFU drops both transports after its ICE timeout, the pages must set up new ones
// and see each other again without rejoining. The server advertises 127.0.0.2, where a UDP
// relay the test can cut forwards to the SFU on 127.0.0.1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";

let server, browser, relay, alice, bob;

/** A free UDP port on 127.0.0.1 (the SFU also listens for ICE-TCP on the same number). */
function freePort() {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.bind(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Relays datagrams from `host:port` to the SFU at 127.0.0.1:port, one upstream socket per client; `cut` drops everything. */
async function startRelay(host, port) {
  const front = createSocket("udp4");
  const upstream = new Map();
  const relay = { cut: false, close: () => [front, ...upstream.values()].forEach((s) => s.close()) };
  front.on("message", (msg, from) => {
    if (relay.cut) return;
    const key = `${from.address}:${from.port}`;
    let up = upstream.get(key);
    if (!up) {
      up = createSocket("udp4");
      up.on("message", (back) => relay.cut || front.send(back, from.port, from.address));
      up.bind(0, "127.0.0.1");
      upstream.set(key, up);
    }
    up.send(msg, port, "127.0.0.1");
  });
  await new Promise((resolve) => front.bind(port, host, resolve));
  return relay;
}

/** Decoded frames of the remote video in `page`. */
const frames = (page) =>
  page.evaluate(() => document.querySelector("#remote video")?.getVideoPlaybackQuality().totalVideoFrames ?? 0);

async function framesRise(page, what) {
  const start = await frames(page);
  await waitFor(async () => (await frames(page)) > start + 10, 25_000, what);
}

before(async () => {
  const port = await freePort();
  relay = await startRelay("127.0.0.2", port);
  server = await startServer(["--rtc-port", String(port), "--public-ip", "127.0.0.2"]);
  browser = await launch();
  const p = sdkPage(server, "recovery");
  alice = await browser.page(p.url, p.html);
  bob = await browser.page(p.url, p.html);
  await joinWithMedia(alice, server.appId, "recovery", "alice");
  await joinWithMedia(bob, server.appId, "recovery", "bob");
});

after(async () => {
  await browser?.close();
  await server?.stop();
  relay?.close();
});

test("a media path cut for 17 s: both pages set up new transports and see each other again, still in the room", async () => {
  await framesRise(alice, "bob's video at alice");
  await framesRise(bob, "alice's video at bob");
  relay.cut = true;
  // Past the SFU's ICE timeout: it drops the transports; the browsers give up on theirs.
  await new Promise((r) => setTimeout(r, 17_000));
  const stalled = await frames(bob);
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok((await frames(bob)) <= stalled + 2, "nothing gets through the cut");
  relay.cut = false;
  await framesRise(bob, "alice's video at bob after the cut");
  await framesRise(alice, "bob's video at alice after the cut");
  // Chorus published again on a new transport by itself: onPublishRetry, then the result.
  const retried = await bob.evaluate(() =>
    window.t.events.filter((e) => ["onPublishRetry", "onPublishResult"].includes(e.name)).map((e) => [e.name, e.data]),
  );
  assert.deepEqual(retried.slice(1), [
    ["onPublishRetry", { screen: false }],
    ["onPublishResult", { isScreen: false, isAutoPublish: false }],
  ]);
  // Signalling never broke: no rejoin, no error.
  const events = await bob.evaluate(() => window.t.events.map((e) => e.name));
  assert.ok(!events.includes("onError"), events.join());
  assert.ok(!events.includes("onUserLeave"), events.join());
});
