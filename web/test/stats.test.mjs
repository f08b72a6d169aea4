// Stream statistics in the vendor's shapes: the four getters and the two periodic events, checked
// against what flows. Alice sends camera and microphone; Bob receives them. Figures must grow
// with the media, the sizes must be the ones sent and played, and a paused stream must show it.
// Carol sends a canvas and an oscillator she can freeze and silence: the stats exceptions
// follow, and their recoveries.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";

let server, browser, alice, bob;

before(async () => {
  server = await startServer();
  // Carol's oscillator plays into her stream without a click on the page.
  browser = await launch({ args: ["--autoplay-policy=no-user-gesture-required"] });
  const p = sdkPage(server);
  alice = await browser.page(p.url, p.html);
  bob = await browser.page(p.url, p.html);
  await joinWithMedia(alice, server.appId, "stats", "alice");
  await joinWithMedia(bob, server.appId, "stats", "bob", { audio: false, video: false });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const local = (page) =>
  page.evaluate(() => ({ audio: window.t.engine.getLocalAudioStats(), video: window.t.engine.getLocalVideoStats() }));
const remote = (page) =>
  page.evaluate(() => ({ audio: window.t.engine.getRemoteAudioStats(), video: window.t.engine.getRemoteVideoStats() }));
/** Bob's `<video>` of Alice: size and frames shown, measured apart from getStats. */
const played = (page) =>
  page.evaluate(() => {
    const v = document.querySelector("#remote video");
    return v && { width: v.videoWidth, height: v.videoHeight, frames: v.getVideoPlaybackQuality().totalVideoFrames };
  });

/** The vendor's field names each figure must carry. */
const FIELDS = {
  localAudio: ["audioLossRate", "sendKBitrate", "recordSampleRate", "statsInterval", "rtt", "numChannels"],
  localVideo: [
    "sentKBitrate",
    "sentFrameRate",
    "encoderOutputFrameRate",
    "statsInterval",
    "videoLossRate",
    "rtt",
    "encodedFrameWidth",
    "encodedFrameHeight",
    "encodedFrameCount",
    "codecType",
    "isScreen",
  ],
  remoteAudio: [
    "audioLossRate",
    "receivedKBitrate",
    "e2eDelay",
    "totalRtt",
    "statsInterval",
    "rtt",
    "jitterBufferDelay",
    "numChannels",
    "receivedSampleRate",
    "concealedSamples",
    "concealmentEvent",
  ],
  remoteVideo: [
    "width",
    "height",
    "videoLossRate",
    "receivedKBitrate",
    "decoderOutputFrameRate",
    "e2eDelay",
    "totalRtt",
    "isScreen",
    "statsInterval",
    "rtt",
    "codecType",
  ],
};

function hasFields(obj, fields, what) {
  for (const f of fields) assert.notEqual(obj?.[f], undefined, `${what}.${f} missing: ${JSON.stringify(obj)}`);
}

test("the local getters count what Alice sends, at the size she captures", async () => {
  const first = await waitFor(
    async () => {
      const s = await local(alice);
      return s.video.mainVideoStats.encodedFrameCount > 10 && s.audio.mainAudioStats.sendKBitrate > 0 && s;
    },
    20_000,
    "Alice's local stats",
  );
  hasFields(first.audio.mainAudioStats, FIELDS.localAudio, "mainAudioStats");
  hasFields(first.video.mainVideoStats, FIELDS.localVideo, "mainVideoStats");
  hasFields(first.video.screenVideoStats, FIELDS.localVideo, "screenVideoStats");
  await sleep(2200);
  const later = await local(alice);
  const [a, b] = [first.video.mainVideoStats, later.video.mainVideoStats];
  assert.ok(
    b.encodedFrameCount > a.encodedFrameCount + 20,
    `frames grow: ${a.encodedFrameCount} -> ${b.encodedFrameCount}`,
  );
  assert.ok(b.bytesSent > a.bytesSent, "bytes grow");
  assert.ok(later.audio.mainAudioStats.bytesSent > first.audio.mainAudioStats.bytesSent, "audio bytes grow");
  // The bitrate agrees with the bytes: kbit/s over the sampled second against 2 s of growth.
  const kbps = ((b.bytesSent - a.bytesSent) * 8) / 1000 / 2.2;
  assert.ok(
    b.sentKBitrate > kbps / 3 && b.sentKBitrate < kbps * 3,
    `sentKBitrate ${b.sentKBitrate} vs ${kbps.toFixed(1)}`,
  );
  assert.ok(b.statsInterval >= 800 && b.statsInterval <= 1500, `statsInterval ${b.statsInterval}`);
  assert.ok(b.encoderOutputFrameRate > 5, `encoder fps ${b.encoderOutputFrameRate}`);
  assert.equal(b.codecType, "H264");
  assert.equal(b.isScreen, false);
  // The encoded size is the capture's (or a scaled-down copy with its shape, under CPU load).
  const capture = await alice.evaluate(() =>
    document.querySelector("#local video")?.srcObject?.getVideoTracks()[0]?.getSettings(),
  );
  assert.ok(capture?.width > 0, "the local preview's capture size");
  {
    assert.ok(b.encodedFrameWidth <= capture.width, `${b.encodedFrameWidth} <= ${capture.width}`);
    assert.ok(
      Math.abs(b.encodedFrameWidth / b.encodedFrameHeight - capture.width / capture.height) < 0.05,
      `encoded ${b.encodedFrameWidth}x${b.encodedFrameHeight}, captured ${capture.width}x${capture.height}`,
    );
  }
  assert.equal(later.audio.mainAudioStats.recordSampleRate > 0, true);
  // Nothing is sent on the screen stream.
  assert.equal(later.video.screenVideoStats.encodedFrameCount, 0);
  assert.equal(later.video.screenVideoStats.isScreen, true);
});

test("Bob's remote getters match what plays: size, frames, bitrate", async (t) => {
  const s = await waitFor(
    async () => {
      const r = await remote(bob);
      const v = r.video.alice?.[0]?.mainVideoStats;
      return (
        v && v.width > 0 && v.decoderOutputFrameRate > 5 && r.audio.alice?.[0]?.mainAudioStats.receivedKBitrate > 0 && r
      );
    },
    20_000,
    "Bob's stats of Alice",
  );
  const v = s.video.alice[0].mainVideoStats;
  const a = s.audio.alice[0].mainAudioStats;
  hasFields(v, FIELDS.remoteVideo, "mainVideoStats");
  hasFields(a, FIELDS.remoteAudio, "mainAudioStats");
  hasFields(s.video.alice[0].screenVideoStats, FIELDS.remoteVideo, "screenVideoStats");
  assert.equal(Object.keys(s.video).join(), "alice", "only Alice is received");
  assert.equal(v.codecType, "H264");
  assert.equal(a.receivedSampleRate, 48000);
  assert.ok(a.numChannels >= 1);
  assert.equal(v.videoLossRate, 0, "no loss on loopback");
  // The size is the one the <video> element shows and the one Alice encodes.
  const shown = await waitFor(
    async () => {
      const [p, r, l] = [await played(bob), await remote(bob), await local(alice)];
      const rv = r.video.alice[0].mainVideoStats;
      const lv = l.video.mainVideoStats;
      return (
        p &&
        p.width === rv.width &&
        p.height === rv.height &&
        rv.width === lv.encodedFrameWidth &&
        rv.height === lv.encodedFrameHeight && { p, rv, lv }
      );
    },
    10_000,
    "one size sent, received and played",
  );
  assert.ok(shown.p.width > 0);
  // Frames decoded (getStats) keep pace with frames the element shows.
  const [p1, d1] = [await played(bob), (await remote(bob)).video.alice[0].mainVideoStats.framesDecoded];
  await sleep(3000);
  const [p2, d2] = [await played(bob), (await remote(bob)).video.alice[0].mainVideoStats.framesDecoded];
  const [shownFrames, decoded] = [p2.frames - p1.frames, d2 - d1];
  assert.ok(shownFrames > 20 && decoded > 20, `frames shown ${shownFrames}, decoded ${decoded}`);
  assert.ok(
    Math.abs(shownFrames - decoded) < Math.max(10, decoded * 0.5),
    `shown ${shownFrames} vs decoded ${decoded}`,
  );
  // What Bob receives is what Alice sends: bytes over the same seconds agree within the overheads.
  const sent1 = (await local(alice)).video.mainVideoStats.bytesSent;
  const recv1 = (await remote(bob)).video.alice[0].mainVideoStats.bytesReceived;
  await sleep(4000);
  const sent2 = (await local(alice)).video.mainVideoStats.bytesSent;
  const recv2 = (await remote(bob)).video.alice[0].mainVideoStats.bytesReceived;
  const ratio = (recv2 - recv1) / (sent2 - sent1);
  t.diagnostic(
    `${shown.rv.width}x${shown.rv.height}; frames shown ${shownFrames} decoded ${decoded} in 3 s; received/sent ${ratio.toFixed(3)}`,
  );
  assert.ok(ratio > 0.6 && ratio < 1.6, `received/sent over 4 s: ${ratio.toFixed(2)}`);
});

test("the events carry the vendor's payloads every 2 s", async () => {
  const events = await waitFor(
    async () => {
      const e = await bob.evaluate(() => window.t.events.filter((x) => x.name === "onRemoteStreamStats"));
      return e.length >= 3 && e;
    },
    15_000,
    "onRemoteStreamStats",
  );
  const last = events.at(-1);
  assert.equal(last.data.userId, "alice");
  assert.equal(last.data.isScreen, false);
  hasFields(last.data.audioStats, FIELDS.remoteAudio, "audioStats");
  hasFields(last.data.videoStats, FIELDS.remoteVideo, "videoStats");
  assert.ok(last.data.videoStats.statsInterval >= 1600 && last.data.videoStats.statsInterval <= 2600);
  const gaps = events.slice(1).map((e, i) => e.at - events[i].at);
  assert.ok(
    gaps.every((g) => g > 1500 && g < 2700),
    `gaps ${gaps.map((g) => g.toFixed(0))}`,
  );
  const mine = await alice.evaluate(() => window.t.localStats);
  assert.equal(mine.isScreen, false);
  hasFields(mine.audioStats, FIELDS.localAudio, "audioStats");
  hasFields(mine.videoStats, FIELDS.localVideo, "videoStats");
  assert.ok(mine.videoStats.sentKBitrate > 0 && mine.audioStats.sendKBitrate > 0);
});

test("a paused stream's stats show it, and resuming brings the figures back", async () => {
  await bob.evaluate(() => window.t.engine.pauseAllSubscribedStream(VERTC.MediaType.VIDEO));
  const paused = await waitFor(
    async () => {
      const r = await remote(bob);
      const v = r.video.alice?.[0]?.mainVideoStats;
      return v && v.receivedKBitrate === 0 && v.decoderOutputFrameRate === 0 && r;
    },
    10_000,
    "video figures at 0 while paused",
  );
  // The audio still flows.
  assert.ok(paused.audio.alice[0].mainAudioStats.receivedKBitrate > 0, "audio keeps its bitrate");
  const frozen = paused.video.alice[0].mainVideoStats.framesDecoded;
  await sleep(1500);
  assert.equal((await remote(bob)).video.alice[0].mainVideoStats.framesDecoded, frozen, "no frames while paused");
  await bob.evaluate(() => window.t.engine.resumeAllSubscribedStream(VERTC.MediaType.VIDEO));
  await waitFor(
    async () => {
      const v = (await remote(bob)).video.alice?.[0]?.mainVideoStats;
      return v && v.receivedKBitrate > 0 && v.framesDecoded > frozen;
    },
    10_000,
    "video figures back after resuming",
  );
});

test("Alice's stopped camera shows in her local stats", async () => {
  await alice.evaluate(() => window.t.engine.stopVideoCapture());
  await waitFor(
    async () => {
      const v = (await local(alice)).video.mainVideoStats;
      return v.sentKBitrate === 0 && v.encodedFrameCount === 0;
    },
    10_000,
    "zero video figures",
  );
  assert.ok((await local(alice)).audio.mainAudioStats.sendKBitrate > 0, "the microphone still sends");
});

test("a frozen canvas and a silenced oscillator raise stats exceptions, and recover", async () => {
  const p = sdkPage(server);
  const carol = await browser.page(p.url, p.html);
  try {
    await carol.evaluate(async (appId) => {
      const t = (window.t = { events: [] });
      const engine = (t.engine = VERTC.createEngine(appId));
      for (const name of ["onLocalStatsException", "onRemoteStatsException"])
        engine.on(name, (e) => t.events.push({ name, at: performance.now(), ...e }));
      const canvas = document.createElement("canvas");
      [canvas.width, canvas.height] = [320, 240];
      let hue = 0;
      t.paint = () => {
        const g = canvas.getContext("2d");
        g.fillStyle = `hsl(${(hue += 7) % 360} 80% 50%)`;
        g.fillRect(0, 0, canvas.width, canvas.height);
      };
      t.painting = setInterval(t.paint, 40);
      const ctx = new AudioContext();
      await ctx.resume();
      const osc = ctx.createOscillator();
      t.gain = ctx.createGain();
      t.gain.gain.value = 0.5;
      const out = ctx.createMediaStreamDestination();
      osc.connect(t.gain).connect(out);
      osc.start();
      const MAIN = VERTC.StreamIndex.STREAM_INDEX_MAIN;
      await engine.setVideoSourceType(MAIN, VERTC.VideoSourceType.VIDEO_SOURCE_TYPE_EXTERNAL);
      await engine.setExternalVideoTrack(MAIN, canvas.captureStream(25).getVideoTracks()[0]);
      await engine.setAudioSourceType(MAIN, VERTC.AudioSourceType.AUDIO_SOURCE_TYPE_EXTERNAL);
      await engine.setExternalAudioTrack(MAIN, out.stream.getAudioTracks()[0]);
      const { token } = await (await fetch("/dev/token?roomId=stats&userId=carol")).json();
      await engine.joinRoom(token, "stats", { userId: "carol" }, { isAutoPublish: true });
    }, server.appId);
    await bob.evaluate(() => {
      window.exceptions = [];
      window.t.engine.on(VERTC.events.onRemoteStatsException, (e) => window.exceptions.push({ ...e }));
    });
    // Media flows both ways before anything is frozen.
    await waitFor(
      async () => (await remote(bob)).audio.carol?.[0]?.mainAudioStats.receivedKBitrate > 0,
      20_000,
      "Carol's audio at Bob",
    );
    await sleep(4500);
    const carolSince = async (at, name) =>
      (await carol.evaluate(() => window.t.events)).filter((e) => e.at > at && e.exception === name);
    const now = () => carol.evaluate(() => performance.now());

    let at = await now();
    await carol.evaluate(() => clearInterval(window.t.painting));
    const frozen = await waitFor(
      async () => (await carolSince(at, "FRAMERATE_INPUT_TOO_LOW"))[0],
      10_000,
      "FRAMERATE_INPUT_TOO_LOW",
    );
    assert.deepEqual([frozen.name, frozen.code, frozen.isScreen], ["onLocalStatsException", 1001, false]);
    at = await now();
    await carol.evaluate(() => (window.t.painting = setInterval(window.t.paint, 40)));
    const thawed = await waitFor(
      async () => (await carolSince(at, "FRAMERATE_INPUT_TOO_LOW_RECOVER"))[0],
      10_000,
      "FRAMERATE_INPUT_TOO_LOW_RECOVER",
    );
    assert.equal(thawed.code, 3001);

    at = await now();
    const bobBefore = (await bob.evaluate(() => window.exceptions)).length;
    const bobSince = async (name) =>
      (await bob.evaluate(() => window.exceptions)).slice(bobBefore).filter((e) => e.exception === name);
    await carol.evaluate(() => (window.t.gain.gain.value = 0));
    const quiet = await waitFor(
      async () => (await carolSince(at, "AUDIO_INPUT_LEVEL_TOO_LOW"))[0],
      10_000,
      "AUDIO_INPUT_LEVEL_TOO_LOW",
    );
    assert.equal(quiet.code, 2001);
    const heard = await waitFor(
      async () => (await bobSince("AUDIO_OUTPUT_LEVEL_TOO_LOW"))[0],
      10_000,
      "AUDIO_OUTPUT_LEVEL_TOO_LOW at Bob",
    );
    assert.deepEqual([heard.userId, heard.code, heard.isScreen], ["carol", 2002, false]);
    at = await now();
    await carol.evaluate(() => (window.t.gain.gain.value = 0.5));
    assert.equal(
      (
        await waitFor(
          async () => (await carolSince(at, "AUDIO_INPUT_LEVEL_TOO_LOW_RECOVER"))[0],
          10_000,
          "input recovers",
        )
      ).code,
      4001,
    );
    const back = await waitFor(
      async () => (await bobSince("AUDIO_OUTPUT_LEVEL_TOO_LOW_RECOVER"))[0],
      10_000,
      "output recovers",
    );
    assert.deepEqual([back.userId, back.code], ["carol", 4002]);
  } finally {
    await carol.close();
  }
});
