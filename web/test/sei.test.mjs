// SEI messages in the H.264 video through the SFU, browser to browser and between a browser and
// the native SDK (`chorus join`): what one side sends with sendSEIMessage arrives in the other's
// onSEIMessageReceived byte for byte, once, after travelling in as many frames as repeatCount
// asks; the vendor's limits fail with INVALID_PARAMS.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { chorusBinary, startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";

const ROOM = "sei";
let server, browser, alice, bob;

before(async () => {
  server = await startServer();
  browser = await launch();
  const p = sdkPage(server);
  alice = await browser.page(p.url, p.html);
  bob = await browser.page(p.url, p.html);
  // Bob's page counts, per received frame, the SEI sequence numbers the SDK's worker read out
  // of it (before de-duplication): how many frames carried each message.
  await bob.evaluate(() => {
    const W = window.Worker;
    window.seiFrames = [];
    window.Worker = class extends W {
      constructor(...args) {
        super(...args);
        this.addEventListener("message", (e) =>
          window.seiFrames.push(e.data.found.map((f) => new TextDecoder().decode(f.message))),
        );
      }
    };
  });
  await joinWithMedia(alice, server.appId, ROOM, "alice", { audio: false });
  await joinWithMedia(bob, server.appId, ROOM, "bob", { audio: false, video: false });
  await bob.evaluate(() => {
    window.sei = [];
    window.t.engine.on(VERTC.events.onSEIMessageReceived, (e) =>
      window.sei.push({ key: e.remoteStreamKey, bytes: Array.from(e.sei), isBytes: e.sei instanceof Uint8Array }),
    );
  });
  // Media flows before the first message.
  await waitFor(
    () =>
      bob.evaluate(
        () => (document.querySelector("#remote video")?.getVideoPlaybackQuality().totalVideoFrames ?? 0) > 10,
      ),
    30_000,
    "Alice's video at Bob",
  );
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const received = () => bob.evaluate(() => window.sei);
/** How many frames Bob received that carried `text`. */
const framesCarrying = (text) =>
  bob.evaluate((text) => window.seiFrames.filter((frame) => frame.includes(text)).length, text);
const send = (page, ...args) =>
  page.evaluate(([index, message, repeat, mode]) => {
    try {
      const m = message?.bytes ? new Uint8Array(message.bytes) : message;
      window.t.engine.sendSEIMessage(index, m, repeat, mode);
      return null;
    } catch (e) {
      return { code: e.code, message: e.message };
    }
  }, args);

test("a text message arrives once, with its stream's key, after riding repeatCount + 1 frames", async () => {
  const before = (await received()).length;
  assert.equal(await send(alice, 0, "hello from alice", 3), null);
  const got = await waitFor(
    async () => {
      const s = await received();
      return s.length > before && s;
    },
    10_000,
    "the SEI message at Bob",
  );
  const m = got[before];
  assert.equal(new TextDecoder().decode(new Uint8Array(m.bytes)), "hello from alice");
  assert.ok(m.isBytes, "sei is a Uint8Array");
  assert.deepEqual(m.key, { roomId: ROOM, userId: "alice", streamIndex: 0 });
  // Its repeats arrived too, and were dropped: once in the event, in 4 frames on the wire.
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await received()).length, before + 1, "reported once");
  assert.equal(await framesCarrying("hello from alice"), 4, "in repeatCount + 1 = 4 frames");
});

test("4096 bytes with start codes and escape-prone runs arrive byte for byte", async () => {
  const bytes = Array.from({ length: 4096 }, (_, i) => [0, 0, 0, 1, 0, 0, 3, 0, 0, 2, 255, i & 255][i % 12]);
  const before = (await received()).length;
  assert.equal(await send(alice, 0, { bytes }, 0), null);
  const got = await waitFor(
    async () => {
      const s = await received();
      return s.length > before && s;
    },
    10_000,
    "the 4 KB message",
  );
  assert.equal(got[before].bytes.length, 4096);
  assert.deepEqual(got[before].bytes, bytes);
});

