import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { leadCodec } = await load("media/codecorder.ts");

const ANSWER = [
  "v=0",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111",
  "a=mid:0",
  "a=rtpmap:111 opus/48000/2",
  "m=video 9 UDP/TLS/RTP/SAVPF 102 103 96 97",
  "a=mid:1",
  "a=rtpmap:102 H264/90000",
  "a=rtpmap:103 rtx/90000",
  "a=rtpmap:96 VP8/90000",
  "a=rtpmap:97 rtx/90000",
  "m=video 9 UDP/TLS/RTP/SAVPF 102 96",
  "a=mid:2",
  "a=rtpmap:102 H264/90000",
  "a=rtpmap:96 VP8/90000",
  "",
].join("\r\n");

test("the preferred codec leads only the named m-line", () => {
  const out = leadCodec(ANSWER, "1", "vp8").split("\r\n");
  assert.equal(out[4], "m=video 9 UDP/TLS/RTP/SAVPF 96 102 103 97");
  assert.equal(out[10], "m=video 9 UDP/TLS/RTP/SAVPF 102 96", "the screen's m-line is left alone");
  assert.equal(leadCodec(ANSWER, "1", "H264"), ANSWER, "already first");
});

test("a codec or mid the answer lacks leaves it unchanged", () => {
  assert.equal(leadCodec(ANSWER, "1", "h265"), ANSWER);
  assert.equal(leadCodec(ANSWER, "7", "vp8"), ANSWER);
});
