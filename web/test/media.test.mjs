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
    return v
      ? {
          width: v.videoWidth,
          height: v.videoHeight,
          frames: v.getVideoPlaybackQuality().totalVideoFrames,
          user: v.dataset.chorusUser,
        }
      : null;
  });
}

for (const [me, other] of [
  ["alice", "bob"],
  ["bob", "alice"],
]) {
  test(`${me} plays ${other}'s video: frames decode and keep coming`, async () => {
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
    const later = await waitFor(
      async () => {
        const v = await remoteVideo(page);
        return v.frames > first.frames + 10 && v;
      },
      10_000,
      "more frames",
    );
    assert.ok(later.width > 0 && later.height > 0);
    // The SDK's own figures (from getStats) agree: framesDecoded rises.
    const stats = await waitFor(
      async () => {
        const s = await page.evaluate((u) => window.t.remoteStats[u] ?? [], other);
        const decoded = s.map((x) => x.videoStats?.framesDecoded ?? 0);
        return decoded.length >= 2 && decoded.at(-1) > decoded[0] && s;
      },
      10_000,
      "framesDecoded rising in onRemoteStreamStats",
    );
    assert.ok(stats.at(-1).videoStats.width > 0);
    const events = await page.evaluate(() => window.t.events.map((e) => e.name));
    assert.ok(events.includes("onRemoteVideoFirstFrame"), "onRemoteVideoFirstFrame was emitted");
  });

  test(`${me} receives ${other}'s audio: bytes and audio energy rise`, async () => {
    const page = me === "alice" ? alice : bob;
    const stats = await waitFor(
      async () => {
        const s = (await page.evaluate((u) => window.t.remoteStats[u] ?? [], other)).filter((x) => x.audioStats);
        if (s.length < 2) return false;
        const [a, b] = [s[0].audioStats, s.at(-1).audioStats];
        return b.bytesReceived > a.bytesReceived && b.totalAudioEnergy > a.totalAudioEnergy && s;
      },
      15_000,
      "audio bytes and energy rising",
    );
    assert.ok(
      stats.some((x) => x.audioStats.audioLevel > 0),
      "some audio level above silence",
    );
    const events = await page.evaluate(() => window.t.events.map((e) => e.name));
    assert.ok(events.includes("onRemoteAudioFirstFrame"));
  });
}

test("each side reports what it sends in onLocalStreamStats", async () => {
  const s = await waitFor(
    () => alice.evaluate(() => window.t.localStats?.videoStats?.sentKBitrate > 0 && window.t.localStats),
    10_000,
    "local stats",
  );
  assert.equal(s.isScreen, false);
  assert.ok(s.audioStats.sendKBitrate > 0);
});

test("snapshots of the local and the remote picture are real frames", async () => {
  const summary = await alice.evaluate(async () => {
    const describe = (img) => {
      let min = 255,
        max = 0;
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

test("onNetworkQuality rates loopback EXCELLENT both ways once media flows", async () => {
  await alice.evaluate(() => {
    window.t.quality = [];
    window.t.engine.on(VERTC.events.onNetworkQuality, (up, down) => window.t.quality.push([up, down]));
  });
  const q = await waitFor(
    () => alice.evaluate(() => window.t.quality.find(([up, down]) => up && down)),
    10_000,
    "a graded network quality",
  );
  assert.deepEqual(q, [1, 1], "no loss and sub-ms round trips on loopback");
  assert.equal(await alice.evaluate(() => VERTC.NetworkQuality.EXCELLENT), 1);
});

test("audio reports: volumes of self and others, and the active speaker", async () => {
  await bob.evaluate(() => {
    window.t.volumes = [];
    window.t.speakers = [];
    window.t.engine.on(VERTC.events.onAudioVolumeIndication, ({ speakers }) =>
      window.t.volumes.push({ at: performance.now(), v: speakers }),
    );
    window.t.engine.on(VERTC.events.onActiveSpeaker, ({ roomId, userId }) =>
      window.t.speakers.push({ roomId, userId }),
    );
    window.t.engine.setAudioVolumeIndicationInterval(200);
    window.t.engine.enableAudioPropertiesReport({ interval: 200 });
  });
  // Chromium's fake microphone beeps: both sides' levels rise above silence at some point.
  const heard = (who) => (all) => all.some((x) => x.v.some((s) => s.userId === who && s.volume > 0));
  await waitFor(
    async () => heard("alice")(await bob.evaluate(() => window.t.volumes)),
    10_000,
    "alice's volume above 0 in bob's reports",
  );
  await waitFor(
    async () => heard("bob")(await bob.evaluate(() => window.t.volumes)),
    10_000,
    "bob's own volume above 0",
  );
  const speaker = await waitFor(() => bob.evaluate(() => window.t.speakers[0]), 20_000, "an active speaker");
  assert.deepEqual(speaker, { roomId: "media", userId: "alice" });
  // Reports come about every 200 ms, and stop when turned off.
  const volumes = await bob.evaluate(() => window.t.volumes.map((x) => x.at));
  // The median, since a busy machine can hold one timer back now and then.
  const gaps = volumes.slice(1).map((at, i) => at - volumes[i]);
  const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)];
  assert.ok(median > 150 && median < 300 && gaps.every((g) => g > 100), `intervals ${gaps.map(Math.round)}`);
  const count = await bob.evaluate(() => {
    window.t.engine.setAudioVolumeIndicationInterval(0);
    window.t.engine.enableAudioPropertiesReport({ interval: 0 });
    return window.t.volumes.length;
  });
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(await bob.evaluate(() => window.t.volumes.length), count);
});
