// Media controls through the Web SDK, checked in what arrives: pausing and resuming what is
// subscribed, screen sharing (auto and explicit subscription), an app's own video track, and
// the connection states when the socket to the server breaks and when it cannot come back.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect } from "node:net";
import { startServer } from "./lib/server.mjs";
import { keepPeerConnections, launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";

const ROOM = "controls";
/** The colour carol's canvas sends as her camera. */
const CANVAS_RGB = [40, 180, 220];
let server, browser, alice, bob, carol;

/** Opens an SDK page that keeps its peer connections (for their stats) in `window.pcs`. */
async function openPage() {
  const p = sdkPage(server);
  const page = await browser.page(p.url, p.html);
  await keepPeerConnections(page);
  await page.evaluate(() => {
    const screen = document.createElement("div");
    screen.id = "screen";
    screen.className = "box";
    document.body.append(screen);
  });
  return page;
}

/** Decoded frames of the video playing in `#selector` of `page` (0 when none). */
function frames(page, selector) {
  return page.evaluate(
    (s) => document.querySelector(`#${s} video`)?.getVideoPlaybackQuality().totalVideoFrames ?? 0,
    selector,
  );
}

/** Audio bytes `page` received over all its connections. */
function audioBytes(page) {
  return page.evaluate(async () => {
    let bytes = 0;
    for (const pc of window.pcs) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "audio") bytes += r.bytesReceived;
      });
    }
    return bytes;
  });
}

/** How much `measure()` grows over `ms`. */
async function growth(measure, ms) {
  const a = await measure();
  await new Promise((r) => setTimeout(r, ms));
  return (await measure()) - a;
}