test("a burst of messages arrives complete and in order, one per frame or several per frame", async () => {
  for (const mode of [0, 1]) {
    const before = (await received()).length;
    const sent = Array.from({ length: 12 }, (_, i) => `mode ${mode} message ${i}`);
    for (const m of sent) assert.equal(await send(alice, 0, m, 1, mode), null);
    const got = await waitFor(
      async () => {
        const s = await received();
        return s.length >= before + sent.length && s;
      },
      10_000,
      `the burst in mode ${mode}`,
    );
    await new Promise((r) => setTimeout(r, 500));
    const texts = (await received()).slice(before).map((m) => new TextDecoder().decode(new Uint8Array(m.bytes)));
    assert.deepEqual(texts, sent);
    assert.ok(got.length >= before + sent.length);
  }
});

test("the video keeps playing while every frame carries SEI", async () => {
  const frames = () =>
    bob.evaluate(() => document.querySelector("#remote video").getVideoPlaybackQuality().totalVideoFrames);
  const start = await frames();
  for (let i = 0; i < 20; i++) {
    assert.equal(await send(alice, 0, `tick ${i}`, 2), null);
    await new Promise((r) => setTimeout(r, 100));
  }
  const shown = (await frames()) - start;
  assert.ok(shown > 20, `${shown} frames shown in 2 s of SEI`);
});

test("the vendor's limits and the missing stream fail with contract codes", async () => {
  const cases = [
    [[0, "", 0], "INVALID_PARAMS"],
    [[0, { bytes: new Array(4097).fill(7) }, 0], "INVALID_PARAMS"],
    [[0, "x", 31], "INVALID_PARAMS"],
    [[0, "x", -1], "INVALID_PARAMS"],
    [[0, "x", 1.5], "INVALID_PARAMS"],
    [[0, 42, 0], "INVALID_PARAMS"],
    [[7, "x", 0], "INVALID_PARAMS"],
    [[1, "x", 0], "STREAM_NOT_EXIST"],
  ];
  for (const [args, code] of cases) {
    const err = await send(alice, ...args);
    assert.equal(err?.code, code, `${JSON.stringify(args).slice(0, 40)}: ${JSON.stringify(err)}`);
  }
  // A flood: messages wait at most 2 s for a frame, so at most 120 may wait.
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
  assert.ok(flood.sent <= 120, JSON.stringify(flood));
  // Bob shares no screen (with no camera, the main stream's SEI rides a black video the SDK
  // publishes: parity_sei.test.mjs).
  assert.equal((await send(bob, 1, "x", 0))?.code, "STREAM_NOT_EXIST");
  // Outside a room.
  const outside = await alice.evaluate(() => {
    const engine = VERTC.createEngine("someapp");
    try {
      engine.sendSEIMessage(0, "x", 0);
      return null;
    } catch (e) {
      return e.code;
    } finally {
      VERTC.destroyEngine(engine);
    }
  });
  assert.equal(outside, "NOT_CONNECTED_YET");
});

/** Runs `chorus join` in the room for `seconds`, its JSON lines collected as they come. */
function nativeJoin(args, seconds) {
  const child = spawn(
    chorusBinary(),
    [
      "join",
      ...["--server", server.url, "--app-id", server.appId, "--app-key", server.appKey],
      ...["--room", ROOM, "--duration", String(seconds)],
      ...args,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const lines = [];
  createInterface({ input: child.stdout }).on("line", (l) => lines.push(JSON.parse(l)));
  const done = new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr })));
  return { child, lines, done };
}

