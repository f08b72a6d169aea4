import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { RenderSync } = await load("media/sync.ts");
const { VideoEncoding, layerForSize, numberOf } = await load("media/encoding.ts");
const { VideoSimulcastMode } = await load("enums/values.ts");

const OFFER = [
  "v=0",
  "o=- 1 2 IN IP4 0.0.0.0",
  "s=-",
  "t=0 0",
  "a=msid-semantic: WMS first-main",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111",
  "a=mid:0",
  "a=sendonly",
  "a=msid:first-main t0",
  "a=ssrc:11 cname:x",
  "a=ssrc:11 msid:first-main t0",
  "m=video 9 UDP/TLS/RTP/SAVPF 96",
  "a=mid:1",
  "a=sendonly",
  "a=ssrc:22 cname:y",
  "m=video 9 UDP/TLS/RTP/SAVPF 96",
  "a=mid:2",
  "a=inactive",
  "a=msid:gone-main t2",
  "",
].join("\r\n");

// m-line 0 was first used by "first" and now carries bob's audio; m-line 1 (no msid yet) bob's
// video; m-line 2 carries nothing.
const TRACKS = [
  { mid: "0", userId: "bob", streamIndex: 0, kind: "audio" },
  { mid: "1", userId: "bob", streamIndex: 0, kind: "video" },
];

const msids = (sdp) => sdp.split("\r\n").filter((l) => /msid:/.test(l) && !/semantic/.test(l));

test("render sync names a user's m-lines with one stream id, from what they carry now", () => {
  const out = new RenderSync().rewrite(OFFER, TRACKS);
  assert.deepEqual(msids(out), [
    "a=msid:bob-0 chorus-0",
    "a=ssrc:11 msid:bob-0 chorus-0",
    "a=msid:bob-0 chorus-1",
    "a=msid:gone-main t2",
  ]);
  // Nothing else changes.
  assert.equal(
    out.replace(/^a=msid:.*\r\n/gm, "").replace(/ msid:\S+ \S+/g, ""),
    OFFER.replace(/^a=msid:.*\r\n/gm, "").replace(/ msid:\S+ \S+/g, ""),
  );
});

test("stream ids keep to the characters an msid may hold", () => {
  const out = new RenderSync().rewrite(OFFER, [{ mid: "0", userId: "a@b.c_d~", streamIndex: 1, kind: "audio" }]);
  assert.equal(msids(out)[0], "a=msid:a~40b.c_d~7e-1 chorus-0");
});

test("without render sync each m-line is a stream of its own", () => {
  const sync = new RenderSync();
  sync.enabled = false;
  assert.deepEqual(msids(sync.rewrite(OFFER, TRACKS)).slice(0, 3), [
    "a=msid:bob-0-0 chorus-0",
    "a=ssrc:11 msid:bob-0-0 chorus-0",
    "a=msid:bob-0-1 chorus-1",
  ]);
});

test("simulcast layers: the encodings and their scales, and the vendor's defaults", () => {
  const e = new VideoEncoding();
  assert.equal(e.sendEncodings(), null, "no layers: Chorus's default");
  e.setCamera({ width: 640, height: 480, frameRate: 15 });
  assert.equal(e.setSimulcast(VideoSimulcastMode.VIDEO_ALWAYS_SIMULCAST), true);
  assert.deepEqual(e.sendEncodings(), [
    { rid: "f", scaleResolutionDownBy: 1 },
    { rid: "h", scaleResolutionDownBy: 640 / 120 },
  ]);
  e.setSimulcast(VideoSimulcastMode.VIDEO_ALWAYS_SIMULCAST, [{ width: 160 }, { width: 320 }]);
  assert.deepEqual(
    e.sendEncodings().map((x) => x.scaleResolutionDownBy),
    [1, 2, 4],
  );
  assert.equal(e.setSimulcast(VideoSimulcastMode.VIDEO_ONLY_ONE), false);
  assert.equal(e.sendEncodings(), null);
  // An array to setVideoEncoderConfig: highest first.
  assert.equal(e.setCamera([{ width: 1280 }, { width: 640 }, { width: 320 }]), true);
  assert.deepEqual(
    e.sendEncodings().map((x) => x.scaleResolutionDownBy),
    [1, 2, 4],
  );
  const code = (f) => {
    try {
      f();
      return "no error";
    } catch (err) {
      return err.code;
    }
  };
  assert.equal(
    code(() => e.setSimulcast(VideoSimulcastMode.VIDEO_ALWAYS_SIMULCAST, [{}, {}, {}])),
    "SET_SIMULCAST_FAILED",
  );
  assert.equal(
    code(() => e.setSimulcast(VideoSimulcastMode.VIDEO_ALWAYS_SIMULCAST, [{ width: 4000 }])),
    "SET_SIMULCAST_FAILED",
  );
  assert.equal(
    code(() => e.setSimulcast(9)),
    "INVALID_PARAMS",
  );
  assert.equal(
    code(() => e.setCamera({ width: -1 })),
    "INVALID_PARAMS",
  );
  assert.equal(
    code(() => e.setCamera([])),
    "INVALID_PARAMS",
  );
});

test("constraints give their number; sizes map to the nearest layer", () => {
  assert.equal(numberOf(640), 640);
  assert.equal(numberOf({ ideal: 320, max: 640 }), 320);
  assert.equal(numberOf({ max: 640 }), 640);
  assert.equal(numberOf(undefined), undefined);
  const top = { width: 640, height: 480 };
  assert.equal(layerForSize({ width: 640, height: 480 }, top), "high");
  assert.equal(layerForSize({ width: 320, height: 240 }, top), "mid");
  assert.equal(layerForSize({ width: 160, height: 120 }, top), "low");
  assert.equal(layerForSize({ width: 160, height: 120 }, undefined), "high");
});
