// Players in Chromium: render mirroring, stop and play, visibility, the tracks behind them and
// their events. Alice's fake camera plays a Y4M of four coloured quadrants, so a mirrored
// picture is told apart from a straight one by the pixels the page shows (screenshots of the
// players, which include what CSS does to them), not by what the SDK says it did.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";
import { near, QUADRANTS, quadrantColours, readPng, y4mQuadrants } from "./lib/media_files.mjs";

const ROOM = "video";
const [RED, GREEN, BLUE, WHITE] = QUADRANTS;
let server, browser, alice, bob, dir;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-video-"));
  const y4m = join(dir, "quadrants.y4m");
  writeFileSync(y4m, y4mQuadrants(320, 240, 30));
  server = await startServer();
  browser = await launch({ args: [`--use-file-for-fake-video-capture=${y4m}`] });
  const p = sdkPage(server);
  alice = await browser.page(p.url, p.html);
  bob = await browser.page(p.url, p.html);
  await joinWithMedia(alice, server.appId, ROOM, "alice");
  await joinWithMedia(bob, server.appId, ROOM, "bob", { video: false });
  // Visibility reports come every 30 s: listen from the start, check at the end.
  for (const page of [alice, bob])
    await page.evaluate(() => {
      window.t.visibility = [];
      window.t.engine.on(VERTC.events.onPlayerVisibility, (all) =>
        window.t.visibility.push({ at: performance.now(), all: JSON.parse(JSON.stringify(all)) }),
      );
    });
  await waitFor(() => frames(bob, "#remote video"), 30_000, "alice's video in bob's page");
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Frames decoded so far by the `<video>` at `selector` in `page` (0 when none). */
function frames(page, selector) {
  return page.evaluate((s) => document.querySelector(s)?.getVideoPlaybackQuality().totalVideoFrames ?? 0, selector);
}

/** The quadrant colours of what `page` shows in `selector`, from a screenshot of the page. */
async function shown(page, selector) {
  const png = await page.locator(selector).screenshot();
  return quadrantColours(readPng(png));
}

/** Whether `colours` are the quadrants in `order` (each a colour of QUADRANTS). */
function looks(colours, order) {
  return colours.every((c, i) => near(c, order[i]));
}

const STRAIGHT = [RED, GREEN, BLUE, WHITE];
const MIRRORED = [GREEN, RED, WHITE, BLUE];

/** Waits until `page` shows `order` in `selector`; resolves with the colours seen. */
async function showsSoon(page, selector, order, what) {
  let last;
  await waitFor(
    async () => looks((last = await shown(page, selector)), order),
    10_000,
    `${what} (last ${JSON.stringify(last)})`,
  );
  return last;
}