test("the native SDK and the browser exchange SEI both ways, once each", async (t) => {
  const native = nativeJoin(["--user", "cli", "--publish-video", "pattern", "--send-sei", "from native"], 60);
  try {
    // Native to browser: "from native #n" every second, each reported once, none skipped.
    const fromNative = async () =>
      (await received())
        .filter((m) => m.key.userId === "cli")
        .map((m) => new TextDecoder().decode(new Uint8Array(m.bytes)));
    const texts = await waitFor(
      async () => {
        const x = await fromNative();
        return x.length >= 4 && x;
      },
      30_000,
      "SEI from the native client",
    );
    const numbers = texts.map((x) => Number(/^from native #(\d+)$/.exec(x)?.[1]));
    assert.ok(
      numbers.every((n, i) => Number.isInteger(n) && (i === 0 || n === numbers[i - 1] + 1)),
      `consecutive, no repeats: ${texts.join(", ")}`,
    );
    const key = (await received()).find((m) => m.key.userId === "cli").key;
    assert.deepEqual(key, { roomId: ROOM, userId: "cli", streamIndex: 0 });

    // Browser to native: binary messages with start-code-like runs, byte for byte, once.
    await waitFor(
      () => native.lines.some((l) => l.event === "onRemoteVideoFirstFrame" && l.data?.userId === "alice"),
      30_000,
      "the native client decoding Alice's video",
    );
    const sent = [0, 1, 2].map((k) =>
      Array.from({ length: 300 + k }, (_, i) => [0, 0, 1, k, 0, 0, 0, 3, i & 255][i % 9]),
    );
    for (const bytes of sent) {
      assert.equal(await send(alice, 0, { bytes }, 2), null);
      await new Promise((r) => setTimeout(r, 200));
    }
    // (The last "tick" messages of the test before may still ride Alice's first frames.)
    const fromAlice = () =>
      native.lines
        .filter((l) => l.event === "onSEIMessageReceived" && l.data.remoteStreamKey.userId === "alice")
        .map((l) => Array.from(Buffer.from(l.data.sei, "base64")))
        .filter((bytes) => bytes.length >= 300);
    await waitFor(() => fromAlice().length >= 3, 15_000, "Alice's SEI at the native client");
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(fromAlice(), sent);
    t.diagnostic(`native -> browser: ${texts.length} messages; browser -> native: ${fromAlice().length}`);
  } finally {
    native.child.kill();
    await native.done;
  }
  assert.ok(!native.lines.some((l) => l.error), JSON.stringify(native.lines.filter((l) => l.error)));
});

test("with simulcast each layer carries the message in repeatCount + 1 of its frames", async (t) => {
  const p = sdkPage(server);
  const dave = await browser.page(p.url, p.html);
  try {
    await dave.evaluate(async (appId) => {
      const engine = (window.engine = VERTC.createEngine(appId));
      engine.setVideoEncoderConfig({ width: 960, height: 540, frameRate: 15 });
      await engine.enableSimulcastMode(true);
      await engine.startVideoCapture();
      const { token } = await (await fetch("/dev/token?roomId=sei&userId=dave")).json();
      await engine.joinRoom(token, "sei", { userId: "dave" }, { isAutoPublish: true });
    }, server.appId);
    // Bob receives Dave's lowest layer, asked for before it flows: from the default (the
    // highest) a loaded machine's bandwidth estimate can switch him between layers while the
    // message rides them, and he would count frames of two layers.
    await waitFor(
      () =>
        bob.evaluate(() =>
          window.t.engine.setRemoteSimulcastStreamType("dave", VERTC.SimulcastStreamType.VIDEO_STREAM_LOW).then(
            () => true,
            () => false,
          ),
        ),
      10_000,
      "Bob asking for Dave's lowest layer",
    );
    // Messages start once it flows.
    const before = (await received()).length;
    const fromDave = async () => (await received()).slice(before).filter((m) => m.key.userId === "dave");
    let n = 0;
    const first = await waitFor(
      async () => {
        await dave.evaluate((n) => window.engine.sendSEIMessage(0, `probe ${n}`, 0), n++);
        await new Promise((r) => setTimeout(r, 300));
        return (await fromDave())[0];
      },
      30_000,
      "SEI from Dave's simulcast video",
    );
    assert.match(new TextDecoder().decode(new Uint8Array(first.bytes)), /^probe \d+$/);
    await dave.evaluate(() => window.engine.sendSEIMessage(0, "layered", 2));
    await waitFor(
      async () => (await fromDave()).some((m) => new TextDecoder().decode(new Uint8Array(m.bytes)) === "layered"),
      10_000,
      "the layered message",
    );
    await new Promise((r) => setTimeout(r, 1000));
    const layered = (await fromDave()).filter((m) => new TextDecoder().decode(new Uint8Array(m.bytes)) === "layered");
    assert.equal(layered.length, 1, "reported once");
    // Three frames of the layer Bob gets carried it: layers count apart (counted together,
    // the layers' frames would share the three).
    const carried = await framesCarrying("layered");
    const v = await bob.evaluate(() => window.t.engine.getRemoteVideoStats().dave?.[0]?.mainVideoStats);
    t.diagnostic(`frames carrying it: ${carried}; Dave's video at Bob: ${v?.width}x${v?.height}`);
    assert.equal(carried, 3);
  } finally {
    await dave.close();
  }
});
