// Two pages join one room with camera and microphone; each must play the other's video and
// audio, checked in what the browser decodes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";

let server, browser, alice, bob;

before(async () => {
  server = await startServer();
  browser = await launch();
  const p = sdkPage(server);
  alice = await browser.page(p.url, p.html);
  bob = await browser.page(p.url, p.html);
  await joinWithMedia(alice, server.appId, "media", "alice");
  await joinWithMedia(bob, server.appId, "media", "bob");
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The remote `<video>`'s size and decoded frame count in `page`. */
function remoteVideo(page) {
  return page.evaluate(() => {
    const v = document.querySelector("#remote video");
    return v ? { width: v.videoWidth, height: v.videoHeight, frames: v.getVideoPlaybackQuality().totalVideoFrames, user: v.dataset.chorusUser } : null;
  });
}

for (const [me, other] of [["alice", "bob"], ["bob", "alice"]]) {
  test(`${me} plays ${other}'s video: frames decode and keep coming`, async () => {
    const page = me === "alice" ? alice : bob;
    const first = await waitFor(async () => {
      const v = await remoteVideo(page);
      return v && v.width > 0 && v.frames > 0 && v;
    }, 30_000, `${other}'s video in ${me}'s page`);
    assert.equal(first.user, other);
    const later = await waitFor(async () => {
      const v = await remoteVideo(page);
      return v.frames > first.frames + 10 && v;
    }, 10_000, "more frames");
    assert.ok(later.width > 0 && later.height > 0);
    // The SDK's own figures (from getStats) agree: framesDecoded rises.
    const stats = await waitFor(async () => {
      const s = await page.evaluate((u) => window.t.remoteStats[u] ?? [], other);
      const decoded = s.map((x) => x.videoStats?.framesDecoded ?? 0);
      return decoded.length >= 2 && decoded.at(-1) > decoded[0] && s;
    }, 10_000, "framesDecoded rising in onRemoteStreamStats");
    assert.ok(stats.at(-1).videoStats.width > 0);
    const events = await page.evaluate(() => window.t.events.map((e) => e.name));
    assert.ok(events.includes("onRemoteVideoFirstFrame"), "onRemoteVideoFirstFrame was emitted");
  });

  test(`${me} receives ${other}'s audio: bytes and audio energy rise`, async () => {
    const page = me === "alice" ? alice : bob;
    const stats = await waitFor(async () => {
      const s = (await page.evaluate((u) => window.t.remoteStats[u] ?? [], other)).filter((x) => x.audioStats);
      if (s.length < 2) return false;
      const [a, b] = [s[0].audioStats, s.at(-1).audioStats];
      return b.bytesReceived > a.bytesReceived && b.totalAudioEnergy > a.totalAudioEnergy && s;
    }, 15_000, "audio bytes and energy rising");
    assert.ok(stats.some((x) => x.audioStats.audioLevel > 0), "some audio level above silence");
    const events = await page.evaluate(() => window.t.events.map((e) => e.name));
    assert.ok(events.includes("onRemoteAudioFirstFrame"));
  });
}

test("each side reports what it sends in onLocalStreamStats", async () => {
  const s = await waitFor(() => alice.evaluate(() => window.t.localStats?.videoStats?.sentKBitrate > 0 && window.t.localStats), 10_000, "local stats");
  assert.equal(s.isScreen, false);
  assert.ok(s.audioStats.sendKBitrate > 0);
});

test("snapshots of the local and the remote picture are real frames", async () => {
  const summary = await alice.evaluate(async () => {
    const describe = (img) => {
      let min = 255, max = 0;
      for (let i = 0; i < img.data.length; i += 4 * 97) {
        min = Math.min(min, img.data[i + 1]);
        max = Math.max(max, img.data[i + 1]);
      }
      return { width: img.width, height: img.height, spread: max - min };
    };
    const e = window.t.engine;
    return { local: describe(await e.takeLocalSnapshot(0)), remote: describe(await e.takeRemoteSnapshot("bob", 0)) };
  });
  for (const which of ["local", "remote"]) {
    assert.ok(summary[which].width > 0 && summary[which].height > 0, JSON.stringify(summary));
    // The fake camera draws a test pattern: not one flat colour.
    assert.ok(summary[which].spread > 50, JSON.stringify(summary));
  }
});