before(async () => {
  server = await startServer();
  browser = await launch();
  [alice, bob, carol] = [await openPage(), await openPage(), await openPage()];
  await joinWithMedia(alice, server.appId, ROOM, "alice");
  await joinWithMedia(bob, server.appId, ROOM, "bob", { video: false, audio: false });
  await bob.evaluate(() =>
    window.t.engine.on(VERTC.events.onUserPublishScreen, (e) =>
      window.t.engine.setRemoteVideoPlayer(VERTC.StreamIndex.STREAM_INDEX_SCREEN, {
        renderDom: "screen",
        userId: e.userId,
      }),
    ),
  );
  // Carol sends a canvas as her camera and receives video only when she asks for it.
  await carol.evaluate(
    async ({ appId, room, rgb }) => {
      const t = (window.t = { events: [] });
      const engine = (t.engine = VERTC.createEngine(appId));
      for (const name of Object.values(VERTC.events)) engine.on(name, (e) => t.events.push({ name, data: e }));
      const canvas = document.createElement("canvas");
      [canvas.width, canvas.height] = [320, 240];
      const paint = () => {
        const g = canvas.getContext("2d");
        g.fillStyle = `rgb(${rgb.join(",")})`;
        g.fillRect(0, 0, canvas.width, canvas.height);
      };
      paint();
      // A canvas stream carries frames only when the canvas is drawn on.
      t.painter = setInterval(paint, 50);
      engine.setVideoSourceType(VERTC.StreamIndex.STREAM_INDEX_MAIN, VERTC.VideoSourceType.VIDEO_SOURCE_TYPE_EXTERNAL);
      engine.setExternalVideoTrack(VERTC.StreamIndex.STREAM_INDEX_MAIN, canvas.captureStream(20).getVideoTracks()[0]);
      const { token } = await (await fetch(`/dev/token?roomId=${room}&userId=carol`)).json();
      await engine.joinRoom(token, room, { userId: "carol" }, { isAutoPublish: true, isAutoSubscribeVideo: false });
    },
    { appId: server.appId, room: ROOM, rgb: CANVAS_RGB },
  );
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("pausing subscribed video stops its frames; resuming brings them back", async () => {
  await waitFor(async () => (await frames(bob, "remote")) > 10, 20_000, "alice's video in bob's page");
  await bob.evaluate(() => window.t.engine.pauseAllSubscribedStream(VERTC.MediaType.VIDEO));
  await new Promise((r) => setTimeout(r, 700));
  const paused = await growth(() => frames(bob, "remote"), 2000);
  assert.ok(paused <= 2, `no frames while paused (got ${paused} in 2 s)`);
  await bob.evaluate(() => window.t.engine.resumeAllSubscribedStream(VERTC.MediaType.VIDEO));
  await waitFor(async () => (await growth(() => frames(bob, "remote"), 500)) > 5, 8_000, "frames again after resume");
});

test("pausing subscribed audio stops its bytes; resuming brings them back", async () => {
  assert.ok((await growth(() => audioBytes(bob), 1000)) > 1000, "audio flows before the pause");
  await bob.evaluate(() => window.t.engine.pauseAllSubscribedStream(VERTC.MediaType.AUDIO));
  await new Promise((r) => setTimeout(r, 700));
  const paused = await growth(() => audioBytes(bob), 2000);
  assert.ok(paused < 200, `no audio while paused (got ${paused} bytes in 2 s)`);
  // Video was not paused: it keeps coming.
  assert.ok((await growth(() => frames(bob, "remote"), 1000)) > 5, "video still flows");
  await bob.evaluate(() => window.t.engine.resumeAllSubscribedStream(VERTC.MediaType.AUDIO));
  await waitFor(async () => (await growth(() => audioBytes(bob), 500)) > 1000, 8_000, "audio again after resume");
});

test("a shared screen plays with auto subscribe, and with an explicit subscribeScreen", async () => {
  const settings = await alice.evaluate(async () => {
    await window.t.engine.startScreenCapture();
    await window.t.engine.publishScreen(VERTC.MediaType.VIDEO);
    const s = window.t.engine.getLocalStreamTrack(VERTC.StreamIndex.STREAM_INDEX_SCREEN, "video").getSettings();
    return { width: s.width, height: s.height };
  });
  assert.ok(settings.width > 0, JSON.stringify(settings));
  await waitFor(async () => (await frames(bob, "screen")) > 5, 15_000, "alice's screen in bob's page");
  const screen = await bob.evaluate(() => {
    const v = document.querySelector("#screen video");
    return { width: v.videoWidth, user: v.dataset.chorusUser, stream: v.dataset.chorusStream };
  });
  assert.deepEqual([screen.user, screen.stream], ["alice", "1"]);
  assert.ok(screen.width > 0);

  // Carol joined with isAutoSubscribeVideo false: told of the screen, she receives none of it.
  await waitFor(
    () =>
      carol.evaluate(() => window.t.events.some((e) => e.name === "onUserPublishScreen" && e.data.userId === "alice")),
    10_000,
    "onUserPublishScreen in carol's page",
  );
  await new Promise((r) => setTimeout(r, 1000));
  const before = await carol.evaluate(() =>
    window.t.engine.takeRemoteSnapshot("alice", 1).then(
      () => "received",
      (e) => e.code,
    ),
  );
  assert.equal(before, "STREAM_NOT_EXIST");
  await carol.evaluate(async () => {
    window.t.engine.setRemoteVideoPlayer(VERTC.StreamIndex.STREAM_INDEX_SCREEN, {
      renderDom: "screen",
      userId: "alice",
    });
    await window.t.engine.subscribeScreen("alice", VERTC.MediaType.VIDEO);
  });
  await waitFor(
    async () => (await frames(carol, "screen")) > 5,
    15_000,
    "alice's screen in carol's page after subscribeScreen",
  );
});

test("an external video track (a painted canvas) arrives as its colour", async () => {
  const rgb = await waitFor(
    async () => {
      const r = await bob.evaluate(async () => {
        const img = await window.t.engine.takeRemoteSnapshot("carol", 0).catch(() => null);
        if (!img) return null;
        const sum = [0, 0, 0];
        for (let i = 0; i < img.data.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += img.data[i + c];
        return { size: [img.width, img.height], rgb: sum.map((s) => Math.round(s / (img.data.length / 4))) };
      });
      return r && r.size[0] > 0 && r;
    },
    20_000,
    "carol's canvas in bob's page",
  );
  assert.deepEqual(rgb.size, [320, 240]);
  rgb.rgb.forEach((v, i) => assert.ok(Math.abs(v - CANVAS_RGB[i]) <= 25, `got ${rgb.rgb}, painted ${CANVAS_RGB}`));
});

/** A TCP proxy to the server whose connections the test can break. */
function startProxy(port) {
  const sockets = new Set();
  const proxy = createServer((down) => {
    const up = connect(port, "127.0.0.1");
    for (const s of [down, up]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    down.pipe(up).pipe(down);
  });
  return new Promise((resolve) =>
    proxy.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${proxy.address().port}`,
        drop: () => sockets.forEach((s) => s.destroy()),
        close: () => {
          proxy.close();
          sockets.forEach((s) => s.destroy());
        },
      }),
    ),
  );
}

test("a broken socket: RECONNECTING then RECONNECTED, still in the room; no way back: RECONNECT_FAILED", async () => {
  const proxy = await startProxy(new URL(server.url).port);
  const dan = await openPage();
  try {
    await dan.evaluate(
      async ({ appId, serverUrl, room }) => {
        const t = (window.t = { events: [] });
        const engine = (t.engine = VERTC.createEngine(appId, { serverUrl }));
        for (const name of Object.values(VERTC.events)) engine.on(name, (e) => t.events.push({ name, data: e }));
        const { token } = await (await fetch(`/dev/token?roomId=${room}&userId=dan`)).json();
        await engine.joinRoom(token, room, { userId: "dan" }, { isAutoPublish: false });
      },
      { appId: server.appId, serverUrl: proxy.url, room: ROOM },
    );
    const states = () =>
      dan.evaluate(() => window.t.events.filter((e) => e.name === "onConnectionStateChanged").map((e) => e.data.state));
    const S = await dan.evaluate(() => ({
      RECONNECTING: VERTC.ConnectionState.CONNECTION_STATE_RECONNECTING,
      RECONNECTED: VERTC.ConnectionState.CONNECTION_STATE_RECONNECTED,
      LOST: VERTC.ConnectionState.CONNECTION_STATE_LOST,
    }));
    proxy.drop();
    await waitFor(async () => (await states()).includes(S.RECONNECTED), 10_000, "RECONNECTED");
    const seen = await states();
    assert.ok(
      seen.indexOf(S.RECONNECTING) >= 0 && seen.indexOf(S.RECONNECTING) < seen.indexOf(S.RECONNECTED),
      `states ${seen}`,
    );
    // Still in the room: a room message sent after the drop arrives.
    await bob.evaluate(() => window.t.engine.sendRoomMessage("after the drop"));
    await waitFor(
      () =>
        dan.evaluate(() =>
          window.t.events.some(
            (e) => e.name === "onRoomMessageReceived" && e.data.userId === "bob" && e.data.message === "after the drop",
          ),
        ),
      5_000,
      "bob's room message in dan's page",
    );

    proxy.close();
    const failed = await waitFor(
      () => dan.evaluate(() => window.t.events.find((e) => e.name === "onError")?.data),
      25_000,
      "onError after the server is gone",
    );
    assert.equal(failed.errorCode, "RECONNECT_FAILED");
    assert.ok((await states()).includes(S.LOST));
  } finally {
    proxy.close();
    await dan.close();
  }
});
