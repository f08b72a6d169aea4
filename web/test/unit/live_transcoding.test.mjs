import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { startLiveTranscoding, updateLiveTranscoding, defaultTranscoding } = await load("room/live_transcoding.ts");

/** A connection that records what is sent. */
function recorder() {
  const sent = [];
  return { sent, connection: { request: async (method, params) => sent.push({ method, params }) } };
}

test("the vendor's config goes out in the protocol's shape, unknown keys left behind", async () => {
  const { sent, connection } = recorder();
  await startLiveTranscoding(connection, true, {
    url: "rtmp://cdn/live/k",
    audio: { sampleRate: 44100, channels: 1, AACProfile: "LC" },
    video: { width: 320, height: 240, codec: "H264", fps: 15, gop: 2, kBitRate: 500 },
    layout: {
      backgroundColor: "#112233",
      appData: "x",
      regions: [{ userId: "u", isScreenStream: false, x: 0.5, w: 0.5, contentControl: 1, isLocalUser: true }],
    },
  });
  assert.deepEqual(sent, [
    {
      method: "startLiveTranscoding",
      params: {
        url: "rtmp://cdn/live/k",
        audio: { sampleRate: 44100, channels: 1, AACProfile: "LC" },
        video: { width: 320, height: 240, fps: 15, gop: 2, kBitRate: 500, codec: "H264" },
        layout: {
          backgroundColor: "#112233",
          appData: "x",
          regions: [{ userId: "u", isScreenStream: false, x: 0.5, w: 0.5, contentControl: 1 }],
        },
      },
    },
  ]);
});

test("bad shapes, no url and no room are refused before anything is sent", async () => {
  const { sent, connection } = recorder();
  const refused = async (promise, code, words) => {
    await assert.rejects(promise, (e) => e.code === code && words.test(e.message));
  };
  await refused(startLiveTranscoding(connection, true, {}), "INVALID_PARAMS", /url is missing/);
  await refused(startLiveTranscoding(connection, true, { url: 5 }), "INVALID_PARAMS", /url must be a string/);
  await refused(
    startLiveTranscoding(connection, true, { url: "rtmp://a/b/c", video: { fps: "15" } }),
    "INVALID_PARAMS",
    /video.fps must be a number/,
  );
  await refused(
    updateLiveTranscoding(connection, true, { layout: { regions: [{ userId: "bad id!" }] } }),
    "INVALID_PARAMS",
    /layout.regions\[0\].userId/,
  );
  await refused(startLiveTranscoding(connection, false, { url: "rtmp://a/b/c" }), "NOT_CONNECTED_YET", /join a room/);
  assert.deepEqual(sent, []);
});

test("defaultTranscoding is the vendor's documented defaults", () => {
  const d = defaultTranscoding();
  assert.equal(d.url, "");
  assert.deepEqual(d.audio, { codec: "AAC", kBitRate: 64, sampleRate: 48000, channels: 2, AACProfile: "LC" });
  assert.deepEqual(d.video, { width: 640, height: 360, codec: "H264", fps: 15, gop: 2, kBitRate: 500 });
  assert.deepEqual(d.layout, { regions: [], appData: "", backgroundColor: "#000000" });
});
