import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { StatsExceptions, RTCExceptionCodeMap } = await load("media/statsexceptions.ts");
const { empty } = await load("media/statstypes.ts");

const local = (video) => ({
  stats: { isScreen: false, audioStats: empty.localAudio(), videoStats: { ...empty.localVideo(false), ...video } },
  sends: { audio: false, video: true },
});
const remote = (audio) => ({
  stats: {
    userId: "u",
    isScreen: false,
    audioStats: { ...empty.remoteAudio(), ...audio },
    videoStats: empty.remoteVideo(false),
  },
  receives: { audio: true, video: false },
});
const steady = { statsInterval: 2000, inputFrameRate: 25, sentFrameRate: 25, sentKBitrate: 300 };

test("an exception is reported when it starts and its recovery when it ends, once each", () => {
  const x = new StatsExceptions();
  assert.deepEqual(x.judge([local(steady)], []).local, []);
  const frozen = x.judge([local({ ...steady, inputFrameRate: 0, sentFrameRate: 0, sentKBitrate: 2 })], []).local;
  assert.deepEqual(
    frozen.map((e) => [e.exception, e.code]),
    [
      ["FRAMERATE_INPUT_TOO_LOW", 1001],
      ["SEND_VIDEO_BITRATE_TOO_LOW", 1003],
    ],
  );
  assert.deepEqual(x.judge([local({ ...steady, inputFrameRate: 0, sentFrameRate: 0, sentKBitrate: 2 })], []).local, []);
  assert.deepEqual(
    x.judge([local(steady)], []).local.map((e) => e.exception),
    ["FRAMERATE_INPUT_TOO_LOW_RECOVER", "SEND_VIDEO_BITRATE_TOO_LOW_RECOVER"],
  );
});

test("the first report of a stream (no interval yet) raises nothing", () => {
  const x = new StatsExceptions();
  assert.deepEqual(x.judge([local({ statsInterval: 0 })], []).local, []);
});

test("silence received is AUDIO_OUTPUT_LEVEL_TOO_LOW for its user; a gone stream is forgotten", () => {
  const x = new StatsExceptions();
  const quiet = { statsInterval: 2000, receivedKBitrate: 30, outputLevel: 0 };
  const [e] = x.judge([], [remote(quiet)]).remote;
  assert.deepEqual(
    [e.userId, e.exception, e.code],
    ["u", "AUDIO_OUTPUT_LEVEL_TOO_LOW", RTCExceptionCodeMap.AUDIO_OUTPUT_LEVEL_TOO_LOW],
  );
  x.judge([], []);
  // Back after leaving: a new start, not a recovery.
  assert.deepEqual(x.judge([], [remote({ ...quiet, outputLevel: 0.2 })]).remote, []);
});