test("a render mirror flips what a player shows, never what is sent", async () => {
  // Unmirrored by default, on both sides.
  await showsSoon(alice, "#local video", STRAIGHT, "alice's own picture straight");
  await showsSoon(bob, "#remote video", STRAIGHT, "alice's picture straight in bob's page");

  // Alice mirrors her preview: her player flips; what bob receives does not.
  await alice.evaluate(() => window.t.engine.setLocalVideoMirrorType(VERTC.MirrorType.MIRROR_TYPE_RENDER));
  await showsSoon(alice, "#local video", MIRRORED, "alice's own picture mirrored");
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(looks(await shown(bob, "#remote video"), STRAIGHT), "bob still sees alice unmirrored");
  // What is captured (and sent) is the straight picture: the snapshot reads the track itself.
  const snap = await alice.evaluate(async () => {
    const img = await window.t.engine.takeLocalSnapshot(0);
    const at = (x, y) => Array.from(img.data.slice((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));
    return { topLeft: at(img.width >> 2, img.height >> 2), topRight: at((3 * img.width) >> 2, img.height >> 2) };
  });
  assert.ok(near(snap.topLeft, RED) && near(snap.topRight, GREEN), JSON.stringify(snap));

  // Bob mirrors alice's stream in his players; a player bound later is mirrored too.
  await bob.evaluate(() => window.t.engine.setRemoteVideoMirrorType("alice", 0, VERTC.MirrorType.MIRROR_TYPE_RENDER));
  await showsSoon(bob, "#remote video", MIRRORED, "alice's picture mirrored in bob's page");
  await bob.evaluate(() => {
    const box = document.createElement("div");
    box.id = "second";
    box.className = "box";
    document.body.append(box);
    window.t.engine.setRemoteVideoPlayer(0, { userId: "alice", renderDom: "second", playerId: "p2" });
  });
  await showsSoon(bob, "#second video", MIRRORED, "the second player mirrored too");

  // Back to none: straight again.
  await alice.evaluate(() => window.t.engine.setLocalVideoMirrorType(VERTC.MirrorType.MIRROR_TYPE_NONE));
  await bob.evaluate(() => window.t.engine.setRemoteVideoMirrorType("alice", 0, VERTC.MirrorType.MIRROR_TYPE_NONE));
  await showsSoon(alice, "#local video", STRAIGHT, "alice's own picture straight again");
  await showsSoon(bob, "#remote video", STRAIGHT, "alice's picture straight again in bob's page");

  const bad = await alice.evaluate(() => {
    try {
      window.t.engine.setLocalVideoMirrorType(7);
      return "no error";
    } catch (e) {
      return e.code;
    }
  });
  assert.equal(bad, "INVALID_PARAMS");
});

test("the first frames: decoded, rendered per player, and audio decoded, with the vendor's payloads", async () => {
  const events = await bob.evaluate(() => window.t.events.filter((e) => /FirstFrame/.test(e.name)));
  const find = (name, pred = () => true) => events.find((e) => e.name === name && pred(e.data))?.data;
  const decoded = find("onVideoFirstFrameDecoded");
  assert.deepEqual(decoded, { userId: "alice", width: 320, height: 240 });
  const rendered = find("onVideoFirstFrameRendered", (d) => d.playerId === undefined);
  assert.deepEqual(rendered, { userId: "alice", width: 320, height: 240, isScreen: false });
  // The second player (bound in the test before) reports its own first frame.
  const second = await waitFor(
    () =>
      bob.evaluate(
        () => window.t.events.find((e) => e.name === "onVideoFirstFrameRendered" && e.data.playerId === "p2")?.data,
      ),
    5_000,
    "the second player's first frame",
  );
  assert.deepEqual(second, { userId: "alice", width: 320, height: 240, isScreen: false, playerId: "p2" });
  assert.deepEqual(find("onAudioFirstFrameDecoded"), { userId: "alice", isScreen: false });
  // The first decoded frame comes before (or with) the first rendered one.
  const at = (name) => events.find((e) => e.name === name).at;
  assert.ok(at("onVideoFirstFrameDecoded") <= at("onVideoFirstFrameRendered") + 1000);
});

test("getLocalStreamTrack and getRemoteStreamTrack are the tracks captured and received", async () => {
  const local = await alice.evaluate(() => {
    const e = window.t.engine;
    const video = e.getLocalStreamTrack(0, "video");
    const audio = e.getLocalStreamTrack(0, "audio");
    const shown = document.querySelector("#local video").srcObject.getVideoTracks()[0];
    return {
      video: video && { kind: video.kind, state: video.readyState, width: video.getSettings().width },
      audio: audio?.kind,
      same: video === shown,
      screen: e.getLocalStreamTrack(1, "video") ?? null,
    };
  });
  assert.deepEqual(local, {
    video: { kind: "video", state: "live", width: 320 },
    audio: "audio",
    same: true,
    screen: null,
  });
  const remote = await bob.evaluate(() => {
    const e = window.t.engine;
    const video = e.getRemoteStreamTrack("alice", 0, "video");
    const shown = document.querySelector("#remote video").srcObject.getVideoTracks()[0];
    let code = "no error";
    try {
      e.getRemoteStreamTrack("alice", 0, "data");
    } catch (err) {
      code = err.code;
    }
    return {
      same: video === shown,
      audio: e.getRemoteStreamTrack("alice", 0, "audio")?.kind,
      nobody: e.getRemoteStreamTrack("nobody", 0, "video") ?? null,
      code,
    };
  });
  assert.deepEqual(remote, { same: true, audio: "audio", nobody: null, code: "INVALID_PARAMS" });
});

test("stop pauses a stream's players until play resumes them; nothing else stops", async () => {
  const growth = async (page, selector, ms = 1000) => {
    const a = await frames(page, selector);
    await new Promise((r) => setTimeout(r, ms));
    return (await frames(page, selector)) - a;
  };
  assert.ok((await growth(bob, "#remote video")) > 5, "alice's video plays in bob's page");
  await bob.evaluate(() => window.t.engine.stop("alice", VERTC.MediaType.VIDEO, 0));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await growth(bob, "#remote video"), 0, "the default player is paused");
  assert.ok((await growth(bob, "#second video")) > 5, "the player p2 was not named, so it plays on");
  assert.equal(await bob.evaluate(() => document.querySelector("#remote video").paused), true);
  // Still subscribed: the track stays live (and the other player shows it).
  assert.equal(await bob.evaluate(() => window.t.engine.getRemoteStreamTrack("alice", 0, "video").readyState), "live");

  await bob.evaluate(() => window.t.engine.play("alice", VERTC.MediaType.VIDEO, 0));
  assert.ok((await growth(bob, "#remote video")) > 5, "plays again after play");

  // The local player: stop() with no user pauses the local ones.
  await alice.evaluate(() => window.t.engine.stop());
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await growth(alice, "#local video"), 0, "alice's own player is paused");
  await alice.evaluate(() => window.t.engine.play());
  assert.ok((await growth(alice, "#local video")) > 5, "alice's own player plays again");
});

