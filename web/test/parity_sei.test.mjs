// SEI in a voice call, in Chromium: a user who publishes no video sends SEI on a 16x16
// black-frame video the SDK publishes implicitly; the receiver gets onSEIStreamUpdate (BLACK)
// and the messages, sees the black picture, and gets NORMAL when the camera takes over or the
// sender leaves.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";

const ROOM = "parity-sei";
let server, browser, alice, bob;

async function openPage() {
  const p = sdkPage(server);
  return browser.page(p.url, p.html);
}

before(async () => {
  server = await startServer();
  browser = await launch();
  bob = await openPage();
  await joinWithMedia(bob, server.appId, ROOM, "bob", { audio: false, video: false });
  await bob.evaluate(() => {
    window.t.sei = [];
    window.t.engine.on(VERTC.events.onSEIMessageReceived, (e) =>
      window.t.sei.push({ userId: e.remoteStreamKey.userId, text: new TextDecoder().decode(e.sei) }),
    );
  });
  alice = await openPage();
  await joinWithMedia(alice, server.appId, ROOM, "alice", { audio: true, video: false });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The onSEIStreamUpdate payloads bob got. */
const updates = () =>
  bob.evaluate(() => window.t.events.filter((e) => e.name === "onSEIStreamUpdate").map((e) => e.data));
/** The SEI texts bob got from `userId`. */
const texts = (userId) => bob.evaluate((id) => window.t.sei.filter((m) => m.userId === id).map((m) => m.text), userId);

/** Bob's picture of alice: its size and its brightest pixel (0..255). */
const picture = () =>
  bob.evaluate(() => {
    const v = document.querySelector("#remote video");
    if (!v || !v.videoWidth) return null;
    const c = document.createElement("canvas");
    [c.width, c.height] = [v.videoWidth, v.videoHeight];
    const ctx = c.getContext("2d");
    ctx.drawImage(v, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    let max = 0;
    for (let i = 0; i < px.length; i += 4) max = Math.max(max, px[i], px[i + 1], px[i + 2]);
    return { width: v.videoWidth, height: v.videoHeight, max };
  });

test("a voice-only user's SEI rides a black video; the camera takes over from it", async () => {
  const send = (text) => alice.evaluate((m) => window.t.engine.sendSEIMessage(0, m, 2), text);
  // The first message starts the carrier; bob receives from when his subscription is up.
  await send("warm-up");
  await waitFor(async () => (await updates()).length >= 1, 20_000, "onSEIStreamUpdate at bob");
  assert.deepEqual((await updates())[0], { userId: "alice", isScreen: false, type: 0 });
  // The carrier is published as alice's video, 16x16 and black.
  const published = await bob.evaluate(() =>
    window.t.events.filter((e) => e.name === "onUserPublishStream" && e.data.userId === "alice").map((e) => e.data),
  );
  assert.ok(
    published.some((p) => p.mediaType & 2),
    `alice's video is published: ${JSON.stringify(published)}`,
  );
  const black = await waitFor(picture, 10_000, "alice's carrier playing at bob");
  assert.deepEqual([black.width, black.height], [16, 16]);
  assert.ok(black.max < 40, `black picture, brightest ${black.max}`);
  for (const text of ["voice-1", "voice-2", "voice-3"]) await send(text);
  await waitFor(async () => (await texts("alice")).includes("voice-3"), 10_000, "three messages at bob");
  assert.deepEqual(
    (await texts("alice")).filter((t) => t !== "warm-up"),
    ["voice-1", "voice-2", "voice-3"],
    "each once, in order",
  );
  // Once the carrier is out, the channel's limits apply at the call, as with a camera.
  const flood = await alice.evaluate(() => {
    for (let i = 0; i < 200; i++) {
      try {
        window.t.engine.sendSEIMessage(0, `flood ${i}`, 0);
      } catch (e) {
        return { sent: i, code: e.code };
      }
    }
    return { sent: 200 };
  });
  assert.equal(flood.code, "INVALID_PARAMS", JSON.stringify(flood));
  // The camera starts: the black video is gone (NORMAL) and the camera's picture arrives.
  await alice.evaluate(() => window.t.engine.startVideoCapture());
  await waitFor(async () => (await updates()).length >= 2, 10_000, "NORMAL at bob");
  assert.deepEqual((await updates())[1], { userId: "alice", isScreen: false, type: 1 });
  await waitFor(async () => (await picture())?.width === 640, 15_000, "alice's camera at bob");
  await send("video-1");
  await waitFor(async () => (await texts("alice")).includes("video-1"), 10_000, "SEI in the camera's video");
  assert.equal((await updates()).length, 2, "no BLACK again while the camera sends");
});

test("the black video ends with NORMAL when its sender leaves", async () => {
  const carol = await openPage();
  await joinWithMedia(carol, server.appId, ROOM, "carol", { audio: true, video: false });
  await carol.evaluate(() => window.t.engine.sendSEIMessage(0, new Uint8Array([1, 2, 3]), 0));
  const forCarol = async () => (await updates()).filter((u) => u.userId === "carol");
  await waitFor(async () => (await forCarol()).length === 1, 20_000, "BLACK for carol");
  await carol.evaluate(() => window.t.engine.leaveRoom());
  await waitFor(async () => (await forCarol()).length === 2, 10_000, "NORMAL for carol");
  assert.deepEqual(
    (await forCarol()).map((u) => u.type),
    [0, 1],
  );
  await carol.close();
});