test("player visibility: visible, or why not (style, size, position, covered, unmounted)", async () => {
  const status = () =>
    alice.evaluate(() => {
      const v = window.t.engine.getLocalVideoPlayerVisibility(0);
      return v && { status: v.status, descriptor: v.descriptor };
    });
  const first = await status();
  assert.deepEqual(first, {
    status: ["visible"],
    descriptor: { mediaType: VERTC_MEDIA_VIDEO, streamIndex: 0, userId: "alice" },
  });
  const check = async (css, expected) => {
    await alice.evaluate((css) => (document.getElementById("local").style.cssText = css), css);
    assert.deepEqual((await status()).status, expected, css);
  };
  await check("display:none", ["style"]);
  await check("opacity:0", ["style"]);
  await check("width:0;height:0", ["size"]);
  await check("position:absolute;left:-2000px;top:0", ["position"]);
  await check("", ["visible"]);
  await alice.evaluate(() => {
    const r = document.getElementById("local").getBoundingClientRect();
    const cover = document.createElement("div");
    cover.id = "cover";
    cover.style.cssText = `position:fixed;left:${r.left}px;top:${r.top}px;width:${r.width}px;height:${r.height}px;background:#fff;z-index:9`;
    document.body.append(cover);
  });
  assert.deepEqual((await status()).status, ["covered"]);
  await alice.evaluate(() => document.getElementById("cover").remove());
  // A player whose container left the page.
  await alice.evaluate(() => document.getElementById("local").remove());
  assert.deepEqual((await status()).status, ["unmount"]);

  const remote = await bob.evaluate(() => ({
    main: window.t.engine.getRemotePlayerVisibility("alice", 0),
    p2: window.t.engine.getRemotePlayerVisibility("alice", 0, "p2"),
    none: window.t.engine.getRemotePlayerVisibility("alice", 1) ?? null,
  }));
  assert.deepEqual(remote.main, {
    descriptor: { mediaType: VERTC_MEDIA_VIDEO, streamIndex: 0, userId: "alice" },
    status: ["visible"],
  });
  assert.equal(remote.p2.descriptor.playerId, "p2");
  assert.equal(remote.none, null);
});

test("onAudioPlaybackDeviceChanged names the device chosen", async () => {
  const info = await bob.evaluate(async () => {
    const seen = new Promise((r) => window.t.engine.once(VERTC.events.onAudioPlaybackDeviceChanged, r));
    await window.t.engine.setAudioPlaybackDevice("default");
    const d = await seen;
    return { deviceId: d.deviceId, kind: d.kind, json: JSON.parse(JSON.stringify(d)).deviceId };
  });
  assert.deepEqual(info, { deviceId: "default", kind: "audiooutput", json: "default" });
});

test("onPlayerVisibility reports every player every 30 s", async () => {
  const reports = await waitFor(
    () => bob.evaluate(() => window.t.visibility.length > 0 && window.t.visibility),
    40_000,
    "a visibility report",
  );
  const players = reports[0].all.map((v) => [v.descriptor.userId, v.descriptor.playerId ?? "", v.status.join()]);
  // Bob's own (empty: he captures nothing) player counts too.
  assert.deepEqual(players.sort(), [
    ["alice", "", "visible"],
    ["alice", "p2", "visible"],
    ["bob", "", "visible"],
  ]);
  const local = await waitFor(() => alice.evaluate(() => window.t.visibility[0]?.all), 5_000, "alice's report");
  // Alice's container was removed in the test before.
  assert.deepEqual(
    local.map((v) => v.status),
    [["unmount"]],
  );
});

const VERTC_MEDIA_VIDEO = 2;
